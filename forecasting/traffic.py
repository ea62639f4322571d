"""Web traffic as a regressor: forecast future sessions per country, or apply a scenario.

Prophet and the regression model need future regressor values (prophet#432), so traffic is
itself forecast. Back-tests must use the traffic *forecast* from the fold's origin, never the
actual future traffic, or the error is understated (prophet#442).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import pandas as pd

from contracts.checks import check_finite
from forecasting.errors import ForecastInputError
from forecasting.frames import MIN_HISTORY_DAYS

logger = logging.getLogger(__name__)

TRAFFIC_COLUMNS: tuple[str, ...] = ("country", "ds", "sessions")


@dataclass(frozen=True)
class TrafficScenario:
    """A planned change in web sessions for one country from a date on.

    Parameters
    ----------
    country : str
        Country label as in the traffic frame (e.g. ``"AR"``).
    start : datetime.date
        First day the change applies (local date).
    pct_change : float
        Relative change as a fraction: ``0.2`` = +20%, ``-0.1`` = -10%. Must be > -1.
    """

    country: str
    start: dt.date
    pct_change: float

    def __post_init__(self) -> None:
        _check_change(self.pct_change)


def _check_change(pct_change: float) -> None:
    if check_finite("pct_change", pct_change, error=ForecastInputError) <= -1.0:
        raise ForecastInputError(
            f"pct_change must be a finite fraction > -1 (0.2 = +20%), got {pct_change!r}"
        )


def forecast_traffic(traffic: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """Forecast daily web sessions per country with weekly-seasonal ETS on log(1 + sessions).

    Parameters
    ----------
    traffic : pandas.DataFrame
        ``country, ds, sessions`` (sessions per day; complete daily grid, see
        :func:`~forecasting.frames.traffic_to_frame`). Only the rows up to the forecast origin
        may be passed (in a back-test: up to the fold's cutoff).
    horizon_days : int
        Days to forecast after each country's last date.

    Returns
    -------
    pandas.DataFrame
        ``country, ds, sessions`` for the ``horizon_days`` days after each country's last date.

    Raises
    ------
    ForecastInputError
        If a country has fewer than 28 days of traffic.
    """
    from forecasting.models import ETSForecaster

    parts = []
    for country, g in traffic.groupby("country", sort=True):
        g = g.sort_values("ds")
        if len(g) < MIN_HISTORY_DAYS:
            raise ForecastInputError(
                f"traffic for {country}: {len(g)} days, need {MIN_HISTORY_DAYS} to forecast it"
            )
        frame = pd.DataFrame(
            {"unique_id": country, "ds": g["ds"].to_numpy(), "y": g["sessions"].to_numpy(float)}
        )
        fc = ETSForecaster().fit(frame).predict(int(horizon_days))
        parts.append(pd.DataFrame({"country": country, "ds": fc["ds"], "sessions": fc["forecast"]}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TRAFFIC_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def apply_traffic_scenario(
    future_traffic: pd.DataFrame, country: str, start: dt.date | str, pct_change: float
) -> pd.DataFrame:
    """Scale one country's future sessions by ``1 + pct_change`` from ``start`` on.

    Parameters
    ----------
    future_traffic : pandas.DataFrame
        ``country, ds, sessions`` (sessions per day).
    country : str
        Country label.
    start : date-like
        First affected day (inclusive).
    pct_change : float
        Fraction: ``0.2`` = +20% (e.g. a campaign in AR from 1 March).

    Returns
    -------
    pandas.DataFrame
        A copy with the scaled sessions; other countries and earlier days are unchanged.
    """
    _check_change(pct_change)
    if country not in set(future_traffic["country"]):
        raise ForecastInputError(
            f"traffic scenario: country {country!r} has no traffic forecast "
            f"(known: {sorted(future_traffic['country'].unique())})"
        )
    out = future_traffic.copy()
    hit = (out["country"] == country) & (out["ds"] >= pd.Timestamp(start))
    out.loc[hit, "sessions"] = out.loc[hit, "sessions"] * (1.0 + pct_change)
    return out
