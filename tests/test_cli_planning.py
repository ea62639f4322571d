"""CLI contracts other tools rely on: forecast, staff, schedule and flags on files that are not the sample."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.test_cli import run


@pytest.fixture
def daily_hu(tmp_path):
    """A Hungarian single-queue export: semicolons, D-M-YYYY dates, 'Calls' instead of contacts."""
    days = pd.date_range("2026-03-01", periods=120)
    rng = np.random.default_rng(3)
    calls = np.round((200 + 60 * (days.day_of_week < 5)) * rng.lognormal(0, 0.05, len(days)))
    path = tmp_path / "hu_calls.csv"
    pd.DataFrame({"Country": "Hungary", "Date": days.strftime("%d-%m-%Y"), "Calls": calls}).to_csv(
        path, sep=";", index=False
    )
    return path


@pytest.mark.slow
def test_forecast_writes_the_contract_columns(daily_hu, tmp_path):
    out = tmp_path / "forecast.csv"
    done = run(
        "forecast", "--contacts", str(daily_hu), "--column", "calls=contacts", "--horizon", "14",
        "--model", "ets", "--out", str(out), env_dir=tmp_path / "db",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out)
    assert list(frame.columns) == [
        "country",
        "channel",
        "date",
        "forecast",
        "forecast_lower",
        "forecast_upper",
        "model",
    ]
    assert frame["date"].tolist() == [
        d.strftime("%Y-%m-%d") for d in pd.date_range("2026-06-29", periods=14)
    ]
    assert (frame["forecast_lower"] <= frame["forecast"]).all() and (
        frame["forecast"] <= frame["forecast_upper"]
    ).all()
    assert set(frame["model"]) == {"ets"} and set(frame["country"]) == {"HU"}
    assert "fewer" in done.stderr or "< 365" in done.stderr  # short history is said, not hidden


def test_forecast_refuses_short_history_and_daily_data_for_intervals(daily_hu, tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("country,date,contacts\nAR,2026-01-01,5\nAR,2026-01-02,6\n")
    refused = run(
        "forecast",
        "--contacts",
        str(short),
        "--horizon",
        "7",
        "--out",
        str(tmp_path / "x.csv"),
        env_dir=tmp_path,
    )
    assert refused.returncode == 2
    assert "need at least 28 days" in refused.stderr and "'AR/voice' has 2 days" in refused.stderr
    assert not (tmp_path / "x.csv").exists()


def test_staff_json_matches_the_published_example(tmp_path):
    done = run(
        "staff", "--contacts", "100", "--interval-minutes", "30", "--aht-seconds", "180",
        "--service-level", "0.8", "--answer-seconds", "20", "--max-occupancy", "0.85", "--shrinkage", "0.3",
        "--json", env_dir=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["agents"], result["scheduled_agents"]) == (14, 20)
    assert result["service_level"] == pytest.approx(0.88835, abs=1e-5)
    assert result["asa_seconds"] == pytest.approx(7.84, abs=0.01)
    assert "abandon_probability" not in result
    evaluated = json.loads(
        run(
            "staff", "--contacts", "100", "--interval-minutes", "30", "--aht-seconds", "180",
            "--patience-seconds", "300", "--agents", "12", "--json", env_dir=tmp_path,
        ).stdout
    )  # fmt: skip
    assert evaluated["agents"] == 12 and 0 < evaluated["abandon_probability"] < 0.1


def test_staff_rejects_percentages(tmp_path):
    done = run(
        "staff",
        "--contacts",
        "100",
        "--interval-minutes",
        "30",
        "--aht-seconds",
        "180",
        "--shrinkage",
        "30",
        env_dir=tmp_path,
    )
    assert done.returncode == 2 and "shrinkage" in done.stderr and "not a percentage" in done.stderr


@pytest.fixture
def planning_files(tmp_path):
    rows = []
    for day in pd.date_range("2026-12-07", periods=3):
        for minute in range(8 * 60, 20 * 60, 30):
            start = day + pd.Timedelta(minutes=minute)
            rows.append(("AR", "voice", start.strftime("%Y-%m-%d %H:%M"), 30.0, 35.0, 300))
    forecast = tmp_path / "ar_forecast.csv"
    pd.DataFrame(
        rows,
        columns=[
            "country",
            "channel",
            "interval_start",
            "forecast",
            "forecast_upper",
            "aht_seconds",
        ],
    ).to_csv(forecast, index=False)
    shifts = tmp_path / "shifts.csv"
    shifts.write_text(
        "name,start,length_hours,break_minutes,days,cost_per_hour\nearly,08:00,8.5,30,all,20\nlate,11:30,8.5,30,all,22\n"
    )
    agents = tmp_path / "agents.csv"
    agents.write_text(
        "agent_id,name,team,country,timezone,contract_hours_per_week,channels\n"
        + "".join(
            f"B{i},Agent {i},AR Voice,AR,America/Argentina/Buenos_Aires,40,voice\n"
            for i in range(12)
        )
    )
    absences = tmp_path / "absences.csv"
    absences.write_text("agent_id,start_date,end_date,type\nB0,2026-12-07,2026-12-09,vacation\n")
    return forecast, shifts, agents, absences


def test_staff_forecast_file_then_schedule(planning_files, tmp_path):
    forecast, shifts, agents, absences = planning_files
    requirements = tmp_path / "requirements.csv"
    staffed = run(
        "staff", "--forecast", str(forecast), "--out", str(requirements), env_dir=tmp_path
    )
    assert staffed.returncode == 0, staffed.stderr
    req = pd.read_csv(requirements)
    assert {"country", "channel", "interval_start", "interval_minutes", "required_staff"} <= set(
        req.columns
    )
    assert (req["required_staff"] >= req["agents"]).all()
    out = tmp_path / "schedule"
    done = run(
        "schedule", "--requirements", str(requirements), "--shifts", str(shifts), "--agents", str(agents),
        "--absences", str(absences), "--out", str(out), env_dir=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "plan optimal" in done.stdout
    roster = pd.read_csv(out / "roster.csv")
    assert "B0" not in set(roster["agent_id"])  # on vacation all three days
    assert (out / "roster.xlsx").exists() and (out / "calendars" / "agents" / "B1.ics").exists()
    ics = (out / "calendars" / "agents" / "B1.ics").read_text()
    assert "BEGIN:VCALENDAR" in ics and "TZID=America/Argentina/Buenos_Aires" in ics
    again = run(
        "schedule",
        "--requirements",
        str(requirements),
        "--shifts",
        str(shifts),
        "--out",
        str(out),
        env_dir=tmp_path,
    )
    assert again.returncode != 0 and "not empty" in again.stderr


def test_schedule_bad_requirements_file_names_the_row(planning_files, tmp_path):
    _, shifts, _, _ = planning_files
    bad = tmp_path / "req.csv"
    bad.write_text(
        "country,interval_start,required_staff\nAR,2026-12-07 08:00,3\nAR,2026-12-07 08:30,-2\n"
    )
    done = run(
        "schedule",
        "--requirements",
        str(bad),
        "--shifts",
        str(shifts),
        "--out",
        str(tmp_path / "o"),
        env_dir=tmp_path,
    )
    assert done.returncode == 1
    assert "req.csv row 3: column 'required_staff' has '-2', must be at least 0" in done.stderr
    assert not (tmp_path / "o").exists()


def test_flags_on_files_that_are_not_the_sample(tmp_path):
    weeks = pd.date_range("2026-01-05", periods=40, freq="W-MON")
    (tmp_path / "agents.csv").write_text(
        "agent_id,team,contract_hours_per_week\nX1,T,40\nX2,T,40\n"
    )
    sick = "".join(f"X1,{d:%Y-%m-%d},{d:%Y-%m-%d},sick\n" for d in weeks[-10:])
    (tmp_path / "absences.csv").write_text("agent_id,start_date,end_date,type\n" + sick)
    hours = ["agent_id,date,hours_worked"]
    for w in weeks:
        for k in range(5):
            day = w + pd.Timedelta(days=k)
            hours.append(f"X1,{day:%Y-%m-%d},8")
            hours.append(f"X2,{day:%Y-%m-%d},{11 if w >= weeks[-20] else 8}")
    (tmp_path / "hours.csv").write_text("\n".join(hours) + "\n")
    perf = ["agent_id,date,metric,value"] + [
        f"{a},{w:%Y-%m-%d},csat,{85 + (i % 3)}" for a in ("X1", "X2") for i, w in enumerate(weeks)
    ]
    (tmp_path / "performance.csv").write_text("\n".join(perf) + "\n")
    out = tmp_path / "flags.csv"
    done = run(
        "flags", "--agents", str(tmp_path / "agents.csv"), "--absences", str(tmp_path / "absences.csv"),
        "--hours", str(tmp_path / "hours.csv"), "--performance", str(tmp_path / "performance.csv"),
        "--as-of", "2026-10-11", "--out", str(out), env_dir=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    flags = pd.read_csv(out).set_index("agent_id")
    assert list(flags.columns) == ["level", "score", "reasons"]
    assert flags.loc["X1", "level"] != "low" and "Bradford Factor" in flags.loc["X1", "reasons"]
    assert flags.loc["X2", "level"] != "low" and "48 h" in flags.loc["X2", "reasons"]


# --- staff --forecast DAILY_FILE: from a daily forecast to interval requirements --------------

DAILY_FORECAST = (
    "country,channel,date,forecast,forecast_lower,forecast_upper,model\n"
    "IT,voice,2016-03-05,4000,3500,4600,ets\n"  # a Saturday
    "IT,voice,2016-03-06,3000,2500,3600,ets\n"  # a Sunday
)


@pytest.mark.slow
def test_staff_plans_the_italian_daily_forecast_inside_opening_hours(tmp_path):
    from tests.real_data import italian_calls

    forecast = tmp_path / "forecast.csv"
    done = run(
        "forecast", "--contacts", str(italian_calls()), "--column", "calls=contacts",
        "--default-country", "IT", "--date-order", "dmy", "--horizon", "14", "--model", "ets",
        "--out", str(forecast), env_dir=tmp_path / "db",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "req.csv"
    done = run(
        "staff", "--forecast", str(forecast), "--aht-seconds", "240", "--open", "08:00-20:00",
        "--out", str(out), env_dir=tmp_path / "db",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote 336 interval requirements" in done.stdout  # 14 days x 24 half hours
    req = pd.read_csv(out, parse_dates=["interval_start"])
    hours = req["interval_start"].dt.hour
    assert hours.min() == 8 and hours.max() == 19  # nothing outside 08:00-20:00
    days = pd.read_csv(forecast, parse_dates=["date"]).set_index("date")["forecast"]
    per_day = req.groupby(req["interval_start"].dt.normalize())["planned_contacts"].sum()
    np.testing.assert_allclose(per_day.to_numpy(), days.to_numpy(), rtol=1e-5)
    assert (req["aht_seconds"] == 240).all() and (req["required_staff"] > 0).all()
    week = req[req["interval_start"] < pd.Timestamp("2016-03-08")]
    assert 60 <= week["required_staff"].max() <= 150  # ~5,900 calls on a weekday
    assert (req["service_level"] >= 0.8).all()


def test_staff_daily_forecast_with_a_profile_and_closed_days(tmp_path):
    forecast = tmp_path / "daily.csv"
    forecast.write_text(DAILY_FORECAST)
    profile = tmp_path / "profile.csv"
    profile.write_text("weekday,time,share\n,10:00,3\n,11:00,1\n")  # hours: halved into 30 min
    out = tmp_path / "req.csv"
    done = run(
        "staff", "--forecast", str(forecast), "--aht-seconds", "300", "--profile", str(profile),
        "--open", "Mon-Sat 09:00-13:00; Sun closed", "--out", str(out), env_dir=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3,000 forecast contacts fall on days the queue is closed" in done.stderr
    req = pd.read_csv(out, parse_dates=["interval_start"])
    assert (req["interval_start"].dt.date.astype(str) == "2016-03-05").all()  # Sunday closed
    busy = req[req["planned_contacts"] > 0]
    assert busy["interval_start"].dt.strftime("%H:%M").tolist() == [
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert busy["planned_contacts"].tolist() == pytest.approx([1500, 1500, 500, 500])


def test_staff_daily_forecast_refuses_a_bad_profile_file_by_row_column_and_value(tmp_path):
    forecast = tmp_path / "daily.csv"
    forecast.write_text(DAILY_FORECAST)
    profile = tmp_path / "profile.csv"
    profile.write_text("weekday,time,share\nMon,08:00,1\nMon,8h30,1\nSat,09:00,-2\n")
    out = tmp_path / "req.csv"
    done = run(
        "staff", "--forecast", str(forecast), "--aht-seconds", "300", "--profile", str(profile),
        "--open", "08:00-20:00", "--out", str(out), env_dir=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1
    assert "profile.csv row 3: column 'time' has '8h30', is not a time of day" in done.stderr
    assert "profile.csv row 4: column 'share' has '-2', must be at least 0" in done.stderr
    assert not out.exists()


def test_staff_daily_forecast_says_what_it_lacks(tmp_path):
    forecast = tmp_path / "daily.csv"
    forecast.write_text(DAILY_FORECAST.replace("2016-03-06,3000", "2016-03-06,lots"))
    out = str(tmp_path / "req.csv")
    lacking = run("staff", "--forecast", str(forecast), "--out", out, env_dir=tmp_path)
    assert lacking.returncode == 1
    assert "daily.csv is a daily forecast: give --aht-seconds and --open" in lacking.stderr
    bad_hours = run(
        "staff", "--forecast", str(forecast), "--aht-seconds", "240", "--open", "8-20",
        "--out", out, env_dir=tmp_path,
    )  # fmt: skip
    assert bad_hours.returncode == 1 and "--open '8-20'" in bad_hours.stderr
    assert "'8' is not a time HH:MM" in bad_hours.stderr
    bad_value = run(
        "staff", "--forecast", str(forecast), "--aht-seconds", "240", "--open", "08:00-20:00",
        "--out", out, env_dir=tmp_path,
    )  # fmt: skip
    assert bad_value.returncode == 1
    assert "daily.csv row 3: column 'forecast' has 'lots', is not a number" in bad_value.stderr
