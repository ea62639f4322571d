"""Holiday effects that carry over: each holiday's effect shrunk toward the country's shared one.

A holiday's effect on a day of its window ("pre" days, "on" the day, "post" days) is measured
on the log scale (``log(1 + contacts)``) against the same weekday of the surrounding weeks
(the median of the same weekday 1-4 weeks before and after, holiday windows left out), so a
level shift or the weekday a holiday falls on does not pass for a holiday effect.

The measured effects are then pooled (a random-effects / ridge estimate, one per window group):

``effect[h] = shared + n[h] / (n[h] + lambda) * (mean[h] - shared)``

where ``mean[h]`` is holiday ``h``'s mean measured effect over its ``n[h]`` past occurrences,
``shared`` the precision-weighted mean over the country's holidays and ``lambda`` the ratio of
the year-to-year variance of one holiday to the variance between holidays (at least 1, so one
past occurrence is at most half the evidence: a holiday moves between weekdays and years).
A holiday never seen in the history takes the shared effect, so a moving holiday absent from a
short history is still forecast as a dip when the country's observed holidays dip; one seen
every year keeps mostly its own (15 August stays a peak in the Italian calls). A country with
fewer than :data:`MIN_HOLIDAYS_OWN_SHARED` observed holidays borrows the shared effect of every
series in the run (``scope="run"``).

Days are labelled once (the day itself over a neighbour's "post" over a neighbour's "pre"), so
Christmas and St Stephen's Day do not count the same dip twice.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.holidays import WINDOW_GROUPS

#: A country needs this many holidays observed in its history for its own shared effect.
MIN_HOLIDAYS_OWN_SHARED = 4
#: Same-weekday neighbours (weeks before and after) that make a day's baseline.
BASELINE_WEEKS: tuple[int, ...] = (1, 2, 3, 4)
#: One past occurrence is at most half the evidence for a holiday's own effect.
MIN_SHRINKAGE_LAMBDA = 1.0
#: Between-holiday s.d. (log scale) assumed when fewer than two holidays were observed.
DEFAULT_TAU = 0.3
MIN_TAU = 0.05

EFFECT_COLUMNS: tuple[str, ...] = (
    "holiday",
    "group",
    "occurrences",
    "own_log",
    "coef_log",
    "effect",
    "source",
)
SHARED_COLUMNS: tuple[str, ...] = (
    "group",
    "coef_log",
    "effect",
    "holidays",
    "occurrences",
    "scope",
)
_PRIORITY = {"on": 0, "post": 1, "pre": 2}


def label_holiday_days(holidays_frame: pd.DataFrame | None) -> pd.DataFrame:
    """One label per day touched by a holiday window: ``ds, holiday, group, occurrence``.

    ``group`` is ``pre``/``on``/``post``; ``occurrence`` the holiday's date. A day inside
    several windows keeps one label: a holiday on the day beats a neighbour's "post" day, which
    beats a "pre" day; then the nearer holiday, then the name.
    """
    empty = pd.DataFrame(
        {
            "ds": pd.Series(dtype="datetime64[ns]"),
            "holiday": pd.Series(dtype=object),
            "group": pd.Series(dtype=object),
            "occurrence": pd.Series(dtype="datetime64[ns]"),
        }
    )
    if holidays_frame is None or holidays_frame.empty:
        return empty
    hf = holidays_frame
    lower = hf["lower_window"].to_numpy(dtype=int)
    upper = hf["upper_window"].to_numpy(dtype=int)
    span = upper - lower + 1
    row = np.repeat(np.arange(len(hf)), span)
    offset = (
        np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span) + np.repeat(lower, span)
    )
    occurrence = hf["ds"].to_numpy(dtype="datetime64[ns]")[row]
    long = pd.DataFrame(
        {
            "ds": occurrence + offset.astype("timedelta64[D]"),
            "holiday": hf["holiday"].to_numpy(dtype=object)[row],
            "group": np.where(offset < 0, "pre", np.where(offset > 0, "post", "on")),
            "occurrence": occurrence,
            "distance": np.abs(offset),
        }
    )
    long["priority"] = long["group"].map(_PRIORITY)
    long = long.sort_values(["ds", "priority", "distance", "holiday"], kind="stable")
    out = long.drop_duplicates("ds")[["ds", "holiday", "group", "occurrence"]]
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class HolidayMeasurements:
    """A series' holiday days measured against the same weekday of the surrounding weeks.

    Attributes
    ----------
    days : pandas.DataFrame
        ``holiday, group, occurrence, ds, r``: ``r`` the log effect of one observed day.
    noise_var : float
        Variance (log scale, robust) of the same measurement on ordinary days: what a
        measured effect varies by without any holiday.
    """

    days: pd.DataFrame
    noise_var: float


def measure_holidays(
    ds: pd.Series | pd.DatetimeIndex,
    y: np.ndarray,
    holidays_frame: pd.DataFrame | None,
    labels: pd.DataFrame | None = None,
) -> HolidayMeasurements:
    """Measure every observed holiday-window day of one series (see the module docstring).

    Parameters
    ----------
    ds : Series or DatetimeIndex
        Dates with contacts (closed days absent).
    y : numpy.ndarray
        Contacts per day, aligned with ``ds``.
    holidays_frame : pandas.DataFrame or None
        The series' holidays frame (:func:`~forecasting.holidays.make_holidays_frame`).
    labels : pandas.DataFrame, optional
        :func:`label_holiday_days` of ``holidays_frame``, when the caller has it already.
    """
    dates = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
    labels = label_holiday_days(holidays_frame) if labels is None else labels
    if not len(dates):
        return HolidayMeasurements(labels.assign(r=pd.Series(dtype=float)), 0.01)
    grid = pd.date_range(dates.min(), dates.max(), freq="D")
    z = pd.Series(np.log1p(np.asarray(y, dtype=float)), index=dates).reindex(grid)
    labelled = grid.isin(labels["ds"])
    clean = z.to_numpy().copy()
    clean[labelled] = np.nan  # holiday windows are no baseline for anyone
    n = len(grid)
    shifted = []
    for k in BASELINE_WEEKS:
        for sign in (-1, 1):
            lag = sign * 7 * k
            col = np.full(n, np.nan)
            if lag < 0:
                col[-lag:] = clean[: n + lag]
            else:
                col[: n - lag] = clean[lag:]
            shifted.append(col)
    stack = np.vstack(shifted)
    enough = np.isfinite(stack).sum(axis=0) >= 2
    # Only the days with enough neighbours: an all-NaN column would warn, and silencing that
    # with warnings.catch_warnings races with other fitting threads over the global filters.
    baseline = np.full(stack.shape[1], np.nan)
    baseline[enough] = np.nanmedian(stack[:, enough], axis=0)
    r = z.to_numpy() - baseline
    ordinary = r[~labelled & np.isfinite(r)]
    if len(ordinary) >= 10:
        mad = np.median(np.abs(ordinary - np.median(ordinary)))
        noise_var = float(max((1.4826 * mad) ** 2, 1e-4))
    else:
        noise_var = 0.01
    measured = pd.DataFrame({"ds": grid, "r": r}).loc[labelled & np.isfinite(r)]
    days = labels.merge(measured, on="ds", how="inner")
    return HolidayMeasurements(days, noise_var)


def _holiday_means(m: HolidayMeasurements) -> pd.DataFrame:
    """``holiday, group, mean, occurrences, occ_var, days`` (occurrence means' variance).

    Grouped by integer codes of the names (sorted as the names are), not by the strings
    themselves: the same sums in the same order, a third of the time.
    """
    d = m.days
    if d.empty:
        return pd.DataFrame(columns=["holiday", "group", "mean", "days", "occurrences", "occ_var"])
    holiday, holiday_names = pd.factorize(d["holiday"], sort=True)
    group, group_names = pd.factorize(d["group"], sort=True)
    occurrence, _ = pd.factorize(d["occurrence"], sort=True)
    keyed = pd.DataFrame({"h": holiday, "g": group, "o": occurrence, "r": d["r"].to_numpy(float)})
    per_occurrence = keyed.groupby(["h", "g", "o"], sort=True)["r"].mean()
    per_holiday = per_occurrence.groupby(level=["h", "g"], sort=True)
    mean = per_holiday.mean()
    days = keyed.groupby(["h", "g"], sort=True).size()
    return pd.DataFrame(
        {
            "holiday": holiday_names.take(mean.index.get_level_values("h").to_numpy()),
            "group": group_names.take(mean.index.get_level_values("g").to_numpy()),
            "mean": mean.to_numpy(),
            "occurrences": per_holiday.size().to_numpy(),
            "occ_var": per_holiday.var().to_numpy(),
            "days": days.to_numpy(),
        }
    )


def _pool_group(means: pd.DataFrame, noise_var: float) -> tuple[float, float]:
    """Shared effect and lambda of one window group from its holidays' means."""
    return _pool_group_arrays(*_group_arrays(means), noise_var)


#: One window group's holiday means as arrays: occurrences, mean, days, occurrence variance.
GroupArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: A window group's effect pooled over a run's series: shared (log), lambda, holidays,
#: occurrences.
RunPooled = tuple[float, float, int, int]


def _group_arrays(means: pd.DataFrame) -> GroupArrays:
    return (
        means["occurrences"].to_numpy(float),
        means["mean"].to_numpy(float),
        means["days"].to_numpy(float),
        means["occ_var"].to_numpy(float),
    )


def _pool_group_arrays(
    n: np.ndarray, d: np.ndarray, days: np.ndarray, occ_var_per: np.ndarray, noise_var: float
) -> tuple[float, float]:
    per_day = noise_var / np.maximum(days / np.maximum(n, 1), 1.0)
    repeated = n >= 2
    if repeated.any():
        # year-to-year variance of one holiday's effect, pooled over holidays seen twice or more
        w = n[repeated] - 1
        rep_var = occ_var_per[repeated]
        occ_var = float(np.sum(w * np.where(np.isnan(rep_var), 0.0, rep_var)) / w.sum())
        occ_var = max(occ_var, float(per_day.mean()))
    else:
        occ_var = float(max(per_day.mean(), noise_var))
    if len(d) >= 2:
        tau2 = max(float(np.var(d, ddof=1)) - float(np.mean(occ_var / n)), MIN_TAU**2)
    else:
        tau2 = DEFAULT_TAU**2
    weights = 1.0 / (tau2 + occ_var / n)
    shared = float(np.sum(weights * d) / weights.sum())
    lam = max(occ_var / tau2, MIN_SHRINKAGE_LAMBDA)
    return shared, lam


def holiday_group_arrays(m: HolidayMeasurements) -> dict[str, GroupArrays]:
    """A series' holiday means per window group, as :func:`pool_over_run` takes them (empty
    when no holiday was measured)."""
    means = _holiday_means(m)
    if not len(means):
        return {}
    groups = means["group"].to_numpy(dtype=object)
    return {g: _group_arrays(means.loc[groups == g]) for g in dict.fromkeys(groups)}


def group_arrays_at_origins(
    items: Sequence[tuple[pd.Timestamp, HolidayMeasurements]],
) -> list[dict[str, GroupArrays]]:
    """:func:`holiday_group_arrays` at each origin (module-level so an executor can run it)."""
    return [holiday_group_arrays(m) for _, m in items]


def pool_over_run(
    parts: Sequence[dict[str, GroupArrays]], noise_vars: Sequence[float]
) -> dict[str, RunPooled] | None:
    """The shared effect per window group of several series' holidays together (the series'
    own first), or ``None`` when none of them measured a holiday.

    ``parts`` are :func:`holiday_group_arrays` and ``noise_vars`` the series' noise variances,
    in the same order: each group's holidays are pooled in that order.
    """
    if not any(parts):
        return None
    noise = float(np.mean(list(noise_vars)))
    out: dict[str, RunPooled] = {}
    for group in WINDOW_GROUPS:
        found = [p[group] for p in parts if group in p]
        if not found:
            continue
        n, d, days, occ_var = (np.concatenate([a[j] for a in found]) for j in range(4))
        if len(n):
            shared, lam = _pool_group_arrays(n, d, days, occ_var, noise)
            out[group] = (shared, lam, len(n), int(n.sum()))
    return out


@dataclass(frozen=True)
class HolidayEffects:
    """Pooled holiday effects of one series and where each comes from.

    Attributes
    ----------
    country : str
        The series' country label (for the drivers' wording).
    effects : pandas.DataFrame
        ``holiday, group, occurrences, own_log, coef_log, effect, source`` for every holiday
        and window group of the holidays frame: ``coef_log`` the pooled log effect,
        ``effect`` the same as a fraction (+0.3 = 30% more contacts), ``own_log`` the
        holiday's own mean (NaN when never seen), ``source`` ``"own"`` (learnt from its
        ``occurrences``, shrunk toward the shared effect) or ``"shared"`` (never seen).
    shared : pandas.DataFrame
        ``group, coef_log, effect, holidays, occurrences, scope`` per window group: the shared
        effect, from how many holidays and occurrences, ``scope`` ``"country"`` or ``"run"``
        (pooled over the run's series because the country had too few holidays).
    labels : pandas.DataFrame
        :func:`label_holiday_days` of the holidays frame (history and horizon).
    """

    country: str
    effects: pd.DataFrame
    shared: pd.DataFrame
    labels: pd.DataFrame

    def offsets(self, ds: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """Log effect (on ``log(1 + contacts)``) of each date; 0 outside holiday windows."""
        dates = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
        if self.labels.empty:
            return np.zeros(len(dates))
        # the labelled dates are sorted and unique: each date is found by bisection (a fresh,
        # writable array: the callers zero the closed days in place)
        table = self._offset_by_date
        labelled = table.index.to_numpy()
        wanted = dates.to_numpy().astype(labelled.dtype)
        at = np.clip(np.searchsorted(labelled, wanted), 0, len(labelled) - 1)
        return np.where(labelled[at] == wanted, table.to_numpy()[at], 0.0).astype(float)

    @functools.cached_property
    def _offset_by_date(self) -> pd.Series:
        """The log effect of every labelled date (sorted by date), looked up once per effects
        object (every fold and model of a series asks for its history's and horizon's
        offsets)."""
        lab = self.labels.set_index("ds")
        coef = self.effects.set_index(["holiday", "group"])["coef_log"]
        keys = pd.MultiIndex.from_arrays([lab["holiday"], lab["group"]])
        out = coef.reindex(keys).to_numpy(dtype=float)
        shared = self.shared.set_index("group")["coef_log"]
        fallback = shared.reindex(lab["group"]).to_numpy(dtype=float)
        out = np.where(np.isfinite(out), out, fallback)
        table = pd.Series(np.where(np.isfinite(out), out, 0.0), index=lab.index, dtype=float)
        return table if table.index.is_monotonic_increasing else table.sort_index(kind="stable")

    @property
    def scope(self) -> str:
        """``"run"`` when the shared effect was pooled over the run's series, else ``"country"``."""
        return str(self.shared["scope"].iloc[0]) if len(self.shared) else "country"


def observed_holiday_count(m: HolidayMeasurements) -> int:
    """Distinct holidays with a measured day in the history."""
    return int(m.days["holiday"].nunique()) if len(m.days) else 0


def pool_holiday_effects(
    own: HolidayMeasurements,
    holidays_frame: pd.DataFrame | None,
    country: str = "",
    others: Sequence[HolidayMeasurements] = (),
    labels: pd.DataFrame | None = None,
    run_pooled: dict[str, RunPooled] | None = None,
) -> HolidayEffects:
    """Pool a series' measured holidays into one effect per holiday and window group.

    Parameters
    ----------
    own : HolidayMeasurements
        The series' measurements (:func:`measure_holidays`).
    holidays_frame : pandas.DataFrame or None
        The series' holidays frame (every holiday of the history and horizon gets a row).
    country : str
        The series' country label, for the wording.
    others : sequence of HolidayMeasurements
        The run's other series (same origin): their holidays make the shared effect when this
        country observed fewer than :data:`MIN_HOLIDAYS_OWN_SHARED` holidays.
    labels : pandas.DataFrame, optional
        :func:`label_holiday_days` of ``holidays_frame``, when the caller has it already.
    run_pooled : mapping, optional
        :func:`pool_over_run` of this series and the others, already made (instead of
        ``others``; used the same way, only when the country observed too few holidays).

    Returns
    -------
    HolidayEffects
    """
    labels = label_holiday_days(holidays_frame) if labels is None else labels
    means = _holiday_means(own)
    pooled = None
    if observed_holiday_count(own) < MIN_HOLIDAYS_OWN_SHARED:
        if run_pooled is not None:
            pooled = run_pooled
        elif others:
            pooled = pool_over_run(
                [holiday_group_arrays(own), *(holiday_group_arrays(m) for m in others)],
                [own.noise_var, *(m.noise_var for m in others)],
            )
    scope = "country" if pooled is None else "run"
    shared_rows = []
    lam_by_group: dict[str, float] = {}
    for group in WINDOW_GROUPS:
        mine = means.loc[means["group"] == group] if len(means) else means
        if pooled is not None and group in pooled:
            shared, lam, holidays, occurrences = pooled[group]
            # own holidays shrink with the own series' spread
            lam = _pool_group(mine, own.noise_var)[1] if len(mine) else lam
            shared_rows.append(
                (group, shared, float(np.expm1(shared)), holidays, occurrences, scope)
            )
            lam_by_group[group] = lam
        elif pooled is None and len(mine):
            shared, lam = _pool_group(mine, own.noise_var)
            shared_rows.append(
                (
                    group,
                    shared,
                    float(np.expm1(shared)),
                    len(mine),
                    int(mine["occurrences"].sum()),
                    scope,
                )
            )
            lam_by_group[group] = lam
        else:
            shared_rows.append((group, 0.0, 0.0, 0, 0, scope))
    shared_frame = pd.DataFrame(shared_rows, columns=list(SHARED_COLUMNS))
    shared_by_group = shared_frame.set_index("group")["coef_log"]
    # every holiday and window group of the frame (history and horizon)
    if holidays_frame is not None and len(holidays_frame):
        groups = labels[["holiday", "group"]].drop_duplicates()
    else:
        groups = pd.DataFrame(
            {"holiday": pd.Series(dtype=object), "group": pd.Series(dtype=object)}
        )
    table = groups.merge(means, on=["holiday", "group"], how="outer")
    table["occurrences"] = table["occurrences"].fillna(0).astype(int)
    base = shared_by_group.reindex(table["group"]).to_numpy(dtype=float)
    lam = pd.Series(lam_by_group, dtype=float).reindex(table["group"]).fillna(1.0).to_numpy()
    n = table["occurrences"].to_numpy(float)
    own_mean = table["mean"].to_numpy(float)
    weight = n / (n + lam)
    coef = np.where(n > 0, base + weight * (np.nan_to_num(own_mean) - base), base)
    effects = pd.DataFrame(
        {
            "holiday": table["holiday"].to_numpy(dtype=object),
            "group": table["group"].to_numpy(dtype=object),
            "occurrences": table["occurrences"].to_numpy(dtype=int),
            "own_log": own_mean,
            "coef_log": coef,
            "effect": np.expm1(coef),
            "source": np.where(n > 0, "own", "shared"),
        }
    )
    effects = effects.sort_values(["holiday", "group"]).reset_index(drop=True)
    return HolidayEffects(str(country), effects, shared_frame, labels)


def estimate_holiday_effects(
    ds: pd.Series | pd.DatetimeIndex,
    y: np.ndarray,
    holidays_frame: pd.DataFrame | None,
    country: str = "",
) -> HolidayEffects:
    """Measure and pool one series' holiday effects (no other series to borrow from).

    Parameters
    ----------
    ds, y
        Dates with contacts and the contacts per day.
    holidays_frame : pandas.DataFrame or None
        The series' holidays frame.
    country : str
        Country label for the wording.
    """
    return pool_holiday_effects(measure_holidays(ds, y, holidays_frame), holidays_frame, country)


def measure_at_origins(
    history: pd.DataFrame, holidays_frame: pd.DataFrame | None, origins: Sequence[pd.Timestamp]
) -> list[tuple[pd.Timestamp, HolidayMeasurements]]:
    """:func:`measure_holidays` of one series seen from each origin (its history up to it).

    Module-level so an executor can run it; ``history`` is ``ds, y`` of one series.
    """
    ds = history["ds"]
    labels = label_holiday_days(holidays_frame)  # one labelling for every origin
    return [
        (
            origin,
            measure_holidays(
                ds[ds <= origin],
                history.loc[ds <= origin, "y"].to_numpy(float),
                holidays_frame,
                labels,
            ),
        )
        for origin in origins
    ]


def pool_at_origins(
    items: Sequence[tuple[pd.Timestamp, HolidayMeasurements]],
    holidays_frame: pd.DataFrame | None,
    country: str,
    others: Sequence[Sequence[HolidayMeasurements]] = (),
    run_pooled: Sequence[dict[str, RunPooled] | None] = (),
) -> dict[pd.Timestamp, HolidayEffects]:
    """:func:`pool_holiday_effects` per origin; ``others[k]`` are the run's other series seen
    from the ``k``-th origin counted from the latest (``items`` are oldest first), or
    ``run_pooled[k]`` their :func:`pool_over_run` with this series, made by the caller."""
    out = {}
    labels = label_holiday_days(holidays_frame)
    for back, (origin, mine) in enumerate(reversed(items)):
        out[origin] = pool_holiday_effects(
            mine,
            holidays_frame,
            country,
            others[back] if back < len(others) else (),
            labels,
            run_pooled[back] if back < len(run_pooled) else None,
        )
    return out
