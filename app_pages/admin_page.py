"""Admin page: accounts and roles, the audit log (read and export), the HR data retention purge
and removing the bundled sample. In demo mode it shows everything and changes nothing."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages.account import ROLE_HELP
from app_pages.common import (
    amount_column,
    bump_data_version,
    formats,
    get_store,
    require_page,
    who_later,
)
from data.access import (
    AccessDenied,
    AuditAction,
    Permission,
    Role,
    pseudonym_key,
    read_audit,
)
from data.config import get_settings
from data.retention import (
    DEFAULT_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    RetentionError,
    purge_hr_data,
    retention_days,
)
from data.users import PASSWORD_RULE, AccountError, add_user, list_users, remove_user, set_role
from formats import date_input_format
from services.exports import hand_out
from services.sample import holds_sample, preview_sample_removal, remove_sample
from staffing.exports import frame_to_csv

AUDIT_LIMIT = 5000  # read_audit's default: the newest rows only
AUDIT_ACTION_HELP = {
    AuditAction.VIEW_AGENT: "an individual's wellbeing data was shown (HR's flag review)",
    AuditAction.VIEW_FLAGS: "the list of individual flags was shown",
    AuditAction.REVIEW: "a flag's review state changed (with the note)",
    AuditAction.EVALUATE: "flags were worked out again",
    AuditAction.FOLLOWUP: "a review's follow-up was recorded (who, by when, the agreed action)",
    AuditAction.FOLLOWUP_DONE: "a follow-up was marked done",
    AuditAction.SET_LIMIT: "HR set a time-limited limit on a person's rostering",
    AuditAction.VIEW_FOLLOWUPS: "the list of follow-ups due was shown",
    AuditAction.SAVE_HR_SETTING: "an HR setting changed (return-to-work check-ins)",
    AuditAction.VIEW_CHECK_INS: "the list of return-to-work check-ins was shown",
    AuditAction.CHECK_IN_DONE: "a return-to-work check-in was marked done",
    AuditAction.IMPORT: "a file was imported",
    AuditAction.EXPORT: "data left Crewcast (a download or a CLI export)",
    AuditAction.SAVE_FORECAST: "a forecast run was saved",
    AuditAction.PUBLISH_SCHEDULE: "a week's schedule was published",
    AuditAction.SAVE_QUEUE_SETTINGS: "a queue's handle time, opening hours or profile changed",
    AuditAction.SAVE_DRAFT: "a staffing plan or unpublished schedule was kept as a draft",
    AuditAction.DISCARD_DRAFT: "a draft was dropped (discarded, or its schedule published)",
    AuditAction.SIGN_IN: "a successful sign-in",
    AuditAction.SIGN_IN_FAILED: "a wrong user name or password",
    AuditAction.SIGN_IN_LOCKED: "a sign-in refused unchecked after too many failures",
    AuditAction.USER_ADD: "an account was created",
    AuditAction.USER_REMOVE: "an account was removed",
    AuditAction.ROLE_CHANGE: "an account's role changed",
    AuditAction.PASSWORD_CHANGE: "an account's password changed",
    AuditAction.PURGE: "old HR records were purged",
    AuditAction.SIGN_OUT: "someone signed out (their sign-in link stops working)",
    AuditAction.REMOVE_SAMPLE: "the bundled sample and what came from it were removed",
}
ROLE_LIST_HELP = "What each role sees and does: " + "; ".join(
    f"**{r.value}**: {text}" for r, text in ROLE_HELP.items()
)

viewer = require_page(Permission.MANAGE_USERS, look_only=True)
fmt = formats()
store = get_store()
ROLES = [r.value for r in Role]
#: Demo mode is read-only for accounts and settings: every action below is disabled (and the
#: data functions refuse the demo visitor anyway).
READ_ONLY = viewer.demo
READ_ONLY_HELP = "Demo mode: look only. Accounts and settings change once an admin signs in."

st.title("Admin")
st.caption("Accounts and roles, the audit log, the retention of HR data and the sample data.")
if READ_ONLY:
    st.info(
        "Demo mode is read-only here: nobody can create accounts, change roles, purge or remove "
        "the sample. Whoever runs the server creates the first admin (with the setup token it "
        "printed, once your own data are imported, or `.venv/bin/crewcast user add NAME --role "
        "admin` on the server).",
        icon=":material/visibility:",
    )

users_tab, audit_tab, retention_tab, sample_tab = st.tabs(
    ["Accounts", "Audit log", "Retention", "Sample data"]
)

with users_tab:
    users = list_users(store, viewer)
    if users.empty:
        st.info(
            "No accounts yet. Add the first one below (an admin, so that someone can manage the "
            "others), or on the server with `.venv/bin/crewcast user add NAME --role admin`.",
            icon=":material/person_add:",
        )
    else:
        st.dataframe(
            users,
            hide_index=True,
            width="stretch",
            key="admin_users",
            column_config={
                "display_name": "Display name",
                "role": st.column_config.TextColumn("Role", help=ROLE_LIST_HELP),
                "sign_in": st.column_config.TextColumn(
                    "Signs in with",
                    help="password: a local account with a password; oidc: your organisation's "
                    "sign-in (the e-mail is the user name)",
                ),
                "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="localized"),
            },
        )
    with st.form("add_user", clear_on_submit=True):
        st.write("Add an account")
        left, right = st.columns(2)
        username = left.text_input(
            "User name", help="A local name, or the e-mail an OIDC provider signs in with"
        )
        role = right.selectbox("Role", ROLES, index=ROLES.index("planner"), help=ROLE_LIST_HELP)
        display_name = left.text_input(
            "Display name (optional)", help="How the person is greeted and named in the audit log"
        )
        password = right.text_input(
            "Password",
            type="password",
            help=f"{PASSWORD_RULE} Leave empty for an account that signs in through "
            "your organisation's OIDC provider only.",
        )
        if st.form_submit_button(
            "Add account",
            type="primary",
            disabled=READ_ONLY,
            help=READ_ONLY_HELP if READ_ONLY else None,
        ):
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
            except (AccountError, AccessDenied) as exc:
                message = str(exc)  # the password policy's reason included
                st.error(message[:1].upper() + message[1:])
    if not users.empty:
        left, middle, right = st.columns(3)
        who = left.selectbox("Account", users["username"], key="admin_who")
        new_role = middle.selectbox(
            "New role",
            ROLES,
            key="admin_new_role",
            help=ROLE_LIST_HELP + ". The change applies at once: the account signs in again.",
        )
        if middle.button("Change role", key="admin_set_role", disabled=READ_ONLY):
            try:
                set_role(store, who, new_role, actor=viewer)
                st.success(f"{who} is now {new_role}.")
            except (AccountError, AccessDenied) as exc:
                st.error(str(exc))
        if right.button(
            "Remove account",
            key="admin_remove",
            disabled=who == viewer.username or READ_ONLY,
            help="The account can no longer sign in; its audit history stays. You cannot "
            "remove your own account.",
        ):
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
        "Actions",
        [a.value for a in AuditAction],
        key="audit_actions",
        placeholder="All actions",
        help="Only entries of these kinds; none chosen: all. "
        + "; ".join(f"**{a.value}**: {text}" for a, text in AUDIT_ACTION_HELP.items()),
    )
    today = dt.date.today()
    since = right.date_input(
        "Since",
        value=today - dt.timedelta(days=30),
        max_value=today,
        key="audit_since",
        format=date_input_format(fmt.locale),
        help="Entries from this day on (00:00 UTC); the last 30 days at first.",
    )
    with st.spinner("Reading the audit log..."):
        log = read_audit(
            store.engine,
            viewer,
            since=dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC),
            actions=actions or None,
            limit=AUDIT_LIMIT,
            pseudonym_key=pseudonym_key(get_settings().data_dir),
        )
    if log.empty:
        st.info(
            f"No audit entries since {fmt.date(since)}"
            + (" of the chosen kinds" if actions else "")
            + ". Entries appear as people sign in, import or export files, save forecasts and "
            "look at or review wellbeing flags; choose an earlier day or other actions to see "
            "older ones.",
            icon=":material/manage_search:",
        )
    else:
        st.caption(
            f"{fmt.number(len(log))} entries, newest first"
            + (
                f" (the newest {fmt.number(AUDIT_LIMIT)}: choose a later day or fewer actions, or "
                "export everything with `.venv/bin/crewcast audit --out FILE`)."
                if len(log) >= AUDIT_LIMIT
                else "."
            )
        )
        st.dataframe(
            log,
            hide_index=True,
            width="stretch",
            key="audit_table",
            column_config={
                "id": st.column_config.NumberColumn("Entry", format="plain"),
                "at": st.column_config.DatetimeColumn("When (UTC)", format="localized"),
                "actor": "Who",
                "role": "Role",
                "action": st.column_config.TextColumn(
                    "Action", help="What happened; the Actions filter explains each kind"
                ),
                "subject": st.column_config.TextColumn(
                    "Subject",
                    help="What or whom it concerned: a file, an account, or a person's "
                    "pseudonym (P-...) for wellbeing views and reviews",
                ),
                "detail": st.column_config.TextColumn("Detail", width="large"),
            },
        )
        who_now = who_later()
        st.download_button(
            "Download as CSV",
            lambda: hand_out(
                store,
                who_now,
                Permission.READ_AUDIT,
                "audit log",
                frame_to_csv(log),
                {"rows": len(log)},
            ),
            file_name=f"crewcast-audit-{today.isoformat()}.csv",
            mime="text/csv",
            key="audit_download",
            on_click="ignore",
            help="The entries shown, as a CSV file; the download itself is recorded in the log.",
        )

with retention_tab:
    try:
        days = retention_days()
    except RetentionError as exc:
        st.error(str(exc))
        days = DEFAULT_RETENTION_DAYS
    st.write(
        f"HR records (absences, hours, performance, closed wellbeing flags) older than "
        f"**{fmt.with_unit(days, 'days')}** are purged when you run the purge below or "
        "`.venv/bin/crewcast purge`. Set `CREWCAST_HR_RETENTION_DAYS` on the server to change the "
        f"period (at least {fmt.with_unit(MIN_RETENTION_DAYS, 'days')}, so that a year of "
        "history stays for the absence rules). Accounts, agents, contacts, forecasts and the "
        "audit log are kept."
    )
    try:
        with st.spinner("Counting what the purge would remove..."):
            preview = purge_hr_data(store, days=days, actor=viewer, dry_run=True)
    except RetentionError as exc:
        st.error(str(exc))
    else:
        removable = sum(preview.deleted.values())
        st.write(f"Records that ended before {fmt.date(preview.cutoff)}:")
        st.dataframe(
            pd.DataFrame({"table": list(preview.deleted), "rows": list(preview.deleted.values())}),
            hide_index=True,
            key="retention_preview",
            column_config={
                "table": "Table",
                "rows": amount_column("Rows to purge", decimals=None),
            },
        )
        if not removable:
            st.caption("Nothing is old enough to purge.")
        elif st.button(
            "Purge now",
            type="primary",
            key="retention_purge",
            disabled=READ_ONLY,
            help="Deletes the rows counted above for good, in one transaction; the purge is "
            "recorded in the audit log.",
        ):
            with st.spinner(f"Purging {fmt.number(removable)} records..."):
                done = purge_hr_data(store, days=days, actor=viewer)
            bump_data_version()  # no page may keep showing purged rows from its cache
            st.success(
                f"Purged {fmt.number(sum(done.deleted.values()))} records; the purge is in the "
                "audit log."
            )

with sample_tab:
    if not holds_sample(store):
        st.info("The database holds no sample data: only your own.", icon=":material/check_circle:")
    else:
        found = preview_sample_removal(store, viewer)
        st.write(
            "The bundled sample is in the database"
            + (" next to your own data" if not store.holds_sample_only() else "")
            + ". Removing it deletes, in one transaction that the audit log records: "
            f"**{fmt.number(len(found.batch_ids))}** sample imports with every row they brought "
            f"(contacts, traffic, agents and their absences, hours and performance), "
            f"**{fmt.number(len(found.flag_ids))}** wellbeing flags of the sample's agents, "
            f"**{fmt.number(len(found.evaluation_ids))}** flag evaluations of the sample alone, "
            f"**{fmt.number(len(found.run_ids))}** saved forecasts and "
            f"**{fmt.number(len(found.schedule_ids))}** published schedules worked out from the "
            "sample alone. Your own imports, and forecasts or schedules that used them, stay."
        )
        confirmed = st.checkbox(
            "I understand the sample data are deleted for good",
            key="sample_confirm",
            disabled=READ_ONLY,
        )
        if st.button(
            "Remove the sample data",
            type="primary",
            key="sample_remove",
            disabled=READ_ONLY or not confirmed,
            help=READ_ONLY_HELP
            if READ_ONLY
            else "Also on the server: `.venv/bin/crewcast sample remove`.",
        ):
            with st.spinner("Removing the sample..."):
                removal = remove_sample(store, viewer)
            bump_data_version()
            st.success(
                f"Removed the sample: {fmt.number(removal.total)} rows in one transaction; the "
                "removal is in the audit log."
            )
