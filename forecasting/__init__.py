"""Contact-volume forecasting: holidays, traffic, models, back-tests and the intraday split."""

from forecasting.backtest import run_series_model
from forecasting.combine import COMBINATION, combination_weights, conformal_quantiles
from forecasting.errors import ForecastInputError, InsufficientHistoryError, NotFittedError
from forecasting.frames import (
    FORECAST_COLUMNS,
    contacts_to_intraday,
    contacts_to_series,
    make_unique_id,
    traffic_to_frame,
    validate_history,
)
from forecasting.holiday_effects import HolidayEffects, estimate_holiday_effects
from forecasting.holidays import (
    HolidayWindow,
    holiday_eves,
    holidays_in_range,
    make_holidays_frame,
    weekend_days,
)
from forecasting.intraday import intraday_profiles, resample_intervals, split_intraday
from forecasting.metrics import coverage, mase, wape
from forecasting.models import (
    MODEL_CLASSES,
    AutoARIMAForecaster,
    AutoETSForecaster,
    AutoThetaForecaster,
    ETSForecaster,
    Forecaster,
    MSTLForecaster,
    ProphetForecaster,
    RegressionARIMA,
    SeasonalNaive,
    make_forecaster,
)
from forecasting.pipeline import ForecastRun, run_forecast
from forecasting.traffic import TrafficScenario, apply_traffic_scenario, forecast_traffic
from forecasting.wording import Driver, Statement, word

__all__ = [
    "COMBINATION",
    "FORECAST_COLUMNS",
    "MODEL_CLASSES",
    "AutoARIMAForecaster",
    "AutoETSForecaster",
    "AutoThetaForecaster",
    "Driver",
    "ETSForecaster",
    "ForecastInputError",
    "ForecastRun",
    "Forecaster",
    "HolidayEffects",
    "HolidayWindow",
    "InsufficientHistoryError",
    "MSTLForecaster",
    "NotFittedError",
    "ProphetForecaster",
    "RegressionARIMA",
    "SeasonalNaive",
    "Statement",
    "TrafficScenario",
    "apply_traffic_scenario",
    "combination_weights",
    "conformal_quantiles",
    "contacts_to_intraday",
    "contacts_to_series",
    "coverage",
    "estimate_holiday_effects",
    "forecast_traffic",
    "holiday_eves",
    "holidays_in_range",
    "intraday_profiles",
    "make_forecaster",
    "make_holidays_frame",
    "make_unique_id",
    "mase",
    "resample_intervals",
    "run_forecast",
    "run_series_model",
    "split_intraday",
    "traffic_to_frame",
    "validate_history",
    "wape",
    "weekend_days",
    "word",
]
