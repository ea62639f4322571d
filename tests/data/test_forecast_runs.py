"""Saved forecast runs: round trip, listing, comparison, access, one transaction, audit."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa

from data import forecast_runs as fr
from data import schema
from data.access import AccessDenied, Principal
from data.config import Settings
from data.store import open_store

PLANNER = Principal("pia", "planner")
MANAGER = Principal("max", "manager")
HR = Principal("hana", "hr")
DAYS = pd.date_range("2026-11-23", periods=14, freq="D")  # Monday 23 Nov .. Sunday 6 Dec


@pytest.fixture
def store(database_url, tmp_path):
    return open_store(Settings(tmp_path, database_url))


def make_run(level_hu: float = 100.0, level_ar: float = 50.0, days=DAYS) -> dict:
    """Two series (HU/voice, AR/voice), two models each; ets is picked for HU, naive for AR."""
    parts = []
    for country, level in (("HU", level_hu), ("AR", level_ar)):
        for model, shift in (("ets", 0.0), ("seasonal_naive", 10.0)):
            y = level + shift + pd.Series(range(len(days)), dtype=float)
            parts.append(
                pd.DataFrame(
                    {
                        "country": country,
                        "channel": "voice",
                        "date": days,
                        "model": model,
                        "forecast": y,
                        "forecast_lower": y * 0.9,
                        "forecast_upper": y * 1.1,
                        "forecast_lower_95": y * 0.8,
                        "forecast_upper_95": y * 1.2,
                    }
                )
            )
    forecasts = pd.concat(parts, ignore_index=True)
    forecasts["date"] = forecasts["date"].astype("datetime64[ns]")
    forecasts = forecasts.sort_values(["country", "channel", "model", "date"], ignore_index=True)
    metrics = pd.DataFrame(
        {
            "country": ["AR", "AR", "HU", "HU"],
            "channel": "voice",
            "model": ["seasonal_naive", "ets", "ets", "seasonal_naive"],
            "wape": [0.10, 0.12, 0.08, 0.15],
            "mase": [1.0, 1.1, 0.7, 1.0],
            "coverage_80": [0.8, 0.9, 0.75, 0.7],
            "coverage_95": [0.95, 1.0, 0.9, 0.9],
            "folds": [3, 3, 3, 3],
            "seconds": [0.1, 1.5, 1.2, 0.1],
        }
    )
    picks = pd.DataFrame(
        {
            "country": ["AR", "HU"],
            "channel": "voice",
            "model": ["seasonal_naive", "ets"],
            "reason": ["lowest back-test WAPE (0.100)", "lowest back-test WAPE (0.080)"],
        }
    )
    return {
        "name": "HU+AR voice, 14 days, 2026-11-22",
        "forecasts": forecasts,
        "metrics": metrics,
        "picks": picks,
        "horizon_days": len(days),
        "model": "auto",
        "history_start": dt.date(2024, 11, 22),
        "history_end": dt.date(2026, 11, 22),
        "settings": {"scenario": None, "countries": ["HU", "AR"]},
        "notes": ["HU/voice: closed on Christmas Day in the history; forecast 0 then"],
        "drivers": [
            {
                "country": "HU",
                "channel": "voice",
                "kind": "holiday",
                "date": "2026-12-01",
                "text": "HU/voice: something",
            }
        ],
    }


def table_count(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_round_trip_gives_the_same_frames_and_settings(store):
    run = make_run()
    run_id = fr.save_run(store, PLANNER, **run)
    saved = fr.load_run(store, MANAGER, run_id)
    pd.testing.assert_frame_equal(saved.forecasts, run["forecasts"])
    expected_metrics = (
        run["metrics"]
        .sort_values(["country", "channel", "wape", "model"], ignore_index=True)
        .astype({"folds": int})
    )
    pd.testing.assert_frame_equal(saved.metrics, expected_metrics)
    pd.testing.assert_frame_equal(saved.picks, run["picks"])
    info = saved.info
    assert (info.id, info.name, info.created_by, info.horizon_days, info.model) == (
        run_id,
        run["name"],
        "pia",
        14,
        "auto",
    )
    assert info.countries == ("AR", "HU") and info.channels == ("voice",)
    assert (info.history_start, info.history_end) == (run["history_start"], run["history_end"])
    assert info.settings == run["settings"]
    assert info.notes == tuple(run["notes"])
    assert info.drivers == tuple(run["drivers"])
    daily = saved.daily
    assert list(daily.columns) == list(fr.DAILY_COLUMNS)
    assert len(daily) == 28 and set(zip(daily["country"], daily["model"], strict=True)) == {
        ("AR", "seasonal_naive"),
        ("HU", "ets"),
    }
    assert (daily["forecast_lower"] <= daily["forecast"]).all()
    # the chosen flag marks exactly the picked model's rows in both tables
    with store.engine.connect() as conn:
        v, m = schema.forecast_run_values, schema.forecast_run_metrics
        chosen = conn.execute(sa.select(v.c.country, v.c.model).where(v.c.chosen).distinct()).all()
        reasons = conn.execute(sa.select(m.c.country, m.c.reason).where(m.c.chosen)).all()
    assert sorted(chosen) == [("AR", "seasonal_naive"), ("HU", "ets")]
    assert sorted(reasons) == sorted(
        zip(run["picks"]["country"], run["picks"]["reason"], strict=True)
    )


def structured(run: dict) -> dict:
    """The run with notes, drivers and reasons as the forecasting package now gives them:
    JSON objects with a code, the values it states and the English text."""
    picks = run["picks"].copy()
    picks["reason"] = [
        {"code": "lowest_wape", "values": {"wape": w}, "text": f"lowest back-test WAPE, {t}"}
        for w, t in ((0.1, "10.0%"), (0.08, "8.0%"))
    ]
    note = {
        "code": "closed_holidays",
        "values": {"series": "HU/voice", "holidays": ["Christmas Day"]},
        "text": "HU/voice: closed on Christmas Day in the history; forecast 0 then",
    }
    driver = {
        **run["drivers"][0],
        "date": "2026-12-25",
        "text": "HU/voice: Christmas Day (25 Dec): contacts about +22% in the 3 days before",
        "values": {"series": "HU/voice", "holiday": "Christmas Day", "date": "2026-12-25",
                   "pre_days": 3, "post_days": 0, "estimated": True, "pre": 0.22, "on": None,
                   "post": None},
    }  # fmt: skip
    return {**run, "picks": picks, "notes": [note, "a plain note"], "drivers": [driver]}


def test_structured_notes_drivers_and_reasons_round_trip(store):
    run = structured(make_run())
    saved = fr.load_run(store, MANAGER, fr.save_run(store, PLANNER, **run))
    assert saved.info.notes == tuple(run["notes"])
    assert saved.info.drivers == tuple(run["drivers"])
    pd.testing.assert_frame_equal(saved.picks, run["picks"])
    assert saved.picks.loc[1, "reason"]["values"] == {"wape": 0.08}
    # the reason's Text column holds a JSON object; the other models have none
    with store.engine.connect() as conn:
        m = schema.forecast_run_metrics
        rows = conn.execute(sa.select(m.c.country, m.c.chosen, m.c.reason)).all()
    for country, chosen, reason in rows:
        if chosen:
            assert json.loads(reason)["code"] == "lowest_wape", country
        else:
            assert reason is None


def test_older_runs_plain_strings_still_load_as_stored(store):
    """Runs saved before notes and reasons had codes: JSON lists of sentences, drivers without
    values, the reason a plain sentence in its Text column."""
    run_id = fr.save_run(store, PLANNER, **structured(make_run()))
    old_reason = "lowest back-test WAPE (0.080)"
    old_notes = ["HU/voice: closed on Christmas Day in the history; forecast 0 then"]
    old_drivers = [{"country": "HU", "channel": "voice", "kind": "holiday",
                    "date": "2026-12-25", "text": "HU/voice: Christmas Day (25 Dec): +22%"}]  # fmt: skip
    with store.engine.begin() as conn:
        t, m = schema.forecast_runs, schema.forecast_run_metrics
        conn.execute(
            sa.update(t)
            .where(t.c.id == run_id)
            .values(notes=json.dumps(old_notes), drivers=json.dumps(old_drivers))
        )
        conn.execute(sa.update(m).where(m.c.chosen).values(reason=old_reason))
        conn.execute(  # a sentence that merely starts like JSON stays a sentence
            sa.update(m).where(m.c.chosen, m.c.country == "AR").values(reason="{not json")
        )
    saved = fr.load_run(store, MANAGER, run_id)
    assert saved.info.notes == tuple(old_notes)
    assert saved.info.drivers == tuple(old_drivers)
    assert saved.picks.set_index("country")["reason"].to_dict() == {
        "AR": "{not json",
        "HU": old_reason,
    }


def test_list_runs_newest_first(store):
    assert fr.list_runs(store, MANAGER).empty
    first = fr.save_run(store, PLANNER, **{**make_run(), "name": "first"})
    second = fr.save_run(store, Principal("ada", "admin"), **{**make_run(), "name": "second"})
    runs = fr.list_runs(store, MANAGER)
    assert list(runs.columns) == list(fr.RUN_LIST_COLUMNS)
    assert runs["id"].tolist() == [second, first]
    assert runs["name"].tolist() == ["second", "first"]
    assert runs["created_by"].tolist() == ["ada", "pia"]
    assert runs.loc[0, "countries"] == "AR,HU"


def test_comparison_numbers_on_a_hand_made_example(store):
    a = fr.save_run(store, PLANNER, **make_run(level_hu=100.0, level_ar=50.0))
    # run b: HU 10% higher; AR starts a week later, so only its first week is compared
    later = pd.date_range("2026-11-30", periods=14, freq="D")
    b_run = make_run(level_hu=110.0, level_ar=50.0)
    ar_later = make_run(level_ar=50.0, days=later)["forecasts"]
    b_run["forecasts"] = pd.concat(
        [
            b_run["forecasts"][b_run["forecasts"]["country"] == "HU"],
            ar_later[ar_later["country"] == "AR"],
        ],
        ignore_index=True,
    )
    b_run["metrics"] = b_run["metrics"].assign(
        wape=[0.11, 0.12, 0.09, 0.15], model=["seasonal_naive", "ets", "ets", "seasonal_naive"]
    )
    b = fr.save_run(store, PLANNER, **b_run)
    cmp = fr.compare_runs(store, MANAGER, a, b)
    assert (cmp.a.id, cmp.b.id) == (a, b)

    hu = cmp.daily[cmp.daily["country"] == "HU"]
    assert len(hu) == 14
    assert hu["difference"].tolist() == pytest.approx([10.0] * 14)
    assert hu["difference_pct"].iloc[0] == pytest.approx(10 / 100)
    ar = cmp.daily[cmp.daily["country"] == "AR"]
    assert len(ar) == 21  # 14 days of a, 7 more of b
    # AR naive in a: 60 + i on day i; in b day j of the later range is 60 + j
    first_common = ar[ar["date"] == pd.Timestamp("2026-11-30")].iloc[0]
    assert (first_common["forecast_a"], first_common["forecast_b"]) == (67.0, 60.0)
    assert ar["forecast_b"].isna().sum() == 7 and ar["forecast_a"].isna().sum() == 7

    weekly = cmp.weekly.set_index(["country", "week_start"])
    hu_week1 = weekly.loc[("HU", pd.Timestamp("2026-11-23"))]
    assert hu_week1["days"] == 7
    assert hu_week1["forecast_a"] == pytest.approx(sum(100 + i for i in range(7)))
    assert hu_week1["difference"] == pytest.approx(70.0)
    ar_weeks = cmp.weekly[cmp.weekly["country"] == "AR"]
    assert ar_weeks["week_start"].tolist() == [pd.Timestamp("2026-11-30")]
    assert ar_weeks["difference"].iloc[0] == pytest.approx(-7 * 7.0)

    backtest = cmp.backtest.set_index("country")
    assert backtest.loc["HU", ["model_a", "wape_a", "model_b", "wape_b"]].tolist() == [
        "ets",
        0.08,
        "ets",
        pytest.approx(0.09),
    ]
    assert backtest.loc["AR", "wape_b"] == pytest.approx(0.11)


def test_hr_may_neither_save_nor_read_runs(store):
    run_id = fr.save_run(store, PLANNER, **make_run())
    with pytest.raises(AccessDenied, match="hana \\(hr\\) may not run forecasts"):
        fr.save_run(store, HR, **make_run())
    with pytest.raises(AccessDenied, match="may not view forecasts"):
        fr.list_runs(store, HR)
    with pytest.raises(AccessDenied, match="may not view forecasts"):
        fr.load_run(store, HR, run_id)
    with pytest.raises(AccessDenied, match="may not view forecasts"):
        fr.compare_runs(store, HR, run_id, run_id)


def test_a_manager_may_read_but_not_save(store):
    with pytest.raises(AccessDenied, match="may not run forecasts; roles that may: admin, planner"):
        fr.save_run(store, MANAGER, **make_run())
    assert table_count(store, schema.forecast_runs) == 0


def test_a_failure_part_way_leaves_nothing(store, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fr, "_metric_records", boom)  # after the runs and values rows
    with pytest.raises(RuntimeError, match="disk full"):
        fr.save_run(store, PLANNER, **make_run())
    for table in (
        schema.forecast_runs,
        schema.forecast_run_values,
        schema.forecast_run_metrics,
        schema.audit_log,
    ):
        assert table_count(store, table) == 0, table.name


def test_saving_writes_an_audit_row(store):
    run_id = fr.save_run(store, PLANNER, **make_run())
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_log)).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert (row["actor"], row["role"], row["subject"]) == (
        "pia",
        "planner",
        f"forecast_run:{run_id}",
    )
    assert row["action"] == fr.SAVE_AUDIT_ACTION.value
    assert json.loads(row["detail"]) == {
        "name": "HU+AR voice, 14 days, 2026-11-22",
        "rows": 56,
        "series": 2,
    }


def test_unknown_run_id_is_named(store):
    with pytest.raises(
        fr.ForecastRunError, match="no saved forecast run with id 7 \\(0 runs saved\\)"
    ):
        fr.load_run(store, MANAGER, 7)
    with pytest.raises(fr.ForecastRunError, match="a run id is a whole number, not '7'"):
        fr.load_run(store, MANAGER, "7")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"forecasts": make_run()["forecasts"].iloc[0:0]}, "the forecast is empty"),
        ({"name": "  "}, "give the run a name"),
        ({"name": "x" * 201}, "201 characters; 200 at most"),
        ({"horizon_days": 0}, "horizon_days must be a whole number >= 1, not 0"),
        (
            {"forecasts": make_run()["forecasts"].drop(columns=["forecast_upper_95"])},
            "forecasts: missing column\\(s\\) 'forecast_upper_95'",
        ),
        (
            {"forecasts": make_run()["forecasts"].assign(forecast=float("nan"))},
            "forecasts row 0: column 'forecast' has 'nan', not a finite number",
        ),
        (
            {"picks": make_run()["picks"].iloc[:1]},
            "picks: no model picked for HU/voice",
        ),
        (
            {"picks": make_run()["picks"].assign(model=["prophet", "ets"])},
            "picks: AR/voice picks prophet, which has no forecast rows",
        ),
        (
            {"history_start": dt.date(2027, 1, 1)},
            "history_start 2027-01-01 is after history_end 2026-11-22",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(store, change, message):
    with pytest.raises(fr.ForecastRunError, match=message):
        fr.save_run(store, PLANNER, **{**make_run(), **change})
    assert table_count(store, schema.forecast_runs) == 0


def test_default_run_name():
    name = fr.default_run_name(["HU", "AR"], ["voice"], 56, dt.date(2026, 11, 22))
    assert name == "HU+AR voice, 56 days, 2026-11-22"
