"""Benchmark: recall and share of true flags of the wellbeing scoring on the sample data.

Run from the repository root::

    .venv/bin/python bench/flags_on_sample.py [--end 2026-11-21]

Generates the sample (seed 20261122) into a temporary folder, runs ``cli.py flags`` on its
files like a user would, and only then reads the truth file to compare (the scoring never sees
it). Aims: recall >= 0.9 and >= 0.8 of flags true.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.sample import TRUTH_FILE, generate_sample, write_sample  # noqa: E402
from wellbeing.levels import FLAGGED_LEVELS  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--end", default="2026-11-21", help="last day of the sample's history")
    args = parser.parse_args(argv)
    sample = generate_sample(dt.date.fromisoformat(args.end))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_sample(sample, folder)
        out = folder / "flags.csv"
        subprocess.run(
            [sys.executable, "cli.py", "flags", "--agents", str(paths["agents"]),
             "--absences", str(paths["absences"]), "--hours", str(paths["hours"]),
             "--performance", str(paths["performance"]), "--out", str(out)],
            cwd=ROOT, check=True,
        )  # fmt: skip
        flags = pd.read_csv(out)
        truth = pd.read_csv(folder / TRUTH_FILE)
    flagged = set(flags.loc[flags["level"].isin(list(FLAGGED_LEVELS)), "agent_id"])
    drifting = set(truth.loc[truth["drifting"], "agent_id"])
    true = flagged & drifting
    recall = len(true) / len(drifting)
    precision = len(true) / len(flagged) if flagged else float("nan")
    print(f"| {len(truth)} | {len(drifting)} | {len(flagged)} | {len(true)} | {recall:.2f} | "
          f"{precision:.2f} |")  # fmt: skip
    for agent in sorted(flagged - drifting):
        reasons = flags.loc[flags["agent_id"] == agent, "reasons"].iloc[0]
        print(f"false flag {agent}: {reasons}")
    for agent in sorted(drifting - flagged):
        print(f"missed {agent}: {truth.loc[truth['agent_id'] == agent, 'kinds'].iloc[0]}")


if __name__ == "__main__":
    main()
