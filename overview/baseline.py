"""A baseline forecast saved on the first start, so the overview has something to show at once."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt

from data.access import Principal, Role
from data.forecast_runs import list_runs, save_run
from data.store import Store
from forecasting.service import forecast_contacts

#: Who saves the baseline (the audit log and the run list name it).
SYSTEM = Principal("crewcast", Role.PLANNER, "Crewcast (first start)")
HORIZON_DAYS = 70  # the overview's 8 weeks, plus two for a start later in the week
#: Regression with holiday and traffic regressors: learns each holiday's effect, fits in seconds.
MODEL = "regression"


def ensure_baseline_forecast(store: Store, executor: cf.Executor | None = None) -> int | None:
    """Forecast every queue and save the run, unless a run is saved already; returns its id."""
    if len(list_runs(store, SYSTEM)):
        return None
    contacts = store.load("contacts")
    if contacts.empty:
        return None
    traffic = store.load("traffic")
    result = forecast_contacts(
        contacts,
        HORIZON_DAYS,
        traffic=traffic if not traffic.empty else None,
        model=MODEL,
        models=[MODEL, "seasonal_naive"],
        executor=executor,
    )
    daily = result.daily
    return save_run(
        store,
        SYSTEM,
        name=f"Baseline at first start, {dt.date.today():%d %b %Y}",
        horizon_days=HORIZON_DAYS,
        model=MODEL,
        history_start=contacts["ds"].min().date(),
        history_end=daily["date"].min().date() - dt.timedelta(days=1),
        settings={"horizon_days": HORIZON_DAYS, "model": MODEL, "made_by": "first start"},
        **result.saved_layout(),
    )
