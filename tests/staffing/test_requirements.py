"""Tests for staffing.requirements: interval forecast frame -> agents and staff per interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from staffing.checks import InvalidParameterError
from staffing.erlang import StaffingTargets, required_agents
from staffing.requirements import (
    CHANNEL_KINDS,
    OUTPUT_COLUMNS,
    RequirementsInputError,
    channel_kind,
    interval_requirements,
    workload_agents,
)

# the columns staffing/scheduling.py reads: keep these names exactly
SCHEDULING_COLUMNS = ["country", "channel", "interval_start", "interval_minutes", "required_staff"]


def make_forecast(
    channels: tuple[str, ...] = ("voice",),
    forecast: tuple[float, ...] = (100.0, 0.0, 50.0, 80.0),
    upper: tuple[float, ...] = (120.0, 5.0, 60.0, 90.0),
    countries: tuple[str, ...] = ("DE",),
    aht_seconds: float = 180.0,
    interval_minutes: int = 30,
) -> pd.DataFrame:
    starts = pd.date_range("2024-03-04 08:00", periods=len(forecast), freq=f"{interval_minutes}min")
    rows = [
        {
            "country": country,
            "channel": channel,
            "interval_start": start,
            "interval_minutes": interval_minutes,
            "forecast": f,
            "forecast_upper": u,
            "aht_seconds": aht_seconds,
        }
        for country in countries
        for channel in channels
        for start, f, u in zip(starts, forecast, upper, strict=True)
    ]
    return pd.DataFrame(rows)


def test_voice_matches_the_domain_reference_and_keeps_the_scheduling_contract() -> None:
    frame = make_forecast()
    out = interval_requirements(frame, StaffingTargets(0.8, 20, max_occupancy=0.85, shrinkage=0.3))
    for column in SCHEDULING_COLUMNS:
        assert column in out.columns
    assert list(out.columns) == [*frame.columns, *OUTPUT_COLUMNS]
    assert out["required_staff"].dtype == np.int64
    assert out["agents"].dtype == np.int64
    assert pd.api.types.is_datetime64_dtype(out["interval_start"])
    first = out.iloc[0]
    assert first["staffing_model"] == "erlang_c"
    assert first["agents"] == 14 and first["required_staff"] == 20
    assert first["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert first["wait_probability"] == pytest.approx(0.17413, abs=5e-6)
    assert first["occupancy"] == pytest.approx(0.714, abs=5e-4)
    assert first["asa_seconds"] == pytest.approx(7.84, abs=5e-3)
    # zero contacts -> zero staff
    assert out.iloc[1]["agents"] == 0 and out.iloc[1]["required_staff"] == 0
    assert "abandon_probability" not in out.columns


def test_the_forecasts_model_is_kept_beside_the_staffing_model() -> None:
    frame = make_forecast(channels=("voice", "email")).assign(model="prophet")
    out = interval_requirements(frame, StaffingTargets(service_window_minutes=60))
    assert (out["model"] == "prophet").all()  # which forecaster made the volume
    by_channel = out.groupby("channel")["staffing_model"].unique()
    assert list(by_channel["voice"]) == ["erlang_c"] and list(by_channel["email"]) == ["workload"]


def test_upper_bound_staffs_to_the_80_percent_upper_forecast() -> None:
    frame = make_forecast()
    targets = StaffingTargets()
    point = interval_requirements(frame, targets)
    upper = interval_requirements(frame, targets, use_upper_bound=True)
    assert (upper["required_staff"] >= point["required_staff"]).all()
    assert (upper["required_staff"] > point["required_staff"]).any()
    np.testing.assert_array_equal(upper["planned_contacts"], frame["forecast_upper"])
    direct = required_agents(frame["forecast_upper"].to_numpy(), 180, 30, targets)
    np.testing.assert_array_equal(upper["agents"], direct.agents)
    np.testing.assert_array_equal(upper["required_staff"], direct.scheduled_agents)


def test_forecast_upper_only_needed_for_the_upper_bound() -> None:
    frame = make_forecast().drop(columns="forecast_upper")
    assert len(interval_requirements(frame, StaffingTargets())) == 4
    with pytest.raises(
        RequirementsInputError,
        match=r"interval_forecast: missing column\(s\) 'forecast_upper'; it has",
    ):
        interval_requirements(frame, StaffingTargets(), use_upper_bound=True)


def test_channels_are_staffed_by_their_own_rules() -> None:
    frame = make_forecast(channels=("voice", "Chat", "email"), countries=("DE", "FR"))
    targets = {
        "voice": StaffingTargets(0.8, 20, patience_seconds=300),
        "chat": StaffingTargets(0.8, 60, concurrency=3),
        "email": StaffingTargets(shrinkage=0.2, max_occupancy=1.0, service_window_minutes=60),
    }
    out = interval_requirements(frame, targets)
    by_channel = out.groupby("channel")["staffing_model"].unique()
    assert list(by_channel["voice"]) == ["erlang_a"]
    assert list(by_channel["Chat"]) == ["erlang_c"]
    assert list(by_channel["email"]) == ["workload"]
    # abandonment only where a patience is set
    assert out.loc[out["channel"] == "voice", "abandon_probability"].notna().all()
    assert out.loc[out["channel"] != "voice", "abandon_probability"].isna().all()
    # chat: AHT divided by 2.5 for 3 concurrent chats
    chat = out[(out["channel"] == "Chat") & (out["country"] == "DE")]
    np.testing.assert_allclose(chat["traffic_erlangs"], chat["forecast"] * 180 / 2.5 / 1800)
    # email: no queueing metrics; the work of each interval spread over two 30-minute intervals
    email = out[(out["channel"] == "email") & (out["country"] == "FR")]
    assert email[["service_level", "wait_probability", "asa_seconds"]].isna().all().all()
    # agent-seconds received: (100*180)/2, (100*180 + 0)/2, (0 + 50*180)/2, (50*180 + 80*180)/2
    received = np.array([9000.0, 9000.0, 4500.0, 11700.0])
    np.testing.assert_array_equal(email["agents"], np.ceil(received / 1800))
    np.testing.assert_array_equal(email["required_staff"], np.ceil(np.ceil(received / 1800) / 0.8))
    np.testing.assert_allclose(email["occupancy"], received / (email["agents"] * 1800))


def test_output_keeps_input_order_index_and_extra_columns() -> None:
    frame = make_forecast(channels=("voice", "email")).sample(frac=1.0, random_state=3)
    frame.index = [f"r{i}" for i in range(len(frame))]
    frame["site"] = "Berlin"
    out = interval_requirements(frame, StaffingTargets())
    assert list(out.index) == list(frame.index)
    assert (out["site"] == "Berlin").all()
    pd.testing.assert_frame_equal(out[frame.columns], frame)


def test_minimum_staff_and_empty_frame() -> None:
    frame = make_forecast(forecast=(0.0, 0.0), upper=(0.0, 0.0))
    out = interval_requirements(frame, StaffingTargets(minimum_agents=1, shrinkage=0.5))
    assert list(out["agents"]) == [1, 1] and list(out["required_staff"]) == [2, 2]
    empty = interval_requirements(make_forecast().iloc[0:0], StaffingTargets())
    assert empty.empty and "required_staff" in empty.columns


def test_many_intervals_in_one_call() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    frame = pd.DataFrame(
        {
            "country": rng.choice(["DE", "FR", "ES"], n),
            "channel": "voice",
            "interval_start": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(np.arange(n) * 15, unit="min"),
            "interval_minutes": 15,
            "forecast": rng.gamma(2.0, 30.0, n),
            "forecast_upper": 0.0,
            "aht_seconds": rng.uniform(120, 500, n),
        }
    )
    frame["forecast_upper"] = frame["forecast"] * 1.2
    out = interval_requirements(frame, StaffingTargets(), use_upper_bound=True)
    assert (out["service_level"] >= 0.8).all()
    assert (out["occupancy"] <= 0.85 + 1e-12).all()


def test_workload_agents() -> None:
    # 60 items x 300 s = 18,000 agent-seconds in a 30-minute interval = 10 agents
    np.testing.assert_array_equal(workload_agents([60, 0], 300, 30), [10, 0])
    np.testing.assert_array_equal(workload_agents([60, 0], 300, 30, max_occupancy=0.8), [13, 0])
    # spread over two hours (four intervals)
    np.testing.assert_array_equal(
        workload_agents([60, 0, 0, 0, 0], 300, 30, service_window_minutes=120), [3, 3, 3, 3, 0]
    )
    with pytest.raises(InvalidParameterError, match="volume must be >= 0"):
        workload_agents([-1], 300, 30)
    with pytest.raises(InvalidParameterError, match="max_occupancy must be in"):
        workload_agents([1], 300, 30, max_occupancy=0)


def test_channel_kinds() -> None:
    assert CHANNEL_KINDS["voice"] == "queue"
    assert channel_kind("Back-Office") == "workload"
    assert channel_kind("Live Chat") == "chat"
    assert channel_kind("whatsapp", {"WhatsApp": "chat"}) == "chat"
    with pytest.raises(RequirementsInputError, match="unknown channel 'fax'"):
        channel_kind("fax")
    with pytest.raises(InvalidParameterError, match="must be 'queue', 'chat' or 'workload'"):
        channel_kind("fax", {"fax": "paper"})  # type: ignore[dict-item]


def _bad(frame: pd.DataFrame, **changes: object) -> pd.DataFrame:
    frame = frame.copy()
    for column, value in changes.items():
        frame[column] = frame[column].astype(object)
        frame.loc[frame.index[1], column] = value
    return frame


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (make_forecast().drop(columns="aht_seconds"), r"missing column\(s\) 'aht_seconds'"),
        (_bad(make_forecast(), forecast=-3.0), "row 1: column 'forecast' has -3.0"),
        (_bad(make_forecast(), forecast=float("nan")), "row 1: column 'forecast' has nan"),
        (_bad(make_forecast(), aht_seconds="slow"), "row 1: column 'aht_seconds' has 'slow'"),
        (_bad(make_forecast(), interval_minutes=0), r"column 'interval_minutes' has 0, .*> 0"),
        (
            make_forecast().assign(interval_start=lambda f: f["interval_start"].astype(str)),
            "'interval_start' must be datetime64",
        ),
        (
            make_forecast().assign(
                interval_start=lambda f: f["interval_start"].dt.tz_localize("Europe/Berlin")
            ),
            "must be naive local time",
        ),
        (make_forecast().assign(channel="fax"), "unknown channel 'fax'"),
        ([1, 2, 3], "must be a pandas DataFrame"),
    ],
)
def test_bad_frames_are_rejected(frame: pd.DataFrame, match: str) -> None:
    with pytest.raises(RequirementsInputError, match=match):
        interval_requirements(frame, StaffingTargets())


def test_upper_bound_below_forecast_is_rejected() -> None:
    frame = make_forecast(forecast=(100.0, 10.0), upper=(90.0, 12.0))
    with pytest.raises(
        RequirementsInputError, match=r"row 0: forecast_upper 90\.0 is below forecast 100\.0"
    ):
        interval_requirements(frame, StaffingTargets(), use_upper_bound=True)


def test_bad_targets_are_rejected() -> None:
    frame = make_forecast(channels=("voice", "chat"))
    with pytest.raises(InvalidParameterError, match="no StaffingTargets for channel 'chat'"):
        interval_requirements(frame, {"voice": StaffingTargets()})
    with pytest.raises(InvalidParameterError, match="concurrency is for chat"):
        interval_requirements(frame, StaffingTargets(concurrency=2))
    with pytest.raises(InvalidParameterError, match="targets must be a StaffingTargets"):
        interval_requirements(frame, 0.8)  # type: ignore[arg-type]


def test_workload_series_must_have_one_interval_length() -> None:
    frame = pd.concat(
        [
            make_forecast(channels=("email",)),
            make_forecast(channels=("email",), interval_minutes=15),
        ]
    )
    frame = frame.reset_index(drop=True)
    with pytest.raises(RequirementsInputError, match="mixes interval lengths"):
        interval_requirements(frame, StaffingTargets())


def test_output_carries_every_column_the_scheduler_reads() -> None:
    """Contract with staffing/scheduling.py (read only here, written by someone else)."""
    scheduling = pytest.importorskip("staffing.scheduling")
    out = interval_requirements(make_forecast(), StaffingTargets())
    assert set(scheduling.REQUIREMENT_COLUMNS) <= set(out.columns)
    assert set(scheduling.REQUIREMENT_COLUMNS) == set(SCHEDULING_COLUMNS)
