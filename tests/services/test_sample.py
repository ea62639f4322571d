"""The sample as a workflow: what counts as the sample's, and removing all of it at once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from data import schema
from data.access import AccessDenied, Principal, Role, audit_frame
from data.config import Settings
from data.store import Store, open_store
from data.validation import ReadOptions
from services.sample import (
    holds_sample,
    holds_sample_and_own_data,
    preview_sample_removal,
    remove_sample,
)

OPT = ReadOptions(today=dt.date(2026, 11, 22))
ADMIN = Principal("ada", Role.ADMIN)
DEMO_ADMIN = Principal("demo", Role.ADMIN, demo=True)
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _import(store: Store, kind: str, content: bytes, source: str, when: dt.datetime) -> int:
    report, result = store.import_file(kind, content, f"{kind}.csv", OPT, source_label=source)
    assert result is not None, report.lines()
    t = schema.import_batches
    with store.engine.begin() as conn:  # import times as the story below needs them
        conn.execute(t.update().where(t.c.id == result.batch_id).values(imported_at=when))
    return result.batch_id


def _run(conn, country: str, at: dt.datetime) -> int:
    run_id = conn.execute(
        schema.forecast_runs.insert().values(
            name=f"run {country}", created_at=at, created_by="pia", horizon_days=7, model="auto",
            countries=country, channels="voice", history_start=dt.date(2026, 10, 1),
            history_end=dt.date(2026, 10, 31), settings="{}", notes="[]", drivers="[]",
        )
    ).inserted_primary_key[0]  # fmt: skip
    conn.execute(
        schema.forecast_run_values.insert().values(
            run_id=run_id, country=country, channel="voice", date=dt.date(2026, 11, 2),
            model="ets", chosen=True, forecast=1, lower_80=0, upper_80=2, lower_95=0, upper_95=3,
        )
    )  # fmt: skip
    return run_id


def _schedule(conn, country: str, at: dt.datetime) -> int:
    schedule_id = conn.execute(
        schema.published_schedules.insert().values(
            published_at=at, published_by="pia", first_day=dt.date(2026, 11, 2),
            last_day=dt.date(2026, 11, 8), countries=country, channels="voice",
            plan_status="optimal", shortfall_staff_hours=0, labour_cost=1, settings="{}",
        )
    ).inserted_primary_key[0]  # fmt: skip
    conn.execute(
        schema.published_schedule_intervals.insert().values(
            schedule_id=schedule_id, country=country, channel="voice",
            interval_start=dt.datetime(2026, 11, 2, 9), interval_minutes=30,
            required_staff=1, planned_staff=1,
        )
    )  # fmt: skip
    return schedule_id


def _flag(conn, agent_id: str, evaluation_id: int, at: dt.datetime) -> int:
    values = dict(as_of=at.date(), level="high", score=0.9, reasons="[]", signals="[]")
    flag_id = conn.execute(
        schema.wellbeing_flags.insert().values(
            agent_id=agent_id, raised_evaluation_id=evaluation_id, raised_at=at, state="open",
            state_changed_at=at, **values,
        )
    ).inserted_primary_key[0]  # fmt: skip
    conn.execute(
        schema.flag_observations.insert().values(
            flag_id=flag_id, evaluation_id=evaluation_id, **values
        )
    )
    conn.execute(
        schema.flag_reviews.insert().values(
            flag_id=flag_id, from_state="open", to_state="open", reviewer="hana", at=at, note=""
        )
    )
    return flag_id


def _evaluation(conn, at: dt.datetime) -> int:
    return conn.execute(
        schema.flag_evaluations.insert().values(
            evaluated_at=at, evaluated_by="hana", as_of=at.date(), agents_scored=1,
            flags_raised=1, flags_updated=0, thresholds=json.dumps({}),
        )
    ).inserted_primary_key[0]  # fmt: skip


def hour(n: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


@pytest.fixture
def world(tmp_path):
    """A database with a small sample (AR/voice, agent S1) seeded at hour 0, the user's own
    data (IT/voice, and AR/voice over other days; agent B1) imported at hour 10, and derived
    rows on both sides of that moment."""
    store = open_store(Settings(tmp_path, f"sqlite:///{tmp_path / 'test.db'}"))
    ids = {}
    ids["sample_contacts"] = _import(
        store, "contacts", b"country,date,contacts\nAR,2026-10-01,10\nAR,2026-10-02,12\n",
        "sample", hour(0),
    )  # fmt: skip
    ids["sample_agents"] = _import(
        store, "agents",
        b"agent_id,name,team,country,contract_hours_per_week,channels\nS1,Sam,T,AR,40,voice\n",
        "sample", hour(0),
    )  # fmt: skip
    _import(store, "hours", b"agent_id,date,hours_worked\nS1,2026-10-01,8\n", "sample", hour(0))
    with store.engine.begin() as conn:
        ids["sample_eval"] = _evaluation(conn, hour(1))
        ids["sample_flag"] = _flag(conn, "S1", ids["sample_eval"], hour(1))
        ids["sample_run"] = _run(conn, "AR", hour(2))
        ids["sample_schedule"] = _schedule(conn, "AR", hour(2))
        ids["it_run_before"] = _run(conn, "IT", hour(3))  # IT had no data yet: sample-era
    ids["own_contacts"] = _import(
        store, "contacts", b"country,date,contacts\nIT,2026-10-01,5\nAR,2026-09-01,7\n",
        "upload", hour(10),
    )  # fmt: skip
    _import(
        store, "agents",
        b"agent_id,name,team,country,contract_hours_per_week,channels\nB1,Bea,T,IT,40,voice\n",
        "cli", hour(10),
    )  # fmt: skip
    with store.engine.begin() as conn:
        ids["own_eval"] = _evaluation(conn, hour(11))
        ids["own_flag"] = _flag(conn, "B1", ids["own_eval"], hour(11))
        ids["sample_flag_later"] = _flag(conn, "S1", ids["own_eval"], hour(11))
        ids["own_run"] = _run(conn, "IT", hour(12))
        ids["mixed_run"] = _run(conn, "AR", hour(12))  # AR holds the user's rows too by now
        ids["own_schedule"] = _schedule(conn, "IT", hour(12))
    return store, ids


def ids_of(store: Store, table: sa.Table, column: str = "id") -> set:
    with store.engine.connect() as conn:
        return set(conn.execute(sa.select(table.c[column])).scalars())


def test_removal_takes_the_sample_and_what_came_from_it_and_leaves_the_rest(world):
    store, ids = world
    assert holds_sample(store) and holds_sample_and_own_data(store)
    removal = remove_sample(store, ADMIN)
    assert not holds_sample(store) and not holds_sample_and_own_data(store)
    assert set(store.batches()["source"]) == {"upload", "cli"}
    contacts = store.load("contacts")
    assert sorted(zip(contacts["country"], contacts["contacts"], strict=True)) == [
        ("AR", 7.0),
        ("IT", 5.0),
    ]
    assert ids_of(store, schema.agents, "agent_id") == {"B1"}
    assert store.load("hours").empty
    assert ids_of(store, schema.flag_evaluations) == {ids["own_eval"]}
    assert ids_of(store, schema.wellbeing_flags) == {ids["own_flag"]}
    with store.engine.connect() as conn:
        observed = set(conn.execute(sa.select(schema.flag_observations.c.flag_id)).scalars())
        reviewed = set(conn.execute(sa.select(schema.flag_reviews.c.flag_id)).scalars())
    assert observed == reviewed == {ids["own_flag"]}
    assert ids_of(store, schema.forecast_runs) == {ids["own_run"], ids["mixed_run"]}
    assert ids_of(store, schema.published_schedules) == {ids["own_schedule"]}
    assert removal.deleted["forecast_runs"] == 2 and removal.deleted["import_batches"] == 3
    entry = audit_frame(store.engine).iloc[0]
    assert (entry["actor"], entry["action"], entry["subject"]) == ("ada", "remove_sample", "sample")
    assert json.loads(entry["detail"])["contacts"] == 2
    again = remove_sample(store, ADMIN)  # nothing left: harmless
    assert again.total == 0


def test_only_a_real_admin_removes_the_sample_and_the_demo_admin_may_look(world):
    store, _ = world
    for who in (Principal("pia", Role.PLANNER), Principal("hana", Role.HR), DEMO_ADMIN):
        with pytest.raises(AccessDenied):
            remove_sample(store, who)
    with pytest.raises(AccessDenied, match="demo mode is read-only"):
        remove_sample(store, DEMO_ADMIN)
    preview = preview_sample_removal(store, DEMO_ADMIN)
    assert len(preview.batch_ids) == 3
    assert holds_sample(store)  # nothing changed
    assert "remove_sample" not in set(audit_frame(store.engine)["action"])
