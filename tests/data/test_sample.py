"""The sample generator: deterministic, valid, and carrying the patterns the product must find."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.sample import COUNTRIES, generate_sample, write_sample
from data.validation import ReadOptions, validate_file
from forecasting.holidays import holidays_in_range

END = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def sample():
    return generate_sample(END)


def daily_contacts(sample, country: str) -> pd.Series:
    c = sample.contacts[sample.contacts["country"] == country]
    return c.groupby(c["interval_start"].dt.normalize())["contacts"].sum()


def test_same_seed_same_data_other_seed_other_data(sample):
    again = generate_sample(END)
    for name in ("traffic", "contacts", "agents", "absences", "hours", "performance", "truth"):
        pd.testing.assert_frame_equal(getattr(sample, name), getattr(again, name))
    other = generate_sample(END, seed=7)
    assert not sample.contacts["contacts"].equals(other.contacts["contacts"])


def test_shape_of_the_sample(sample):
    countries = {c.code for c in COUNTRIES}
    assert {"AR", "HU"} <= countries and len(countries) >= 6
    assert set(sample.traffic["country"]) == countries
    assert sample.traffic["date"].min() <= pd.Timestamp(END) - pd.DateOffset(years=2)
    assert sample.traffic["date"].max() == pd.Timestamp(END)
    steps = sample.contacts.groupby(["country", "channel"])["interval_start"].diff().dropna()
    assert steps.min() == pd.Timedelta(minutes=30)
    assert 120 <= len(sample.agents) <= 150
    assert (
        sample.agents["team"].value_counts().min() < 5 <= sample.agents["team"].value_counts().max()
    )
    assert sample.hours["date"].min() >= pd.Timestamp(END) - pd.Timedelta(weeks=53)
    assert set(sample.performance["metric"]) == {"csat", "qa_score", "aht_seconds", "adherence"}


@pytest.mark.parametrize("country", ["AR", "HU"])
def test_contacts_dip_on_holidays_and_rise_before_them(sample, country):
    daily = daily_contacts(sample, country)
    holidays = holidays_in_range([country], daily.index.min(), daily.index.max())
    days = set(holidays["date"])
    near = {d + pd.Timedelta(days=k) for d in days for k in range(-4, 4)}
    on, before = [], []
    for day in sorted(days):
        refs = [day - pd.Timedelta(days=7), day + pd.Timedelta(days=7)]
        if any(r not in daily.index or r in near for r in refs):
            continue
        base = np.mean([daily[r] for r in refs])
        on.append(daily[day] / base)
        prev = day - pd.Timedelta(days=1)
        prev_refs = [prev - pd.Timedelta(days=7), prev + pd.Timedelta(days=7)]
        if prev not in days and all(r in daily.index and r not in near for r in prev_refs):
            before.append(daily[prev] / np.mean([daily[r] for r in prev_refs]))
    assert len(on) >= 5 and len(before) >= 3
    assert np.median(on) < 0.6, f"{country} holidays should dip, median ratio {np.median(on):.2f}"
    assert np.median(before) > 1.15, (
        f"{country} days before holidays should rise, median {np.median(before):.2f}"
    )


def test_drifting_agents_are_strained_and_the_rest_are_not(sample):
    truth = sample.truth.set_index("agent_id")
    assert 5 <= truth["drifting"].sum() <= 12
    recent = sample.hours[sample.hours["date"] > pd.Timestamp(END) - pd.Timedelta(weeks=12)]
    week = recent["date"].dt.to_period("W")
    per_week = recent.groupby(["agent_id", week]).agg(
        hours=("hours_worked", "sum"), days=("date", "size")
    )
    full_weeks = per_week[per_week["days"] >= 5]  # weeks without absences or holidays
    weekly = full_weeks.groupby("agent_id")["hours"].mean()
    overtime = truth.index[truth["kinds"].str.contains("overtime")]
    assert weekly[overtime].min() > 48
    assert weekly.drop(overtime).max() < 45
    sick = sample.absences[sample.absences["type"] == "sick"].groupby("agent_id").size()
    sick_drifters = truth.index[truth["kinds"].str.contains("sick")]
    assert (
        sick.reindex(sick_drifters, fill_value=0).min()
        > sick.drop(sick_drifters, errors="ignore").median()
    )


def test_written_files_pass_the_one_door(sample, tmp_path):
    paths = write_sample(sample, tmp_path)
    options = ReadOptions(today=END)
    for kind in ("traffic", "contacts", "agents", "absences", "hours", "performance"):
        report = validate_file(kind, paths[kind], options=options)
        assert report.ok, report.lines()[:5]
    assert paths["truth"].name == "drift_truth.csv"


# --- removing rows by import batch (the data layer under services.sample.remove_sample) ------


def _store_with_sample_and_own(tmp_path, url: str | None = None):
    from data.config import Settings
    from data.store import open_store

    store = open_store(Settings(tmp_path, url or f"sqlite:///{tmp_path / 'test.db'}"))
    options = ReadOptions(today=dt.date(2026, 11, 22))
    batches = {}
    for source, body in (
        ("sample", b"country,date,contacts\nAR,2026-10-01,10\nAR,2026-10-02,12\n"),
        ("upload", b"country,date,contacts\nIT,2026-10-01,5\n"),
    ):
        report, result = store.import_file(
            "contacts", body, "contacts.csv", options, source_label=source
        )
        assert result is not None, report.messages()
        batches[source] = result.batch_id
    return store, batches


def test_delete_rows_removes_batches_with_their_rows_and_audits_in_one_go(tmp_path, database_url):
    from data.access import audit_frame
    from data.store import RowSelection, delete_rows

    store, batches = _store_with_sample_and_own(tmp_path, database_url)
    deleted = delete_rows(
        store,
        RowSelection(batch_ids=(batches["sample"],)),
        actor="cli",
        action="remove_sample",
        subject="sample",
    )
    assert deleted["contacts"] == 2 and deleted["import_batches"] == 1
    assert store.load("contacts")["country"].tolist() == ["IT"]
    assert store.batches()["source"].tolist() == ["upload"]
    entry = audit_frame(store.engine).iloc[0]
    assert (entry["actor"], entry["action"]) == ("cli", "remove_sample")


def test_a_failure_midway_deletes_nothing(tmp_path):
    import sqlalchemy as sa

    from data.access import audit_frame
    from data.store import RowSelection, delete_rows

    store, batches = _store_with_sample_and_own(tmp_path)
    with store.engine.begin() as conn:  # the last step (the batches themselves) will fail
        conn.execute(
            sa.text(
                "CREATE TRIGGER no_batch_delete BEFORE DELETE ON import_batches "
                "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
            )
        )
    audited = len(audit_frame(store.engine))
    with pytest.raises(sa.exc.DatabaseError, match="refused for the test"):
        delete_rows(
            store,
            RowSelection(batch_ids=(batches["sample"],)),
            actor="cli",
            action="remove_sample",
        )
    assert sorted(store.load("contacts")["country"]) == ["AR", "AR", "IT"]  # the rows are back
    assert len(store.batches()) == 2
    assert len(audit_frame(store.engine)) == audited
