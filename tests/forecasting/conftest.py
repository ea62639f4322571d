"""Small synthetic series shared by the forecasting tests (fast: weeks, not years)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

WEEKLY = np.array([1.2, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3])  # Monday .. Sunday


def make_series(
    uid: str = "AR/phone",
    start: str = "2024-01-01",
    days: int = 84,
    level: float = 200.0,
    noise: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Daily contacts with a weekly pattern and multiplicative noise."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range(start, periods=days, freq="D")
    y = level * WEEKLY[ds.day_of_week] * rng.lognormal(0.0, noise, days)
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.round(y)})


@pytest.fixture
def series() -> pd.DataFrame:
    return make_series()


@pytest.fixture
def two_series() -> tuple[pd.DataFrame, pd.DataFrame]:
    hist = pd.concat(
        [make_series("AR/phone", seed=1), make_series("HU/chat", level=80.0, seed=2)],
        ignore_index=True,
    )
    attrs = pd.DataFrame(
        {
            "unique_id": ["AR/phone", "HU/chat"],
            "country": ["AR", "HU"],
            "channel": ["phone", "chat"],
        }
    )
    return hist, attrs
