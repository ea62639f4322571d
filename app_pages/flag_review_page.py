"""Flag review page (HR only): workload-strain flags per person, their reasons and the review.

Beside the flags, HR's return-to-work check-ins: a setting (open a check-in after a long
absence, off unless HR turns it on) and, when on, the list of people back from one, each marked
done like a follow-up. A check-in is never a flag: no level, no score, no reason.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import data_version, formats, get_store, require_page, session_memo
from app_pages.wellbeing_views import PURPOSE, VERSION_KEY, how_it_works, render_hr_view
from data.access import AccessDenied, Permission, Principal
from services.flags import check_ins_due, check_ins_on, complete_check_in, set_check_ins

CHECK_INS_ON_KEY = "flag_review_check_ins_on"
CHECK_IN_PICK_KEY = "flag_review_check_in_pick"
CHECK_IN_NOTE_KEY = "flag_review_check_in_note"
CHECK_IN_MESSAGE_KEY = "flag_review_check_in_message"
SHOWN_COLUMNS = ("check_in_id", "name", "agent_id", "start_date", "end_date", "back_on")
CHECK_INS_HELP = (
    "A person back from a long absence (an illness, an operation) gets a check-in item: a "
    "conversation about how the return is going. It is not a flag and carries no risk level or "
    "score; the absence is never counted as workload strain. Turning this on evaluates at once."
)


def _bump() -> None:
    """Refresh the flag views too: the evaluation run on turning check-ins on changed them."""
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1


def _set(viewer: Principal) -> None:
    on = bool(st.session_state.get(CHECK_INS_ON_KEY))
    try:
        summary = set_check_ins(get_store(), viewer, on)
    except (ValueError, AccessDenied) as exc:  # the toggle shows the stored setting again
        st.session_state[CHECK_IN_MESSAGE_KEY] = ("error", f"Return-to-work check-ins: {exc}.")
        _bump()
        return
    fmt = formats()
    text = "Return-to-work check-ins are off: no new ones are opened."
    if on:
        opened = summary.check_ins_opened if summary else 0
        text = f"Return-to-work check-ins are on: {fmt.number(opened)} opened now."
    st.session_state[CHECK_IN_MESSAGE_KEY] = ("success", text)
    _bump()


def _done(viewer: Principal, check_in_id: int) -> None:
    try:
        complete_check_in(
            get_store(), viewer, check_in_id, st.session_state.get(CHECK_IN_NOTE_KEY, "")
        )
    except (ValueError, AccessDenied) as exc:
        st.session_state[CHECK_IN_MESSAGE_KEY] = ("error", f"Not saved: {exc}.")
        return
    st.session_state[CHECK_IN_MESSAGE_KEY] = ("success", "The check-in is done.")
    st.session_state[CHECK_IN_NOTE_KEY] = ""
    _bump()


def _open_check_ins(viewer: Principal):
    """The open check-ins, read again only after a change (each read is audited)."""
    version = (data_version(), st.session_state.get(VERSION_KEY, 0))
    return session_memo(
        "flag_review_check_ins", version, lambda: check_ins_due(get_store(), viewer)
    )


def render_check_ins(viewer: Principal) -> None:
    """The setting and, when on, the list of return-to-work check-ins (signed-in HR only)."""
    if not viewer.can(Permission.MANAGE_HR_SETTINGS) or viewer.demo:
        return
    with st.expander("Return-to-work check-ins", expanded=True):
        message = st.session_state.pop(CHECK_IN_MESSAGE_KEY, None)
        if message:
            (st.success if message[0] == "success" else st.error)(message[1])
        on = check_ins_on(get_store(), viewer)
        st.session_state[CHECK_INS_ON_KEY] = on
        st.toggle(
            "Open a return-to-work check-in after a long absence",
            key=CHECK_INS_ON_KEY,
            on_change=_set,
            args=(viewer,),
            help=CHECK_INS_HELP,
        )
        if not on:
            st.caption("Off: no check-in is opened after a long absence.")
            return
        due = _open_check_ins(viewer)
        if due.empty:
            st.caption("No return-to-work check-in is open.")
            return
        fmt = formats()
        st.dataframe(
            due.loc[:, list(SHOWN_COLUMNS)],
            hide_index=True,
            width="stretch",
            key="flag_review_check_ins",
            column_config={
                "check_in_id": st.column_config.NumberColumn("Check-in", format="plain"),
                "name": "Person",
                "agent_id": "Agent",
                "start_date": st.column_config.DateColumn("Absent from", format="localized"),
                "end_date": st.column_config.DateColumn("Absent to", format="localized"),
                "back_on": st.column_config.DateColumn("Back on", format="localized"),
            },
        )
        labels = {
            int(r.check_in_id): f"{r.name} ({r.agent_id}), back on {fmt.date(r.back_on)}"
            for r in due.itertuples()
        }
        left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
        pick = left.selectbox(
            "Check-in", list(labels), format_func=labels.get, key=CHECK_IN_PICK_KEY
        )
        middle.text_input("How the return is going (kept with the check-in)", key=CHECK_IN_NOTE_KEY)
        right.button(
            "Done",
            key="flag_review_check_in_done",
            on_click=_done,
            args=(viewer, int(pick)),
            width="stretch",
        )


viewer = require_page(Permission.VIEW_INDIVIDUAL_WELLBEING)
st.title("Flag review")
st.caption(PURPOSE)
with st.expander("How flags are worked out"):
    st.markdown(how_it_works(formats()))
check_ins_box = st.container()  # shown above the flags, filled after the first-visit evaluation
render_hr_view(get_store(), viewer)
with check_ins_box:
    render_check_ins(viewer)
