"""Saved forecast runs: store a run with its settings and back-test, list, reload and compare them.

A run is saved with every model that fitted (so a reloaded run can still switch models), the
back-test table and the pick per series. This module is the data layer: it takes and returns
plain frames in the words planners use (``country, channel, date, forecast, ...``); turning a
``forecasting`` result into these frames is the caller's job, so the data layer never imports
the forecasting package.

Notes, drivers and the picks' reasons are kept as their callers give them: JSON objects (a code,
its values and the English text, which the forecasting package words in a reader's locale) or
plain strings, as runs saved before they had codes hold them. Both come back as saved.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from contracts import DAILY_FORECAST_COLUMNS, WIDE_BAND_COLUMNS, require_columns
from data import schema
from data.access import AuditAction, Permission, Principal, audit, require
from data.store import Store, query_frame

logger = logging.getLogger(__name__)

#: Every fitted model's daily forecast; lower/upper are the 80% interval, ``*_95`` the 95% one.
FORECAST_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "date",
    "model",
    "forecast",
    "forecast_lower",
    "forecast_upper",
    "forecast_lower_95",
    "forecast_upper_95",
)
#: The back-test table: fractions (WAPE, coverage), MASE, folds, seconds of wall time.
METRIC_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "model",
    "wape",
    "mase",
    "coverage_80",
    "coverage_95",
    "folds",
    "seconds",
)
#: The model picked per series and why (``reason``: a JSON object or, in older runs, a string).
PICK_COLUMNS: tuple[str, ...] = ("country", "channel", "model", "reason")
#: The chosen model's forecast as the download files have it (``forecasting.service`` contract).
DAILY_COLUMNS: tuple[str, ...] = (*DAILY_FORECAST_COLUMNS, *WIDE_BAND_COLUMNS)
RUN_LIST_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "created_at",
    "created_by",
    "horizon_days",
    "model",
    "countries",
    "channels",
    "history_start",
    "history_end",
)
SERIES = ["country", "channel"]
_VALUE_DB = {  # frame column -> forecast_run_values column
    "forecast": "forecast",
    "forecast_lower": "lower_80",
    "forecast_upper": "upper_80",
    "forecast_lower_95": "lower_95",
    "forecast_upper_95": "upper_95",
}
SAVE_AUDIT_ACTION = AuditAction.SAVE_FORECAST


class ForecastRunError(ValueError):
    """A run cannot be saved, found or compared; the message says what and why."""


@dataclass(frozen=True)
class RunInfo:
    """A saved run's settings and provenance.

    Attributes
    ----------
    settings : dict
        What the run was asked for (JSON round trip: dates come back as ISO strings).
    notes : tuple of dict or str
        The run's visible notes: ``code, values, text`` objects, or sentences (older runs).
    drivers : tuple of dict
        ``country, channel, kind, date, text`` per driver, and ``values`` (the numbers and
        dates of the sentence) in runs saved since drivers have them.
    """

    id: int
    name: str
    created_at: dt.datetime
    created_by: str | None
    horizon_days: int
    model: str
    countries: tuple[str, ...]
    channels: tuple[str, ...]
    history_start: dt.date
    history_end: dt.date
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[dict[str, Any] | str, ...] = ()
    drivers: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SavedRun:
    """A reloaded run: ``forecasts`` (:data:`FORECAST_COLUMNS`, every model), ``metrics``
    (:data:`METRIC_COLUMNS`) and ``picks`` (:data:`PICK_COLUMNS`), as they were saved."""

    info: RunInfo
    forecasts: pd.DataFrame
    metrics: pd.DataFrame
    picks: pd.DataFrame

    @property
    def daily(self) -> pd.DataFrame:
        """The picked model's forecast per series (:data:`DAILY_COLUMNS`)."""
        return chosen_forecasts(self.forecasts, self.picks)


@dataclass(frozen=True)
class RunComparison:
    """Two runs side by side (``a`` is the first run, differences are ``b - a``).

    Attributes
    ----------
    daily : DataFrame
        ``country, channel, date, forecast_a, forecast_b, difference, difference_pct`` for the
        picked model of each run; a day only one run covers has NaN for the other.
    weekly : DataFrame
        ``country, channel, week_start, days, forecast_a, forecast_b, difference,
        difference_pct``: sums over the days both runs cover, weeks starting Monday.
    backtest : DataFrame
        ``country, channel, model_a, wape_a, model_b, wape_b``: each run's pick and its
        back-test WAPE (a fraction).
    """

    a: RunInfo
    b: RunInfo
    daily: pd.DataFrame
    weekly: pd.DataFrame
    backtest: pd.DataFrame


# --- helpers for callers -----------------------------------------------------------------------


def default_run_name(
    countries: Sequence[str], channels: Sequence[str], horizon_days: int, day: dt.date
) -> str:
    """A readable default name, e.g. ``"HU+AR voice, 56 days, 2026-11-22"``."""
    return f"{'+'.join(countries)} {'+'.join(channels)}, {int(horizon_days)} days, {day:%Y-%m-%d}"


def chosen_forecasts(forecasts: pd.DataFrame, picks: pd.DataFrame) -> pd.DataFrame:
    """The picked model's rows of ``forecasts`` in the download layout (:data:`DAILY_COLUMNS`)."""
    out = forecasts.merge(
        picks[["country", "channel", "model"]], on=["country", "channel", "model"]
    )
    return out[list(DAILY_COLUMNS)].sort_values(["country", "channel", "date"], ignore_index=True)


# --- writing -----------------------------------------------------------------------------------


def save_run(
    store: Store,
    viewer: Principal,
    *,
    name: str,
    forecasts: pd.DataFrame,
    metrics: pd.DataFrame,
    picks: pd.DataFrame,
    horizon_days: int,
    model: str,
    history_start: dt.date,
    history_end: dt.date,
    settings: Mapping[str, Any] | None = None,
    notes: Sequence[Mapping[str, Any] | str] = (),
    drivers: Sequence[Mapping[str, Any]] = (),
) -> int:
    """Save a forecast run in one transaction (run row, values, back-test, audit row).

    Parameters
    ----------
    store : Store
    viewer : Principal
        Needs ``Permission.RUN_FORECASTS``; recorded as ``created_by``.
    name : str
        Up to 200 characters, e.g. from :func:`default_run_name`.
    forecasts : DataFrame
        :data:`FORECAST_COLUMNS`, one row per series, model and day (contacts per day).
    metrics : DataFrame
        :data:`METRIC_COLUMNS`, the back-test per series and model.
    picks : DataFrame
        :data:`PICK_COLUMNS`, exactly one model per series in ``forecasts``; ``reason`` a
        mapping (stored as a JSON object) or a string.
    horizon_days : int
        Days forecast.
    model : str
        ``"auto"`` or the model the planner fixed.
    history_start, history_end : date
        The history the run was fitted on.
    settings : mapping, optional
        Anything else the run was asked for (scenarios, ...); stored as JSON.
    notes : sequence of mapping or str
        The run's visible notes (mappings such as ``code, values, text``, stored as JSON).
    drivers : sequence of mapping
        ``country, channel, kind, date, text, values`` per driver.

    Returns
    -------
    int
        The new run's id.

    Raises
    ------
    AccessDenied
        The viewer may not run forecasts.
    ForecastRunError
        Empty or malformed frames, a series without exactly one pick, a bad name.
    """
    require(viewer, Permission.RUN_FORECASTS)
    name = str(name).strip()
    if not name:
        raise ForecastRunError("give the run a name")
    if len(name) > 200:
        raise ForecastRunError(f"the run's name has {len(name)} characters; 200 at most")
    if isinstance(horizon_days, bool) or int(horizon_days) != horizon_days or horizon_days < 1:
        raise ForecastRunError(f"horizon_days must be a whole number >= 1, not {horizon_days!r}")
    values = _check_forecasts(forecasts)
    metric_frame = _check_frame("metrics", metrics, METRIC_COLUMNS)
    pick_frame = _check_picks(picks, values)
    if pd.Timestamp(history_start) > pd.Timestamp(history_end):
        raise ForecastRunError(f"history_start {history_start} is after history_end {history_end}")
    countries = sorted(values["country"].unique())
    channels = sorted(values["channel"].unique())
    run_row = {
        "name": name,
        "created_at": dt.datetime.now(dt.UTC),
        "created_by": viewer.username[:100],
        "horizon_days": int(horizon_days),
        "model": str(model)[:16],
        "countries": ",".join(countries)[:400],
        "channels": ",".join(channels)[:100],
        "history_start": pd.Timestamp(history_start).date(),
        "history_end": pd.Timestamp(history_end).date(),
        "settings": json.dumps(dict(settings or {}), default=str, sort_keys=True),
        "notes": json.dumps([_json_entry(n) for n in notes], default=str),
        "drivers": json.dumps([dict(d) for d in drivers], default=str),
    }
    with store.engine.begin() as conn:
        inserted = conn.execute(sa.insert(schema.forecast_runs).values(**run_row))
        run_id = int(inserted.inserted_primary_key[0])
        conn.execute(
            sa.insert(schema.forecast_run_values), _value_records(run_id, values, pick_frame)
        )
        records = _metric_records(run_id, metric_frame, pick_frame)
        if records:
            conn.execute(sa.insert(schema.forecast_run_metrics), records)
        audit(
            conn,
            viewer,
            SAVE_AUDIT_ACTION,
            f"forecast_run:{run_id}",
            {"name": name, "series": len(pick_frame), "rows": len(values)},
        )
    logger.info("saved forecast run %s (%s) for %s", run_id, name, viewer.username)
    return run_id


def _json_entry(entry: Mapping[str, Any] | str) -> dict[str, Any] | str:
    """A note or reason as JSON keeps it: a mapping as an object, anything else as a string."""
    return dict(entry) if isinstance(entry, Mapping) else str(entry)


def _reason_text(reason: object) -> str | None:
    """A pick's reason for its Text column: a JSON object for a mapping, else the string."""
    if isinstance(reason, Mapping):
        return json.dumps(dict(reason), default=str, sort_keys=True)
    return None if reason is None or pd.isna(reason) else str(reason)


def _stored_reason(text: object) -> dict[str, Any] | str:
    """A reason as saved: the JSON object back as a dict, an older run's sentence as it is."""
    if isinstance(text, str) and text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if isinstance(value, dict) else text
    return str(text)


def _check_frame(what: str, frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    require_columns(frame, columns, what, error=ForecastRunError)
    out = frame.loc[:, list(columns)].copy()
    too_long = out.loc[out["model"].astype(str).str.len() > 16, "model"]
    if len(too_long):
        raise ForecastRunError(
            f"{what}: model name {too_long.iloc[0]!r} is longer than 16 characters"
        )
    return out


def _check_forecasts(forecasts: pd.DataFrame) -> pd.DataFrame:
    values = _check_frame("forecasts", forecasts, FORECAST_COLUMNS)
    if values.empty:
        raise ForecastRunError("forecasts: the forecast is empty; run a forecast before saving it")
    try:
        values["date"] = pd.to_datetime(values["date"])
    except (ValueError, TypeError) as exc:
        raise ForecastRunError(
            f"forecasts: column 'date' has values that are not dates ({exc})"
        ) from None
    numbers = values[list(_VALUE_DB)].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(numbers.to_numpy(float))
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        column = numbers.columns[col]
        raise ForecastRunError(
            f"forecasts row {values.index[row]}: column {column!r} has "
            f"'{values.iloc[row][column]}', not a finite number"
        )
    dupes = values.duplicated(["country", "channel", "model", "date"])
    if dupes.any():
        first = values.loc[dupes].iloc[0]
        raise ForecastRunError(
            f"forecasts: {first['country']}/{first['channel']} model {first['model']} has "
            f"{first['date']:%Y-%m-%d} more than once"
        )
    return values


def _check_picks(picks: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    pick_frame = _check_frame("picks", picks, PICK_COLUMNS)
    dupes = pick_frame.duplicated(SERIES)
    if dupes.any():
        first = pick_frame.loc[dupes].iloc[0]
        raise ForecastRunError(f"picks: {first['country']}/{first['channel']} is picked twice")
    fitted = set(map(tuple, values[[*SERIES, "model"]].drop_duplicates().to_numpy().tolist()))
    for country, channel, model in pick_frame[[*SERIES, "model"]].itertuples(index=False):
        if (country, channel, model) not in fitted:
            raise ForecastRunError(
                f"picks: {country}/{channel} picks {model}, which has no forecast rows"
            )
    series = set(map(tuple, values[SERIES].drop_duplicates().to_numpy().tolist()))
    unpicked = sorted(series - set(map(tuple, pick_frame[SERIES].to_numpy().tolist())))
    if unpicked:
        raise ForecastRunError(
            "picks: no model picked for " + ", ".join(f"{c}/{ch}" for c, ch in unpicked)
        )
    return pick_frame


def _chosen_mask(frame: pd.DataFrame, picks: pd.DataFrame) -> np.ndarray:
    keys = pd.MultiIndex.from_frame(frame[[*SERIES, "model"]].astype(str))
    picked = pd.MultiIndex.from_frame(picks[[*SERIES, "model"]].astype(str))
    return np.asarray(keys.isin(picked))


def _value_records(run_id: int, values: pd.DataFrame, picks: pd.DataFrame) -> list[dict]:
    out = pd.DataFrame(
        {
            "run_id": run_id,
            "country": values["country"].astype(str),
            "channel": values["channel"].astype(str),
            "date": values["date"].dt.date,
            "model": values["model"].astype(str),
            "chosen": _chosen_mask(values, picks),
        }
    )
    for col, db_col in _VALUE_DB.items():
        out[db_col] = values[col].astype(float)
    return out.astype(object).to_dict("records")


def _metric_records(run_id: int, metrics: pd.DataFrame, picks: pd.DataFrame) -> list[dict]:
    out = metrics.copy()
    out["chosen"] = _chosen_mask(out, picks)
    reasons = picks.set_index([*SERIES, "model"])["reason"]
    keyed = pd.MultiIndex.from_frame(out[[*SERIES, "model"]])
    out["reason"] = [_reason_text(r) for r in reasons.reindex(keyed)]
    out["run_id"] = run_id
    out["folds"] = out["folds"].fillna(0).astype(int)
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


# --- reading -----------------------------------------------------------------------------------


def list_runs(store: Store, viewer: Principal) -> pd.DataFrame:
    """Saved runs, newest first: :data:`RUN_LIST_COLUMNS` (needs ``VIEW_FORECASTS``)."""
    require(viewer, Permission.VIEW_FORECASTS)
    t = schema.forecast_runs
    query = sa.select(*(t.c[c] for c in RUN_LIST_COLUMNS)).order_by(t.c.id.desc())
    with store.engine.connect() as conn:
        frame = query_frame(conn, query)
    return frame.astype({"id": int, "horizon_days": int}) if len(frame) else frame


def load_run(store: Store, viewer: Principal, run_id: int) -> SavedRun:
    """A saved run's settings and frames as they were saved (needs ``VIEW_FORECASTS``).

    Raises
    ------
    ForecastRunError
        No run with that id.
    """
    require(viewer, Permission.VIEW_FORECASTS)
    with store.engine.connect() as conn:
        info = _run_info(conn, run_id)
        v = schema.forecast_run_values
        values = query_frame(
            conn,
            sa.select(
                v.c.country,
                v.c.channel,
                v.c.date,
                v.c.model,
                v.c.chosen,
                *(v.c[db].label(name) for name, db in _VALUE_DB.items()),
            ).where(v.c.run_id == info.id),
        )
        m = schema.forecast_run_metrics
        metric_frame = query_frame(
            conn,
            sa.select(*(m.c[c] for c in METRIC_COLUMNS), m.c.chosen, m.c.reason).where(
                m.c.run_id == info.id
            ),
        )
    values["date"] = pd.to_datetime(values["date"]).astype("datetime64[ns]")
    values = values.astype({c: float for c in _VALUE_DB} | {c: str for c in [*SERIES, "model"]})
    values = values.sort_values([*SERIES, "model", "date"], ignore_index=True)
    picks = values.loc[values["chosen"].astype(bool), [*SERIES, "model"]].drop_duplicates(
        ignore_index=True
    )
    metric_frame = metric_frame.astype(
        {c: float for c in ("wape", "mase", "coverage_80", "coverage_95", "seconds")}
        | {"folds": int}
        | {c: str for c in [*SERIES, "model"]}
    )
    reasons = metric_frame.loc[metric_frame["chosen"].astype(bool)].set_index([*SERIES, "model"])
    stored = (
        [_stored_reason(r) for r in reasons["reason"].reindex(pd.MultiIndex.from_frame(picks))]
        if len(picks)
        else []
    )
    # sentences only (older runs) stay a string column; JSON objects come back as dicts
    picks["reason"] = pd.Series(
        stored,
        index=picks.index,
        dtype=str if all(isinstance(r, str) for r in stored) else object,
    )
    picks = picks.sort_values(SERIES, ignore_index=True)
    return SavedRun(
        info=info,
        forecasts=values[list(FORECAST_COLUMNS)],
        metrics=metric_frame[list(METRIC_COLUMNS)].sort_values(
            [*SERIES, "wape", "model"], ignore_index=True
        ),
        picks=picks[list(PICK_COLUMNS)],
    )


def _run_info(conn: Connection, run_id: int) -> RunInfo:
    if isinstance(run_id, bool) or not isinstance(run_id, int | np.integer):
        raise ForecastRunError(f"a run id is a whole number, not {run_id!r}")
    t = schema.forecast_runs
    row = conn.execute(sa.select(t).where(t.c.id == int(run_id))).mappings().one_or_none()
    if row is None:
        known = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
        raise ForecastRunError(
            f"no saved forecast run with id {run_id} ({known} run{'s' if known != 1 else ''} saved)"
        )
    return RunInfo(
        id=int(row["id"]),
        name=row["name"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        horizon_days=int(row["horizon_days"]),
        model=row["model"],
        countries=tuple(filter(None, row["countries"].split(","))),
        channels=tuple(filter(None, row["channels"].split(","))),
        history_start=row["history_start"],
        history_end=row["history_end"],
        settings=json.loads(row["settings"]),
        notes=tuple(json.loads(row["notes"])),
        drivers=tuple(json.loads(row["drivers"])),
    )


def compare_runs(store: Store, viewer: Principal, run_a: int, run_b: int) -> RunComparison:
    """Two saved runs' picked forecasts side by side, per day and per week, with their WAPE.

    Differences are ``b - a`` in contacts; ``difference_pct`` is relative to ``a`` (a fraction).
    Series that only one run has are kept, with NaN for the other run.
    """
    a, b = load_run(store, viewer, run_a), load_run(store, viewer, run_b)
    left = a.daily[[*SERIES, "date", "forecast"]].rename(columns={"forecast": "forecast_a"})
    right = b.daily[[*SERIES, "date", "forecast"]].rename(columns={"forecast": "forecast_b"})
    daily = left.merge(right, on=[*SERIES, "date"], how="outer")
    daily = daily.sort_values([*SERIES, "date"], ignore_index=True)
    daily["difference"] = daily["forecast_b"] - daily["forecast_a"]
    daily["difference_pct"] = daily["difference"] / daily["forecast_a"].where(
        daily["forecast_a"] != 0
    )
    both = daily.dropna(subset=["forecast_a", "forecast_b"]).copy()
    both["week_start"] = both["date"] - pd.to_timedelta(both["date"].dt.day_of_week, unit="D")
    weekly = both.groupby([*SERIES, "week_start"], as_index=False).agg(
        days=("date", "size"), forecast_a=("forecast_a", "sum"), forecast_b=("forecast_b", "sum")
    )
    weekly["difference"] = weekly["forecast_b"] - weekly["forecast_a"]
    weekly["difference_pct"] = weekly["difference"] / weekly["forecast_a"].where(
        weekly["forecast_a"] != 0
    )
    backtest = _picked_wape(a).merge(_picked_wape(b), on=SERIES, how="outer", suffixes=("_a", "_b"))
    return RunComparison(
        a.info, b.info, daily, weekly, backtest.sort_values(SERIES, ignore_index=True)
    )


def _picked_wape(run: SavedRun) -> pd.DataFrame:
    return run.picks[[*SERIES, "model"]].merge(
        run.metrics[[*SERIES, "model", "wape"]], on=[*SERIES, "model"], how="left"
    )
