"""Demand against capacity per country, channel and week, holiday effects and recommended actions.

How the numbers are made
------------------------
- **Demand**: the picked model's daily forecast of a saved run, split into 30-minute intervals with
  the intraday profiles of the history, or, for a queue with daily history only, spread over its
  opening hours with its intraday pattern (the queue's settings on the Staffing page:
  :func:`staffing.planning.intervals_from_daily`). Handle times come from the history, else the
  queue's setting; a queue with neither is named in the notes, with where to set it.
- **Required hours**: Erlang C per interval at the targets (80% in 20 s, occupancy cap 85%,
  shrinkage 30%, two chats at once), as paid staff-hours: ``required_staff x interval hours``.
- **Available hours**: each agent's contract hours per week, less approved absences on working days
  (a week has five working days), given to the agent's country and channels. People who work
  several channels go where the dedicated staff fall shortest. A week the period covers in part
  gets that share (days / 7) of the hours.
- **Scheduled capacity**: on the days a published schedule covers (``data.schedules``: the newest
  per queue and day), the staff it puts on duty; on the other days the available hours, as the
  share of the week those days are.
- **Service level the schedule reaches**: Erlang C per interval at the published staff; on days
  without one, at the available hours laid over the days in the shape of the demand (as a good
  schedule would), each interval's staff scaled by ``min(1, available / required)``. Weighted by
  contacts over the week.
- **Gap**: staff-hours short summed over the intervals, in FTE of :data:`FTE_HOURS` hours a
  week, with the day and hours where most of it falls. Without a schedule this is
  ``max(0, required - available)``; a published schedule's surplus in one hour does not make
  up for a shortfall in another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from forecasting.errors import ForecastInputError
from forecasting.holidays import holidays_in_range
from formats import Formats
from staffing.erlang import DEFAULT_TARGETS as PLANNING_DEFAULTS
from staffing.planning import (
    AHT_COLUMNS,
    forecast_to_requirements_input,
    handle_times,
    intervals_from_daily,
    scheduled_vs_required,
    targets_by_channel,
)
from staffing.profiles import QueueSetup
from staffing.requirements import channel_kind, interval_requirements

FTE_HOURS = 40.0


def fte_per_week(staff_hours: float, days: float) -> float:
    """Paid staff-hours of ``days`` calendar days as full-time people in an average week.

    The one FTE figure of the Staffing page and the Overview: ``staff_hours / days * 7 /``
    :data:`FTE_HOURS`. ``days`` are calendar days, closed days included: a queue closed on
    Sundays does not need more people a week for it (dividing by the open days would add 7/6).

    Parameters
    ----------
    staff_hours : float
        Paid staff-hours (``required_staff x interval hours``, shrinkage included).
    days : float
        Calendar days those hours fall in (> 0).
    """
    if not days > 0:
        raise ValueError(f"days must be more than 0, not {days!r}")
    return float(staff_hours) / float(days) * 7.0 / FTE_HOURS


#: The targets the overview judges against: the planning defaults of
#: :data:`staffing.erlang.DEFAULT_TARGETS`, as the keywords ``targets_by_channel`` takes.
DEFAULT_TARGETS: Mapping[str, float] = {
    name: getattr(PLANNING_DEFAULTS, name)
    for name in ("service_level_target", "answer_target_seconds", "max_occupancy", "shrinkage")
}
CHAT_CONCURRENCY = 2
#: Numbers and dates in the texts when the caller names no locale.
DEFAULT_FORMATS = Formats()
INTERVAL_MINUTES = 30
WORKING_DAYS_PER_WEEK = 5
PRE_HOLIDAY_DAYS = 3
#: A queue-week is worth an action when the gap reaches this many FTE.
ACTION_GAP_FTE = 0.5

WEEK_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "week_start",
    "days",
    "period_days",
    "contacts",
    "required_hours",
    "available_hours",
    "scheduled_days",
    "capacity_hours",
    "gap_hours",
    "gap_fte",
    "service_level",
    "target_service_level",
    "peak_date",
    "peak_day",
    "peak_hours",
)
HOLIDAY_COLUMNS: tuple[str, ...] = (
    "country",
    "start",
    "end",
    "holiday",
    "pre_change",
    "day_change",
    "pre_days",
    "text",
)
_KEYS = ["country", "channel"]


@dataclass(frozen=True)
class Action:
    """A recommended action: what to do, why, and the page where it is done."""

    text: str
    page: str
    severity: str = "medium"  # high, medium, info


@dataclass(frozen=True)
class Overview:
    """The coming weeks at a glance.

    Attributes
    ----------
    start, end : date
        First and last day covered.
    weeks : DataFrame
        :data:`WEEK_COLUMNS`, one row per (country, channel, week starting Monday).
    holidays : DataFrame
        :data:`HOLIDAY_COLUMNS`: each holiday (consecutive days merged) with the forecast's change
        before it and on it, against the same weekdays away from holidays.
    actions : tuple of Action
        Most urgent first.
    notes : tuple of str
        What could not be computed and why.
    forecast_end : date or None
        The forecast's last day within the period (None: it covers none of it).
    lacking_handle_times : tuple of str
        Queues with a forecast but no handle time in the history nor in their settings (no
        staffing for them until one is set on the Staffing page).
    daily_only : bool
        The daily forecast could not be split into intervals, so there are no staffing figures.
    unforecast : tuple of (str, date)
        Queues with contacts that no forecast of the period covers (e.g. history that ended
        years ago) and their last day of contacts: named in the notes, never dropped silently.

    The texts (``notes``, ``actions``, the holidays' ``text`` and the weeks' ``peak_day``) are
    words about the numbers in one locale; :func:`in_locale` writes them again in another
    without measuring anything again.
    """

    start: dt.date
    end: dt.date
    weeks: pd.DataFrame
    holidays: pd.DataFrame
    actions: tuple[Action, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    forecast_end: dt.date | None = None
    lacking_handle_times: tuple[str, ...] = ()
    daily_only: bool = False
    unforecast: tuple[tuple[str, dt.date], ...] = ()

    @property
    def required_fte(self) -> float:
        """Staff needed in an average week of the period, in FTE (:func:`fte_per_week` of
        every queue's required hours over the calendar days the forecast covers)."""
        if self.weeks.empty:
            return 0.0
        days = self.weeks.groupby("week_start")["period_days"].max().sum()
        return fte_per_week(self.weeks["required_hours"].sum(), days)

    @property
    def scheduled_share(self) -> float:
        """Share of the queue-days shown that a published schedule covers (0 without weeks)."""
        days = self.weeks["days"].sum()
        return float(self.weeks["scheduled_days"].sum() / days) if days else 0.0

    def totals(self) -> pd.DataFrame:
        """Per (country, channel) over the whole period: contacts, hours, gap and service."""
        if self.weeks.empty:
            return pd.DataFrame(columns=[*_KEYS, "contacts", "required_hours", "available_hours",
                                         "capacity_hours", "gap_fte_peak", "weeks_short",
                                         "service_level"])  # fmt: skip
        w = self.weeks.assign(weighted=lambda f: f["service_level"] * f["contacts"])
        out = w.groupby(_KEYS, as_index=False).agg(
            contacts=("contacts", "sum"),
            required_hours=("required_hours", "sum"),
            available_hours=("available_hours", "sum"),
            capacity_hours=("capacity_hours", "sum"),
            gap_fte_peak=("gap_fte", "max"),
            weeks_short=("gap_fte", lambda s: int((s >= ACTION_GAP_FTE).sum())),
            weighted=("weighted", "sum"),
        )
        out["service_level"] = out["weighted"] / out["contacts"].where(out["contacts"] > 0)
        return out.drop(columns="weighted")


def _monday(dates: pd.Series) -> pd.Series:
    dates = pd.to_datetime(dates).dt.normalize()
    return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")


def available_hours(
    agents: pd.DataFrame,
    absences: pd.DataFrame,
    week_starts: Sequence[pd.Timestamp],
) -> pd.DataFrame:
    """Contract hours per agent and week, less approved absences on working days.

    Returns
    -------
    DataFrame
        ``agent_id, country, channels (tuple), week_start, contract_hours, available_hours``.
    """
    weeks = pd.DatetimeIndex(sorted(set(pd.to_datetime(list(week_starts)))))
    people = agents[["agent_id", "country", "channels", "contract_hours_per_week"]].dropna(
        subset=["country"]
    )
    grid = people.merge(pd.DataFrame({"week_start": weeks}), how="cross")
    grid["contract_hours"] = grid["contract_hours_per_week"].astype(float)
    grid["channels"] = [
        tuple(sorted({c.strip() for c in str(v).replace("|", ",").split(",") if c.strip()}))
        for v in grid["channels"]
    ]
    away = np.zeros(len(grid))
    if not absences.empty and len(grid):
        first = pd.to_datetime(absences["start_date"]).to_numpy("datetime64[D]")
        last = pd.to_datetime(absences["end_date"]).to_numpy("datetime64[D]")
        lengths = (last - first).astype(int) + 1
        day = np.repeat(first, lengths) + (
            np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        ).astype("timedelta64[D]")
        off = pd.DataFrame(
            {"agent_id": np.repeat(absences["agent_id"].to_numpy(), lengths), "day": day}
        ).drop_duplicates()
        off = off[pd.DatetimeIndex(off["day"]).day_of_week < WORKING_DAYS_PER_WEEK]
        off["week_start"] = _monday(off["day"])
        count = off.groupby(["agent_id", "week_start"]).size().rename("away")
        away = (
            grid[["agent_id", "week_start"]]
            .merge(count.reset_index(), on=["agent_id", "week_start"], how="left")["away"]
            .fillna(0)
            .to_numpy(dtype=float)
        )
    grid["available_hours"] = grid["contract_hours"] * (
        1 - np.minimum(away, WORKING_DAYS_PER_WEEK) / WORKING_DAYS_PER_WEEK
    )
    return grid[["agent_id", "country", "channels", "week_start", "contract_hours",
                 "available_hours"]]  # fmt: skip


def _allocate(required: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Hours available to each (country, channel, week): dedicated people first, then people
    on several channels where the dedicated fall shortest (in proportion to the shortfall)."""
    out = required[[*_KEYS, "week_start", "required_hours"]].copy()
    out["available_hours"] = 0.0
    index = {k: i for i, k in enumerate(zip(out["country"], out["channel"], out["week_start"], strict=True))}  # fmt: skip
    single = people[people["channels"].map(len) == 1]
    for row in single.itertuples(index=False):
        i = index.get((row.country, row.channels[0], row.week_start))
        if i is not None:
            out.iat[i, out.columns.get_loc("available_hours")] += row.available_hours
    multi = people[people["channels"].map(len) > 1]
    for (country, week, channels), group in multi.groupby(["country", "week_start", "channels"]):
        rows = [index[k] for ch in channels if (k := (country, ch, week)) in index]
        if not rows:
            continue
        pool = float(group["available_hours"].sum())
        need = np.maximum(
            out["required_hours"].to_numpy()[rows] - out["available_hours"].to_numpy()[rows], 0
        )
        weights = need if need.sum() > 0 else out["required_hours"].to_numpy()[rows] + 1e-9
        share = pool * weights / weights.sum()
        for i, extra in zip(rows, share, strict=True):
            out.iat[i, out.columns.get_loc("available_hours")] += extra
    return out


def _peaks(req: pd.DataFrame) -> pd.DataFrame:
    """Per (country, channel, week): the day with the most short staff-hours and the hours
    around its worst interval where the shortfall stays above half of it, e.g. 2026-12-14 and
    "10:00–13:30"."""
    keys = [*_KEYS, "week_start"]
    short = req.loc[req["short_staff"] > 1e-9, [*keys, "interval_start", "interval_minutes",
                                                "short_staff"]].copy()  # fmt: skip
    if short.empty:
        return pd.DataFrame(columns=[*keys, "peak_date", "peak_hours"]).astype(
            {"week_start": "datetime64[ns]", "peak_date": "datetime64[ns]"}
        )
    short["day"] = short["interval_start"].dt.normalize()
    per_day = short.groupby([*keys, "day"], as_index=False)["short_staff"].sum()
    worst = per_day.loc[per_day.groupby(keys)["short_staff"].idxmax(), [*keys, "day"]]
    on_day = short.merge(worst, on=[*keys, "day"])
    top = on_day.groupby(keys)["short_staff"].transform("max")
    block = on_day[on_day["short_staff"] >= 0.5 * top]
    block = block.assign(
        end=block["interval_start"] + pd.to_timedelta(block["interval_minutes"], "m")
    )
    out = block.groupby(keys, as_index=False).agg(
        day=("day", "first"), first=("interval_start", "min"), last=("end", "max")
    )
    out["peak_date"] = out["day"]
    out["peak_hours"] = out["first"].dt.strftime("%H:%M") + "–" + out["last"].dt.strftime("%H:%M")
    return out[[*keys, "peak_date", "peak_hours"]]


def _holiday_texts(holidays: pd.DataFrame, fmt: Formats) -> list[str]:
    """ "AR, 24–25 Dec (Christmas Eve / Christmas Day): +22% in the 3 days before, −50% on the
    days" for each row of :func:`holiday_effects`."""
    texts = []
    for row in holidays.itertuples(index=False):
        parts = []
        if np.isfinite(row.pre_change):
            days = "the day" if row.pre_days == 1 else f"the {row.pre_days} days"
            parts.append(f"{fmt.signed_percent(row.pre_change)} in {days} before")
        if np.isfinite(row.day_change):
            several = row.end > row.start
            parts.append(f"{fmt.signed_percent(row.day_change)} on the day" + "s" * several)
        when = fmt.day_span(row.start.date(), row.end.date())
        texts.append(
            f"{row.country}, {when} ({row.holiday})" + (": " + ", ".join(parts) if parts else "")
        )
    return texts


def _notes(overview: Overview, fmt: Formats) -> tuple[str, ...]:
    """What could not be computed and why, in ``fmt``'s words."""
    start, end, covered = overview.start, overview.end, overview.forecast_end
    if covered is None:
        return (f"The forecast does not cover {fmt.day(start)} to {fmt.day(end)}: run a new one.",)
    notes = []
    if covered < end:
        notes.append(f"The forecast ends on {fmt.day(covered)}; the days after it are not shown.")
    if overview.lacking_handle_times:
        names = ", ".join(overview.lacking_handle_times)
        several = len(overview.lacking_handle_times) > 1
        notes.append(
            f"No handle time for {names}: set {'their' if several else 'its'} AHT under Queue "
            "settings on the Staffing page to see the staffing "
            f"{'they need' if several else 'it needs'}."
        )
    if overview.daily_only:
        notes.append("The history is daily only: no interval profile, so no staffing figures.")
    if overview.unforecast:
        several = len(overview.unforecast) > 1
        names = ", ".join(
            f"{name} (contacts to {fmt.date(last)})" for name, last in overview.unforecast
        )
        them = "them" if several else "it"
        notes.append(
            f"No forecast covers {names} in these days: forecast {them} on the Forecast page, "
            f"or plan {them} on the Staffing page from where the history ends."
        )
    return tuple(notes)


def in_locale(overview: Overview, fmt: Formats) -> Overview:
    """The same overview with its texts written in ``fmt``'s locale (cheap: the numbers stay)."""
    holidays = overview.holidays.copy()
    holidays["text"] = _holiday_texts(holidays, fmt)
    weeks = overview.weeks.copy()
    weeks["peak_day"] = [fmt.weekday(d.date()) if pd.notna(d) else "" for d in weeks["peak_date"]]
    worded = replace(overview, weeks=weeks, holidays=holidays, notes=_notes(overview, fmt))
    return replace(worded, actions=tuple(staffing_actions(worded, fmt=fmt)))


def _ratio(series: pd.Series, baseline: pd.Series, days: list[pd.Timestamp]) -> float:
    """Mean of forecast / same-weekday baseline over ``days``, minus one (NaN without data)."""
    values = [
        series[d] / baseline[d.day_of_week]
        for d in days
        if d in series.index and baseline.get(d.day_of_week, 0) > 0
    ]
    return float(np.mean(values)) - 1 if values else np.nan


def holiday_effects(
    daily: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    pre_days: int = PRE_HOLIDAY_DAYS,
    fmt: Formats = DEFAULT_FORMATS,
) -> pd.DataFrame:
    """Each holiday in the period with the forecast's change before it and on it, and a sentence
    saying so in ``fmt``'s locale ("AR, 24–25 Dec (Christmas Eve / Christmas Day): +22% in the 3
    days before, −50% on the days").

    The baseline of a day is the median forecast of the same weekday in the period, away from
    holidays and their pre-holiday days, per country (channels summed).
    """
    countries = sorted(daily["country"].unique())
    if not countries:
        return _no_holidays()
    table = holidays_in_range(countries, start, end)
    if table.empty:
        return _no_holidays()
    volume = daily.groupby(["country", "date"])["forecast"].sum()
    rows = []
    for country, hols in table.groupby("country"):
        if country not in volume.index.get_level_values(0):
            continue
        series = volume.loc[country]
        series.index = pd.to_datetime(series.index)
        hol_days = set(hols["date"])
        near = {d - pd.Timedelta(days=k) for d in hol_days for k in range(0, pre_days + 1)}
        near |= {d + pd.Timedelta(days=1) for d in hol_days}
        normal = series[~series.index.isin(list(near))]
        baseline = normal.groupby(normal.index.day_of_week).median()
        names = hols.groupby("date")["holiday"].apply(lambda s: ", ".join(dict.fromkeys(s)))
        dates = sorted(names.index)
        spans: list[list[pd.Timestamp]] = []
        for d in dates:
            if spans and d - spans[-1][-1] == pd.Timedelta(days=1):
                spans[-1].append(d)
            else:
                spans.append([d])
        for span in spans:
            before = [span[0] - pd.Timedelta(days=k) for k in range(1, pre_days + 1)]
            before = [d for d in before if d not in hol_days]
            pre, on = _ratio(series, baseline, before), _ratio(series, baseline, span)
            name = " / ".join(dict.fromkeys(names[d] for d in span))
            rows.append((country, span[0], span[-1], name, pre, on, len(before), ""))
    frame = pd.DataFrame(rows, columns=list(HOLIDAY_COLUMNS))
    frame["text"] = _holiday_texts(frame, fmt)
    return frame.sort_values(["start", "country"]).reset_index(drop=True)


def _no_holidays() -> pd.DataFrame:
    return pd.DataFrame(columns=list(HOLIDAY_COLUMNS)).astype(
        {"start": "datetime64[ns]", "end": "datetime64[ns]", "pre_change": float,
         "day_change": float, "pre_days": int}
    )  # fmt: skip


def build_overview(
    daily_forecast: pd.DataFrame,
    contacts: pd.DataFrame,
    agents: pd.DataFrame,
    absences: pd.DataFrame,
    *,
    start: dt.date,
    weeks: int = 8,
    end: dt.date | None = None,
    targets: Mapping[str, float] = DEFAULT_TARGETS,
    chat_concurrency: int = CHAT_CONCURRENCY,
    scheduled: pd.DataFrame | None = None,
    setups: Mapping[tuple[str, str], QueueSetup] | None = None,
    fmt: Formats = DEFAULT_FORMATS,
) -> Overview:
    """Demand against capacity from ``start`` to ``end`` (or for ``weeks`` weeks from ``start``).

    Parameters
    ----------
    daily_forecast : DataFrame
        ``country, channel, date, forecast, forecast_lower, forecast_upper, model`` (a saved
        run's picked forecast).
    contacts : DataFrame
        The contacts history (intraday rows give the interval profiles and the handle times).
    agents, absences : DataFrame
        The data layer's frames (absence types are not needed).
    start : date
        First day (usually today).
    end : date, optional
        Last day (the planning period's); ``weeks`` weeks from ``start`` when not given. Weeks
        run Monday to Sunday, and a week the period covers in part gets that share of the hours.
    scheduled : DataFrame, optional
        The current schedule's staff on duty (``data.schedules.current_staff``: ``country,
        channel, interval_start, interval_minutes, scheduled_staff``). A queue's day it has
        rows for counts these staff (0 in intervals it lacks); other days count the agents'
        available hours.
    setups : mapping of (country, channel) to QueueSetup, optional
        The queues' settings (``services.planning.queue_setups`` of the stored ones): the
        handle time where the history has none, and the opening hours and intraday pattern of
        queues with daily history only.
    fmt : Formats
        How the notes, holiday sentences and actions write numbers and dates.
    """
    end = end or start + dt.timedelta(days=7 * int(weeks) - 1)
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    period = Overview(start, end, pd.DataFrame(columns=list(WEEK_COLUMNS)), _no_holidays())
    daily = daily_forecast.assign(date=pd.to_datetime(daily_forecast["date"]))
    daily = daily[(daily["date"] >= pd.Timestamp(start)) & (daily["date"] <= pd.Timestamp(end))]
    period = replace(period, unforecast=_unforecast(contacts, daily))
    if daily.empty:
        return in_locale(period, fmt)
    covered = daily["date"].max().date()
    holidays = holiday_effects(daily, start, min(end, covered), fmt=fmt)
    period = replace(period, holidays=holidays, forecast_end=covered)
    queues = list(dict.fromkeys(zip(daily["country"], daily["channel"], strict=True)))
    aht, lacking = handle_times(contacts, queues, setups)
    if lacking:
        period = replace(period, lacking_handle_times=tuple(sorted(lacking)))
        daily = daily[daily.set_index(_KEYS).index.isin(aht.set_index(_KEYS).index)]
    if daily.empty:
        return in_locale(period, fmt)
    try:
        intervals = intervals_from_daily(daily, contacts, setups, INTERVAL_MINUTES).intervals
    except (ForecastInputError, ValueError):
        return in_locale(replace(period, daily_only=True), fmt)
    aht = aht[list(AHT_COLUMNS)]
    per_channel = targets_by_channel(
        sorted(daily["channel"].unique()), dict(targets), chat_concurrency
    )
    req = interval_requirements(forecast_to_requirements_input(intervals, aht), per_channel)
    req["week_start"] = _monday(req["interval_start"])
    req = _with_published(req, scheduled)
    hours = req["interval_minutes"] / 60.0
    req["staff_hours"] = req["required_staff"] * hours
    req["published_hours"] = np.where(req["published"], req["published_staff"] * hours, 0.0)
    req["open_hours"] = np.where(req["published"], 0.0, req["staff_hours"])
    req["day"] = req["interval_start"].dt.normalize()
    weekly = req.groupby([*_KEYS, "week_start"], as_index=False).agg(
        required_hours=("staff_hours", "sum"),
        contacts=("planned_contacts", "sum"),
        days=("day", "nunique"),
        published_hours=("published_hours", "sum"),
        open_hours=("open_hours", "sum"),
    )
    weekly["period_days"] = _period_days(weekly, daily)
    covered = req[req["published"]].groupby([*_KEYS, "week_start"])["day"].nunique()
    weekly = weekly.merge(
        covered.rename("scheduled_days").reset_index(), on=[*_KEYS, "week_start"], how="left"
    )
    weekly["scheduled_days"] = weekly["scheduled_days"].fillna(0).astype(int)
    people = available_hours(agents, absences, weekly["week_start"].unique())
    weekly = weekly.merge(_allocate(weekly, people), on=[*_KEYS, "week_start", "required_hours"])
    # A week the period covers only in part gets that part of its people's hours (calendar
    # days: a queue closed on Sundays keeps its people's whole week).
    weekly["available_hours"] *= weekly["period_days"] / 7
    # Days without a published schedule count their share of the available hours.
    unscheduled = weekly["available_hours"] * (1 - weekly["scheduled_days"] / weekly["days"])
    weekly["capacity_hours"] = weekly["published_hours"] + unscheduled
    # There, the hours are laid over the days in the shape of the demand.
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (unscheduled / weekly["open_hours"]).clip(upper=1.0).fillna(1.0)
    req = req.merge(weekly[[*_KEYS, "week_start"]].assign(ratio=ratio), on=[*_KEYS, "week_start"])
    req["scheduled_staff"] = np.where(
        req["published"], req["published_staff"], req["required_staff"] * req["ratio"]
    )
    req["short_staff"] = (req["required_staff"] - req["scheduled_staff"]).clip(lower=0)
    req["short_hours"] = req["short_staff"] * req["interval_minutes"] / 60.0
    short = req.groupby([*_KEYS, "week_start"])["short_hours"].sum()
    weekly = weekly.merge(
        short.rename("gap_hours").reset_index(), on=[*_KEYS, "week_start"], how="left"
    )
    weekly["gap_fte"] = weekly["gap_hours"] / FTE_HOURS
    served = scheduled_vs_required(req, req, per_channel)
    req = req.drop(columns="service_level").merge(
        served[[*_KEYS, "interval_start", "service_level"]], on=[*_KEYS, "interval_start"]
    )
    kinds = {ch: channel_kind(ch) for ch in req["channel"].unique()}
    queue = req[req["channel"].map(kinds) != "workload"]
    sl = (
        queue.assign(w=queue["service_level"].fillna(0) * queue["planned_contacts"])
        .groupby([*_KEYS, "week_start"])[["w", "planned_contacts"]]
        .sum()
    )
    sl = (sl["w"] / sl["planned_contacts"].where(sl["planned_contacts"] > 0)).rename(
        "service_level"
    )
    weekly = weekly.merge(sl.reset_index(), on=[*_KEYS, "week_start"], how="left")
    weekly["target_service_level"] = [
        per_channel[ch].service_level_target if channel_kind(ch) != "workload" else np.nan
        for ch in weekly["channel"]
    ]
    weekly = weekly.merge(_peaks(req), on=[*_KEYS, "week_start"], how="left")
    weekly["peak_hours"] = weekly["peak_hours"].fillna("")
    weekly["peak_day"] = ""  # words: in_locale writes them
    weekly = weekly[list(WEEK_COLUMNS)].sort_values([*_KEYS, "week_start"]).reset_index(drop=True)
    return in_locale(replace(period, weeks=weekly), fmt)


def _period_days(weekly: pd.DataFrame, daily: pd.DataFrame) -> pd.Series:
    """Calendar days of each queue-week that the queue's forecast covers in the period, closed
    days included (``days`` counts the days with open intervals)."""
    spans = daily.groupby(_KEYS)["date"].agg(first="min", last="max").reset_index()
    merged = weekly[[*_KEYS, "week_start"]].merge(spans, on=_KEYS, how="left")
    first = np.maximum(merged["week_start"], merged["first"])
    last = np.minimum(merged["week_start"] + pd.Timedelta(days=6), merged["last"])
    return pd.Series(((last - first).dt.days + 1).clip(lower=0).to_numpy(), index=weekly.index)


def _unforecast(contacts: pd.DataFrame, daily: pd.DataFrame) -> tuple[tuple[str, dt.date], ...]:
    """Queues with contacts but no forecast row in ``daily``, with their last day of contacts."""
    if contacts.empty or not {*_KEYS, "ds"} <= set(contacts.columns):
        return ()
    ends = contacts.groupby(_KEYS)["ds"].max()
    have = set(zip(daily["country"], daily["channel"], strict=True))
    return tuple(
        (f"{country}/{channel}", pd.Timestamp(last).date())
        for (country, channel), last in ends.items()
        if (country, channel) not in have
    )


def staffing_actions(
    overview: Overview, limit: int = 5, fmt: Formats = DEFAULT_FORMATS
) -> list[Action]:
    """One action per short queue (largest gap first), then the holidays that move demand most."""
    actions = []
    short = overview.weeks[overview.weeks["gap_fte"] >= ACTION_GAP_FTE]
    worst = short.sort_values("gap_fte", ascending=False).groupby(_KEYS, sort=False).head(1)
    for row in worst.head(limit).itertuples(index=False):
        weeks_short = int(
            ((short["country"] == row.country) & (short["channel"] == row.channel)).sum()
        )
        total = int(((overview.weeks["country"] == row.country) & (overview.weeks["channel"] == row.channel)).sum())  # fmt: skip
        service = (
            f"; then about {fmt.percent(row.service_level)} of contacts are answered within "
            f"target instead of {fmt.percent(row.target_service_level)}"
            if pd.notna(row.service_level)
            else ""
        )
        actions.append(
            Action(
                f"{row.country} {row.channel} is short in {weeks_short} of {total} weeks, most in "
                f"the week of {fmt.day(row.week_start.date())} ({fmt.fte(row.gap_fte)}, above all "
                f"{row.peak_day} {row.peak_hours}){service}. Plan shifts, overtime or help from "
                "another team.",
                "app_pages/schedule_page.py",
                "high" if row.gap_fte >= 2 else "medium",
            )
        )
    unscheduled = overview.weeks[overview.weeks["scheduled_days"] < overview.weeks["days"]]
    if len(unscheduled):
        first = unscheduled["week_start"].min().date()
        queues = unscheduled[unscheduled["week_start"].dt.date == first]
        names = ", ".join(sorted(dict.fromkeys(queues["country"] + " " + queues["channel"])))
        actions.append(
            Action(
                f"No schedule is published for the week of {fmt.day(first)} ({names}): its "
                "capacity is the teams' available hours, as a good schedule would lay them. "
                "Generate and publish its schedule so that the overview measures the shifts "
                "themselves.",
                "app_pages/schedule_page.py",
                "info",
            )
        )
    moving = overview.holidays[
        (overview.holidays["pre_change"].abs() >= 0.15)
        | (overview.holidays["day_change"].abs() >= 0.3)
    ]
    for row in moving.head(3).itertuples(index=False):
        actions.append(
            Action(
                f"{row.text}. Check the staffing around it.", "app_pages/staffing_page.py", "info"
            )
        )
    return actions


#: Minutes of the slots a published schedule's intervals are cut into to meet the overview's.
_SLOT_MINUTES = 5


def _with_published(req: pd.DataFrame, scheduled: pd.DataFrame | None) -> pd.DataFrame:
    """``req`` with ``published`` (a published schedule covers the queue's day) and
    ``published_staff`` (its staff on duty, the time-weighted mean over the interval; 0 where
    it has nobody)."""
    if scheduled is None or scheduled.empty:
        return req.assign(published=False, published_staff=np.nan)
    n = np.maximum(scheduled["interval_minutes"].to_numpy(dtype=int) // _SLOT_MINUTES, 1)
    rows = np.repeat(np.arange(len(scheduled)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    starts = pd.to_datetime(scheduled["interval_start"]).to_numpy("datetime64[ns]")[rows]
    slots = pd.DataFrame(
        {
            "country": scheduled["country"].to_numpy()[rows],
            "channel": scheduled["channel"].to_numpy()[rows],
            "interval_start": pd.DatetimeIndex(
                starts + offset * np.timedelta64(_SLOT_MINUTES, "m")
            ).floor(f"{INTERVAL_MINUTES}min"),
            "staff": scheduled["scheduled_staff"].to_numpy(dtype=float)[rows],
        }
    )
    per_slot = INTERVAL_MINUTES / _SLOT_MINUTES
    staff = (slots.groupby([*_KEYS, "interval_start"])["staff"].sum().div(per_slot)).rename(
        "published_staff"
    )
    days = slots.assign(day=slots["interval_start"].dt.normalize())[[*_KEYS, "day"]]
    days = days.drop_duplicates().assign(published=True)
    out = req.merge(staff.reset_index(), on=[*_KEYS, "interval_start"], how="left")
    out = out.assign(day=out["interval_start"].dt.normalize()).merge(
        days, on=[*_KEYS, "day"], how="left"
    )
    out["published"] = out["published"].fillna(False).astype(bool)
    out["published_staff"] = np.where(out["published"], out["published_staff"].fillna(0.0), np.nan)
    return out.drop(columns="day")
