"""Drafts go with their owner and with the HR data they name: removing a user deletes the
user's drafts; the retention purge deletes drafts naming agents whose HR records it purged."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data import schema
from data.access import Principal, audit_frame
from data.config import Settings
from data.drafts import SCHEDULE, STAFFING_PLAN, load_draft, save_draft
from data.retention import purge_hr_data
from data.store import open_store
from data.users import add_user, remove_user
from data.validation import ReadOptions

TODAY = dt.date(2026, 12, 1)
OPT = ReadOptions(today=TODAY)
PIA = Principal("pia@example.com", "planner", "Pia")
PAUL = Principal("paul@example.com", "planner", "Paul")


@pytest.fixture
def store(database_url, tmp_path):
    return open_store(Settings(tmp_path, database_url))


def draft_owners(store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.drafts.c.owner, schema.drafts.c.kind))
        return sorted(tuple(row) for row in rows)


def test_removing_a_user_deletes_their_drafts_and_no_one_elses(store):
    for who in (PIA, PAUL):
        add_user(store, who.username, "planner")
        save_draft(store, who, STAFFING_PLAN, {"countries": ["HU"]})
    save_draft(store, PIA, SCHEDULE, {"week_start": "2027-01-04"})
    remove_user(store, "pia@example.com")
    assert draft_owners(store) == [("paul@example.com", STAFFING_PLAN)]
    assert load_draft(store, PIA, SCHEDULE) is None  # a new "pia" would not inherit them
    log = audit_frame(store.engine)
    removal = log[log["action"] == "user_remove"]
    assert removal["detail"].tolist() == ['{"drafts_deleted": 2}']


def import_agents_and_absences(store) -> None:
    """A1 (Zoë Old) has only absences older than two years; A2 one from this year too."""
    agents = pd.DataFrame(
        {
            "agent_id": ["A1", "A2"],
            "name": ["Zoë Old", "Ann Current"],
            "team": "Team One",
            "country": "DE",
            "timezone": "Europe/Berlin",
            "contract_hours_per_week": 40,
            "channels": "voice",
        }
    )
    absences = pd.DataFrame(
        {
            "agent_id": ["A1", "A2", "A2"],
            "start_date": ["2023-03-01", "2023-03-01", "2026-10-01"],
            "end_date": ["2023-03-03", "2023-03-03", "2026-10-02"],
            "type": "sick",
        }
    )
    for kind, frame in (("agents", agents), ("absences", absences)):
        report, result = store.import_file(kind, frame.to_csv(index=False).encode(), "x.csv", OPT)
        assert result is not None, report.messages()


def test_the_retention_purge_deletes_drafts_naming_purged_agents(store):
    import_agents_and_absences(store)
    roster = {"roster": {"columns": ["agent_id", "day"], "rows": [["A1", "Mon"], ["A2", "Tue"]]}}
    save_draft(store, PIA, SCHEDULE, roster)  # names A1, whose records all go
    save_draft(store, PAUL, SCHEDULE, {"roster": {"rows": [["A2", "Mon"]]}})  # A2 stays
    save_draft(store, PAUL, STAFFING_PLAN, {"note": "Zoë Old"})  # A1 by name
    save_draft(store, PIA, STAFFING_PLAN, {"note": "ask A1 about Monday"})  # not a whole name

    dry = purge_hr_data(store, days=730, today=TODAY, dry_run=True)
    assert (dry.deleted["absences"], dry.deleted["drafts"]) == (2, 2)
    assert len(draft_owners(store)) == 4  # a dry run changes nothing

    done = purge_hr_data(store, days=730, today=TODAY)
    assert (done.deleted["absences"], done.deleted["drafts"]) == (2, 2)
    assert draft_owners(store) == [
        ("paul@example.com", SCHEDULE),
        ("pia@example.com", STAFFING_PLAN),
    ]
    log = audit_frame(store.engine)
    assert '"drafts": 2' in log.loc[log["action"] == "purge", "detail"].item()


def test_the_purge_keeps_drafts_when_no_agent_loses_every_record(store):
    import_agents_and_absences(store)
    save_draft(store, PAUL, SCHEDULE, {"roster": {"rows": [["A2", "Mon"]]}})
    done = purge_hr_data(store, days=730, today=TODAY)
    assert done.deleted["absences"] == 2 and done.deleted["drafts"] == 0
    assert draft_owners(store) == [("paul@example.com", SCHEDULE)]
