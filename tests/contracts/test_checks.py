"""The one required-column check and the shared scalar checks, with the caller's error class."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import contracts
from contracts.checks import (
    InvalidParameterError,
    check_finite,
    check_fraction,
    check_increasing,
    check_int,
    check_non_negative,
    check_non_negative_array,
    check_positive,
    check_positive_array,
    check_range,
    require_columns,
)


class CallerError(ValueError):
    """Stands for a package's own error class."""


def test_require_columns_names_what_the_missing_and_the_present_columns() -> None:
    frame = pd.DataFrame(columns=["date", "start"])
    with pytest.raises(CallerError) as caught:
        contracts.require_columns(frame, ["agent_id", "date", "end"], "roster", error=CallerError)
    assert str(caught.value) == (
        "roster: missing column(s) 'agent_id', 'end'; it has 'date', 'start'"
    )


def test_require_columns_passes_with_extra_columns_and_says_when_there_are_none() -> None:
    require_columns(pd.DataFrame(columns=["a", "b", "c"]), ("a", "b"), "frame")
    with pytest.raises(ValueError, match=r"frame: missing column\(s\) 'a'; it has no columns"):
        require_columns(pd.DataFrame(), ["a"], "frame")


def test_require_columns_caps_a_wide_frame_and_rejects_what_is_not_a_frame() -> None:
    wide = pd.DataFrame(columns=[f"c{k}" for k in range(25)])
    with pytest.raises(ValueError, match=r"it has 'c0', .*'c19' and 5 more$"):
        require_columns(wide, ["x"], "wide")
    with pytest.raises(CallerError, match="shifts must be a pandas DataFrame, got list"):
        require_columns([1, 2], ["x"], "shifts", error=CallerError)


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (check_finite, True, r"x must be a real number, got True"),
        (check_finite, np.bool_(False), r"x must be a real number"),
        (check_finite, "3", r"x must be a real number, got '3'"),
        (check_finite, math.nan, r"x must be finite, got nan"),
        (check_positive, 0, r"x must be > 0, got 0"),
        (check_non_negative, -0.5, r"x must be >= 0, got -0.5"),
        (check_fraction, 80, r"x must be in \[0, 1\], got 80 \(a fraction, not a percentage"),
        (check_int, 2.0, r"x must be an integer, got 2.0"),
        (check_int, 0, r"x must be >= 1, got 0"),
    ],
)
def test_scalar_checks_raise_the_callers_error(check, value, message) -> None:
    with pytest.raises(CallerError, match=message):
        check("x", value, error=CallerError)


def test_scalar_checks_return_the_value_and_default_to_invalid_parameter() -> None:
    assert check_fraction("shrinkage", np.float64(0.3)) == 0.3
    assert check_int("weeks", np.int64(4), minimum=0) == 4
    assert check_positive("aht_seconds", 240) == 240.0
    assert issubclass(InvalidParameterError, ValueError)
    with pytest.raises(InvalidParameterError, match=r"max_occupancy must be in \(0, 1\]"):
        check_fraction("max_occupancy", 0, include_zero=False)


def test_check_range_states_the_range() -> None:
    assert check_range("q", 0.25, low=1e-6, high=0.5) == 0.25
    with pytest.raises(InvalidParameterError, match=r"q must be in \[1e-06, 0.5\], got 0.9"):
        check_range("q", 0.9, low=1e-6, high=0.5)
    with pytest.raises(InvalidParameterError, match=r"rest must be < 24, got 24"):
        check_range("rest", 24, high=24, include_high=False)


def test_check_increasing_names_the_first_pair_out_of_order() -> None:
    check_increasing(("a", "b", "c"), (1, 2, 3))
    with pytest.raises(CallerError, match=r"^b \(5\) must be below c \(5\)$"):
        check_increasing(("a", "b", "c"), (1, 5, 5), error=CallerError)


def test_array_checks_name_the_count_and_the_first_bad_position() -> None:
    assert check_non_negative_array("volume", [0, 1.5]).tolist() == [0.0, 1.5]
    with pytest.raises(
        CallerError, match=r"2 value\(s\) are negative \(first at position 1: -1.0\)"
    ):
        check_non_negative_array("volume", [0, -1, -2], error=CallerError)
    with pytest.raises(InvalidParameterError, match=r"are NaN or infinite \(first at position 0"):
        check_positive_array("aht", [math.inf, 1])
    with pytest.raises(InvalidParameterError, match="aht must be numbers, got booleans"):
        check_positive_array("aht", [True])


def test_each_package_gets_the_shared_wording_with_its_own_error() -> None:
    from forecasting.errors import ForecastInputError
    from forecasting.holidays import HolidayWindow
    from staffing.planning import PlanningInputError, staff_hours
    from staffing.scheduling import SchedulingError, ShiftTemplate
    from wellbeing.errors import MissingColumnsError, ThresholdError, require_columns
    from wellbeing.thresholds import Thresholds

    with pytest.raises(ForecastInputError, match=r"HolidayWindow.pre_days must be >= 0, got -1"):
        HolidayWindow(-1, 0)
    with pytest.raises(ThresholdError, match=r"min_trend_weeks must be >= 4, got 3"):
        Thresholds(min_trend_weeks=3)
    with pytest.raises(SchedulingError, match=r"length_minutes must be an integer, got 60.0"):
        ShiftTemplate("T", dt.time(8), length_minutes=60.0)
    with pytest.raises(PlanningInputError, match=r"^requirements: missing column\(s\) 'required_"):
        staff_hours(pd.DataFrame({"interval_minutes": [30]}))
    with pytest.raises(MissingColumnsError, match=r"^hours: missing column\(s\) 'agent_id'; it"):
        require_columns(pd.DataFrame({"date": []}), "hours", ["agent_id", "date"])
