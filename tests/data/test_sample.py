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
