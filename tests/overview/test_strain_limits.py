"""The Overview's gap outlook counts only people who may take overtime (HR's limits)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.config import Settings
from data.store import open_store
from overview.strain import gap_strain
from services import flags
from tests.flag_fixtures import raise_flag
from tests.services.test_flags import HR, _agents, _hours, _import

FIRST_WEEK = dt.date(2026, 6, 29)  # the Monday after the hours history


def _store(tmp_path):
    st = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'strain.db'}"))
    _import(st, "agents", _agents())
    _import(st, "hours", _hours({}, default=9.6))  # 48 h weeks: any overtime crosses
    return st


def _no_overtime(store, agent_ids, first, last):
    for agent_id in agent_ids:
        flag_id = raise_flag(store, HR, agent_id, first)
        flags.review_with_followup(
            store,
            HR,
            flag_id,
            "in_review",
            expected_state="open",
            assignee=HR.username,
            due_date=last,
            action="reduce_overtime",
            limits=[{"kind": "no_overtime", "start_date": first, "end_date": last}],
        )


def test_people_under_a_no_overtime_limit_are_not_counted(tmp_path):
    store = _store(tmp_path)
    weeks = pd.DataFrame(
        {
            "country": "DE",
            "channel": "voice",
            "week_start": pd.to_datetime([FIRST_WEEK, FIRST_WEEK + dt.timedelta(days=7)]),
            "gap_hours": 120.0,  # 20 h more a week for each of the six DE people
        }
    )
    before = gap_strain(store, HR, weeks)
    assert before.would_cross == 6
    _no_overtime(store, ["A1", "A2"], FIRST_WEEK, FIRST_WEEK + dt.timedelta(days=13))
    after = gap_strain(store, HR, weeks)
    assert after.would_cross == 4
    # a limit that ended before the gap's weeks changes nothing
    _no_overtime(store, ["A3"], dt.date(2026, 6, 1), dt.date(2026, 6, 28))
    assert gap_strain(store, HR, weeks).would_cross == 4
