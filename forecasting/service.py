"""One call from the data layer's frames to daily and interval forecasts, for the CLI and the pages."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from contracts import DAILY_FORECAST_COLUMNS, INTERVAL_FORECAST_COLUMNS, WIDE_BAND_COLUMNS
from forecasting.errors import ForecastInputError
from forecasting.frames import (
    BAND_80_COLUMNS,
    FORECAST_COLUMNS,
    contacts_to_intraday,
    contacts_to_series,
    make_unique_id,
)
from forecasting.holidays import holiday_eves, holidays_in_range
from forecasting.intraday import split_intraday
from forecasting.pipeline import ForecastRun, ProgressCallback, run_forecast
from forecasting.traffic import TrafficScenario
from forecasting.wording import Statement

# Columns of the forecast files the CLI writes and the pages offer for download.
DAILY_EXPORT_COLUMNS = DAILY_FORECAST_COLUMNS
INTERVAL_EXPORT_COLUMNS = INTERVAL_FORECAST_COLUMNS


@dataclass(frozen=True)
class ContactForecast:
    """A forecast run with the user-facing frames.

    Attributes
    ----------
    run : ForecastRun
        Back-test table, picks, notes and drivers.
    daily : DataFrame
        ``DAILY_EXPORT_COLUMNS``; lower/upper are the 80% interval.
    intervals : DataFrame or None
        ``INTERVAL_EXPORT_COLUMNS`` plus ``forecast_lower_95, forecast_upper_95`` when an
        interval length was asked for.
    """

    run: ForecastRun
    daily: pd.DataFrame
    intervals: pd.DataFrame | None

    def saved_layout(self) -> dict[str, object]:
        """The run in the layout saved runs use (``country``/``channel`` instead of the series
        key, the download files' column names), as keyword arguments for
        ``data.forecast_runs.save_run``: ``forecasts`` (every model), ``metrics``, ``picks``,
        ``notes`` and ``drivers``.

        Notes, drivers and the picks' ``reason`` are JSON objects with their code, values and
        English text (:mod:`forecasting.wording`), so a saved run can be worded again in its
        reader's locale with :func:`~forecasting.wording.word`."""
        run = self.run

        def split(frame: pd.DataFrame) -> pd.DataFrame:
            parts = frame["unique_id"].str.split("/", n=1, expand=True)
            return frame.drop(columns=["unique_id"]).assign(country=parts[0], channel=parts[1])

        forecasts = split(run.all_forecasts).rename(columns={"ds": "date"})
        drivers = [
            {
                "country": d.unique_id.split("/", 1)[0],
                "channel": d.unique_id.split("/", 1)[1],
                "kind": d.kind,
                "date": None if d.date is None else f"{d.date:%Y-%m-%d}",
                "text": d.text,
                "values": dict(d.values),
            }
            for d in run.drivers
        ]
        picks = split(run.picks)
        picks["reason"] = [_record(r) for r in picks["reason"]]
        return {
            "forecasts": forecasts,
            "metrics": split(run.metrics),
            "picks": picks,
            "notes": [_record(n) for n in run.notes],
            "drivers": drivers,
        }


def _record(entry: Statement | str) -> dict[str, object] | str:
    return entry.to_dict() if isinstance(entry, Statement) else str(entry)


def forecast_contacts(
    contacts: pd.DataFrame,
    horizon_days: int,
    *,
    traffic: pd.DataFrame | None = None,
    countries: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    model: str = "auto",
    interval_minutes: int | None = None,
    scenarios: Sequence[TrafficScenario] = (),
    executor: cf.Executor | None = None,
    progress: ProgressCallback | None = None,
    models: Sequence[str] | None = None,
) -> ContactForecast:
    """Forecast the days after the history's last date for each (country, channel).

    Parameters
    ----------
    contacts : DataFrame
        The data layer's contacts frame ``country, channel, ds, interval_minutes, contacts,
        aht_seconds`` (daily or intraday rows).
    horizon_days : int
        Days to forecast, 1..183.
    traffic : DataFrame, optional
        ``country, date, sessions``; used as a regressor (its own future is forecast).
    countries, channels : sequence of str, optional
        Restrict the series; all by default.
    model : str
        ``"auto"`` (the back-test-weighted combination of the best five models per series,
        conformal bands), ``"combination"`` (the same) or a model name.
    interval_minutes : int, optional
        Also split the daily forecast into 5/6/10/15/30/60-minute intervals (needs intraday
        history; history of another length is resampled).
    models : sequence of str, optional
        Back-test only these models (default: every model that suits the history). With a fixed
        ``model``, ``[model, "seasonal_naive"]`` keeps the naive benchmark and saves the time of
        fitting models nobody will use.
    """
    if not 1 <= int(horizon_days) <= 183:
        raise ForecastInputError(
            f"horizon_days must be between 1 and 183 (six months), not {horizon_days}"
        )
    chosen = contacts
    if countries:
        chosen = chosen[chosen["country"].isin(list(countries))]
    if channels:
        chosen = chosen[chosen["channel"].isin(list(channels))]
    if chosen.empty:
        raise ForecastInputError(
            f"no contacts for countries {list(countries or [])} and channels {list(channels or [])}"
        )
    series, attrs = contacts_to_series(chosen)
    if traffic is not None and countries:
        traffic = traffic[traffic["country"].isin(list(countries))]
    run = run_forecast(
        series,
        attrs,
        int(horizon_days),
        traffic=traffic if traffic is not None and not traffic.empty else None,
        model=model,
        scenario=list(scenarios) or None,
        executor=executor,
        progress=progress,
        models=models,
    )
    daily = _with_attrs(run.forecast, attrs)
    intervals = None
    if interval_minutes:
        intervals = split_daily_forecast(daily, chosen, int(interval_minutes))
    return ContactForecast(run, daily, intervals)


def split_daily_forecast(
    daily: pd.DataFrame, contacts: pd.DataFrame, interval_minutes: int
) -> pd.DataFrame:
    """Split a daily forecast into intervals with the intraday profiles of the history.

    Parameters
    ----------
    daily : DataFrame
        ``DAILY_EXPORT_COLUMNS`` (``forecast_lower_95``/``forecast_upper_95`` optional), e.g.
        :attr:`ContactForecast.daily` or a saved run's picked forecast.
    contacts : DataFrame
        The data layer's contacts frame with intraday rows for the same series.
    interval_minutes : int
        5, 6, 10, 15, 30 or 60.

    Returns
    -------
    DataFrame
        ``INTERVAL_EXPORT_COLUMNS`` plus the 95% bounds; interval sums equal the daily totals.
    """
    frame = daily.copy()
    for wide, narrow in zip(WIDE_BAND_COLUMNS, BAND_80_COLUMNS, strict=True):
        if wide not in frame:
            frame[wide] = frame[narrow]
    frame["unique_id"] = [make_unique_id(c, ch) for c, ch in zip(frame["country"], frame["channel"], strict=True)]  # fmt: skip
    attrs = frame[["unique_id", "country", "channel"]].drop_duplicates("unique_id")
    history = contacts_to_intraday(
        contacts.merge(attrs[["country", "channel"]], on=["country", "channel"])
    )
    if history.empty:
        raise ForecastInputError(
            "interval forecasts need intraday history (contacts with 'interval_start'); this data is daily"
        )
    forecast = frame.rename(columns={"date": "ds"})[list(FORECAST_COLUMNS)]
    forecast["ds"] = pd.to_datetime(forecast["ds"])
    start, end = forecast["ds"].min(), forecast["ds"].max()
    holidays = holidays_in_range(sorted(attrs["country"].unique()), history["ds"].min(), end)
    holidays = holidays.merge(attrs, on="country")[["unique_id", "date"]].rename(
        columns={"date": "ds"}
    )
    eves = holiday_eves(sorted(attrs["country"].unique()), history["ds"].min(), end)
    eves = eves.merge(attrs, on="country")[["unique_id", "date"]].rename(columns={"date": "ds"})
    split = split_intraday(forecast, history, int(interval_minutes), holidays, eves=eves)
    intervals = _with_attrs(split, attrs, interval=True)
    return intervals[intervals["date"] >= start.normalize()].reset_index(drop=True)


def _with_attrs(
    frame: pd.DataFrame, attrs: pd.DataFrame, *, interval: bool = False
) -> pd.DataFrame:
    out = frame.merge(attrs, on="unique_id", how="left")
    if interval:
        out["interval_start"] = out["ds"]
        out["date"] = out["ds"].dt.normalize()
        columns = [*INTERVAL_EXPORT_COLUMNS, *WIDE_BAND_COLUMNS]
    else:
        out["date"] = out["ds"]
        columns = [*DAILY_EXPORT_COLUMNS, *WIDE_BAND_COLUMNS]
    order = ["country", "channel", "interval_start" if interval else "date"]
    return out[columns].sort_values(order).reset_index(drop=True)
