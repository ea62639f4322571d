"""Column names of the forecast files Crewcast writes and reads (CLI, downloads, saved runs)."""

from __future__ import annotations

#: The point forecast's column, and the 80% band's (lower, upper): in every forecast file and in
#: the forecasting package's own model frames alike.
POINT_COLUMN = "forecast"
BAND_80_COLUMNS: tuple[str, str] = ("forecast_lower", "forecast_upper")

#: A daily forecast file, one row per queue and day: the chosen model's contacts and its 80% band
#: (what ``crewcast forecast`` writes and ``crewcast staff --forecast`` reads).
DAILY_FORECAST_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "date",
    POINT_COLUMN,
    *BAND_80_COLUMNS,
    "model",
)

#: An interval forecast file, one row per queue and interval (local start time).
INTERVAL_FORECAST_COLUMNS: tuple[str, ...] = (
    "country",
    "channel",
    "date",
    "interval_start",
    "interval_minutes",
    POINT_COLUMN,
    *BAND_80_COLUMNS,
    "model",
)

#: The 95% band, beside the 80% band where a frame carries both (saved runs, interval splits).
WIDE_BAND_COLUMNS: tuple[str, ...] = ("forecast_lower_95", "forecast_upper_95")
