"""Shift planning: cover per-interval staff requirements with shift templates at least cost.

The plan is an integer program solved with HiGHS (``scipy.optimize.milp``): an integer number
of agents per shift template, per day and per (country, channel) queue, with **soft coverage**.
Every interval has a penalised shortfall variable, so an interval that no template can cover
never makes the whole model infeasible (the failure mode of hard-coverage models such as
pyworkforce's ``MinRequiredResources``, pyworkforce#45); the plan reports the gap instead.

Objective (all in the templates' currency)::

    labour cost of the shifts
    + shortfall_cost_per_staff_hour x missing agent-hours
    + surplus_cost_per_staff_hour  x extra agent-hours

Time is naive local time of the queue's country throughout, as in the requirements frame.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import re
import time
import types
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, sparse

from contracts.checks import check_int, check_non_negative, require_columns
from formats import Formats

logger = logging.getLogger(__name__)

REQUIREMENT_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "interval_start",
    "interval_minutes",
    "required_staff",
)
"""Columns of the requirements frame (written by ``staffing.requirements``)."""

PLAN_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "date",
    "shift",
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
    "paid_hours",
    "agents",
    "cost",
)
"""Columns of :attr:`ShiftPlan.shifts`: one row per shift, day and break placement."""

COVERAGE_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "interval_start",
    "interval_minutes",
    "is_open",
    "required_staff",
    "target_staff",
    "scheduled_staff",
    "shortfall",
    "surplus",
)
"""Columns of :attr:`ShiftPlan.coverage`: one row per requirement interval."""

TEMPLATE_FILE_COLUMNS: tuple[str, ...] = (
    "name",
    "start",
    "length_hours",
    "break_minutes",
    "days",
    "cost_per_hour",
)
"""Required columns of a shift-templates file; optional: ``break_earliest_minutes``,
``break_latest_minutes``, ``break_step_minutes``, ``countries``, ``channels``."""

WEEKDAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

PLAN_STATUSES: tuple[str, ...] = ("optimal", "time_limit", "no_solution", "empty")
"""Solver statuses a :class:`ShiftPlan` can carry."""

_MINUTE_NS = 60 * 1_000_000_000


class SchedulingError(ValueError):
    """Bad input to shift planning or rostering."""


class ShiftTemplateError(SchedulingError):
    """A shift template (or a row of a shift-templates file) is invalid."""


class RequirementsError(SchedulingError):
    """The requirements frame is missing columns or holds invalid values."""


class OpeningHoursError(SchedulingError):
    """Opening hours are malformed."""


def _shown(value: object) -> str:
    """``repr`` of a cell value for messages, numpy scalars shown as plain Python values."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _check_finite_number(name: str, value: object) -> float:
    """Return ``value`` as float if it is a finite real number >= 0 (bool rejected)."""
    return check_non_negative(name, value, error=SchedulingError)


def _check_int(name: str, value: object, *, minimum: int = 0) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum`` (bool rejected)."""
    return check_int(name, value, minimum=minimum, error=SchedulingError)


@dataclasses.dataclass(frozen=True)
class ShiftTemplate:
    """A shift pattern that agents can be scheduled on.

    Parameters
    ----------
    name : str
        Unique template name, e.g. ``"Early"``.
    start : datetime.time
        Local start time of the shift (queue's country).
    length_minutes : int
        Span from start to end, unpaid break included (1 to 1440 minutes). Shifts may cross
        midnight; they belong to the day they start on.
    break_minutes : int, default 0
        Unpaid break length in minutes.
    break_earliest_offset_minutes, break_latest_offset_minutes : int or None
        Window, as minutes after the shift start, in which the break may *start*. Equal values
        fix the break; both ``None`` place it in the middle of the shift (rounded down to
        ``break_step_minutes``). The planner chooses the placement inside the window.
    break_step_minutes : int, default 30
        Granularity of break placements inside the window.
    weekdays : frozenset of int, default every day
        Days the shift may start on, 0 = Monday ... 6 = Sunday.
    cost_per_hour : float, default 1.0
        Cost of one paid agent-hour (break excluded).
    countries, channels : frozenset of str or None
        Restrict the template to these queues; ``None`` means all.
    """

    name: str
    start: dt.time
    length_minutes: int
    break_minutes: int = 0
    break_earliest_offset_minutes: int | None = None
    break_latest_offset_minutes: int | None = None
    break_step_minutes: int = 30
    weekdays: frozenset[int] = frozenset(range(7))
    cost_per_hour: float = 1.0
    countries: frozenset[str] | None = None
    channels: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ShiftTemplateError(
                f"shift template name must be a non-empty string, got {self.name!r}"
            )
        where = f"shift template {self.name!r}"
        if not isinstance(self.start, dt.time) or self.start.tzinfo is not None:
            raise ShiftTemplateError(
                f"{where}: start must be a naive datetime.time, got {self.start!r}"
            )
        try:
            length = _check_int("length_minutes", self.length_minutes, minimum=1)
            brk = _check_int("break_minutes", self.break_minutes, minimum=0)
            _check_int("break_step_minutes", self.break_step_minutes, minimum=1)
            _check_finite_number("cost_per_hour", self.cost_per_hour)
        except SchedulingError as exc:
            raise ShiftTemplateError(f"{where}: {exc}") from None
        if length > 24 * 60:
            raise ShiftTemplateError(f"{where}: length_minutes must be <= 1440, got {length}")
        if brk >= length:
            raise ShiftTemplateError(
                f"{where}: break_minutes ({brk}) must be shorter than the shift ({length} minutes)"
            )
        days = frozenset(self.weekdays)
        if not days or not days <= frozenset(range(7)):
            raise ShiftTemplateError(
                f"{where}: weekdays must be a non-empty subset of 0..6 (0 = Monday), got {sorted(days)}"
            )
        object.__setattr__(self, "weekdays", days)
        for attr in ("countries", "channels"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(self, attr, frozenset(str(v) for v in value))
        early, late = self.break_earliest_offset_minutes, self.break_latest_offset_minutes
        if (early is None) != (late is None):
            raise ShiftTemplateError(
                f"{where}: give both break_earliest_offset_minutes and break_latest_offset_minutes, or neither"
            )
        if early is not None and brk > 0:
            early = _check_int(f"{where}: break_earliest_offset_minutes", early)
            late = _check_int(f"{where}: break_latest_offset_minutes", late)
            if early > late or late + brk > length:
                raise ShiftTemplateError(
                    f"{where}: break window {early}..{late} minutes after start does not fit a "
                    f"{brk}-minute break in a {length}-minute shift"
                )

    @property
    def paid_hours(self) -> float:
        """Paid hours of one shift (span minus the unpaid break)."""
        return (self.length_minutes - self.break_minutes) / 60.0

    @property
    def shift_cost(self) -> float:
        """Cost of one agent working this shift once."""
        return self.paid_hours * float(self.cost_per_hour)

    def break_offsets_minutes(self) -> tuple[int, ...]:
        """Allowed break start offsets (minutes after the shift start); empty if no break."""
        if self.break_minutes == 0:
            return ()
        if self.break_earliest_offset_minutes is None:
            middle = (self.length_minutes - self.break_minutes) // 2
            return (middle - middle % self.break_step_minutes,)
        early = int(self.break_earliest_offset_minutes)
        late = int(self.break_latest_offset_minutes)  # type: ignore[arg-type]
        return tuple(range(early, late + 1, self.break_step_minutes))

    def serves(self, country: str, channel: str) -> bool:
        """Whether the template may be used for the (country, channel) queue."""
        return (self.countries is None or country in self.countries) and (
            self.channels is None or channel in self.channels
        )


Window = tuple[dt.time, dt.time] | None


@dataclasses.dataclass(frozen=True)
class OpeningHours:
    """When a queue is open, per weekday with per-date exceptions.

    A window is ``(open, close)`` in local time; ``close <= open`` means the window ends the
    next day (``(time(0), time(0))`` is open all day, ``(time(22), time(6))`` overnight).
    ``None`` or a missing weekday means closed.

    Parameters
    ----------
    weekly : mapping of int to window
        Weekday (0 = Monday) to window.
    dates : mapping of datetime.date to window, default none
        Exceptions for single dates (holidays: ``None``; short days: a shorter window).
    """

    weekly: Mapping[int, Window]
    dates: Mapping[dt.date, Window] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        weekly = dict(self.weekly)
        for day, window in weekly.items():
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                raise OpeningHoursError(
                    f"opening hours: weekday must be 0..6 (0 = Monday), got {day!r}"
                )
            _check_window(f"opening hours for {WEEKDAY_NAMES[day]}", window)
        dates = dict(self.dates)
        for day, window in dates.items():
            if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
                raise OpeningHoursError(
                    f"opening hours: date keys must be datetime.date, got {day!r}"
                )
            _check_window(f"opening hours for {day.isoformat()}", window)
        object.__setattr__(self, "weekly", types.MappingProxyType(weekly))
        object.__setattr__(self, "dates", types.MappingProxyType(dates))

    @classmethod
    def every_day(cls, open_time: dt.time, close_time: dt.time) -> OpeningHours:
        """Same window on all seven weekdays."""
        return cls(weekly=dict.fromkeys(range(7), (open_time, close_time)))

    def window_for(self, day: dt.date) -> Window:
        """The window in force on ``day`` (date exception first, then the weekday)."""
        if day in self.dates:
            return self.dates[day]
        return self.weekly.get(day.weekday())

    def open_windows(
        self, first: dt.date, last: dt.date
    ) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """Merged open periods ``[open, close)`` for windows starting from ``first`` to ``last``."""
        spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        for day in pd.date_range(first, last, freq="D"):
            window = self.window_for(day.date())
            if window is None:
                continue
            opening = pd.Timestamp.combine(day.date(), window[0])
            closing = pd.Timestamp.combine(day.date(), window[1])
            if closing <= opening:
                closing += pd.Timedelta(days=1)
            spans.append((opening, closing))
        merged: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        for opening, closing in sorted(spans):
            if merged and opening <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], closing))
            else:
                merged.append((opening, closing))
        return merged


def _check_window(where: str, window: object) -> None:
    if window is None:
        return
    if (
        not isinstance(window, tuple)
        or len(window) != 2
        or not all(isinstance(t, dt.time) and t.tzinfo is None for t in window)
    ):
        raise OpeningHoursError(
            f"{where}: expected None or a (open, close) tuple of naive datetime.time, got {window!r}"
        )


@dataclasses.dataclass(frozen=True)
class LabourRules:
    """Working-time rules a named roster must respect (EU working-time directive defaults).

    Parameters
    ----------
    min_rest_hours : float, default 11
        Minimum rest between the end of one shift and the start of the next.
    max_consecutive_days : int, default 6
        Most working days in a row (6 leaves the weekly 24 h rest day).
    max_weekly_hours : float, default 48
        Most paid hours in one Monday-to-Sunday week, overtime included.
    """

    min_rest_hours: float = 11.0
    max_consecutive_days: int = 6
    max_weekly_hours: float = 48.0

    def __post_init__(self) -> None:
        _check_finite_number("min_rest_hours", self.min_rest_hours)
        _check_int("max_consecutive_days", self.max_consecutive_days, minimum=1)
        hours = _check_finite_number("max_weekly_hours", self.max_weekly_hours)
        if hours <= 0:
            raise SchedulingError(f"max_weekly_hours must be > 0, got {self.max_weekly_hours!r}")


@dataclasses.dataclass(frozen=True)
class ShiftPlan:
    """Result of :func:`plan_shifts`.

    Attributes
    ----------
    status : str
        Solver status: ``"optimal"`` (within the gap tolerance), ``"time_limit"`` (best plan
        found in time), ``"no_solution"`` (solver stopped without any plan; nothing scheduled) or
        ``"empty"`` (no requirement rows). Coverage gaps are *not* a status: see
        :attr:`fully_covered` and :attr:`uncovered`.
    message : str
        Human-readable reason, including why intervals are uncovered.
    shifts : pandas.DataFrame
        :data:`PLAN_COLUMNS`, rows with ``agents > 0``; times are naive local time.
    coverage : pandas.DataFrame
        :data:`COVERAGE_COLUMNS`. ``target_staff`` is the requirement raised to the minimum
        staff while open, and 0 while closed; ``shortfall``/``surplus`` are against it.
    labour_cost : float
        Sum of the shift costs.
    objective : float
        Labour cost plus penalties, as minimised.
    shortfall_staff_hours, surplus_staff_hours : float
        Total under- and over-staffing in agent-hours.
    mip_gap : float or None
        Relative MIP gap reported by HiGHS (``None`` without a solution).
    solve_seconds : float
        Wall time of the solver call.
    uncoverable : pandas.DataFrame
        Coverage rows with a positive target that no allowed shift touches at all.
    time_limit_seconds : float or None
        The solver's time limit.
    solver_message : str
        HiGHS's words when it stopped without a plan.

    :meth:`describe` writes :attr:`message` again with the numbers in another locale.
    """

    status: str
    message: str
    shifts: pd.DataFrame
    coverage: pd.DataFrame
    labour_cost: float
    objective: float
    shortfall_staff_hours: float
    surplus_staff_hours: float
    mip_gap: float | None
    solve_seconds: float
    uncoverable: pd.DataFrame
    time_limit_seconds: float | None = None
    solver_message: str = ""

    def describe(self, fmt: Formats) -> str:
        """:attr:`message` with its numbers written in ``fmt``'s locale (HiGHS's own words, when
        it found no plan, stay as it wrote them)."""
        if self.status == "empty":
            return self.message
        short = self.coverage["shortfall"].to_numpy(dtype=float) > 1e-9
        return _plan_notes(
            self.status,
            self.time_limit_seconds,
            self.mip_gap,
            int(short.sum()),
            self.shortfall_staff_hours,
            len(self.uncoverable),
            self.solver_message,
            fmt,
        )

    @property
    def fully_covered(self) -> bool:
        """True when no interval has a shortfall."""
        return bool((self.coverage["shortfall"] <= 1e-9).all())

    @property
    def uncovered(self) -> pd.DataFrame:
        """Coverage rows with a shortfall."""
        return self.coverage[self.coverage["shortfall"] > 1e-9].reset_index(drop=True)

    def agents_per_shift(self) -> pd.DataFrame:
        """Agents per (country, channel, date, shift), summed over break placements."""
        keys = ["country", "channel", "date", "shift", "shift_start", "shift_end", "paid_hours"]
        return self.shifts.groupby(keys, as_index=False, sort=True)[["agents", "cost"]].sum()


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse ``"Mon-Fri"``, ``"Mon,Wed,Sat"``, ``"Sat-Sun"``, ``"all"`` or ``"daily"`` to weekday numbers.

    Parameters
    ----------
    text : str
        Day names (first three letters, any case), ranges with ``-`` (may wrap, ``Fri-Mon``),
        separated by commas or spaces.

    Returns
    -------
    frozenset of int
        0 = Monday ... 6 = Sunday.
    """
    lowered = str(text).strip().lower()
    if lowered in {"all", "daily", "*", "mon-sun"}:
        return frozenset(range(7))
    names = [name.lower() for name in WEEKDAY_NAMES]
    days: set[int] = set()
    for part in filter(None, re.split(r"[,\s;]+", lowered)):
        ends = part.split("-")
        if len(ends) > 2 or any(end[:3] not in names for end in ends):
            raise ShiftTemplateError(f"days: {text!r} is not like 'Mon-Fri' or 'Mon,Wed,Sat'")
        first, last = names.index(ends[0][:3]), names.index(ends[-1][:3])
        day = first
        days.add(day)
        while day != last:
            day = (day + 1) % 7
            days.add(day)
    if not days:
        raise ShiftTemplateError(f"days: {text!r} names no weekday")
    return frozenset(days)


def _parse_time(text: object) -> dt.time:
    if isinstance(text, dt.time):
        return text
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", str(text))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ShiftTemplateError(f"start: {text!r} is not a time like '08:30'")
    return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))


def shift_templates_from_frame(
    frame: pd.DataFrame, *, source: str = "shifts"
) -> tuple[ShiftTemplate, ...]:
    """Build shift templates from a table such as a ``shifts.csv`` file.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns :data:`TEMPLATE_FILE_COLUMNS` (``start`` as ``HH:MM``, ``days`` as accepted by
        :func:`parse_weekdays`); optional ``break_earliest_minutes``, ``break_latest_minutes``
        (window for the break start, minutes after the shift start), ``break_step_minutes``,
        ``countries`` and ``channels`` (comma-separated; empty = all).
    source : str
        Name used in error messages (the file name).

    Returns
    -------
    tuple of ShiftTemplate

    Raises
    ------
    ShiftTemplateError
        Listing every bad row (up to 20), e.g. ``shifts row 3: column 'start' ...``.
    """
    require_columns(frame, TEMPLATE_FILE_COLUMNS, source, error=ShiftTemplateError)
    templates: list[ShiftTemplate] = []
    problems: list[str] = []
    for position, row in enumerate(frame.to_dict("records"), start=1):

        def optional(column: str, row: dict = row) -> object:
            value = row.get(column)
            return (
                None if value is None or (isinstance(value, float) and math.isnan(value)) else value
            )

        def as_set(column: str) -> frozenset[str] | None:
            value = optional(column)
            parts = (
                [p.strip() for p in str(value).split(",") if p.strip()] if value is not None else []
            )
            return frozenset(parts) or None

        try:
            length_hours = _check_finite_number("length_hours", float(row["length_hours"]))
            early, late = optional("break_earliest_minutes"), optional("break_latest_minutes")
            step = optional("break_step_minutes")
            templates.append(
                ShiftTemplate(
                    name=str(row["name"]).strip(),
                    start=_parse_time(row["start"]),
                    length_minutes=round(length_hours * 60),
                    break_minutes=round(float(optional("break_minutes") or 0)),
                    break_earliest_offset_minutes=None if early is None else round(float(early)),
                    break_latest_offset_minutes=None if late is None else round(float(late)),
                    break_step_minutes=30 if step is None else round(float(step)),
                    weekdays=parse_weekdays(str(row["days"])),
                    cost_per_hour=float(row["cost_per_hour"]),
                    countries=as_set("countries"),
                    channels=as_set("channels"),
                )
            )
        except (ValueError, TypeError) as exc:
            problems.append(f"{source} row {position}: {exc}")
    names = [str(n).strip() for n in frame["name"]]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"{source}: duplicate template name(s) {', '.join(duplicates)}")
    if problems:
        shown = problems[:20] + (
            [f"... and {len(problems) - 20} more"] if len(problems) > 20 else []
        )
        raise ShiftTemplateError("\n".join(shown))
    return tuple(templates)


def validate_requirements(requirements: pd.DataFrame) -> pd.DataFrame:
    """Check a requirements frame and return a clean, sorted copy.

    Raises
    ------
    RequirementsError
        Missing columns, timezone-aware or non-datetime ``interval_start``, non-positive
        ``interval_minutes``, negative/NaN ``required_staff``, duplicate or overlapping intervals.
    """
    require_columns(requirements, REQUIREMENT_COLUMNS, "requirements", error=RequirementsError)
    frame = requirements.loc[:, list(REQUIREMENT_COLUMNS)].copy()
    starts = frame["interval_start"]
    if not pd.api.types.is_datetime64_dtype(starts):
        if isinstance(starts.dtype, pd.DatetimeTZDtype):
            raise RequirementsError(
                "requirements: column 'interval_start' must be naive local time, got timezone-aware values"
            )
        raise RequirementsError(
            f"requirements: column 'interval_start' must be datetime64, got dtype {starts.dtype}"
        )
    frame["interval_start"] = starts.astype("datetime64[ns]")
    minutes = pd.to_numeric(frame["interval_minutes"], errors="coerce")
    bad = frame.index[~(minutes > 0) | (minutes % 1 != 0)]
    if len(bad):
        row = bad[0]
        raise RequirementsError(
            f"requirements row {row}: column 'interval_minutes' has {_shown(frame.at[row, 'interval_minutes'])}, "
            "not a positive whole number"
        )
    frame["interval_minutes"] = minutes.astype("int64")
    staff = pd.to_numeric(frame["required_staff"], errors="coerce").astype("float64")
    bad = frame.index[~np.isfinite(staff) | (staff < 0)]
    if len(bad):
        row = bad[0]
        raise RequirementsError(
            f"requirements row {row}: column 'required_staff' has {_shown(frame.at[row, 'required_staff'])}, "
            "not a finite number >= 0"
        )
    frame["required_staff"] = staff
    if frame["interval_start"].isna().any():
        row = frame.index[frame["interval_start"].isna()][0]
        raise RequirementsError(f"requirements row {row}: column 'interval_start' is empty")
    frame["country"] = frame["country"].astype(str)
    frame["channel"] = frame["channel"].astype(str)
    keys = ["country", "channel", "interval_start"]
    duplicated = frame.duplicated(keys)
    if duplicated.any():
        row = frame.index[duplicated][0]
        raise RequirementsError(
            f"requirements row {row}: duplicate interval {frame.at[row, 'interval_start']} "
            f"for {frame.at[row, 'country']}/{frame.at[row, 'channel']}"
        )
    frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    ends = frame["interval_start"] + pd.to_timedelta(frame["interval_minutes"], unit="min")
    same_group = (frame["country"] == frame["country"].shift(-1)) & (
        frame["channel"] == frame["channel"].shift(-1)
    )
    overlap = same_group & (ends > frame["interval_start"].shift(-1))
    if overlap.any():
        row = int(np.flatnonzero(overlap.to_numpy())[0])
        raise RequirementsError(
            f"requirements: interval starting {frame.at[row, 'interval_start']} "
            f"({frame.at[row, 'interval_minutes']} min) overlaps the next one for "
            f"{frame.at[row, 'country']}/{frame.at[row, 'channel']}"
        )
    return frame


def _hours_for(
    opening_hours: OpeningHours | Mapping[str, OpeningHours] | None, country: str
) -> OpeningHours | None:
    if opening_hours is None or isinstance(opening_hours, OpeningHours):
        return opening_hours
    return opening_hours.get(country)


@dataclasses.dataclass
class _Variants:
    """Shift instances (template x day x break placement) of one queue, as arrays."""

    template: list[ShiftTemplate]
    start_ns: np.ndarray
    end_ns: np.ndarray
    break_start_ns: np.ndarray  # == start_ns when there is no break
    break_end_ns: np.ndarray


def _build_variants(
    templates: Sequence[ShiftTemplate],
    country: str,
    channel: str,
    days: Sequence[dt.date],
    windows: list[tuple[pd.Timestamp, pd.Timestamp]] | None,
) -> _Variants:
    chosen: list[ShiftTemplate] = []
    rows: list[tuple[int, int, int, int]] = []
    win = (
        None
        if windows is None
        else (
            np.array([w[0].value for w in windows], dtype=np.int64),
            np.array([w[1].value for w in windows], dtype=np.int64),
        )
    )
    for day in days:
        for template in templates:
            if day.weekday() not in template.weekdays or not template.serves(country, channel):
                continue
            start = pd.Timestamp.combine(day, template.start).value
            end = start + template.length_minutes * _MINUTE_NS
            if win is not None:
                # a shift must lie inside one open period: nobody works while the queue is closed
                k = np.searchsorted(win[0], start, side="right") - 1
                if k < 0 or end > win[1][k]:
                    continue
            offsets = template.break_offsets_minutes() or (None,)
            for offset in offsets:
                if offset is None:
                    b0 = b1 = start
                else:
                    b0 = start + offset * _MINUTE_NS
                    b1 = b0 + template.break_minutes * _MINUTE_NS
                chosen.append(template)
                rows.append((start, end, b0, b1))
    arr = np.array(rows, dtype=np.int64).reshape(-1, 4)
    return _Variants(chosen, arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])


def _coverage_matrix(
    variants: _Variants, iv_start: np.ndarray, iv_end: np.ndarray
) -> sparse.csc_array:
    """Fraction of each interval (rows) worked by one agent on each variant (columns)."""
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    length = (iv_end - iv_start).astype(np.float64)
    for j in range(len(variants.template)):
        segments = (
            (variants.start_ns[j], variants.break_start_ns[j]),
            (variants.break_end_ns[j], variants.end_ns[j]),
        )
        for a, b in segments:
            if b <= a:
                continue
            lo = np.searchsorted(iv_end, a, side="right")
            hi = np.searchsorted(iv_start, b, side="left")
            if hi <= lo:
                continue
            idx = np.arange(lo, hi)
            overlap = np.minimum(b, iv_end[idx]) - np.maximum(a, iv_start[idx])
            keep = overlap > 0
            rows.append(idx[keep])
            cols.append(np.full(int(keep.sum()), j))
            vals.append(overlap[keep] / length[idx[keep]])
    n_rows, n_cols = len(iv_start), len(variants.template)
    if not rows:
        return sparse.csc_array((n_rows, n_cols))
    matrix = sparse.coo_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_cols)
    )
    return matrix.tocsc()  # duplicates (two segments in one interval) are summed


@dataclasses.dataclass(frozen=True)
class ShiftProgram:
    """The integer program of a shift plan, as :func:`build_shift_program` makes it.

    Columns of the program are the shift variants (agents per template x day x break placement
    of each queue, integer), then a shortfall and a surplus per interval (continuous); one
    equality row per interval: staff on duty + shortfall - surplus = target.

    Attributes
    ----------
    coverage : pandas.DataFrame
        The requirement rows, queue by queue, with ``is_open`` and ``target_staff``.
    variants : list of (country, channel, _Variants)
        The shift variants of each queue, in column order.
    cover : scipy.sparse.csc_array
        Share of each interval (rows) one agent on each variant (columns) works.
    shift_cost : numpy.ndarray
        Cost of one agent on each variant.
    hours_per_interval : numpy.ndarray
        Length of each interval in hours.
    cost, integrality, bounds, constraints
        The arguments of :func:`scipy.optimize.milp`.
    shortfall_cost_per_staff_hour, surplus_cost_per_staff_hour : float
        The penalties in ``cost``.
    """

    coverage: pd.DataFrame
    variants: list[tuple[str, str, _Variants]]
    cover: sparse.csc_array
    shift_cost: np.ndarray
    hours_per_interval: np.ndarray
    cost: np.ndarray
    integrality: np.ndarray
    bounds: optimize.Bounds
    constraints: optimize.LinearConstraint
    shortfall_cost_per_staff_hour: float
    surplus_cost_per_staff_hour: float

    @property
    def target(self) -> np.ndarray:
        """Staff to have on duty in each interval (the constraints' right-hand side)."""
        return self.coverage["target_staff"].to_numpy(dtype=np.float64)

    @property
    def n_variants(self) -> int:
        """Number of integer (shift variant) columns."""
        return int(self.cover.shape[1])


@dataclasses.dataclass(frozen=True)
class ShiftSolution:
    """What :func:`solve_shift_program` got from HiGHS.

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"time_limit"`` or ``"no_solution"`` (see :attr:`ShiftPlan.status`).
    agents : numpy.ndarray
        Agents on each shift variant (integers as floats; zeros without a solution).
    mip_gap : float or None
        Relative MIP gap; ``None`` without a solution.
    solve_seconds : float
        Wall time of the solver call.
    time_limit_seconds : float
        The time limit it was given.
    solver_message : str
        HiGHS's words when it stopped without a plan, else empty.
    """

    status: str
    agents: np.ndarray
    mip_gap: float | None
    solve_seconds: float
    time_limit_seconds: float
    solver_message: str = ""


def _check_solver_options(time_limit_seconds: object, mip_rel_gap: object) -> tuple[float, float]:
    limit = _check_finite_number("time_limit_seconds", time_limit_seconds)
    gap = _check_finite_number("mip_rel_gap", mip_rel_gap)
    if limit <= 0:
        raise SchedulingError(f"time_limit_seconds must be > 0, got {time_limit_seconds!r}")
    return limit, gap


def _checked_templates(templates: Sequence[ShiftTemplate]) -> tuple[ShiftTemplate, ...]:
    templates = tuple(templates)
    if not templates:
        raise ShiftTemplateError("at least one shift template is needed")
    for template in templates:
        if not isinstance(template, ShiftTemplate):
            raise ShiftTemplateError(
                f"templates must be ShiftTemplate objects, got {type(template).__name__}"
            )
    names = [t.name for t in templates]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ShiftTemplateError(f"duplicate shift template name(s): {', '.join(dupes)}")
    return templates


def _queue_part(
    group: pd.DataFrame,
    country: str,
    channel: str,
    templates: Sequence[ShiftTemplate],
    opening_hours: OpeningHours | Mapping[str, OpeningHours] | None,
    min_staff: int,
) -> tuple[pd.DataFrame, _Variants, sparse.csc_array]:
    """One queue's coverage rows (with ``is_open``, ``target_staff``), its useful shift variants
    and their coverage matrix."""
    iv_start = group["interval_start"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    iv_end = iv_start + group["interval_minutes"].to_numpy() * _MINUTE_NS
    first_day = group["interval_start"].min().date()
    last_day = (
        group["interval_start"].max() + pd.Timedelta(group["interval_minutes"].iloc[-1], "min")
    ).date()
    days = [d.date() for d in pd.date_range(first_day - dt.timedelta(days=1), last_day, freq="D")]
    hours = _hours_for(opening_hours, country)
    windows = None
    if hours is not None:
        windows = hours.open_windows(days[0] - dt.timedelta(days=1), last_day)
        w_start = np.array([w[0].value for w in windows], dtype=np.int64)
        w_end = np.array([w[1].value for w in windows], dtype=np.int64)
        k = np.searchsorted(w_start, iv_start, side="right") - 1
        is_open = (k >= 0) & (iv_start < np.where(k >= 0, w_end[np.clip(k, 0, None)], 0))
    else:
        is_open = np.ones(len(group), dtype=bool)
    required = group["required_staff"].to_numpy(dtype=np.float64)
    target = np.where(is_open, np.maximum(required, min_staff), 0.0)
    closed_demand = (~is_open) & (required > 0)
    if closed_demand.any():
        logger.warning(
            "%s/%s: %d interval(s) with required staff fall outside opening hours and are not staffed",
            country,
            channel,
            int(closed_demand.sum()),
        )
    variants = _build_variants(templates, country, channel, days, windows)
    matrix = _coverage_matrix(variants, iv_start, iv_end)
    # a variant that covers no interval of the horizon can only add cost: drop it
    useful = np.flatnonzero(np.diff(matrix.indptr) > 0)
    variants = _Variants(
        [variants.template[j] for j in useful],
        variants.start_ns[useful],
        variants.end_ns[useful],
        variants.break_start_ns[useful],
        variants.break_end_ns[useful],
    )
    matrix = matrix[:, useful] if len(useful) else sparse.csc_array((len(group), 0))
    cov = group.copy()
    cov["is_open"] = is_open
    cov["target_staff"] = target
    return cov, variants, matrix


def build_shift_program(
    requirements: pd.DataFrame,
    templates: Sequence[ShiftTemplate],
    *,
    opening_hours: OpeningHours | Mapping[str, OpeningHours] | None = None,
    min_staff_while_open: int = 0,
    shortfall_cost_per_staff_hour: float = 1000.0,
    surplus_cost_per_staff_hour: float = 0.01,
) -> ShiftProgram:
    """Build the integer program of a shift plan: variants, coverage matrix, costs and bounds.

    Validates the inputs; solves nothing. Parameters as in :func:`plan_shifts`.

    Returns
    -------
    ShiftProgram
        With an empty ``coverage`` when there are no requirement rows.

    Raises
    ------
    RequirementsError, ShiftTemplateError, SchedulingError
        Malformed inputs or parameters.
    """
    frame = validate_requirements(requirements)
    templates = _checked_templates(templates)
    min_staff = _check_int("min_staff_while_open", min_staff_while_open)
    short_cost = _check_finite_number(
        "shortfall_cost_per_staff_hour", shortfall_cost_per_staff_hour
    )
    over_cost = _check_finite_number("surplus_cost_per_staff_hour", surplus_cost_per_staff_hour)
    if short_cost <= max(t.cost_per_hour for t in templates):
        logger.warning(
            "shortfall_cost_per_staff_hour %.4g is not above the dearest template's cost per hour; "
            "the plan may leave coverable demand uncovered to save labour",
            short_cost,
        )

    coverage_parts: list[pd.DataFrame] = []
    variant_parts: list[tuple[str, str, _Variants]] = []
    blocks: list[sparse.csc_array] = []
    for (country, channel), group in frame.groupby(["country", "channel"], sort=True):
        cov, variants, matrix = _queue_part(
            group.reset_index(drop=True),
            str(country),
            str(channel),
            templates,
            opening_hours,
            min_staff,
        )
        coverage_parts.append(cov)
        variant_parts.append((str(country), str(channel), variants))
        blocks.append(matrix)

    if coverage_parts:
        coverage = pd.concat(coverage_parts, ignore_index=True)
    else:
        coverage = pd.DataFrame({c: pd.Series(dtype=object) for c in COVERAGE_COLUMNS})
    target = coverage["target_staff"].to_numpy(dtype=np.float64)
    hours_per_interval = coverage["interval_minutes"].to_numpy(dtype=np.float64) / 60.0
    cover = (
        sparse.block_diag(blocks, format="csc") if blocks else sparse.csc_array((len(coverage), 0))
    )
    n_x, n_i = cover.shape[1], cover.shape[0]
    shift_cost = np.concatenate(
        [np.zeros(0)]
        + [
            np.array([t.shift_cost for t in v.template], dtype=np.float64)
            for _, _, v in variant_parts
        ]
    )

    # x_v <= most agents any interval it touches could need: a valid, tight bound for the search
    upper_x = np.zeros(n_x)
    if n_x:
        need = sparse.csc_array(cover.multiply(np.ceil(target)[:, None]))
        most_need = np.asarray(need.max(axis=0).toarray()).ravel()
        most_share = np.asarray(cover.max(axis=0).toarray()).ravel()
        upper_x = np.ceil(most_need / np.maximum(most_share, 1e-9))
    identity = sparse.identity(n_i, format="csc")
    a_eq = sparse.hstack([cover, identity, -identity], format="csc")
    return ShiftProgram(
        coverage=coverage,
        variants=variant_parts,
        cover=cover,
        shift_cost=shift_cost,
        hours_per_interval=hours_per_interval,
        cost=np.concatenate(
            [shift_cost, short_cost * hours_per_interval, over_cost * hours_per_interval]
        ),
        integrality=np.concatenate([np.ones(n_x), np.zeros(2 * n_i)]),
        bounds=optimize.Bounds(
            np.zeros(n_x + 2 * n_i), np.concatenate([upper_x, np.full(2 * n_i, np.inf)])
        ),
        constraints=optimize.LinearConstraint(a_eq, target, target),
        shortfall_cost_per_staff_hour=short_cost,
        surplus_cost_per_staff_hour=over_cost,
    )


def solve_shift_program(
    program: ShiftProgram, *, time_limit_seconds: float = 60.0, mip_rel_gap: float = 1e-4
) -> ShiftSolution:
    """Solve a :class:`ShiftProgram` with HiGHS (:func:`scipy.optimize.milp`).

    Parameters
    ----------
    program : ShiftProgram
        Not empty (at least one requirement row).
    time_limit_seconds : float, default 60
        HiGHS wall-time limit; the best plan found is kept with ``status="time_limit"``.
    mip_rel_gap : float, default 1e-4
        Relative MIP gap at which HiGHS stops and calls the plan optimal.

    Returns
    -------
    ShiftSolution
        The agents per shift variant rounded to integers, the status and the gap.
    """
    limit, gap = _check_solver_options(time_limit_seconds, mip_rel_gap)
    n_x = program.n_variants
    logger.info("planning %d shift variants against %d intervals", n_x, len(program.coverage))
    started = time.perf_counter()
    result = optimize.milp(
        program.cost,
        integrality=program.integrality,
        bounds=program.bounds,
        constraints=program.constraints,
        options={"time_limit": limit, "mip_rel_gap": gap, "disp": False},
    )
    solve_seconds = time.perf_counter() - started
    if result.x is None:
        return ShiftSolution(
            status="no_solution",
            agents=np.zeros(n_x),
            mip_gap=None,
            solve_seconds=solve_seconds,
            time_limit_seconds=limit,
            solver_message=result.message.strip(),
        )
    return ShiftSolution(
        status="optimal" if result.status == 0 else "time_limit",
        agents=np.round(result.x[:n_x]),
        mip_gap=float(getattr(result, "mip_gap", 0.0) or 0.0),
        solve_seconds=solve_seconds,
        time_limit_seconds=limit,
    )


def read_shift_plan(program: ShiftProgram, solution: ShiftSolution) -> ShiftPlan:
    """Read a solution into a :class:`ShiftPlan`: the shifts, the coverage and its gaps, the
    costs and the message.

    Parameters
    ----------
    program : ShiftProgram
        What was solved.
    solution : ShiftSolution
        What :func:`solve_shift_program` returned for it.
    """
    x = solution.agents
    n_x = program.n_variants
    target = program.target
    hours_per_interval = program.hours_per_interval
    scheduled = program.cover @ x if n_x else np.zeros(len(target))
    coverage = program.coverage.copy()
    coverage["scheduled_staff"] = scheduled
    coverage["shortfall"] = np.maximum(target - scheduled, 0.0)
    coverage["surplus"] = np.maximum(scheduled - target, 0.0)
    coverage = coverage.loc[:, list(COVERAGE_COLUMNS)]
    shortfall_hours = float((coverage["shortfall"] * hours_per_interval).sum())
    surplus_hours = float((coverage["surplus"] * hours_per_interval).sum())
    labour_cost = float(program.shift_cost @ x) if n_x else 0.0
    objective = (
        labour_cost
        + program.shortfall_cost_per_staff_hour * shortfall_hours
        + program.surplus_cost_per_staff_hour * surplus_hours
    )
    touched = np.diff(sparse.csr_array(program.cover).indptr) > 0
    uncoverable = coverage[(target > 0) & ~touched].reset_index(drop=True)
    short = int((coverage["shortfall"] > 1e-9).sum())
    message = _plan_notes(
        solution.status,
        solution.time_limit_seconds,
        solution.mip_gap,
        short,
        shortfall_hours,
        len(uncoverable),
        solution.solver_message,
        _ENGLISH,
    )
    logger.info("shift plan: %s (%.2f s)", message, solution.solve_seconds)
    return ShiftPlan(
        status=solution.status,
        message=message,
        shifts=_plan_frame(program.variants, x),
        coverage=coverage,
        labour_cost=labour_cost,
        objective=objective,
        shortfall_staff_hours=shortfall_hours,
        surplus_staff_hours=surplus_hours,
        mip_gap=solution.mip_gap,
        solve_seconds=solution.solve_seconds,
        uncoverable=uncoverable,
        time_limit_seconds=solution.time_limit_seconds,
        solver_message=solution.solver_message,
    )


def _empty_shift_plan() -> ShiftPlan:
    empty_cov = pd.DataFrame({c: pd.Series(dtype=object) for c in COVERAGE_COLUMNS})
    return ShiftPlan(
        status="empty",
        message="no requirement rows: nothing to plan",
        shifts=_empty_plan(),
        coverage=empty_cov,
        labour_cost=0.0,
        objective=0.0,
        shortfall_staff_hours=0.0,
        surplus_staff_hours=0.0,
        mip_gap=0.0,
        solve_seconds=0.0,
        uncoverable=empty_cov,
    )


def plan_shifts(
    requirements: pd.DataFrame,
    templates: Sequence[ShiftTemplate],
    *,
    opening_hours: OpeningHours | Mapping[str, OpeningHours] | None = None,
    min_staff_while_open: int = 0,
    shortfall_cost_per_staff_hour: float = 1000.0,
    surplus_cost_per_staff_hour: float = 0.01,
    time_limit_seconds: float = 60.0,
    mip_rel_gap: float = 1e-4,
) -> ShiftPlan:
    """Choose how many agents work each shift template on each day, per queue.

    Parameters
    ----------
    requirements : pandas.DataFrame
        :data:`REQUIREMENT_COLUMNS`; ``interval_start`` naive local time of the country,
        ``required_staff`` the headcount to schedule (after shrinkage).
    templates : sequence of ShiftTemplate
        Available shifts; names must be unique.
    opening_hours : OpeningHours, mapping of country to OpeningHours, or None
        When given, shifts must lie within an open period, the target is 0 while closed and at
        least ``min_staff_while_open`` while open. A country missing from a mapping is always open.
    min_staff_while_open : int, default 0
        Floor on the target in every open interval (every interval when ``opening_hours`` is None).
    shortfall_cost_per_staff_hour : float, default 1000
        Penalty for each missing agent-hour; keep it above any template's ``cost_per_hour`` so
        that coverage wins over saving labour.
    surplus_cost_per_staff_hour : float, default 0.01
        Small penalty for each agent-hour above target (tie-breaker against overstaffing).
    time_limit_seconds : float, default 60
        HiGHS wall-time limit; the best plan found is returned with ``status="time_limit"``.
    mip_rel_gap : float, default 1e-4
        Relative MIP gap at which HiGHS stops and calls the plan optimal.

    Returns
    -------
    ShiftPlan
        Never raises for an uncoverable demand: the shortfall is in the result.

    Raises
    ------
    RequirementsError, ShiftTemplateError, SchedulingError
        Malformed inputs or parameters.
    """
    program = build_shift_program(
        requirements,
        templates,
        opening_hours=opening_hours,
        min_staff_while_open=min_staff_while_open,
        shortfall_cost_per_staff_hour=shortfall_cost_per_staff_hour,
        surplus_cost_per_staff_hour=surplus_cost_per_staff_hour,
    )
    limit, gap = _check_solver_options(time_limit_seconds, mip_rel_gap)
    if program.coverage.empty:
        return _empty_shift_plan()
    solution = solve_shift_program(program, time_limit_seconds=limit, mip_rel_gap=gap)
    return read_shift_plan(program, solution)


#: The words of :attr:`ShiftPlan.message` and logs: English, as the command line prints them.
_ENGLISH = Formats("en_GB")


def _plan_notes(
    status: str,
    time_limit_seconds: float | None,
    mip_gap: float | None,
    short_intervals: int,
    shortfall_hours: float,
    uncoverable: int,
    solver_message: str,
    fmt: Formats,
) -> str:
    """How the solve went and what stays short, e.g. "time limit of 30 s reached; best plan
    found (MIP gap 0.41%); 12 interval(s) short by 7.50 agent-hours"."""
    if status == "no_solution":
        notes = [f"HiGHS stopped without a plan ({solver_message}); nothing is scheduled"]
    elif status == "optimal":
        notes = ["optimal within the gap tolerance"]
    else:
        notes = [
            f"time limit of {fmt.seconds(time_limit_seconds)} reached; best plan found "
            f"(MIP gap {fmt.percent(mip_gap, 2)})"
        ]
    if shortfall_hours > 1e-9:
        notes.append(
            f"{fmt.number(short_intervals)} interval(s) short by "
            f"{fmt.with_unit(shortfall_hours, 'agent-hours', 2)}"
        )
    if uncoverable:
        notes.append(f"{fmt.number(uncoverable)} of them are covered by no allowed shift template")
    return "; ".join(notes)


def _empty_plan() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in PLAN_COLUMNS})
    for col in ("shift_start", "shift_end", "break_start", "break_end"):
        frame[col] = pd.Series(dtype="datetime64[ns]")
    frame["paid_hours"] = pd.Series(dtype="float64")
    frame["agents"] = pd.Series(dtype="int64")
    frame["cost"] = pd.Series(dtype="float64")
    return frame


def _plan_frame(variant_parts: list[tuple[str, str, _Variants]], x: np.ndarray) -> pd.DataFrame:
    records: list[dict[str, object]] = []
    offset = 0
    for country, channel, variants in variant_parts:
        for j, template in enumerate(variants.template):
            agents = int(x[offset + j])
            if agents > 0:
                start = pd.Timestamp(variants.start_ns[j])
                has_break = variants.break_end_ns[j] > variants.break_start_ns[j]
                records.append(
                    {
                        "country": country,
                        "channel": channel,
                        "date": start.date(),
                        "shift": template.name,
                        "shift_start": start,
                        "shift_end": pd.Timestamp(variants.end_ns[j]),
                        "break_start": pd.Timestamp(variants.break_start_ns[j])
                        if has_break
                        else pd.NaT,
                        "break_end": pd.Timestamp(variants.break_end_ns[j])
                        if has_break
                        else pd.NaT,
                        "paid_hours": template.paid_hours,
                        "agents": agents,
                        "cost": agents * template.shift_cost,
                    }
                )
        offset += len(variants.template)
    if not records:
        return _empty_plan()
    frame = pd.DataFrame.from_records(records, columns=list(PLAN_COLUMNS))
    for col in ("shift_start", "shift_end", "break_start", "break_end"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    return frame.sort_values(
        ["country", "channel", "shift_start", "shift", "break_start"]
    ).reset_index(drop=True)
