"""services.planning on a store loaded with the real Italian daily calls (ending in 2016)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.access import Principal
from data.config import Settings
from data.forecast_runs import RunInfo
from data.queue_settings import load_queue_settings, save_queue_settings
from data.store import open_store
from services import planning
from services.planning import (
    FIT,
    SAVED,
    PlanInputs,
    PlanningError,
    PlanRequest,
    forecast_source,
    plan_staffing,
    queue_settings_table,
    queue_setups,
)
from staffing.planning import MissingHandleTimeError, requirements_summary, staff_hours
from tests.real_data import ITALIAN_OPTIONS, italian_calls

PLANNER = Principal("pia", "planner", "Pia")
TARGETS = {
    "service_level_target": 0.8,
    "answer_target_seconds": 20.0,
    "max_occupancy": 0.85,
    "shrinkage": 0.3,
}
LAST_DAY = dt.date(2016, 2, 29)  # the file's last day
#: A week in the planner's present: the history cannot reach it.
THIS_WEEK = (dt.date(2026, 12, 7), dt.date(2026, 12, 13))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A database holding only the Italian calls, as imported from the real file."""
    directory = tmp_path_factory.mktemp("italy")
    store = open_store(Settings(directory, f"sqlite:///{directory / 'italy.db'}"))
    report, result = store.import_file("contacts", italian_calls(), options=ITALIAN_OPTIONS)
    assert result is not None, report.lines()
    return store


@pytest.fixture(scope="module")
def contacts(store):
    return store.load("contacts")


def request(period=THIS_WEEK, forecast=FIT, **kwargs) -> PlanRequest:
    return PlanRequest(period, ("IT",), ("voice",), TARGETS, forecast=forecast, **kwargs)


@pytest.fixture(scope="module")
def fitted(store, contacts):
    """The Italian week planned with AHT 240 s and opening hours 08:00-20:00 stored for it."""
    save_queue_settings(
        store, PLANNER, "IT", "voice", aht_seconds=240.0, opening_hours="Mon-Sun 08:00-20:00",
        profile_source="builtin",
    )  # fmt: skip
    inputs = PlanInputs(contacts=contacts, setups=queue_setups(load_queue_settings(store, PLANNER)))
    return plan_staffing(request(), inputs)


def test_the_real_file_is_daily_voice_to_2016(contacts):
    assert set(contacts["interval_minutes"]) == {1440}
    assert contacts["ds"].max().date() == LAST_DAY
    assert (contacts["country"] == "IT").all() and (contacts["channel"] == "voice").all()
    assert contacts["aht_seconds"].isna().all()  # a daily export carries no handle time


def test_without_a_handle_time_the_plan_says_where_to_set_it_before_any_fit(contacts, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a forecast was fitted")

    monkeypatch.setattr(planning, "forecast_frames", refuse)
    with pytest.raises(MissingHandleTimeError, match="no handle time for IT/voice") as caught:
        plan_staffing(request(), PlanInputs(contacts=contacts))
    assert "Queue settings** on the Staffing page" in str(caught.value)


def test_history_that_ends_in_the_past_is_planned_from_where_it_ends(contacts):
    source = forecast_source(request(), PlanInputs(contacts=contacts))
    row = source.queues.iloc[0]
    assert row["history_end"] == LAST_DAY and bool(row["shifted"])
    assert (row["first_day"], row["last_day"]) == (dt.date(2016, 3, 1), dt.date(2016, 3, 7))
    assert source.horizon_days == 7  # never the raw 3,900-day horizon
    (note,) = source.notes
    assert note.startswith("The contacts of IT/voice end on Mon, 29 Feb 2016")
    assert "planned from Tue, 1 Mar 2016 to Mon, 7 Mar 2016" in note
    assert "import newer contacts" in note and note.count(". ") == 0  # one sentence


def test_a_long_period_is_capped_at_the_longest_plan(contacts):
    long = request(period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    source = forecast_source(long, PlanInputs(contacts=contacts))
    assert source.horizon_days == planning.MAX_PERIOD_DAYS
    assert source.queues.iloc[0]["last_day"] == LAST_DAY + dt.timedelta(days=70)


def test_no_queue_with_contacts_is_one_sentence(contacts):
    with pytest.raises(PlanningError, match="No contacts for HU / voice: choose queues"):
        forecast_source(
            PlanRequest(THIS_WEEK, ("HU",), ("voice",), TARGETS), PlanInputs(contacts=contacts)
        )


@pytest.mark.slow
def test_the_italian_week_is_staffed_inside_opening_hours_only(fitted):
    req = fitted.requirements
    assert fitted.source.source == FIT
    starts = req["interval_start"]
    assert starts.dt.date.min() == dt.date(2016, 3, 1) and starts.dt.date.max() == dt.date(
        2016, 3, 7
    )
    assert starts.dt.hour.min() == 8 and starts.dt.hour.max() == 19  # 08:00-20:00
    assert len(req) == 7 * 24
    # the intervals add up to the daily forecast
    per_day = req.groupby(starts.dt.normalize())["planned_contacts"].sum()
    daily = fitted.daily.set_index("date")["forecast"]
    np.testing.assert_allclose(per_day.to_numpy(), daily.to_numpy(), rtol=1e-9)
    assert set(fitted.handle_times["aht_source"]) == {"setting"}
    assert (req["aht_seconds"] == 240).all()
    assert fitted.intervals.queues["pattern"].tolist() == ["builtin"]
    summary = requirements_summary(req).iloc[0]
    assert summary["service_level"] >= 0.8 and summary["occupancy"] <= 0.85
    # Italian weekdays run ~5,000-6,000 calls: at 240 s that is ~80-110 staff at the peak
    assert 60 <= summary["peak_staff"] <= 150
    assert 3000 <= staff_hours(req) <= 6000
    # the busiest interval is mid-morning, as the built-in voice shape has it
    busiest = req.loc[req["required_staff"].idxmax(), "interval_start"]
    assert 9 <= busiest.hour <= 11
    # the forecaster that made each day stays named; how staff was worked out is its own column
    models = dict(zip(fitted.daily["date"].dt.date, fitted.daily["model"], strict=True))
    assert (req["model"] == req["interval_start"].dt.date.map(models)).all()
    assert "erlang_c" not in set(req["model"]) and set(req["staffing_model"]) == {"erlang_c"}


@pytest.mark.slow
def test_a_saved_forecast_that_covers_the_days_is_reused_without_a_fit(
    fitted, contacts, store, monkeypatch
):
    monkeypatch.setattr(planning, "forecast_frames", lambda *a, **k: pytest.fail("fitted"))
    info = RunInfo(7, "saved", dt.datetime(2026, 1, 1), "pia", 7, "ets", ("IT",), ("voice",),
                   dt.date(2013, 1, 1), LAST_DAY)  # fmt: skip
    inputs = PlanInputs(
        contacts=contacts,
        saved_daily=fitted.daily.assign(run_id=7),
        saved_runs={7: info},
        setups=queue_setups(load_queue_settings(store, PLANNER)),
    )
    again = plan_staffing(request(forecast=SAVED), inputs)
    assert again.source.source == SAVED and list(again.source.runs) == [7]
    pd.testing.assert_frame_equal(again.requirements, fitted.requirements)


def test_the_settings_table_says_where_each_value_comes_from(store, contacts):
    table = queue_settings_table(contacts, load_queue_settings(store, PLANNER))
    row = table.iloc[0]
    assert (row["country"], row["channel"]) == ("IT", "voice")
    if row["aht_source"] == "missing":  # before the fitted fixture stored it
        assert np.isnan(row["aht_seconds"])
    else:
        assert (row["aht_seconds"], row["aht_source"]) == (240.0, "setting")
    assert row["pattern"] in ("builtin", "builtin (nothing to learn from)")
    assert row["opening_hours"] == "Mon-Sun 08:00-20:00"


def test_staffing_and_the_overview_count_the_same_fte_for_a_queue_closed_on_sundays(
    fitted, contacts, store
):
    """The same saved forecast, settings and targets: one FTE figure on both pages. The
    Overview used to divide a week's hours by its open days (6) and scale to 7: 7/6 more."""
    from overview import build_overview, fte_per_week
    from staffing.profiles import QueueSetup

    setups = {("IT", "voice"): QueueSetup(240.0, "Mon-Sat 08:00-20:00; Sun closed", "builtin")}
    period = (dt.date(2016, 3, 1), dt.date(2016, 3, 28))  # four weeks, Tuesday to Monday
    info = RunInfo(7, "saved", dt.datetime(2026, 1, 1), "pia", 7, "ets", ("IT",), ("voice",),
                   dt.date(2013, 1, 1), LAST_DAY)  # fmt: skip
    daily = fitted_month(fitted, contacts, setups, period)
    inputs = PlanInputs(
        contacts=contacts, saved_daily=daily.assign(run_id=7), saved_runs={7: info}, setups=setups
    )
    plan = plan_staffing(request(period, SAVED), inputs)
    assert plan.source.source == SAVED and plan.source.days == 28
    staffing_fte = fte_per_week(staff_hours(plan.requirements), plan.source.days)
    overview = build_overview(
        daily, contacts, store.load("agents"), store.load("absences"),
        start=period[0], end=period[1], setups=setups, targets=TARGETS,
    )  # fmt: skip
    assert overview.required_fte == pytest.approx(staffing_fte, rel=1e-9)
    weeks = overview.weeks
    assert weeks["required_hours"].sum() == pytest.approx(staff_hours(plan.requirements))
    assert weeks["period_days"].sum() == 28 and weeks["days"].sum() == 24  # 4 Sundays closed


def fitted_month(fitted, contacts, setups, period) -> pd.DataFrame:
    """A daily forecast of ``period`` (the fitted week's days repeated), as a saved run holds."""
    week = fitted.daily.assign(weekday=fitted.daily["date"].dt.day_of_week)
    days = pd.date_range(*period, freq="D")
    return (
        pd.DataFrame({"date": days, "weekday": days.day_of_week})
        .merge(week.drop(columns="date"), on="weekday")
        .drop(columns="weekday")
        .sort_values("date")
        .reset_index(drop=True)[list(fitted.daily.columns)]
    )
