"""Workload-strain signals: a registry of small rules, each returning rows with reasons.

Every signal has one signature, ``signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame``,
is registered with :func:`register_signal`, and is run by the one loop in
:func:`compute_signals` (the pattern of Prophet's ``register_performance_metric``). A signal
returns only the agents it fires for, one row each (``performance_decline``: one per metric),
with the columns of :data:`SIGNAL_COLUMNS` minus ``family`` (the loop adds it):

``agent_id`` (str), ``signal`` (str), ``severity`` (float, 0 < severity <= 1),
``value`` (float, the measured number), ``threshold`` (float, the rule's threshold) and
``reason`` (a :class:`wellbeing.reasons.Reason`: a code and the numbers behind it, with the
sentence in English; :func:`wellbeing.reasons.word_reason` words it in a reader's locale). A
signal registered elsewhere may give a plain sentence; :func:`compute_signals` keeps it as a
reason without a code, which every reader sees as it is.

These are signs of *workload strain*, never a diagnosis; HR reviews every flag.

Weeks are calendar weeks starting on Monday; a week counts once it is complete on ``as_of``
(a Sunday ``as_of`` includes its own week). Day-level rules (absence, rest, consecutive days)
use every day up to and including ``as_of``.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from wellbeing.errors import WellbeingInputError, require_columns
from wellbeing.reasons import Reason, make_reason
from wellbeing.thresholds import DEFAULT_THRESHOLDS, FAMILIES, Thresholds

logger = logging.getLogger(__name__)

SIGNAL_COLUMNS: tuple[str, ...] = (
    "agent_id",
    "signal",
    "family",
    "severity",
    "value",
    "threshold",
    "reason",
)
AGENT_COLUMNS = ("agent_id", "contract_hours_per_week")
ABSENCE_COLUMNS = ("agent_id", "start_date", "end_date", "type")
HOURS_COLUMNS = ("agent_id", "date", "hours_worked")
PERFORMANCE_COLUMNS = ("agent_id", "date", "metric", "value")
OCCUPANCY_COLUMNS = ("agent_id", "week_start", "occupancy")
#: Optional columns of the hours frame that make the 11 h rest rule exact.
SHIFT_COLUMNS = ("shift_start", "shift_end")

#: Days averaged for the "recent level" compared with a person's own baseline.
RECENT_LEVEL_WEEKS = 4
#: Weeks of history the weekly-hours rules look back at most (overtime streaks are capped here).
HISTORY_WEEKS = 52

T = TypeVar("T")
SignalFunc = Callable[["SignalContext", Thresholds], pd.DataFrame]


# --------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------


def to_day(value: Any) -> np.datetime64:
    """Return a date-like scalar as ``numpy.datetime64[D]`` (time of day dropped)."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise WellbeingInputError(f"as_of must be a date, not {value!r}") from exc
    if ts is pd.NaT:
        raise WellbeingInputError(f"as_of must be a date, not {value!r}")
    return np.datetime64(ts.date(), "D")


def to_days(values: pd.Series | np.ndarray, name: str) -> np.ndarray:
    """Return a column of dates as a ``datetime64[D]`` array (whatever its pandas resolution)."""
    try:
        days = pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[ns]")
    except (TypeError, ValueError) as exc:
        raise WellbeingInputError(f"column {name!r} must hold dates: {exc}") from exc
    return days.astype("datetime64[D]")


def week_start(days: np.ndarray) -> np.ndarray:
    """Return the Monday starting the calendar week of each ``datetime64[D]`` day."""
    # 1970-01-01 was a Thursday: (days since epoch + 3) % 7 is 0 on Mondays.
    offset = (days.astype("int64") + 3) % 7
    return days - offset.astype("timedelta64[D]")


def last_complete_week_start(as_of: np.datetime64) -> np.datetime64:
    """Return the Monday of the last calendar week complete on ``as_of`` (inclusive)."""
    return week_start(np.array([as_of + np.timedelta64(1, "D")]))[0] - np.timedelta64(7, "D")


# --------------------------------------------------------------------------------------------
# context
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyHours:
    """Hours worked per agent and calendar week.

    Attributes
    ----------
    weeks : numpy.ndarray
        Week starts (Mondays, ``datetime64[D]``), oldest first.
    hours : numpy.ndarray
        Shape ``(n_agents, n_weeks)``, hours; NaN where an agent has no hours that week
        (leave, sickness, not yet hired), so averages leave those weeks out.
    """

    weeks: np.ndarray
    hours: np.ndarray


@dataclass(frozen=True)
class SignalContext:
    """The inputs every signal reads, plus memoised intermediate results.

    Build it with :func:`make_signal_context`, which checks columns and normalises dates.

    Attributes
    ----------
    agents : pandas.DataFrame
        One row per agent (``agent_id``, ``contract_hours_per_week``, ...), in output order.
    absences : pandas.DataFrame
        ``agent_id, start_date, end_date, type`` with inclusive dates.
    hours : pandas.DataFrame
        ``agent_id, date, hours_worked``; optional ``shift_start, shift_end`` timestamps.
    performance : pandas.DataFrame
        ``agent_id, date, metric, value``.
    as_of : numpy.datetime64
        The day the flags are computed for (``datetime64[D]``).
    occupancy : pandas.DataFrame or None
        ``agent_id, week_start, occupancy`` (fraction) from the staffing results, if any.
    """

    agents: pd.DataFrame
    absences: pd.DataFrame
    hours: pd.DataFrame
    performance: pd.DataFrame
    as_of: np.datetime64
    occupancy: pd.DataFrame | None = None
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)
    _notes: list[str] = field(default_factory=list, repr=False, compare=False)

    @cached_property
    def agent_ids(self) -> pd.Index:
        """Agent ids in the order of ``agents`` (as strings)."""
        return pd.Index(self.agents["agent_id"].astype(str), name="agent_id")

    @cached_property
    def contract_hours(self) -> np.ndarray:
        """Contract hours per week of each agent, aligned with :attr:`agent_ids`."""
        return self.agents["contract_hours_per_week"].to_numpy(dtype=float)

    @cached_property
    def last_week(self) -> np.datetime64:
        """Monday of the last calendar week complete on :attr:`as_of`."""
        return last_complete_week_start(self.as_of)

    @property
    def notes(self) -> tuple[str, ...]:
        """Notes recorded while computing (skipped metrics, inferred rules), in order."""
        return tuple(self._notes)

    def note(self, message: str) -> None:
        """Record (once) and log a note about how the signals were computed."""
        if message not in self._notes:
            self._notes.append(message)
            logger.info(message)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return ``compute()``, computed once per context and ``key``."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def codes(self, agent_id: pd.Series) -> np.ndarray:
        """Row positions of ``agent_id`` values in :attr:`agent_ids` (-1 for unknown agents)."""
        return agent_codes(self.agent_ids, agent_id)

    def weekly_hours(self, n_weeks: int = HISTORY_WEEKS) -> WeeklyHours:
        """Hours per agent for the ``n_weeks`` complete weeks up to :attr:`last_week`."""
        return self.memo(("weekly_hours", n_weeks), lambda: _weekly_hours(self, n_weeks))

    def daily_hours(self, n_days: int) -> tuple[np.ndarray, np.ndarray]:
        """Days (``datetime64[D]``) and hours matrix ``(n_agents, n_days)`` ending on ``as_of``.

        Days without a record are 0 h (not worked).
        """
        return self.memo(("daily_hours", n_days), lambda: _daily_hours(self, n_days))


def agent_codes(agent_ids: pd.Index, values: pd.Series) -> np.ndarray:
    """Row positions of ``values`` in ``agent_ids`` (-1 where unknown), for millions of rows.

    Factorises first and looks up only the distinct ids: a direct ``get_indexer`` on millions
    of Arrow-backed strings is several times slower.
    """
    codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=True)
    lookup = agent_ids.get_indexer(pd.Index(uniques).astype(str))
    return np.where(codes >= 0, lookup[codes], -1)


def make_signal_context(
    agents: pd.DataFrame,
    absences: pd.DataFrame,
    hours: pd.DataFrame,
    performance: pd.DataFrame,
    as_of: Any = None,
    occupancy: pd.DataFrame | None = None,
) -> SignalContext:
    """Check the input frames' columns and build a :class:`SignalContext`.

    Parameters
    ----------
    agents, absences, hours, performance : pandas.DataFrame
        Frames already validated by the data layer (see :class:`SignalContext` for columns).
    as_of : date-like, optional
        Day the flags are computed for. Default: the latest date in ``hours``, else in
        ``performance``, else in ``absences``.
    occupancy : pandas.DataFrame, optional
        ``agent_id, week_start, occupancy`` from the staffing results.

    Returns
    -------
    SignalContext

    Raises
    ------
    MissingColumnsError
        If a frame lacks a required column.
    WellbeingInputError
        If ``as_of`` is not a date, no date can be found, or agent ids repeat.
    """
    require_columns(agents, "agents", AGENT_COLUMNS)
    require_columns(absences, "absences", ABSENCE_COLUMNS)
    require_columns(hours, "hours", HOURS_COLUMNS)
    require_columns(performance, "performance", PERFORMANCE_COLUMNS)
    if occupancy is not None:
        require_columns(occupancy, "occupancy", OCCUPANCY_COLUMNS)
    duplicated = agents["agent_id"].astype(str).duplicated()
    if duplicated.any():
        first = agents["agent_id"][duplicated].iloc[0]
        raise WellbeingInputError(
            f"agents frame lists agent_id {first!r} more than once ({int(duplicated.sum())} repeats)"
        )
    if as_of is None:
        for frame, col in ((hours, "date"), (performance, "date"), (absences, "end_date")):
            if len(frame):
                as_of = pd.to_datetime(frame[col]).max()
                break
        else:
            raise WellbeingInputError(
                "as_of is required when hours, performance and absences are empty"
            )
    return SignalContext(
        agents=agents.reset_index(drop=True),
        absences=absences,
        hours=hours,
        performance=performance,
        as_of=to_day(as_of),
        occupancy=occupancy,
    )


def weekly_hours_matrix(
    hours: pd.DataFrame, agent_ids: pd.Index, first_week: np.datetime64, n_weeks: int
) -> np.ndarray:
    """Hours worked per agent and calendar week, as a matrix.

    Parameters
    ----------
    hours : pandas.DataFrame
        ``agent_id, date, hours_worked`` (hours per day or per shift).
    agent_ids : pandas.Index
        Rows of the result; hours of other agents are ignored.
    first_week : numpy.datetime64
        Monday of the first column.
    n_weeks : int
        Number of columns (consecutive weeks).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(agent_ids), n_weeks)``, hours; NaN where an agent has no hours that week
        (leave, sickness, not yet hired), so that averages leave those weeks out.
    """
    require_columns(hours, "hours", HOURS_COLUMNS)
    col = (week_start(to_days(hours["date"], "date")) - first_week).astype("int64") // 7
    row = agent_codes(agent_ids, hours["agent_id"])
    keep = (row >= 0) & (col >= 0) & (col < n_weeks)
    flat = row[keep] * n_weeks + col[keep]
    worked = np.nan_to_num(hours["hours_worked"].to_numpy(dtype=float)[keep])
    sums = np.bincount(flat, weights=worked, minlength=len(agent_ids) * n_weeks)
    # float even when no hours fall in the window (bincount then returns integers)
    sums = sums.astype(float).reshape(len(agent_ids), n_weeks)
    sums[sums <= 0] = np.nan
    return sums


def _weekly_hours(ctx: SignalContext, n_weeks: int) -> WeeklyHours:
    first = ctx.last_week - np.timedelta64(7 * (n_weeks - 1), "D")
    weeks = first + np.arange(n_weeks).astype("timedelta64[D]") * 7
    return WeeklyHours(weeks, weekly_hours_matrix(ctx.hours, ctx.agent_ids, first, n_weeks))


def _daily_hours(ctx: SignalContext, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    first = ctx.as_of - np.timedelta64(n_days - 1, "D")
    days = first + np.arange(n_days).astype("timedelta64[D]")
    col = (to_days(ctx.hours["date"], "date") - first).astype("int64")
    row = ctx.codes(ctx.hours["agent_id"])
    keep = (row >= 0) & (col >= 0) & (col < n_days)
    flat = row[keep] * n_days + col[keep]
    worked = np.nan_to_num(ctx.hours["hours_worked"].to_numpy(dtype=float)[keep])
    size = len(ctx.agent_ids) * n_days
    matrix = np.bincount(flat, weights=worked, minlength=size).reshape(-1, n_days)
    return days, matrix


def run_lengths(flags: np.ndarray) -> np.ndarray:
    """Length of the run of ``True`` ending at each position, along the last axis.

    Parameters
    ----------
    flags : numpy.ndarray of bool
        Shape ``(n, m)``.

    Returns
    -------
    numpy.ndarray of int
        Same shape; 0 where ``flags`` is False.
    """
    flags = np.asarray(flags, dtype=bool)
    total = np.cumsum(flags, axis=-1)
    at_false = np.where(flags, 0, total)
    return total - np.maximum.accumulate(at_false, axis=-1)


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalSpec:
    """A registered signal: its name, family (for the score) and function."""

    name: str
    family: str
    func: SignalFunc
    description: str


SIGNALS: dict[str, SignalSpec] = {}


def register_signal(
    name: str, *, family: str, replace: bool = False
) -> Callable[[SignalFunc], SignalFunc]:
    """Register a signal function under ``name`` in :data:`SIGNALS`.

    Parameters
    ----------
    name : str
        Signal name, used in the output's ``signal`` column.
    family : str
        One of :data:`wellbeing.thresholds.FAMILIES`; within a family only the strongest
        signal of an agent counts towards the score.
    replace : bool, default False
        Allow replacing a signal already registered under ``name``.

    Returns
    -------
    callable
        A decorator returning the function unchanged.

    Raises
    ------
    ValueError
        If the family is unknown or the name is taken (and ``replace`` is False).
    """
    if family not in FAMILIES:
        raise ValueError(
            f"signal {name!r}: unknown family {family!r}; known: {', '.join(FAMILIES)}"
        )
    if name in SIGNALS and not replace:
        raise ValueError(f"a signal named {name!r} is already registered")

    def decorator(func: SignalFunc) -> SignalFunc:
        doc = (func.__doc__ or "").strip().splitlines()
        SIGNALS[name] = SignalSpec(name, family, func, doc[0] if doc else "")
        return func

    return decorator


def empty_signals() -> pd.DataFrame:
    """An empty signal frame with the columns and dtypes of :data:`SIGNAL_COLUMNS`."""
    return pd.DataFrame(
        {
            "agent_id": pd.Series(dtype=str),
            "signal": pd.Series(dtype=str),
            "family": pd.Series(dtype=str),
            "severity": pd.Series(dtype=float),
            "value": pd.Series(dtype=float),
            "threshold": pd.Series(dtype=float),
            "reason": pd.Series(dtype=object),
        }
    )


def compute_signals(
    ctx: SignalContext,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    names: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Run the registered signals and stack their rows.

    Parameters
    ----------
    ctx : SignalContext
        Inputs, from :func:`make_signal_context`.
    thresholds : Thresholds, optional
        Thresholds and windows.
    names : iterable of str, optional
        Signals to run (default: all in :data:`SIGNALS`, in registration order).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SIGNAL_COLUMNS`, one row per fired signal (per metric for
        ``performance_decline``), sorted by agent order then severity (descending).

    Raises
    ------
    ValueError
        If a name is not a registered signal.
    """
    selected = list(SIGNALS) if names is None else list(names)
    unknown = [n for n in selected if n not in SIGNALS]
    if unknown:
        raise ValueError(
            f"unknown signal(s) {', '.join(unknown)}; registered: {', '.join(SIGNALS)}"
        )
    frames = []
    for name in selected:
        spec = SIGNALS[name]
        out = spec.func(ctx, thresholds)
        require_columns(
            out, f"signal {name!r} output", [c for c in SIGNAL_COLUMNS if c != "family"]
        )
        if len(out):
            reasons = out["reason"].map(_as_reason)
            frames.append(out.assign(family=spec.family, reason=reasons)[list(SIGNAL_COLUMNS)])
    if not frames:
        return empty_signals()
    signals = pd.concat(frames, ignore_index=True)
    order = ctx.codes(signals["agent_id"])
    signals = signals.assign(_order=order).sort_values(
        ["_order", "severity"], ascending=[True, False], kind="stable"
    )
    return signals.drop(columns="_order").reset_index(drop=True)


def _as_reason(reason: Any) -> Reason:
    """A signal's reason as a :class:`Reason` (a plain sentence: without a code, as it is)."""
    return reason if isinstance(reason, Reason) else Reason(None, {}, str(reason))


def _rows(
    agent_ids: Iterable[str],
    signal: str,
    severity: Iterable[float],
    value: Iterable[float],
    threshold: Iterable[float] | float,
    reasons: Iterable[Reason],
) -> pd.DataFrame:
    """Build a signal's output frame (``family`` is added by :func:`compute_signals`)."""
    ids = list(agent_ids)
    return pd.DataFrame(
        {
            "agent_id": pd.Series(ids, dtype=str),
            "signal": signal,
            "severity": np.asarray(list(severity), dtype=float).reshape(-1),
            "value": np.asarray(list(value), dtype=float).reshape(-1),
            "threshold": np.broadcast_to(np.asarray(threshold, dtype=float), (len(ids),)),
            "reason": pd.Series(list(reasons), dtype=object),
        }
    )


def ramp(value: np.ndarray | float, start: float, full: float, top: float = 1.0) -> np.ndarray:
    """Severity on ``[0.5, top]``: 0.5 where a rule just fires (``start``), ``top`` at ``full``."""
    span = max(full - start, 1e-12)
    return 0.5 + (top - 0.5) * np.clip((np.asarray(value, dtype=float) - start) / span, 0.0, 1.0)


def format_day(day: np.datetime64) -> str:
    """A day as the outlook's sentences write it, e.g. ``"1 Jul 2024"``."""
    return pd.Timestamp(day).strftime("%d %b %Y").lstrip("0")


# --------------------------------------------------------------------------------------------
# absence
# --------------------------------------------------------------------------------------------


def bradford_factor(spells: np.ndarray | int, days: np.ndarray | float) -> np.ndarray | float:
    """Bradford Factor ``S**2 * D``.

    Parameters
    ----------
    spells : int or array
        Separate spells (occasions) of absence, S.
    days : float or array
        Total days absent, D.

    Returns
    -------
    float or numpy.ndarray
        The score (dimensionless); e.g. ten 1-day spells give 1,000, one 10-day spell 10.
    """
    return np.asarray(spells, dtype=float) ** 2 * np.asarray(days, dtype=float)


def absence_spells(
    absences: pd.DataFrame,
    types: Iterable[str] | None = None,
    join_gap_days: int = 0,
) -> pd.DataFrame:
    """Join absence records into spells and de-duplicate overlapping days.

    Records of the same agent and type that overlap, touch (the next starts the day after the
    previous ends) or are separated by at most ``join_gap_days`` absence-free days form one
    spell. Records of different types never join.

    Parameters
    ----------
    absences : pandas.DataFrame
        ``agent_id, start_date, end_date, type`` (dates inclusive).
    types : iterable of str, optional
        Keep only these absence types (default: all).
    join_gap_days : int, default 0
        Absence-free days allowed inside a spell, days.

    Returns
    -------
    pandas.DataFrame
        One row per record, sorted, with ``agent_id, type, start_date, end_date`` (as
        ``datetime64``), ``spell`` (a spell number, unique over the frame), ``own_start``
        (first day of this record not already covered by an earlier record of the spell) and
        ``spell_start`` (first day of the spell). Days are counted from ``own_start`` to
        ``end_date`` so that overlapping records count each day once.
    """
    require_columns(absences, "absences", ABSENCE_COLUMNS)
    frame = absences
    if types is not None:
        frame = frame[frame["type"].isin(list(types))]
    starts = to_days(frame["start_date"], "start_date")
    ends = to_days(frame["end_date"], "end_date")
    bad = ends < starts
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise WellbeingInputError(
            f"absences: end_date {ends[i]} is before start_date {starts[i]} "
            f"(agent_id {frame['agent_id'].iloc[i]!r})"
        )
    df = pd.DataFrame(
        {
            "agent_id": frame["agent_id"].astype(str).to_numpy(),
            "type": frame["type"].astype(str).to_numpy(),
            "start_date": starts,
            "end_date": ends,
        }
    ).sort_values(["agent_id", "type", "start_date", "end_date"], kind="stable")
    keys = [df["agent_id"], df["type"]]
    running_end = df.groupby(keys, sort=False)["end_date"].cummax()
    prev_end = running_end.groupby(keys, sort=False).shift()
    gap = pd.Timedelta(days=join_gap_days + 1)
    new_spell = prev_end.isna() | (df["start_date"] > prev_end + gap)
    spell = new_spell.cumsum().to_numpy()
    own_start = df["start_date"].where(
        prev_end.isna() | (df["start_date"] > prev_end), prev_end + pd.Timedelta(days=1)
    )
    df = df.assign(spell=spell, own_start=own_start)
    df["spell_start"] = df.groupby("spell")["start_date"].transform("min")
    return df.reset_index(drop=True)


def absence_window_summary(ctx: SignalContext, th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Spells, days and Bradford Factor of every agent over the rolling window ending ``as_of``.

    Only ``th.bradford_absence_types`` count. The window is the ``7 * bradford_window_weeks``
    days ending on ``as_of`` (364 days: 2023-07-03..2024-06-30 for ``as_of`` 2024-06-30). A
    spell counts if any of its days falls inside; only the days inside count (a spell running
    past either edge is cut there). Days are calendar days, each counted once.

    Parameters
    ----------
    ctx : SignalContext
        Inputs.
    th : Thresholds, optional
        Window, absence types and spell-joining rule.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``agent_id`` in agent order, columns ``spells`` (int), ``days`` (int, days)
        and ``bradford_factor`` (float); zeros for agents without absence.
    """

    def compute() -> pd.DataFrame:
        recs = absence_spells(ctx.absences, th.bradford_absence_types, th.spell_join_gap_days)
        window_start = ctx.as_of - np.timedelta64(7 * th.bradford_window_weeks - 1, "D")
        first = np.maximum(recs["own_start"].to_numpy("datetime64[D]"), window_start)
        last = np.minimum(recs["end_date"].to_numpy("datetime64[D]"), ctx.as_of)
        days = np.maximum((last - first).astype("int64") + 1, 0)
        recs = recs.assign(days=days)
        recs = recs[recs["days"] > 0]
        per_agent = (
            recs.groupby("agent_id")
            .agg(spells=("spell", "nunique"), days=("days", "sum"))
            .reindex(ctx.agent_ids, fill_value=0)
            .astype("int64")
        )
        per_agent["bradford_factor"] = bradford_factor(per_agent["spells"], per_agent["days"])
        return per_agent

    key = ("absence_window", th.bradford_absence_types, th.spell_join_gap_days)
    return ctx.memo((*key, th.bradford_window_weeks), compute)


@register_signal("bradford", family="absence")
def bradford_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Bradford Factor S^2 x D over the rolling window, against the trigger points."""
    per_agent = absence_window_summary(ctx, th)
    score = per_agent["bradford_factor"].to_numpy()
    triggers = np.asarray(th.bradford_triggers)
    band = np.searchsorted(triggers, score, side="right")  # 0: below the first trigger
    fired = band > 0
    sub = per_agent[fired]
    score, band = score[fired], band[fired]
    threshold = triggers[band - 1]
    reasons = [
        make_reason(
            "bradford",
            bradford_factor=b,
            threshold=t,
            window_weeks=th.bradford_window_weeks,
            spells=s,
            days=d,
            types=th.bradford_absence_types,
        )
        for b, t, s, d in zip(score, threshold, sub["spells"], sub["days"], strict=True)
    ]
    return _rows(sub.index, "bradford", band / len(triggers), score, threshold, reasons)


@register_signal("sick_days", family="absence")
def sick_days_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Days absent (counted types) in the rolling window, against a days threshold."""
    per_agent = absence_window_summary(ctx, th)
    per_agent = per_agent[per_agent["days"] >= th.sick_days_threshold]
    days = per_agent["days"].to_numpy(dtype=float)
    reasons = [
        make_reason(
            "sick_days",
            days=int(d),
            spells=s,
            window_weeks=th.bradford_window_weeks,
            threshold_days=th.sick_days_threshold,
            types=th.bradford_absence_types,
        )
        for d, s in zip(days, per_agent["spells"], strict=True)
    ]
    severity = ramp(days, th.sick_days_threshold, th.sick_days_full)
    return _rows(per_agent.index, "sick_days", severity, days, th.sick_days_threshold, reasons)


@register_signal("absence_frequency", family="absence")
def absence_frequency_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Recent spell frequency against the person's own earlier baseline."""
    recs = absence_spells(ctx.absences, th.bradford_absence_types, th.spell_join_gap_days)
    spells = recs.drop_duplicates("spell")[["agent_id", "spell_start"]]
    start = spells["spell_start"].to_numpy("datetime64[D]")
    recent_from = ctx.as_of - np.timedelta64(7 * th.frequency_recent_weeks - 1, "D")
    base_from = recent_from - np.timedelta64(7 * th.frequency_baseline_weeks, "D")
    recent = (start >= recent_from) & (start <= ctx.as_of)
    base = (start >= base_from) & (start < recent_from)
    counts = (
        pd.DataFrame({"agent_id": spells["agent_id"].to_numpy(), "recent": recent, "base": base})
        .groupby("agent_id")[["recent", "base"]]
        .sum()
    )
    counts = counts[counts.index.isin(ctx.agent_ids)]
    # baseline rate rescaled to the length of the recent window
    base_rate = counts["base"] * th.frequency_recent_weeks / th.frequency_baseline_weeks
    fired = (counts["recent"] >= th.frequency_min_recent_spells) & (
        counts["recent"] >= th.frequency_ratio * base_rate
    )
    counts, base_rate = counts[fired], base_rate[fired]
    reasons = [
        make_reason(
            "absence_frequency",
            recent_spells=r,
            recent_weeks=th.frequency_recent_weeks,
            baseline_spells=b,
            baseline_weeks=th.frequency_baseline_weeks,
            min_recent_spells=th.frequency_min_recent_spells,
            min_ratio=th.frequency_ratio,
            types=th.bradford_absence_types,
        )
        for r, b in zip(counts["recent"], base_rate, strict=True)
    ]
    severity = ramp(
        counts["recent"].to_numpy(),
        th.frequency_min_recent_spells,
        2 * th.frequency_min_recent_spells,
    )
    return _rows(
        counts.index,
        "absence_frequency",
        severity,
        counts["recent"],
        th.frequency_min_recent_spells,
        reasons,
    )


# --------------------------------------------------------------------------------------------
# working time
# --------------------------------------------------------------------------------------------


def trailing_average_hours(hours: np.ndarray, n_weeks: int, min_share: float) -> np.ndarray:
    """Trailing average over ``n_weeks`` weeks at every week, leaving out weeks without hours.

    Parameters
    ----------
    hours : numpy.ndarray
        Weekly hours ``(n_agents, n_total_weeks)``, NaN for weeks without hours.
    n_weeks : int
        Reference period, weeks.
    min_share : float
        Fraction of the period that must have hours; otherwise the result is NaN.

    Returns
    -------
    numpy.ndarray
        Same shape as ``hours``: the average weekly hours over the ``n_weeks`` weeks ending at
        each column, hours (NaN where too few of those weeks have hours).
    """
    have = np.isfinite(hours)
    pad = ((0, 0), (1, 0))
    csum = np.pad(np.cumsum(np.where(have, hours, 0.0), axis=1), pad)
    ccount = np.pad(np.cumsum(have, axis=1), pad)
    end = np.arange(1, hours.shape[1] + 1)
    start = np.maximum(end - n_weeks, 0)
    total = csum[:, end] - csum[:, start]
    count = ccount[:, end] - ccount[:, start]
    need = max(1, math.ceil(min_share * n_weeks))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= need, total / count, np.nan)


def _average_hours_signal(
    ctx: SignalContext, th: Thresholds, n_weeks: int, name: str
) -> pd.DataFrame:
    weekly = ctx.weekly_hours(max(HISTORY_WEEKS, n_weeks))
    avg = trailing_average_hours(weekly.hours, n_weeks, th.min_share_of_weeks_with_hours)[:, -1]
    have = np.isfinite(weekly.hours[:, -n_weeks:]).sum(axis=1)
    fired = np.flatnonzero(avg > th.max_average_weekly_hours)
    limit = th.max_average_weekly_hours
    reasons = [
        make_reason(
            name,
            average_hours=avg[i],
            weeks=n_weeks,
            threshold_hours=limit,
            weeks_with_hours=have[i],
            last_week=weekly.weeks[-1],
        )
        for i in fired
    ]
    severity = ramp(avg[fired], limit, th.long_hours_week)
    return _rows(ctx.agent_ids[fired], name, severity, avg[fired], limit, reasons)


@register_signal("average_hours_reference", family="workload")
def average_hours_reference_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Average weekly hours over the reference period (17 weeks) above 48 h."""
    return _average_hours_signal(ctx, th, th.reference_period_weeks, "average_hours_reference")


@register_signal("average_hours_recent", family="workload")
def average_hours_recent_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Average weekly hours over the last few weeks (4) above 48 h."""
    return _average_hours_signal(ctx, th, th.short_period_weeks, "average_hours_recent")


@register_signal("overtime_streak", family="workload")
def overtime_streak_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Consecutive weeks above contract, up to the last complete week."""
    weekly = ctx.weekly_hours(HISTORY_WEEKS)
    contract = ctx.contract_hours[:, None]
    over = weekly.hours >= contract + th.overtime_min_hours  # NaN weeks compare False
    streak = run_lengths(over)[:, -1]
    fired = np.flatnonzero(streak >= th.overtime_streak_weeks)
    window = weekly.hours[fired]
    s = streak[fired]
    mean_hours = np.array([window[k, -n:].mean() for k, n in enumerate(s)])
    reasons = [
        make_reason(
            "overtime_streak",
            weeks=s[k],
            at_least=s[k] >= weekly.hours.shape[1],  # the streak fills the history
            contract_hours=ctx.contract_hours[i],
            last_week=weekly.weeks[-1],
            average_hours=mean_hours[k],
            threshold_weeks=th.overtime_streak_weeks,
            min_overtime_hours=th.overtime_min_hours,
        )
        for k, i in enumerate(fired)
    ]
    # a long run of modest overtime is a medium concern on its own (severity at most 0.75);
    # the hours themselves reach full severity through the average-hours signals
    severity = ramp(s, th.overtime_streak_weeks, 2 * th.overtime_streak_weeks, top=0.75)
    return _rows(
        ctx.agent_ids[fired], "overtime_streak", severity, s, th.overtime_streak_weeks, reasons
    )


@register_signal("short_rest", family="rest")
def short_rest_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Daily rests under 11 h in the lookback window (exact with shift times, else inferred)."""
    if all(c in ctx.hours.columns for c in SHIFT_COLUMNS):
        return _short_rest_from_shifts(ctx, th)
    # Only daily totals: a day with more than 24 - 11 = 13 h worked leaves under 11 h of rest in
    # that 24-hour day whatever the shift times, so it is a certain breach; shorter rests
    # between days cannot be seen, so this undercounts (never overcounts).
    ctx.note(
        "short_rest: hours have no shift_start/shift_end, so rests under "
        f"{th.min_daily_rest_hours:g} h are inferred only from days with more than "
        f"{24 - th.min_daily_rest_hours:g} h worked (an undercount)"
    )
    n_days = 7 * th.rest_lookback_weeks
    _, daily = ctx.daily_hours(n_days)
    long_day = 24.0 - th.min_daily_rest_hours
    counts = (daily > long_day).sum(axis=1)
    fired = np.flatnonzero(counts >= th.short_rest_min_count)
    longest = daily[fired].max(axis=1) if len(fired) else np.array([])
    reasons = [
        make_reason(
            "short_rest_long_days",
            days=counts[i],
            lookback_weeks=th.rest_lookback_weeks,
            long_day_hours=long_day,
            longest_hours=longest[k],
            min_rest_hours=th.min_daily_rest_hours,
            min_count=th.short_rest_min_count,
        )
        for k, i in enumerate(fired)
    ]
    severity = ramp(counts[fired], th.short_rest_min_count, 4 * th.short_rest_min_count)
    return _rows(
        ctx.agent_ids[fired],
        "short_rest",
        severity,
        counts[fired],
        th.short_rest_min_count,
        reasons,
    )


def _short_rest_from_shifts(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    shifts = pd.DataFrame(
        {
            "row": ctx.codes(ctx.hours["agent_id"]),
            "start": pd.to_datetime(ctx.hours["shift_start"]).to_numpy("datetime64[ns]"),
            "end": pd.to_datetime(ctx.hours["shift_end"]).to_numpy("datetime64[ns]"),
        }
    ).dropna()
    shifts = shifts[shifts["row"] >= 0].sort_values(["row", "start"], kind="stable")
    prev_end = shifts.groupby("row")["end"].shift()
    rest_h = (shifts["start"] - prev_end).dt.total_seconds() / 3600.0
    window_from = pd.Timestamp(ctx.as_of - np.timedelta64(7 * th.rest_lookback_weeks - 1, "D"))
    in_window = (shifts["start"] >= window_from) & (
        shifts["start"] < pd.Timestamp(ctx.as_of + np.timedelta64(1, "D"))
    )
    short = shifts.assign(rest_h=rest_h)[in_window & (rest_h < th.min_daily_rest_hours)]
    per = short.groupby("row")["rest_h"].agg(["size", "min"])
    per = per[per["size"] >= th.short_rest_min_count]
    rows = per.index.to_numpy()
    reasons = [
        make_reason(
            "short_rest_shifts",
            rests=n,
            lookback_weeks=th.rest_lookback_weeks,
            shortest_hours=m,
            min_rest_hours=th.min_daily_rest_hours,
        )
        for n, m in zip(per["size"], per["min"], strict=True)
    ]
    severity = ramp(per["size"].to_numpy(), th.short_rest_min_count, 4 * th.short_rest_min_count)
    return _rows(
        ctx.agent_ids[rows], "short_rest", severity, per["size"], th.short_rest_min_count, reasons
    )


@register_signal("consecutive_days", family="rest")
def consecutive_days_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Longest run of working days (ending in the lookback window) above the limit."""
    lookback = 7 * th.rest_lookback_weeks
    # look a quarter further back so a run that began before the window is measured in full
    n_days = lookback + 7 * 13
    days, daily = ctx.daily_hours(n_days)
    runs = run_lengths(daily > 0)[:, -lookback:]
    longest = runs.max(axis=1)
    end_col = runs.argmax(axis=1)
    fired = np.flatnonzero(longest > th.max_consecutive_working_days)
    tail_days = days[-lookback:]
    reasons = [
        make_reason(
            "consecutive_days",
            days=longest[i],
            first_day=tail_days[end_col[i]] - np.timedelta64(int(longest[i]) - 1, "D"),
            last_day=tail_days[end_col[i]],
            threshold_days=th.max_consecutive_working_days,
        )
        for i in fired
    ]
    limit = th.max_consecutive_working_days
    severity = ramp(longest[fired], limit + 1, 2 * limit)
    return _rows(ctx.agent_ids[fired], "consecutive_days", severity, longest[fired], limit, reasons)


# --------------------------------------------------------------------------------------------
# performance
# --------------------------------------------------------------------------------------------


def mann_kendall(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised Mann-Kendall trend statistic for many series at once.

    Equivalent to ``scipy.stats.kendalltau(range(n), y, method="asymptotic")`` per row
    (tau-b with tie correction, no continuity correction); NaN points are left out.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n_series, n_points)``, equally spaced in time, NaN for missing points.

    Returns
    -------
    s : numpy.ndarray
        Kendall's S (concordant minus discordant pairs) per series.
    z : numpy.ndarray
        Standardised S (positive: increasing); NaN where the variance is 0.
    n : numpy.ndarray
        Points used per series.
    """
    x = np.asarray(values, dtype=float)
    n_points = x.shape[1]
    # pairwise arrays are (rows, n, n): work in chunks of about 4 million pairs
    chunk = max(1, 4_000_000 // max(n_points * n_points, 1))
    parts = [_mann_kendall_chunk(x[k : k + chunk]) for k in range(0, len(x), chunk)]
    if not parts:
        empty = np.array([], dtype=float)
        return empty, empty, empty
    s, z, n = (np.concatenate(p) for p in zip(*parts, strict=True))
    return s, z, n


def _mann_kendall_chunk(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    valid = np.isfinite(x)
    n_points = x.shape[1]
    diff = x[:, None, :] - x[:, :, None]  # diff[k, i, j] = x[k, j] - x[k, i]
    both = valid[:, :, None] & valid[:, None, :]
    upper = np.triu(np.ones((n_points, n_points), dtype=bool), k=1)
    s = np.where(both & upper, np.sign(np.nan_to_num(diff)), 0.0).sum(axis=(1, 2))
    n = valid.sum(axis=1).astype(float)
    # ties: each point in a tie group of size t counts (t - 1)(2t + 5), so a group sums to
    # t(t - 1)(2t + 5), the usual correction term
    tie_size = ((diff == 0) & both).sum(axis=2)
    tie_term = np.where(valid, (tie_size - 1) * (2 * tie_size + 5), 0).sum(axis=1)
    var = (n * (n - 1) * (2 * n + 5) - tie_term) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, s / np.sqrt(var), np.nan)
    return s, z, n


def sen_slopes(values: np.ndarray) -> np.ndarray:
    """Theil-Sen slope (median of pairwise slopes) per row, per time step; NaN points skipped."""
    x = np.asarray(values, dtype=float)
    n_points = x.shape[1]
    i, j = np.triu_indices(n_points, k=1)
    slopes = (x[:, j] - x[:, i]) / (j - i)
    out = np.full(x.shape[0], np.nan)
    has = np.isfinite(slopes).any(axis=1)
    if has.any():
        out[has] = np.nanmedian(slopes[has], axis=1)
    return out


def weekly_performance(ctx: SignalContext, n_weeks: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Mean value per agent, metric and calendar week, as the performance signal tests them.

    Parameters
    ----------
    ctx : SignalContext
        Inputs; its ``performance`` frame (``agent_id, date, metric, value``) is read.
    n_weeks : int
        Number of complete weeks, ending with :attr:`SignalContext.last_week`.

    Returns
    -------
    keys : pandas.DataFrame
        One row per agent and metric with data in the window: ``row`` (position in
        :attr:`SignalContext.agent_ids`) and ``metric`` (str).
    matrix : numpy.ndarray
        Shape ``(len(keys), n_weeks)``, oldest week first: the weekly means in the metric's
        own unit (NaN for weeks without data).
    """
    perf = ctx.performance
    first = ctx.last_week - np.timedelta64(7 * (n_weeks - 1), "D")
    col = (week_start(to_days(perf["date"], "date")) - first).astype("int64") // 7
    row = ctx.codes(perf["agent_id"])
    values = perf["value"].to_numpy(dtype=float)
    keep = (row >= 0) & (col >= 0) & (col < n_weeks) & np.isfinite(values)
    # factorise the (Arrow-backed) strings first: converting millions of them is the slow part
    all_codes, metrics = pd.factorize(perf["metric"])
    keep &= all_codes >= 0
    metric_codes = all_codes[keep]
    metrics = np.asarray(metrics.astype(str), dtype=object)
    pair = row[keep].astype("int64") * len(metrics) + metric_codes
    pair_codes, pairs = pd.factorize(pair, sort=True)
    flat = pair_codes * n_weeks + col[keep]
    size = len(pairs) * n_weeks
    total = np.bincount(flat, weights=values[keep], minlength=size).reshape(-1, n_weeks)
    count = np.bincount(flat, minlength=size).reshape(-1, n_weeks)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    keys = pd.DataFrame(
        {
            "row": np.asarray(pairs) // max(len(metrics), 1),
            "metric": np.asarray(metrics, dtype=object)[np.asarray(pairs) % max(len(metrics), 1)]
            if len(metrics)
            else np.array([], dtype=object),
        }
    )
    return keys, matrix


@register_signal("performance_decline", family="performance")
def performance_decline_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Direction-aware declining trend per metric, FDR-controlled across agents x metrics.

    On weekly means, per agent and metric with at least ``min_trend_weeks`` weeks of data in the
    last ``trend_weeks``:

    1. a one-sided Mann-Kendall test towards the metric's "worse" direction over the person's
       own history (``baseline_weeks + trend_weeks`` weeks). Over the recent weeks alone the
       test has too little power to survive the correction: with 12 points the smallest
       possible one-sided p is 3e-6, and Benjamini-Hochberg over 20,000 tests needs 2.5e-6
       for a single discovery;
    2. Benjamini-Hochberg across every agent x metric tested, at ``fdr_q``;
    3. the last 4 weeks worse than the own baseline mean (the ``baseline_weeks`` before the
       recent window) by ``min_decline_baseline_sd`` baseline standard deviations, so that the
       decline is recent and material (skipped, and said so, without a baseline).

    The reason gives the Theil-Sen slope over the recent weeks with its 95% CI. ``value`` is the
    BH-adjusted p-value and ``threshold`` the FDR level q (fires when value <= threshold).
    """
    n_weeks = th.trend_weeks + th.baseline_weeks
    keys, matrix = weekly_performance(ctx, n_weeks)
    direction = np.array([th.metric_direction(m) for m in keys["metric"]], dtype=float)
    for metric in sorted(set(keys["metric"][direction == 0])):
        ctx.note(f"performance_decline: metric {metric!r} has no known direction; skipped")
    trend = matrix[:, -th.trend_weeks :]
    enough = (np.isfinite(trend).sum(axis=1) >= th.min_trend_weeks) & (direction != 0)
    if not enough.any():
        return _rows([], "performance_decline", [], [], [], [])
    keys, matrix, trend, direction = keys[enough], matrix[enough], trend[enough], direction[enough]
    _, z, n = mann_kendall(matrix)
    p_worse = stats.norm.sf(-direction * np.nan_to_num(z))  # one-sided towards "worse"
    reject, q_values, _, _ = multipletests(p_worse, alpha=th.fdr_q, method="fdr_bh")

    base = matrix[:, : th.baseline_weeks]
    base_n = np.isfinite(base).sum(axis=1)
    has_base = base_n >= th.min_baseline_weeks
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        # all-NaN rows (no baseline) are expected: silence "mean of empty slice"
        warnings.simplefilter("ignore", category=RuntimeWarning)
        base_mean = np.nanmean(np.where(has_base[:, None], base, np.nan), axis=1)
        base_sd = np.nanstd(np.where(has_base[:, None], base, np.nan), axis=1, ddof=1)
        recent = np.nanmean(trend[:, -RECENT_LEVEL_WEEKS:], axis=1)
        worse_by = direction * (base_mean - recent)
        effect = np.where(base_sd > 0, worse_by / base_sd, np.where(worse_by > 0, np.inf, 0.0))
    fired = reject & (~has_base | (effect >= th.min_decline_baseline_sd))
    idx = np.flatnonzero(fired)
    slopes = sen_slopes(trend[idx])
    reasons = []
    for k, i in enumerate(idx):
        y = trend[i]
        ok = np.isfinite(y)
        # scipy for the confidence interval, only for the few series that fire
        _, _, lo, hi = stats.theilslopes(y[ok], np.flatnonzero(ok), alpha=0.95)
        reasons.append(
            make_reason(
                "performance_decline",
                metric=keys["metric"].iloc[i],
                rising=direction[i] < 0,  # worse is higher (handle times)
                slope=slopes[k],
                slope_low=lo,
                slope_high=hi,
                trend_weeks=th.trend_weeks,
                history_weeks=int(n[i]),
                p_adjusted=q_values[i],
                fdr_q=th.fdr_q,
                recent_weeks=RECENT_LEVEL_WEEKS,
                recent=recent[i] if has_base[i] else None,
                baseline=base_mean[i] if has_base[i] else None,
                effect_sd=effect[i] if has_base[i] else None,
                min_effect_sd=th.min_decline_baseline_sd,
                min_baseline_weeks=th.min_baseline_weeks,
            )
        )
    severity = np.where(has_base[idx], ramp(effect[idx], th.min_decline_baseline_sd, 2.0), 0.5)
    return _rows(
        ctx.agent_ids[keys["row"].to_numpy()[idx]],
        "performance_decline",
        severity,
        q_values[idx],
        th.fdr_q,
        reasons,
    )


# --------------------------------------------------------------------------------------------
# exposure
# --------------------------------------------------------------------------------------------


@register_signal("sustained_occupancy", family="exposure")
def sustained_occupancy_signal(ctx: SignalContext, th: Thresholds) -> pd.DataFrame:
    """Occupancy above the threshold for several consecutive weeks (needs the occupancy frame)."""
    if ctx.occupancy is None or ctx.occupancy.empty:
        return _rows([], "sustained_occupancy", [], [], [], [])
    occ = ctx.occupancy
    weeks = week_start(to_days(occ["week_start"], "week_start"))
    past = weeks <= ctx.last_week
    if not past.any():
        return _rows([], "sustained_occupancy", [], [], [], [])
    # the streak ends at the latest week the staffing results cover (they may lag a week)
    last = weeks[past].max()
    n_weeks = HISTORY_WEEKS
    first = last - np.timedelta64(7 * (n_weeks - 1), "D")
    col = (weeks - first).astype("int64") // 7
    row = ctx.codes(occ["agent_id"])
    values = occ["occupancy"].to_numpy(dtype=float)
    keep = (row >= 0) & (col >= 0) & (col < n_weeks) & np.isfinite(values)
    matrix = np.full((len(ctx.agent_ids), n_weeks), np.nan)
    matrix[row[keep], col[keep]] = values[keep]
    streak = run_lengths(matrix > th.occupancy_threshold)[:, -1]
    fired = np.flatnonzero(streak >= th.occupancy_sustained_weeks)
    mean_occ = np.array([matrix[i, -streak[i] :].mean() for i in fired])
    reasons = [
        make_reason(
            "sustained_occupancy",
            occupancy_threshold=th.occupancy_threshold,
            weeks=streak[i],
            last_week=last,
            mean_occupancy=m,
            threshold_weeks=th.occupancy_sustained_weeks,
        )
        for i, m in zip(fired, mean_occ, strict=True)
    ]
    severity = ramp(mean_occ, th.occupancy_threshold, th.occupancy_full)
    return _rows(
        ctx.agent_ids[fired],
        "sustained_occupancy",
        severity,
        streak[fired],
        th.occupancy_sustained_weeks,
        reasons,
    )
