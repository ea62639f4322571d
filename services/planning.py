"""Plan staffing for a set of queues: forecast, intervals, Erlang requirements (application layer).

One workflow, called by the Staffing and Schedule pages (through their Streamlit caches) and by
the command line:

1. **Forecast**: per queue, the newest saved daily forecast when it covers the queue's days,
   else the forecast models fitted now on the history (:func:`forecast_source`).
2. **Intervals**: a queue with intraday history is split with it; a queue with daily history
   only is spread over its opening hours with its arrival profile (learnt from a similar
   queue, built in, or uploaded), as its settings say (``staffing.planning.intervals_from_daily``).
3. **Requirements**: Erlang C/A per interval at the targets, with the handle time of the
   history, else the queue's setting (:func:`plan_staffing`).

History that ends in the past is planned from where it ends: a queue whose contacts end before
the chosen period can be forecast (more than :data:`MAX_PERIOD_DAYS` days ahead) is planned for
as many days from the day after its last contacts, and the plan says so in one sentence.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from data.access import Principal
from data.forecast_runs import RunInfo
from data.queue_settings import QueueSettings
from data.store import Store
from data.summaries import daily_totals
from forecasting.pipeline import ProgressCallback
from forecasting.service import DAILY_EXPORT_COLUMNS
from formats import Formats
from overview.sources import overview_history
from services.forecasts import AUTO, BASELINE_HORIZON_DAYS, forecast_frames
from staffing.erlang import StaffingTargets
from staffing.planning import (
    AHT_COLUMNS,
    FORECAST_GAP_COLUMNS,
    MissingHandleTimeError,
    QueueIntervals,
    forecast_gaps,
    forecast_to_requirements_input,
    handle_times,
    intervals_from_daily,
    targets_by_channel,
)
from staffing.profiles import QueueSetup, format_opening_hours
from staffing.requirements import interval_requirements

__all__ = [
    "FIT",
    "MAX_PERIOD_DAYS",
    "QUEUE_COLUMNS",
    "SAVED",
    "WHERE_TO_SET_AHT",
    "ForecastSource",
    "PlanInputs",
    "PlanRequest",
    "PlanningError",
    "StaffingPlan",
    "fit_daily",
    "fit_history",
    "forecast_source",
    "history_ends",
    "plan_daily_forecast",
    "plan_history",
    "plan_staffing",
    "queue_settings_table",
    "queue_setups",
    "require_handle_times",
]

SAVED = "saved"
"""``PlanRequest.forecast``: reuse the newest saved forecast where it covers the plan."""
FIT = "fit"
"""``PlanRequest.forecast``: fit the forecast models now."""

#: The most days a plan reaches after a queue's history: the first start's baseline forecast
#: covers as many, so any plan of the sample can reuse it.
MAX_PERIOD_DAYS = BASELINE_HORIZON_DAYS
INTERVAL_MINUTES = 30
#: Where a planner sets a queue's handle time (the end of the missing-AHT message).
WHERE_TO_SET_AHT = (
    "set its AHT (seconds) under **Queue settings** on the Staffing page, or import contacts "
    "with an aht_seconds column"
)

#: Columns of :attr:`ForecastSource.queues`: each queue's last day of history and the days
#: planned for it (``shifted``: not the chosen period, because its history ends too early).
QUEUE_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "history_end",
    "first_day",
    "last_day",
    "shifted",
)


class PlanningError(ValueError):
    """A plan cannot be made as asked; the message says why and what to do, in one sentence."""


@dataclass(frozen=True)
class PlanRequest:
    """What the planner asks for.

    Attributes
    ----------
    period : (date, date)
        First and last day to plan (both included).
    countries, channels : tuple of str
        The plan's queues are the pairs that have contacts.
    targets : mapping
        ``StaffingTargets`` keywords all channels share (``service_level_target``, ...), without
        ``concurrency``.
    forecast : str
        :data:`SAVED` (newest saved forecast, a fit where it falls short) or :data:`FIT`.
    chat_concurrency : int
        Chats an agent handles at once.
    use_upper_bound : bool
        Staff to the upper bound of the 80% prediction interval.
    volume_share : float
        Fraction of the forecast contacts this team answers (0 < x <= 1).
    aht_change_pct : float
        What-if change of every handle time, in percent.
    interval_minutes : int
        Interval length of the requirements.
    max_period_days : int
        The most days after a queue's history a plan reaches.
    """

    period: tuple[dt.date, dt.date]
    countries: tuple[str, ...]
    channels: tuple[str, ...]
    targets: Mapping[str, Any] = field(default_factory=dict)
    forecast: str = SAVED
    chat_concurrency: int = 2
    use_upper_bound: bool = False
    volume_share: float = 1.0
    aht_change_pct: float = 0.0
    interval_minutes: int = INTERVAL_MINUTES
    max_period_days: int = MAX_PERIOD_DAYS

    def __post_init__(self) -> None:
        start, end = self.period
        if end < start:
            raise PlanningError(f"the period ends ({end}) before it starts ({start})")
        if self.forecast not in (SAVED, FIT):
            raise PlanningError(f"forecast must be {SAVED!r} or {FIT!r}, not {self.forecast!r}")
        if not 1 <= int(self.max_period_days) <= 183:
            raise PlanningError(f"max_period_days must be 1..183, not {self.max_period_days!r}")

    @classmethod
    def from_plan(cls, plan: Mapping[str, Any], **overrides: Any) -> PlanRequest:
        """From the Staffing page's plan dict (``period``, ``countries``, ``channels``,
        ``targets``, ``forecast``, ``chat_concurrency``, ``use_upper_bound``, ``volume_share``),
        with ``overrides`` (what-ifs: ``targets``, ``aht_change_pct``)."""
        chosen = {**plan, **overrides}
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in chosen.items() if k in names}
        values["period"] = tuple(values["period"])
        values["countries"] = tuple(values["countries"])
        values["channels"] = tuple(values["channels"])
        return cls(**values)

    def per_channel(self, channels: Sequence[str]) -> dict[str, StaffingTargets]:
        """The ``StaffingTargets`` of each channel (chat with the concurrency)."""
        return targets_by_channel(channels, dict(self.targets), int(self.chat_concurrency))


@dataclass(frozen=True)
class PlanInputs:
    """What a plan reads, as the data layer hands it over.

    Attributes
    ----------
    contacts : DataFrame
        The contacts history: every row (``data.store.Store.load("contacts")``), or only the
        rows a plan reads (:func:`plan_history`; then set ``recent_only``).
    traffic : DataFrame, optional
        Web sessions per country and day (a regressor when a forecast is fitted).
    saved_daily : DataFrame
        Saved daily forecasts (``overview.sources.latest_forecast``: picked forecast per queue
        plus ``run_id``); empty when none is saved or the viewer may not see them.
    saved_runs : dict of run id to RunInfo
        The runs ``saved_daily`` comes from.
    setups : mapping of (country, channel) to QueueSetup
        The queues' settings (:func:`queue_setups` of the stored ones).
    fitted_daily : DataFrame, optional
        A daily forecast fitted earlier for this plan's :attr:`ForecastSource.key` (the page
        keeps it in the session); fitted again when not given.
    recent_only : bool
        ``contacts`` holds only :func:`plan_history`'s rows: a fit then needs ``daily_totals``.
    daily_totals : DataFrame, optional
        Contacts per queue and day over the whole history (:func:`fit_history`), what a fit
        reads; when not given, a fit sums ``contacts`` (which must hold every row).
    """

    contacts: pd.DataFrame
    traffic: pd.DataFrame | None = None
    saved_daily: pd.DataFrame = field(default_factory=pd.DataFrame)
    saved_runs: Mapping[int, RunInfo] = field(default_factory=dict)
    setups: Mapping[tuple[str, str], QueueSetup] = field(default_factory=dict)
    fitted_daily: pd.DataFrame | None = None
    recent_only: bool = False
    daily_totals: pd.DataFrame | None = None


@dataclass(frozen=True)
class ForecastSource:
    """Where a plan's forecast comes from, and the days planned for each queue.

    Attributes
    ----------
    source : str
        :data:`SAVED` or :data:`FIT`: what the plan uses, after any fall-back.
    runs : dict of run id to RunInfo
        The saved runs used (empty when fitted).
    history_end : date
        The last day of the history of the plan's queues (the earliest, if they differ).
    key : tuple
        Names the forecast: equal keys, equal forecast (for the callers' caches; add the data
        version).
    queues : DataFrame
        :data:`QUEUE_COLUMNS`, one row per queue planned.
    horizon_days : int
        Days after the earliest history end a fit has to reach.
    gaps : DataFrame
        ``staffing.planning.forecast_gaps`` of the saved forecast when the plan asked for it and
        it falls short (then a forecast is fitted); empty otherwise.
    notes : tuple of str
        Queues planned on other days than the chosen period, and why, one sentence each.
    """

    source: str
    runs: Mapping[int, RunInfo]
    history_end: dt.date
    key: tuple
    queues: pd.DataFrame
    horizon_days: int
    gaps: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(FORECAST_GAP_COLUMNS))
    )
    notes: tuple[str, ...] = ()

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        """The days planned: the chosen period, unless every queue was moved (:attr:`notes`
        say why), then the days they were moved to."""
        kept = self.queues[~self.queues["shifted"].astype(bool)]
        days = kept if len(kept) else self.queues
        return days["first_day"].min(), days["last_day"].max()

    @property
    def days(self) -> int:
        """Days planned per queue (the longest queue's, when they differ)."""
        return int(
            ((self.queues["last_day"] - self.queues["first_day"]).map(lambda d: d.days) + 1).max()
        )


@dataclass(frozen=True)
class StaffingPlan:
    """A queue set planned: the forecast, its intervals and the staff each interval needs.

    Attributes
    ----------
    request : PlanRequest
    source : ForecastSource
        The forecast behind the plan and the days of each queue.
    daily : DataFrame
        ``DAILY_EXPORT_COLUMNS``: the daily forecast planned (each queue's days only).
    intervals : QueueIntervals
        The daily forecast in intervals, with how each queue was split and what was assumed.
    handle_times : DataFrame
        ``staffing.planning.HANDLE_TIME_COLUMNS``: the handle time of each queue and whether
        it comes from the history or the queue's setting.
    requirements : DataFrame
        ``staffing.requirements.interval_requirements`` output, one row per queue and interval.
    notes : tuple of str
        Everything the plan assumed or left out, in words (periods moved, patterns, closed days).
    """

    request: PlanRequest
    source: ForecastSource
    daily: pd.DataFrame
    intervals: QueueIntervals
    handle_times: pd.DataFrame
    requirements: pd.DataFrame

    @property
    def notes(self) -> tuple[str, ...]:
        return (*self.source.notes, *self.intervals.notes)


def queue_setups(
    settings: Mapping[tuple[str, str], QueueSettings],
) -> dict[tuple[str, str], QueueSetup]:
    """The stored queue settings as ``staffing.profiles.QueueSetup`` (what the maths reads)."""
    return {
        queue: QueueSetup(
            aht_seconds=s.aht_seconds,
            opening_hours=s.opening_hours,
            profile_source=s.profile_source,
            profile=s.profile,
        )
        for queue, s in settings.items()
    }


#: Columns of :func:`queue_settings_table`.
SETTINGS_TABLE_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "aht_seconds",
    "aht_source",
    "opening_hours",
    "pattern",
    "updated_by",
)


def queue_settings_table(
    contacts: pd.DataFrame, settings: Mapping[tuple[str, str], QueueSettings]
) -> pd.DataFrame:
    """What each queue with contacts is planned with: its handle time and where it comes from,
    its opening hours and its intraday pattern (what the Staffing page shows).

    Returns
    -------
    DataFrame
        :data:`SETTINGS_TABLE_COLUMNS`, one row per queue with contacts, sorted. ``aht_source``
        is ``history`` (the last 8 weeks' aht_seconds), ``setting`` or ``missing``;
        ``pattern`` is ``own intraday history``, or the stored (else default) profile source;
        ``opening_hours`` the stored (else the default) hours, empty for a queue split with its
        own intraday history.
    """
    ends = history_ends(contacts)
    queues = sorted(ends)
    setups = queue_setups(settings)
    aht, _ = handle_times(contacts, queues, setups)
    known = {(c, ch): (a, src) for c, ch, a, src in aht.itertuples(index=False)}
    intraday = contacts[contacts["interval_minutes"] < 1440] if len(contacts) else contacts
    own = set(zip(intraday["country"], intraday["channel"], strict=True))
    learnable = set(intraday["channel"]) if len(intraday) else set()
    rows = []
    for queue in queues:
        stored = settings.get(queue)
        value, source = known.get(queue, (float("nan"), "missing"))
        if queue in own:
            pattern, hours = "own intraday history", ""
        else:
            chosen = stored.profile_source if stored is not None else None
            pattern = chosen or ("learnt" if queue[1] in learnable else "builtin")
            if pattern == "learnt" and queue[1] not in learnable:
                pattern = "builtin (nothing to learn from)"
            if pattern == "uploaded" and stored is not None and stored.profile_file:
                pattern = f"uploaded ({stored.profile_file})"
            hours = format_opening_hours(setups.get(queue, QueueSetup()).opening)
        rows.append((*queue, value, source, hours, pattern, stored.updated_by if stored else ""))
    return pd.DataFrame(rows, columns=list(SETTINGS_TABLE_COLUMNS))


def history_ends(contacts: pd.DataFrame) -> dict[tuple[str, str], dt.date]:
    """The last day of contacts per (country, channel)."""
    if contacts.empty:
        return {}
    last = contacts.groupby(["country", "channel"])["ds"].max().dt.date
    return {(str(c), str(ch)): day for (c, ch), day in last.items()}


def plan_history(store: Store, viewer: Principal | None) -> pd.DataFrame:
    """The contacts rows a plan (and :func:`queue_settings_table`) reads, instead of the whole
    table.

    Besides the daily totals a fit reads (:func:`fit_history`), a plan uses of the history:
    each queue's last day; its handle time over the 8 weeks before its last row with one
    (``staffing.handle_times.recent_aht``); whether it has intraday rows (an import keeps one
    granularity per queue), its weekday profiles over the 8 weeks before its last day (its own
    split, and the learnt profile of a same-channel queue without intraday history), and its
    holiday and eve profiles over all of its history (``forecasting.intraday``). Those are the
    rows the Overview reads for the same handle times and profiles
    (``overview.sources.overview_history``): per queue, from 8 weeks and a day before the
    earlier of its last row and its last row with a handle time, and its country's holidays
    and eves before that. At 2 M half-hour rows over six years that is about 4% of the table;
    the plan is the same as from the whole table (tested over Christmas).

    Returns
    -------
    pandas.DataFrame
        The frame ``Store.load("contacts")`` gives, those rows only.
    """
    return overview_history(store, viewer)


def fit_history(store: Store, viewer: Principal | None, source: ForecastSource) -> pd.DataFrame:
    """What a fit of ``source``'s forecast reads: contacts per day of its countries and
    channels over the whole history, summed in the database (``data.summaries.daily_totals``)
    instead of from every half-hour row."""
    return daily_totals(
        store,
        viewer,
        countries=list(dict.fromkeys(source.queues["country"])),
        channels=list(dict.fromkeys(source.queues["channel"])),
    )


def _queue_periods(
    queues: Sequence[tuple[str, str]],
    ends: Mapping[tuple[str, str], dt.date],
    request: PlanRequest,
    fmt: Formats,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Each queue's days: the chosen period when its history reaches it, else as many days
    from the day after its history (at most ``max_period_days``)."""
    start, end = request.period
    length = (end - start).days + 1
    limit = int(request.max_period_days)
    rows = []
    for country, channel in queues:
        last = ends[(country, channel)]
        if start > last and (end - last).days <= limit:
            rows.append((country, channel, last, start, end, False))
        else:
            first = last + dt.timedelta(days=1)
            rows.append(
                (country, channel, last, first, last + dt.timedelta(days=min(length, limit)), True)
            )
    frame = pd.DataFrame(rows, columns=list(QUEUE_COLUMNS))
    notes = []
    moved = frame[frame["shifted"]]
    for (last, first, final), group in moved.groupby(["history_end", "first_day", "last_day"]):
        names = ", ".join(
            f"{c}/{ch}" for c, ch in zip(group["country"], group["channel"], strict=True)
        )
        why = (
            "the chosen period lies further ahead than a forecast reaches"
            if start > last
            else "the chosen period is not after them"
        )
        notes.append(
            f"The contacts of {names} end on {fmt.date(last)} and {why}, so "
            f"{'it is' if len(group) == 1 else 'they are'} planned from {fmt.date(first)} to "
            f"{fmt.date(final)}: import newer contacts to plan {fmt.date(start)} to "
            f"{fmt.date(end)}."
        )
    return frame, tuple(notes)


def forecast_source(
    request: PlanRequest, inputs: PlanInputs, fmt: Formats | None = None
) -> ForecastSource:
    """Where ``request``'s forecast comes from and the days of each queue (quick: nothing is
    fitted).

    Raises
    ------
    PlanningError
        None of the chosen queues has contacts.
    """
    fmt = fmt or Formats()
    ends = history_ends(inputs.contacts)
    queues = [(c, ch) for c in request.countries for ch in request.channels if (c, ch) in ends]
    if not queues:
        raise PlanningError(
            f"No contacts for {', '.join(request.countries) or 'no country'} / "
            f"{', '.join(request.channels) or 'no channel'}: choose queues that have contacts."
        )
    periods, notes = _queue_periods(queues, ends, request, fmt)
    earliest = min(ends[q] for q in queues)
    horizon = max(
        (last - h).days for h, last in zip(periods["history_end"], periods["last_day"], strict=True)
    )
    spans = tuple(
        (c, ch, first, last)
        for c, ch, first, last in periods[
            ["country", "channel", "first_day", "last_day"]
        ].itertuples(index=False)
    )
    gaps = pd.DataFrame(columns=list(FORECAST_GAP_COLUMNS))
    if request.forecast == SAVED:
        saved = inputs.saved_daily
        parts = [forecast_gaps(saved, [(c, ch)], first, last) for c, ch, first, last in spans]
        gaps = pd.concat(parts, ignore_index=True) if parts else gaps
        if gaps.empty:
            mine = _within(saved, periods)
            runs = {int(i): inputs.saved_runs[int(i)] for i in sorted(mine["run_id"].unique())}
            key = (SAVED, tuple(runs), spans)
            return ForecastSource(SAVED, runs, earliest, key, periods, horizon, notes=notes)
    key = (FIT, horizon, tuple(request.countries), tuple(request.channels))
    return ForecastSource(FIT, {}, earliest, key, periods, horizon, gaps, notes)


def _within(daily: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``daily`` on each queue's planned days."""
    if daily.empty:
        return daily
    frame = daily.assign(date=pd.to_datetime(daily["date"]))
    frame = frame.merge(
        periods[["country", "channel", "first_day", "last_day"]], on=["country", "channel"]
    )
    days = frame["date"].dt.date
    inside = (days >= frame["first_day"]) & (days <= frame["last_day"])
    return frame[inside].drop(columns=["first_day", "last_day"]).reset_index(drop=True)


def fit_daily(
    source: ForecastSource,
    inputs: PlanInputs,
    *,
    progress: ProgressCallback | None = None,
    executor: cf.Executor | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Fit the forecast models for ``source``'s queues (``"auto"``: the forecast workflow's
    default) and return the daily forecast (``DAILY_EXPORT_COLUMNS``) of every day up to the
    horizon; on the Dask cluster at ``scheduler`` when one is given.

    Reads ``inputs.daily_totals`` (else sums ``inputs.contacts``).

    Raises
    ------
    PlanningError
        ``inputs`` holds only the recent rows (``recent_only``) and no daily totals.
    """
    if inputs.daily_totals is not None:
        history = inputs.daily_totals
    elif inputs.recent_only:
        raise PlanningError(
            "a forecast fit needs the whole history's daily totals (fit_history), not only the "
            "recent rows a plan reads"
        )
    else:
        history = inputs.contacts
    countries = tuple(dict.fromkeys(source.queues["country"]))
    channels = tuple(dict.fromkeys(source.queues["channel"]))
    result = forecast_frames(
        history,
        int(source.horizon_days),
        traffic=inputs.traffic,
        countries=countries,
        channels=channels,
        model=AUTO,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
    )
    return result.daily[list(DAILY_EXPORT_COLUMNS)]


def require_handle_times(source: ForecastSource, inputs: PlanInputs) -> pd.DataFrame:
    """The handle time of each of ``source``'s queues (``staffing.planning.HANDLE_TIME_COLUMNS``):
    the history's, else the queue's setting.

    Raises
    ------
    staffing.planning.MissingHandleTimeError
        Queues with neither, naming them and where to set it (:data:`WHERE_TO_SET_AHT`).
    """
    queues = list(zip(source.queues["country"], source.queues["channel"], strict=True))
    aht, lacking = handle_times(inputs.contacts, queues, inputs.setups)
    if lacking:
        raise MissingHandleTimeError(lacking, WHERE_TO_SET_AHT)
    return aht


def plan_staffing(
    request: PlanRequest,
    inputs: PlanInputs,
    *,
    source: ForecastSource | None = None,
    progress: ProgressCallback | None = None,
    executor: cf.Executor | None = None,
    fmt: Formats | None = None,
) -> StaffingPlan:
    """Plan ``request``'s queues: forecast, intervals, Erlang requirements.

    Parameters
    ----------
    request : PlanRequest
    inputs : PlanInputs
        A fit is skipped when ``inputs.fitted_daily`` holds the forecast of ``source.key``.
    source : ForecastSource, optional
        :func:`forecast_source` of ``request`` when the caller has it already.
    progress : callable, optional
        ``progress(done, total, label)`` while the models are fitted.
    executor : concurrent.futures.Executor, optional
        Fits the queues in parallel.
    fmt : Formats, optional
        How the notes write dates and numbers.

    Raises
    ------
    PlanningError
        No queue with contacts.
    staffing.planning.MissingHandleTimeError
        A queue has no handle time in the history nor in its settings (checked before any fit).
    ValueError
        Targets out of range (``staffing.checks.InvalidParameterError``), a forecast that cannot
        be fitted (``forecasting.errors.ForecastInputError``).
    """
    source = source or forecast_source(request, inputs, fmt)
    aht = require_handle_times(source, inputs)
    per_channel = request.per_channel(sorted(set(source.queues["channel"])))
    if source.source == SAVED:
        daily = inputs.saved_daily.drop(columns=["run_id"], errors="ignore")
    elif inputs.fitted_daily is not None:
        daily = inputs.fitted_daily
    else:
        daily = fit_daily(source, inputs, progress=progress, executor=executor)
    daily = _within(daily[list(DAILY_EXPORT_COLUMNS)], source.queues)
    split = intervals_from_daily(daily, inputs.contacts, inputs.setups, request.interval_minutes)
    frame = forecast_to_requirements_input(
        split.intervals,
        aht[list(AHT_COLUMNS)],
        aht_change_pct=float(request.aht_change_pct),
        volume_share=float(request.volume_share),
    )
    requirements = interval_requirements(
        frame, per_channel, use_upper_bound=bool(request.use_upper_bound)
    )
    return StaffingPlan(request, source, daily, split, aht, requirements)


def plan_daily_forecast(
    daily: pd.DataFrame,
    setup: QueueSetup,
    targets: StaffingTargets | Mapping[str, StaffingTargets],
    *,
    use_upper_bound: bool = False,
    interval_minutes: int = INTERVAL_MINUTES,
) -> tuple[pd.DataFrame, QueueIntervals]:
    """Interval requirements from a daily forecast file: every queue in it spread with
    ``setup``'s profile over its opening hours, at its handle time (the command line's
    ``staff --forecast DAILY_FILE``).

    Parameters
    ----------
    daily : DataFrame
        ``DAILY_EXPORT_COLUMNS`` (``data.validation``'s clean ``daily_forecast`` frame).
    setup : QueueSetup
        Handle time (required), opening hours and profile (``builtin`` or ``uploaded``).
    targets : StaffingTargets or mapping of channel to StaffingTargets

    Returns
    -------
    requirements : DataFrame
        Rows for the open intervals only.
    intervals : QueueIntervals
        The spread forecast and its notes (closed days).
    """
    if setup.aht_seconds is None:
        queues = sorted(
            {f"{c}/{ch}" for c, ch in zip(daily["country"], daily["channel"], strict=True)}
        )
        raise MissingHandleTimeError(queues, "give --aht-seconds")
    empty = pd.DataFrame(
        columns=["country", "channel", "ds", "interval_minutes", "contacts", "aht_seconds"]
    )
    queues = list(dict.fromkeys(zip(daily["country"], daily["channel"], strict=True)))
    split = intervals_from_daily(daily, empty, dict.fromkeys(queues, setup), interval_minutes)
    aht = pd.DataFrame(
        [(c, ch, float(setup.aht_seconds)) for c, ch in queues], columns=list(AHT_COLUMNS)
    )
    frame = forecast_to_requirements_input(split.intervals, aht)
    return interval_requirements(frame, targets, use_upper_bound=use_upper_bound), split
