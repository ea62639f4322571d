"""Benchmark: importing millions of half-hour contact rows, against the floor of the machine.

Run from the repository root with the project's environment::

    PYTHONPATH=$PWD .venv/bin/python bench/import_scale.py [--rows 1000000 2100000]
    PYTHONPATH=$PWD .venv/bin/python bench/import_scale.py --rows 200000 --stored 2100000

For each size a contacts CSV (``country, channel, interval_start, contacts, aht_seconds``; 20
countries x 3 channels x as many days of 48 half-hours as needed) is generated on the fly in a
temporary folder. Each measurement runs in its own fresh Python process, so its peak memory
(``ru_maxrss``) is its own; CPU seconds (``time.process_time`` over the timed part) vary far
less with the machine's load than wall-clock seconds. ``--code /work/main`` imports with
another checkout's code (before and after):

- ``import``: ``services.imports.import_file`` into a fresh SQLite database (read, validate,
  one transaction), the path the Data page and ``cli.py import`` take; its peak is also
  given above what the process held just before the import (Python, pandas and the
  services' modules, some 195 MB), which is the import's own memory;
- ``floor``: ``pandas.read_csv`` of the same file plus a bare ``sqlite3`` ``executemany`` of its
  rows, as tuples, into a table of the same shape in one transaction: what any import of this
  file must at least cost on this machine.

``--stored N`` first imports (untimed) a file of N rows ending on the same day, so the timed
import refreshes the last days of a table already holding N rows (the indexes are kept, not
rebuilt, when the file is smaller than the table); the floor still writes into an empty table.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
COUNTRIES = ("AR", "BR", "CL", "CO", "DE", "ES", "FR", "GB", "HU", "IT")
COUNTRIES += ("MX", "NL", "PE", "PL", "PT", "RO", "SE", "US", "UY", "ZA")
CHANNELS = ("voice", "chat", "email")
LAST_DAY = pd.Timestamp("2026-10-31")


def write_contacts(path: Path, rows: int, seed: int = 7) -> int:
    """A contacts CSV of about ``rows`` half-hour rows; returns the exact row count."""
    series = len(COUNTRIES) * len(CHANNELS)
    days = -(-rows // (series * 48))
    stamps = pd.date_range(
        end=LAST_DAY + pd.Timedelta(hours=23, minutes=30), periods=days * 48, freq="30min"
    )
    stamps = stamps[: -(-rows // series)]
    rng = np.random.default_rng(seed)
    text = stamps.strftime("%Y-%m-%d %H:%M").to_numpy()
    with path.open("w", encoding="utf-8") as out:
        out.write("country,channel,interval_start,contacts,aht_seconds\n")
        for country in COUNTRIES:
            for channel in CHANNELS:
                contacts = rng.poisson(40, len(text))
                aht = np.round(rng.uniform(120, 600, len(text)), 1)
                frame = pd.DataFrame(
                    {"c": country, "ch": channel, "ds": text, "n": contacts, "aht": aht}
                )
                frame.to_csv(out, header=False, index=False)
    return series * len(text)


def run_import(csv_path: Path, workdir: Path, stored: Path | None = None) -> dict:
    # bench/wellbeing.py would shadow the wellbeing package: import from the repository root.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
    from data.config import Settings
    from data.store import open_store
    from data.validation import ReadOptions
    from services.imports import import_file

    store = open_store(Settings(workdir, f"sqlite:///{workdir / 'bench.db'}"))
    if stored is not None:
        options = ReadOptions(today=LAST_DAY.date())
        if not import_file(store, "contacts", stored, options=options).imported:
            raise SystemExit(f"{stored} was not imported")
    # What the process holds before the file (Python, pandas, the services' modules): the
    # import's own memory is the peak above it.
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu = time.perf_counter(), time.process_time()
    outcome = import_file(store, "contacts", csv_path, options=ReadOptions(today=LAST_DAY.date()))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if not outcome.imported:
        raise SystemExit("\n".join(outcome.report.lines()[:10]))
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": outcome.result.rows_written,
        "before_mb": before_mb,
    }


def run_floor(csv_path: Path, workdir: Path) -> dict:
    import sqlite3

    conn = sqlite3.connect(workdir / "floor.db")
    conn.execute(
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, "
        "country VARCHAR(2) NOT NULL, channel VARCHAR(8) NOT NULL, ds DATETIME NOT NULL, "
        "interval_minutes INTEGER NOT NULL, contacts FLOAT NOT NULL, aht_seconds FLOAT, "
        "UNIQUE (country, channel, ds))"
    )
    conn.commit()
    start, cpu = time.perf_counter(), time.process_time()
    frame = pd.read_csv(csv_path, dtype={"interval_start": str})
    rows = zip(
        frame["country"].tolist(),
        frame["channel"].tolist(),
        frame["interval_start"].tolist(),
        frame["contacts"].tolist(),
        frame["aht_seconds"].tolist(),
        strict=True,
    )
    with conn:
        conn.executemany(
            "INSERT INTO contacts (batch_id, country, channel, ds, interval_minutes, contacts, "
            "aht_seconds) VALUES (1, ?, ?, ?, 30, ?, ?)",
            rows,
        )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": len(frame)}


def child(mode: str, csv_path: Path, workdir: Path) -> None:
    stored = workdir.parent / "stored.csv"
    if mode == "import":
        result = run_import(csv_path, workdir, stored if stored.exists() else None)
    else:
        result = run_floor(csv_path, workdir)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(mode: str, csv_path: Path, workdir: Path, code: Path = REPO) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(csv_path), str(workdir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=code,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr or done.stdout)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 2_100_000])
    parser.add_argument(
        "--code",
        type=Path,
        default=REPO,
        help="import with the code of another checkout (e.g. /work/main, for before and after)",
    )
    parser.add_argument(
        "--stored",
        type=int,
        default=0,
        help="rows the contacts table holds before the timed import (imported untimed first)",
    )
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CSV", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, csv_path, workdir = args.child
        child(mode, Path(csv_path), Path(workdir))
        return
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(f"# import code: {args.code}")
    if args.stored:
        print(f"# into a table already holding {args.stored:,} rows (the floor: an empty one)")
    print(
        "| rows | CSV MB | import s | import CPU s | import peak MB (x file) "
        "| peak above the process before it, MB (x file) "
        "| floor s | floor CPU s | floor peak MB | import / floor (wall, CPU) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            csv_path = tmp_path / "contacts.csv"
            exact = write_contacts(csv_path, rows)
            if args.stored:
                write_contacts(tmp_path / "stored.csv", args.stored, seed=11)
            size_mb = csv_path.stat().st_size / 1e6
            (tmp_path / "i").mkdir()
            (tmp_path / "f").mkdir()
            imp = measure("import", csv_path, tmp_path / "i", args.code)
            floor = measure("floor", csv_path, tmp_path / "f")
            assert imp["rows"] == floor["rows"] == exact, (imp, floor, exact)
            above = imp["peak_mb"] - imp["before_mb"]
            print(
                f"| {exact:,} | {size_mb:.0f} | {imp['seconds']:.1f} | {imp['cpu_seconds']:.1f} | "
                f"{imp['peak_mb']:,.0f} ({imp['peak_mb'] / size_mb:.1f}x) | "
                f"{above:,.0f} ({above / size_mb:.1f}x) | "
                f"{floor['seconds']:.1f} | {floor['cpu_seconds']:.1f} | "
                f"{floor['peak_mb']:.0f} | {imp['seconds'] / floor['seconds']:.1f}x, "
                f"{imp['cpu_seconds'] / floor['cpu_seconds']:.1f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()
