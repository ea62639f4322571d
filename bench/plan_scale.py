"""Benchmark: planning staffing at millions of contact rows, in-process (issue #18).

Run from the repository root::

    .venv/bin/python bench/plan_scale.py [--contacts-rows 2100000] [--data-dir DIR] [--repeats 3]
    .venv/bin/python bench/plan_scale.py --profile plan  # cProfile of one plan, top 25 by cumtime

Seeds the bundled sample and its baseline forecast, then copies the sample's half-hour rows
whole weeks back until the contacts table holds ``--contacts-rows`` rows (``bench/ui.py``'s
``seed`` and ``grow_contacts``: the same data as the browser walk at 2.1 M rows). With
``--data-dir`` an existing folder seeded this way is reused (seeded first when empty).

Times, best of ``--repeats`` (each a fresh read, no Streamlit cache), what the Staffing and
Schedule pages do:

- the reads of a first visit: the last day per queue, the rows a plan reads, the queue
  settings table (handle times per queue, own or learnt patterns);
- Plan staffing as the page's defaults make it (the sample's first country, voice, the eight
  weeks after the history, the newest saved forecast) from what the pages read now
  (``services.planning.plan_history``) and from the whole table (what they read before);
- the daily totals a forecast fit reads (``fit_history``) against the whole table summed;
- Generate schedule for the plan's first week with the page's defaults (shift templates,
  30 s limit, the sample's agents and absences).

Prints Markdown tables for ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # before bench/, whose staffing.py would hide the package

import pandas as pd  # noqa: E402

from data.access import Principal  # noqa: E402
from data.store import Store, open_store  # noqa: E402

MANAGER = Principal("bench", "manager", "Bench")
TARGETS = {
    "service_level_target": 0.8,
    "answer_target_seconds": 20.0,
    "max_occupancy": 0.85,
    "shrinkage": 0.3,
}


def prepare(directory: Path, rows: int) -> tuple[Store, int]:
    """The sample seeded in ``directory`` (unless it is already) and grown to ``rows``."""
    from bench.ui import grow_contacts, seed  # the browser walk's data

    os.environ["CREWCAST_DATA_DIR"] = str(directory)
    os.environ.pop("CREWCAST_DATABASE_URL", None)
    if not any(directory.glob("*.db")):
        seed(directory)
    total, _ = grow_contacts(directory, rows)
    return open_store(), total


def best(repeats: int, action: Callable[[], object]) -> tuple[float, object]:
    """The shortest of ``repeats`` runs of ``action`` and its last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def default_request(store: Store):
    """The Staffing page's first plan on the sample: its first country, voice, the eight weeks
    after the history, the newest saved forecast."""
    from data.summaries import series_ends
    from services.planning import SAVED, PlanRequest

    ends = series_ends(store, MANAGER)
    last = max(ends.values())
    country = sorted({c for c, _ in ends})[0]
    period = (last + dt.timedelta(days=1), last + dt.timedelta(days=56))
    return PlanRequest(period, (country,), ("voice",), TARGETS, forecast=SAVED)


def inputs_of(store: Store, request, contacts: pd.DataFrame, recent_only: bool):
    """The plan's inputs as the pages build them (``planning_cache.plan_inputs``)."""
    from data.queue_settings import load_queue_settings
    from overview.sources import latest_forecast
    from services.planning import PlanInputs, queue_setups

    daily, runs = latest_forecast(store, MANAGER, cover=request.period)
    traffic = store.load("traffic", MANAGER)
    return PlanInputs(
        contacts=contacts,
        traffic=traffic if not traffic.empty else None,
        saved_daily=daily,
        saved_runs=runs,
        setups=queue_setups(load_queue_settings(store, MANAGER)),
        recent_only=recent_only,
    )


def schedule(store: Store, plan) -> object:
    """Generate schedule with the Schedule page's defaults for the plan's first week."""
    from services.flags import limits_for_period
    from services.schedules import make_schedule
    from staffing.planning import default_shift_templates
    from staffing.scheduling import OpeningHours

    agents = store.load("agents", MANAGER)
    absences = store.load("absences", MANAGER)
    week_start = plan.source.period[0]
    return make_schedule(
        plan.requirements,
        default_shift_templates(),
        None if agents.empty else agents,
        absences,
        week_start=week_start,
        opening_hours=OpeningHours.every_day(dt.time(8, 0), dt.time(22, 0)),
        min_staff_while_open=1,
        time_limit_seconds=30.0,
        limits=limits_for_period(store, MANAGER, week_start, week_start + dt.timedelta(days=6)),
    )


def grouped_ends(store: Store) -> list:
    """The last contact time per queue as ``series_ends`` read it before: one GROUP BY."""
    import sqlalchemy as sa

    from data import schema

    t = schema.contacts
    query = sa.select(t.c.country, t.c.channel, sa.func.max(t.c.ds)).group_by(
        t.c.country, t.c.channel
    )
    with store.engine.connect() as conn:
        return conn.execute(query).all()


def measure(store: Store, repeats: int) -> list[tuple[str, str, str]]:
    """The service calls and reads, best of ``repeats`` (see the module docstring)."""
    from data.queue_settings import load_queue_settings
    from data.summaries import series_ends
    from forecasting.frames import contacts_to_series
    from services.planning import (
        fit_history,
        forecast_source,
        plan_history,
        plan_staffing,
        queue_settings_table,
    )

    rows: list[tuple[str, str, str]] = []

    def row(label: str, seconds: float, note: str) -> None:
        rows.append((label, f"{seconds:.2f}", note))
        print(f"{label}: {seconds:.2f} s ({note})", flush=True)

    settings = load_queue_settings(store, MANAGER)
    s, _ = best(repeats, lambda: grouped_ends(store))
    row("last day per queue, GROUP BY over every row (before)", s, "")
    s, ends = best(repeats, lambda: series_ends(store, MANAGER))
    row("last day per queue (`series_ends`, two seeks per queue)", s, f"{len(ends)} queues")
    s, whole = best(1, lambda: store.load("contacts", MANAGER))
    row("whole contacts table (`Store.load`, read before)", s, f"{len(whole):,} rows")
    s, recent = best(repeats, lambda: plan_history(store, MANAGER))
    row("rows a plan reads (`plan_history`)", s, f"{len(recent):,} rows")
    s, _ = best(1, lambda: queue_settings_table(whole, settings))
    row("queue settings table from the whole table (before; read not counted)", s, "")
    s, table = best(repeats, lambda: queue_settings_table(recent, settings))
    row("queue settings table from `plan_history` (read not counted)", s, f"{len(table)} queues")
    request = default_request(store)
    what = f"{'/'.join(request.countries)} {'/'.join(request.channels)}, {request.period[0]}+56 d"
    s, after = best(
        repeats, lambda: plan_staffing(request, inputs_of(store, request, recent, True))
    )
    row(f"Plan staffing from `plan_history` (read not counted), {what}", s, after.source.source)
    s, before = best(1, lambda: plan_staffing(request, inputs_of(store, request, whole, False)))
    row("Plan staffing from the whole table (before; read not counted)", s, before.source.source)
    same = after.requirements.equals(before.requirements)
    row("  requirements equal", 0.0, str(same))
    source = forecast_source(request, inputs_of(store, request, recent, True))
    s, totals = best(repeats, lambda: fit_history(store, MANAGER, source))
    row("daily totals a fit reads (`fit_history`)", s, f"{len(totals):,} rows")
    mine = whole[whole["country"].isin(request.countries) & whole["channel"].isin(request.channels)]
    s, before_series = best(1, lambda: contacts_to_series(mine)[0])
    row(
        "a fit's daily model frame from the whole table's rows (before)",
        s,
        f"{len(mine):,} rows in",
    )
    s, after_series = best(repeats, lambda: contacts_to_series(totals)[0])
    row(
        "a fit's daily model frame from `fit_history`",
        s,
        f"equal: {after_series.equals(before_series)}",
    )
    s, outputs = best(1, lambda: schedule(store, after))
    roster = "no roster" if outputs.roster is None else f"roster {outputs.roster.status}"
    row(
        "Generate schedule, first week, page defaults", s, f"shifts {outputs.plan.status}, {roster}"
    )
    return rows


def pages(repeats: int) -> list[tuple[str, str, str]]:
    """The Staffing and Schedule pages in Streamlit's AppTest (the script runs, no browser), as
    the demo's default role: app start, first visits, Plan staffing and Generate schedule
    with the pages' defaults, then warm visits. A fresh app per round (caches cleared)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    app = str(ROOT / "app.py")
    staffing, schedule = "app_pages/staffing_page.py", "app_pages/schedule_page.py"

    def click(key: str) -> Callable[[AppTest], AppTest]:
        return lambda at: at.button(key=key).click().run()

    walk: list[tuple[str, Callable[[AppTest], AppTest]]] = [
        ("app start (Overview)", lambda at: at.run()),
        ("Staffing, first visit", lambda at: at.switch_page(staffing).run()),
        ("Plan staffing (defaults)", click("staffing_submit")),
        ("Schedule, first visit", lambda at: at.switch_page(schedule).run()),
        ("Generate schedule (defaults)", click("schedule_generate")),
        ("Staffing, warm", lambda at: at.switch_page(staffing).run()),
        ("Schedule, warm", lambda at: at.switch_page(schedule).run()),
    ]
    steps: dict[str, list[float]] = {}
    for _ in range(repeats):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(app, default_timeout=900)
        for label, action in walk:
            start = time.perf_counter()
            action(at)
            seconds = time.perf_counter() - start
            steps.setdefault(label, []).append(seconds)
            print(f"{label}: {seconds:.2f} s", flush=True)
            if at.exception:
                raise RuntimeError(f"{label}: {at.exception}")
    return [
        (label, f"{min(times):.2f}", f"max {max(times):.2f} of {len(times)}")
        for label, times in steps.items()
    ]


def profile(store: Store, what: str) -> None:
    """cProfile of one plan (``plan``: read the whole table and plan, the path before;
    ``plan-recent``: ``plan_history`` and plan) or of the queue settings table (``table``)."""
    from data.queue_settings import load_queue_settings
    from services.planning import plan_history, plan_staffing, queue_settings_table

    request = default_request(store)
    profiler = cProfile.Profile()
    profiler.enable()
    if what == "plan":
        plan_staffing(request, inputs_of(store, request, store.load("contacts", MANAGER), False))
    elif what == "plan-recent":
        plan_staffing(request, inputs_of(store, request, plan_history(store, MANAGER), True))
    else:
        queue_settings_table(store.load("contacts", MANAGER), load_queue_settings(store, MANAGER))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts-rows", type=int, default=2_100_000)
    parser.add_argument("--data-dir", type=Path, help="reuse (or seed) this folder")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", choices=("plan", "plan-recent", "table"))
    parser.add_argument(
        "--pages", action="store_true", help="time the pages in AppTest instead (see pages())"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crewcast-bench-plan-") as tmp:
        directory = args.data_dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        store, total = prepare(directory, args.contacts_rows)
        print(f"{total:,} contact rows in {directory}", flush=True)
        if args.profile:
            profile(store, args.profile)
            return
        rows = pages(args.repeats) if args.pages else measure(store, args.repeats)
    load = os.getloadavg()
    print(
        f"\n{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average at the end {load[0]:.1f}; `.venv/bin/python bench/plan_scale.py "
        f"--contacts-rows {args.contacts_rows} --repeats {args.repeats}"
        f"{' --pages' if args.pages else ''}`\n"
    )
    print(f"| {'page (AppTest)' if args.pages else 'step'} | s | note |\n| --- | --- | --- |")
    for label, seconds, note in rows:
        print(f"| {label} | {seconds} | {note} |")


if __name__ == "__main__":
    main()
