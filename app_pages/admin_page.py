"""Admin page: accounts and roles, the audit log (read and export), and the HR data retention purge."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages.common import get_store, require_page
from data.access import AuditAction, Permission, Role, pseudonym_key, read_audit, record
from data.config import get_settings
from data.retention import (
    DEFAULT_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    RetentionError,
    purge_hr_data,
    retention_days,
)
from data.users import AccountError, add_user, list_users, remove_user, set_role
from staffing.exports import frame_to_csv

viewer = require_page(Permission.MANAGE_USERS)
store = get_store()
ROLES = [r.value for r in Role]

st.title("Admin")
st.caption("Accounts and roles, the audit log, and the retention of HR data.")
if viewer.demo:
    st.info(
        "Demo mode: accounts created here end demo mode for everyone; from then on, everybody "
        "signs in.",
        icon=":material/info:",
    )

users_tab, audit_tab, retention_tab = st.tabs(["Accounts", "Audit log", "Retention"])

with users_tab:
    users = list_users(store, viewer)
    if users.empty:
        st.info("No accounts yet.")
    else:
        st.dataframe(users, hide_index=True, width="stretch", key="admin_users")
    with st.form("add_user", clear_on_submit=True):
        st.write("Add an account")
        left, right = st.columns(2)
        username = left.text_input(
            "User name", help="A local name, or the e-mail an OIDC provider signs in with"
        )
        role = right.selectbox("Role", ROLES, index=ROLES.index("planner"))
        display_name = left.text_input("Display name (optional)")
        password = right.text_input(
            "Password",
            type="password",
            help="At least 12 characters. Leave empty for an account that signs in through "
            "your organisation's OIDC provider only.",
        )
        if st.form_submit_button("Add account", type="primary"):
            try:
                add_user(
                    store,
                    username,
                    role,
                    password=password or None,
                    display_name=display_name,
                    actor=viewer,
                )
                st.success(f"Added {username.strip()} as {role}.")
            except AccountError as exc:
                st.error(str(exc))
    if not users.empty:
        left, middle, right = st.columns(3)
        who = left.selectbox("Account", users["username"], key="admin_who")
        new_role = middle.selectbox("New role", ROLES, key="admin_new_role")
        if middle.button("Change role", key="admin_set_role"):
            try:
                set_role(store, who, new_role, actor=viewer)
                st.success(f"{who} is now {new_role}.")
            except AccountError as exc:
                st.error(str(exc))
        if right.button("Remove account", key="admin_remove", disabled=who == viewer.username):
            remove_user(store, who, actor=viewer)
            st.success(f"Removed {who}; their audit history stays.")

with audit_tab:
    st.caption(
        "Who viewed an individual's wellbeing data, every review change, import, export, sign-in "
        "and role change. Append-only: the database refuses edits and deletions. The people "
        "whose wellbeing data was viewed or reviewed appear by pseudonym (P-...), not by id."
    )
    left, right = st.columns(2)
    actions = left.multiselect(
        "Actions", [a.value for a in AuditAction], key="audit_actions", placeholder="All actions"
    )
    since = right.date_input(
        "Since", value=dt.date.today() - dt.timedelta(days=30), key="audit_since"
    )
    log = read_audit(
        store.engine,
        viewer,
        since=dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC),
        actions=actions or None,
        pseudonym_key=pseudonym_key(get_settings().data_dir),
    )
    st.dataframe(log, hide_index=True, width="stretch", key="audit_table")
    st.download_button(
        "Download as CSV",
        frame_to_csv(log),
        file_name=f"crewcast-audit-{dt.date.today().isoformat()}.csv",
        mime="text/csv",
        key="audit_download",
        on_click=record,
        args=(store.engine, viewer, AuditAction.EXPORT, "audit log", {"rows": len(log)}),
    )

with retention_tab:
    try:
        days = retention_days()
    except RetentionError as exc:
        st.error(str(exc))
        days = DEFAULT_RETENTION_DAYS
    st.write(
        f"HR records (absences, hours, performance, closed wellbeing flags) older than "
        f"**{days} days** are purged when you run the purge below or `python cli.py purge`. "
        f"Set `CREWCAST_HR_RETENTION_DAYS` to change the period (at least {MIN_RETENTION_DAYS})."
    )
    try:
        preview = purge_hr_data(store, days=days, actor=viewer, dry_run=True)
    except RetentionError as exc:
        st.error(str(exc))
    else:
        st.write(f"Records that ended before {preview.cutoff.isoformat()}:")
        st.dataframe(
            {"table": list(preview.deleted), "rows": list(preview.deleted.values())},
            hide_index=True,
            key="retention_preview",
        )
        if sum(preview.deleted.values()) and st.button(
            "Purge now", type="primary", key="retention_purge"
        ):
            done = purge_hr_data(store, days=days, actor=viewer)
            st.success(
                f"Purged {sum(done.deleted.values())} records; the purge is in the audit log."
            )
