"""The inputs every signal reads: the checked frames, calendar weeks and memoised matrices.

Weeks are calendar weeks starting on Monday; a week counts once it is complete on ``as_of``
(a Sunday ``as_of`` includes its own week). Day-level rules (absence, rest, consecutive days)
use every day up to and including ``as_of``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from wellbeing.errors import WellbeingInputError, require_columns

logger = logging.getLogger(__name__)

AGENT_COLUMNS = ("agent_id", "contract_hours_per_week")
ABSENCE_COLUMNS = ("agent_id", "start_date", "end_date", "type")
HOURS_COLUMNS = ("agent_id", "date", "hours_worked")
PERFORMANCE_COLUMNS = ("agent_id", "date", "metric", "value")
OCCUPANCY_COLUMNS = ("agent_id", "week_start", "occupancy")
#: Optional columns of the hours frame that make the 11 h rest rule exact.
SHIFT_COLUMNS = ("shift_start", "shift_end")

#: Weeks of history the weekly-hours rules look back at most (overtime streaks are capped here).
HISTORY_WEEKS = 52

T = TypeVar("T")


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

    def leave_weeks(self, n_weeks: int, min_days: int) -> np.ndarray:
        """Weeks mostly on leave: ``(n_agents, n_weeks)`` bool, weeks ending at :attr:`last_week`.

        A week is a leave week when at least ``min_days`` of its weekdays fall in an absence
        record of any type (vacation, sick, other); overlapping records count a day once.
        """
        return self.memo(
            ("leave_weeks", n_weeks, min_days), lambda: _leave_weeks(self, n_weeks, min_days)
        )

    def frame_codes(self, name: str) -> np.ndarray:
        """Agent row of every row of the frame attribute ``name`` (-1: unknown), memoised."""
        return self.memo(("codes", name), lambda: self.codes(getattr(self, name)["agent_id"]))

    def frame_days(self, name: str, column: str) -> np.ndarray:
        """``column`` of the frame attribute ``name`` as ``datetime64[D]``, memoised."""
        return self.memo(
            ("days", name, column), lambda: to_days(getattr(self, name)[column], column)
        )

    def history_weeks(self, cap_weeks: int) -> np.ndarray:
        """Whole weeks from each agent's first hours or performance record to :attr:`as_of`.

        Capped at ``cap_weeks`` (only short histories need counting exactly); NaN for an agent
        with neither kind of record (its history cannot be told, so it is not limited).
        """
        return self.memo(("history_weeks", cap_weeks), lambda: _history_weeks(self, cap_weeks))

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


def _history_weeks(ctx: SignalContext, cap_weeks: int) -> np.ndarray:
    cutoff = ctx.as_of - np.timedelta64(7 * cap_weeks - 1, "D")
    n = len(ctx.agent_ids)
    old = np.zeros(n, dtype=bool)  # a record at least cap_weeks old
    first = np.full(n, np.iinfo(np.int64).max)
    for name in ("hours", "performance"):
        if not len(getattr(ctx, name)):
            continue
        rows, days = ctx.frame_codes(name), ctx.frame_days(name, "date")
        known = rows >= 0
        old[rows[known & (days <= cutoff)]] = True
        # the exact first day only for the few without an old record
        recent = known & ~old[np.maximum(rows, 0)]
        np.minimum.at(first, rows[recent], days[recent].astype("int64"))
    weeks = np.full(n, float(cap_weeks))
    short = ~old & (first < np.iinfo(np.int64).max)
    span = ctx.as_of.astype("int64") - first[short] + 1
    weeks[short] = np.minimum(np.floor(span / 7), cap_weeks)
    weeks[~old & ~short] = np.nan
    return weeks


def _leave_weeks(ctx: SignalContext, n_weeks: int, min_days: int) -> np.ndarray:
    first = ctx.last_week - np.timedelta64(7 * (n_weeks - 1), "D")
    n_days = 7 * n_weeks
    absences = ctx.absences
    out = np.zeros((len(ctx.agent_ids), n_weeks), dtype=bool)
    if not len(absences):
        return out
    rows = ctx.codes(absences["agent_id"])
    start = (to_days(absences["start_date"], "start_date") - first).astype("int64")
    end = (to_days(absences["end_date"], "end_date") - first).astype("int64")
    start, end = np.clip(start, 0, n_days), np.clip(end + 1, 0, n_days)
    keep = (rows >= 0) & (end > start)
    rows, start, end = rows[keep], start[keep], end[keep]
    lengths = end - start
    owner = np.repeat(rows, lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    day = np.repeat(start, lengths) + offsets
    weekday = day % 7 < 5  # ``first`` is a Monday
    flat = np.unique(owner[weekday].astype("int64") * n_days + day[weekday])
    counts = np.bincount(
        (flat // n_days) * n_weeks + (flat % n_days) // 7, minlength=len(ctx.agent_ids) * n_weeks
    ).reshape(-1, n_weeks)
    return counts >= min_days


def _daily_hours(ctx: SignalContext, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    first = ctx.as_of - np.timedelta64(n_days - 1, "D")
    days = first + np.arange(n_days).astype("timedelta64[D]")
    col = (ctx.frame_days("hours", "date") - first).astype("int64")
    row = ctx.frame_codes("hours")
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


def format_day(day: np.datetime64) -> str:
    """A day as the outlook's sentences write it, e.g. ``"1 Jul 2024"``."""
    return pd.Timestamp(day).strftime("%d %b %Y").lstrip("0")
