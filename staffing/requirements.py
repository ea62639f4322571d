"""Per-interval staffing requirements from an interval forecast, channel by channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from contracts.checks import require_columns
from staffing.checks import (
    InvalidParameterError,
    check_fraction,
    check_non_negative_array,
    check_positive,
)
from staffing.erlang import StaffingTargets, required_agents

__all__ = [
    "CHANNEL_KINDS",
    "INPUT_COLUMNS",
    "OUTPUT_COLUMNS",
    "RequirementsInputError",
    "channel_kind",
    "interval_requirements",
    "workload_agents",
]

ChannelKind = Literal["queue", "chat", "workload"]

#: How each channel is staffed: "queue" (Erlang C, or Erlang A with patience), "chat" (Erlang
#: with the AHT divided by the concurrency factor) or "workload" (volume x handle time spread
#: over a service window, no queueing). Matching ignores case, spaces, "-" and "_".
CHANNEL_KINDS: dict[str, ChannelKind] = {
    "voice": "queue",
    "phone": "queue",
    "call": "queue",
    "calls": "queue",
    "telephony": "queue",
    "chat": "chat",
    "livechat": "chat",
    "messaging": "chat",
    "email": "workload",
    "mail": "workload",
    "backoffice": "workload",
    "case": "workload",
    "cases": "workload",
    "ticket": "workload",
    "tickets": "workload",
}

#: Columns ``interval_requirements`` reads (``forecast_upper`` only with ``use_upper_bound``).
INPUT_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "interval_start",
    "interval_minutes",
    "forecast",
    "forecast_upper",
    "aht_seconds",
)

#: Columns ``interval_requirements`` adds (``abandon_probability`` only when a patience is set).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "staffing_model",
    "planned_contacts",
    "traffic_erlangs",
    "agents",
    "required_staff",
    "service_level",
    "wait_probability",
    "asa_seconds",
    "occupancy",
)


class RequirementsInputError(ValueError):
    """The interval forecast frame handed to ``interval_requirements`` breaks its contract."""


def _normalise_channel(channel: str) -> str:
    return "".join(ch for ch in str(channel).lower() if ch not in " -_")


def channel_kind(
    channel: str, channel_kinds: Mapping[str, ChannelKind] | None = None
) -> ChannelKind:
    """How a channel is staffed: ``"queue"``, ``"chat"`` or ``"workload"``.

    Parameters
    ----------
    channel : str
        Channel name as it appears in the data (``"voice"``, ``"Chat"``, ``"back-office"`` ...).
    channel_kinds : Mapping[str, str], optional
        Extra or overriding names, checked before ``CHANNEL_KINDS``.

    Raises
    ------
    RequirementsInputError
        For a channel nobody told us how to staff.
    """
    lookup = {_normalise_channel(k): v for k, v in CHANNEL_KINDS.items()}
    if channel_kinds:
        for name, kind in channel_kinds.items():
            if kind not in ("queue", "chat", "workload"):
                raise InvalidParameterError(
                    f"channel_kinds[{name!r}] must be 'queue', 'chat' or 'workload', got {kind!r}"
                )
            lookup[_normalise_channel(name)] = kind
    key = _normalise_channel(channel)
    if key not in lookup:
        raise RequirementsInputError(
            f"unknown channel {channel!r}: say how to staff it with channel_kinds="
            f"{{{channel!r}: 'queue' | 'chat' | 'workload'}} (known: {sorted(CHANNEL_KINDS)})"
        )
    return lookup[key]


def workload_agents(
    volume: Any,
    handle_time_seconds: Any,
    interval_minutes: float,
    service_window_minutes: float | None = None,
    max_occupancy: float = 1.0,
) -> np.ndarray:
    """Agents for deferred work (email, back office): workload spread over a service window.

    The work arriving in an interval (``volume * handle_time_seconds`` agent-seconds) is
    spread evenly over the ``round(service_window_minutes / interval_minutes)`` intervals
    starting with its own (at least one); each interval needs the work it receives divided by
    its productive length (``interval_minutes * 60 * max_occupancy``), rounded up. Work due
    after the last interval given falls outside the horizon and is not counted. No queueing
    model applies: there is no service level in seconds here.

    Parameters
    ----------
    volume : array_like
        Items arriving per interval, in time order for one queue (>= 0).
    handle_time_seconds : array_like
        Handle time per item (seconds, >= 0), broadcast against ``volume``.
    interval_minutes : float
        Interval length (minutes, > 0).
    service_window_minutes : float, optional
        Time allowed to finish the work (minutes, > 0); None: within its own interval.
    max_occupancy : float, default 1.0
        Fraction of an interval an agent spends on the work (0 < x <= 1).

    Returns
    -------
    numpy.ndarray
        Agents (int64) per interval, same length as ``volume``.
    """
    work = _spread_workload(volume, handle_time_seconds, interval_minutes, service_window_minutes)
    minutes = check_positive("interval_minutes", interval_minutes)
    occupancy = check_fraction("max_occupancy", max_occupancy, include_zero=False)
    return np.ceil(work / (minutes * 60.0 * occupancy) - 1e-9).clip(min=0).astype(np.int64)


def _spread_workload(
    volume: Any,
    handle_time_seconds: Any,
    interval_minutes: float,
    service_window_minutes: float | None,
) -> np.ndarray:
    """Agent-seconds of work each interval receives (1-D, one queue in time order)."""
    items = check_non_negative_array("volume", volume)
    handle = check_non_negative_array("handle_time_seconds", handle_time_seconds)
    minutes = check_positive("interval_minutes", interval_minutes)
    if items.ndim != 1:
        raise InvalidParameterError("volume must be one-dimensional (one queue in time order)")
    work = items * np.broadcast_to(handle, items.shape)
    if service_window_minutes is None:
        return work
    window = check_positive("service_window_minutes", service_window_minutes)
    span = max(1, round(window / minutes))
    # rolling sum of work / span over the last `span` intervals (cumsum difference)
    cumulative = np.concatenate([[0.0], np.cumsum(work / span)])
    idx = np.arange(work.size)
    return cumulative[idx + 1] - cumulative[np.maximum(idx + 1 - span, 0)]


def _show(value: Any) -> str:
    """repr of a cell without numpy's wrapper (``90.0``, not ``np.float64(90.0)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _check_frame(frame: pd.DataFrame, use_upper_bound: bool) -> None:
    needed = [c for c in INPUT_COLUMNS if c != "forecast_upper" or use_upper_bound]
    require_columns(frame, needed, "interval_forecast", error=RequirementsInputError)
    start = frame["interval_start"]
    if not pd.api.types.is_datetime64_any_dtype(start):
        raise RequirementsInputError(
            f"interval_forecast column 'interval_start' must be datetime64, got {start.dtype}"
        )
    if getattr(start.dt, "tz", None) is not None:
        raise RequirementsInputError(
            "interval_forecast column 'interval_start' must be naive local time, "
            f"got time zone {start.dt.tz}"
        )
    numeric = ["interval_minutes", "forecast", "aht_seconds"]
    if use_upper_bound:
        numeric.append("forecast_upper")
    problems: list[str] = []
    for column in numeric:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < 0)
        if column == "interval_minutes":
            bad |= values == 0
        for pos in np.flatnonzero(bad)[:5]:
            problems.append(
                f"row {_show(frame.index[pos])}: column {column!r} has {_show(frame[column].iloc[pos])}, "
                f"not a finite number {'> 0' if column == 'interval_minutes' else '>= 0'}"
            )
        if bad.sum() > 5:
            problems.append(f"... and {int(bad.sum()) - 5} more bad value(s) in {column!r}")
    if use_upper_bound and not problems:
        below = frame["forecast_upper"].to_numpy(float) < frame["forecast"].to_numpy(float) - 1e-9
        for pos in np.flatnonzero(below)[:5]:
            problems.append(
                f"row {_show(frame.index[pos])}: forecast_upper "
                f"{_show(frame['forecast_upper'].iloc[pos])} is below forecast "
                f"{_show(frame['forecast'].iloc[pos])}"
            )
    if problems:
        raise RequirementsInputError("interval_forecast: " + "; ".join(problems))


def _targets_for(
    channel: str, targets: StaffingTargets | Mapping[str, StaffingTargets]
) -> StaffingTargets:
    if isinstance(targets, StaffingTargets):
        return targets
    if isinstance(targets, Mapping):
        if channel in targets:
            chosen = targets[channel]
        else:
            by_name = {_normalise_channel(k): v for k, v in targets.items()}
            if _normalise_channel(channel) not in by_name:
                raise InvalidParameterError(
                    f"no StaffingTargets for channel {channel!r} (given for {sorted(targets)})"
                )
            chosen = by_name[_normalise_channel(channel)]
        if not isinstance(chosen, StaffingTargets):
            raise InvalidParameterError(
                f"targets[{channel!r}] must be a StaffingTargets, got {type(chosen).__name__}"
            )
        return chosen
    raise InvalidParameterError(
        "targets must be a StaffingTargets or a mapping channel -> StaffingTargets, "
        f"got {type(targets).__name__}"
    )


def interval_requirements(
    interval_forecast: pd.DataFrame,
    targets: StaffingTargets | Mapping[str, StaffingTargets],
    use_upper_bound: bool = False,
    channel_kinds: Mapping[str, ChannelKind] | None = None,
) -> pd.DataFrame:
    """Agents on the queue and staff to schedule for every interval of a forecast.

    Voice (and other "queue" channels) use Erlang C, or Erlang A when the channel's targets
    set ``patience_seconds``; chat uses the same with the AHT divided by the concurrency
    factor; email and back office use the workload spread over ``service_window_minutes``
    (see :func:`workload_agents`, with ``max_occupancy`` as the productive fraction). Every
    channel then gets shrinkage: ``required_staff = ceil(agents / (1 - shrinkage))``.

    Parameters
    ----------
    interval_forecast : pandas.DataFrame
        Columns ``country, channel, interval_start`` (datetime64, naive local),
        ``interval_minutes, forecast`` (contacts per interval), ``forecast_upper`` (upper
        bound of the 80% interval; needed only with ``use_upper_bound``) and ``aht_seconds``.
        Other columns are carried through.
    targets : StaffingTargets or Mapping[str, StaffingTargets]
        One set for all channels, or one per channel name.
    use_upper_bound : bool, default False
        Staff to ``forecast_upper`` instead of ``forecast`` (risk-aware planning).
    channel_kinds : Mapping[str, str], optional
        Extra channel names -> ``"queue" | "chat" | "workload"`` (see ``CHANNEL_KINDS``).

    Returns
    -------
    pandas.DataFrame
        The input rows in their order and index (a forecast's ``model`` column kept as it
        is), plus ``staffing_model`` (``erlang_c``, ``erlang_a`` or ``workload``: how the staff
        was worked out), ``planned_contacts`` (the volume staffed to), ``traffic_erlangs``,
        ``agents`` (on the queue, int), ``required_staff`` (headcount to schedule after
        shrinkage, int), ``service_level``, ``wait_probability``, ``asa_seconds``,
        ``occupancy`` and, when any channel has a patience, ``abandon_probability``. Queueing
        metrics are NaN for workload rows (no queue model) and ``abandon_probability`` is NaN
        for Erlang C rows (which assume nobody abandons).

    Raises
    ------
    RequirementsInputError
        Missing columns, non-datetime or time-zone-aware ``interval_start``, negative or
        non-finite numbers (naming the row and column), an upper bound below the forecast,
        an unknown channel.
    """
    _check_frame(interval_forecast, use_upper_bound)
    frame = interval_forecast
    n_rows = len(frame)
    volume_column = "forecast_upper" if use_upper_bound else "forecast"
    volume = frame[volume_column].to_numpy(dtype=float)
    aht = frame["aht_seconds"].to_numpy(dtype=float)
    minutes = frame["interval_minutes"].to_numpy(dtype=float)
    channels = frame["channel"].astype(str).to_numpy()

    staffing_model = np.empty(n_rows, dtype=object)
    traffic = np.zeros(n_rows)
    agents = np.zeros(n_rows, dtype=np.int64)
    staff = np.zeros(n_rows, dtype=np.int64)
    service_level = np.full(n_rows, np.nan)
    wait = np.full(n_rows, np.nan)
    asa = np.full(n_rows, np.nan)
    occupancy = np.full(n_rows, np.nan)
    abandon = np.full(n_rows, np.nan)
    any_patience = False

    for channel in pd.unique(channels):
        rows = np.flatnonzero(channels == channel)
        chosen = _targets_for(channel, targets)
        kind = channel_kind(channel, channel_kinds)
        if kind == "workload":
            _fill_workload(frame, rows, volume, aht, minutes, chosen, traffic, agents, occupancy)
            staffing_model[rows] = "workload"
        else:
            if kind == "queue" and chosen.concurrency != 1:
                raise InvalidParameterError(
                    f"channel {channel!r} is a voice queue but its targets set "
                    f"concurrency={chosen.concurrency}; concurrency is for chat"
                )
            result = required_agents(volume[rows], aht[rows], minutes[rows], chosen)
            staffing_model[rows] = result.model
            traffic[rows] = result.traffic_erlangs
            agents[rows] = result.agents
            service_level[rows] = result.service_level
            wait[rows] = result.wait_probability
            asa[rows] = result.asa_seconds
            occupancy[rows] = result.occupancy
            if result.abandon_probability is not None:
                abandon[rows] = result.abandon_probability
                any_patience = True
        # shrinkage comes last, after the occupancy cap, for every kind of work
        staff[rows] = np.ceil(agents[rows] / (1.0 - chosen.shrinkage) - 1e-9).astype(np.int64)

    out = frame.copy()
    # the forecast's ``model`` (which forecaster) is the input's and stays: a separate column
    out["staffing_model"] = staffing_model.astype(str) if n_rows else pd.Series(dtype=str)
    out["planned_contacts"] = volume
    out["traffic_erlangs"] = traffic
    out["agents"] = agents
    out["required_staff"] = staff
    out["service_level"] = service_level
    out["wait_probability"] = wait
    out["asa_seconds"] = asa
    out["occupancy"] = occupancy
    if any_patience:
        out["abandon_probability"] = abandon
    return out


def _fill_workload(
    frame: pd.DataFrame,
    rows: np.ndarray,
    volume: np.ndarray,
    aht: np.ndarray,
    minutes: np.ndarray,
    targets: StaffingTargets,
    traffic: np.ndarray,
    agents: np.ndarray,
    occupancy: np.ndarray,
) -> None:
    """Workload staffing for the rows of one channel, one (country, channel) series at a time."""
    sub = frame.iloc[rows]
    order = np.lexsort((sub["interval_start"].to_numpy(), sub["country"].astype(str).to_numpy()))
    sorted_rows = rows[order]
    countries = sub["country"].astype(str).to_numpy()[order]
    for country in pd.unique(countries):
        series = sorted_rows[countries == country]
        series_minutes = minutes[series]
        if not np.all(series_minutes == series_minutes[0]):
            raise RequirementsInputError(
                f"interval_forecast: {country}/{frame['channel'].iloc[series[0]]} mixes "
                f"interval lengths {sorted(set(series_minutes.tolist()))}; use one per series"
            )
        length = float(series_minutes[0])
        work = _spread_workload(volume[series], aht[series], length, targets.service_window_minutes)
        needed = np.ceil(work / (length * 60.0 * targets.max_occupancy) - 1e-9).clip(min=0)
        needed = np.maximum(needed.astype(np.int64), targets.minimum_agents)
        traffic[series] = work / (length * 60.0)
        agents[series] = needed
        with np.errstate(divide="ignore", invalid="ignore"):
            occupancy[series] = np.where(needed > 0, work / (needed * length * 60.0), 0.0)
