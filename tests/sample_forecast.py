"""A stand-in saved forecast over the sample's Christmas, for tests that compare a result read
from part of the contacts table with the same result from the whole of it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

#: Six weeks after the sample's history, over Christmas and New Year.
PERIOD = (dt.date(2026, 11, 30), dt.date(2027, 1, 10))


def daily_forecast(contacts: pd.DataFrame) -> pd.DataFrame:
    """Every queue's last four weeks' mean day, over :data:`PERIOD`."""
    days = pd.date_range(*PERIOD, freq="D")
    last = contacts.groupby(["country", "channel"])["ds"].transform("max")
    recent = contacts[contacts["ds"] >= last.dt.normalize() - pd.Timedelta(days=27)]
    level = recent.groupby(["country", "channel"])["contacts"].sum() / 28
    return pd.DataFrame(
        [
            (c, ch, d, v, 0.8 * v, 1.2 * v, "seasonal_naive")
            for (c, ch), v in level.items()
            for d in days
        ],
        columns=["country", "channel", "date", "forecast", "forecast_lower",
                 "forecast_upper", "model"],
    )  # fmt: skip
