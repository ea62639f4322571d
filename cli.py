"""Crewcast command line: seed the sample, validate and import files (planners' batch jobs, cron)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from data.config import get_settings
from data.readers import FileReadError
from data.validation import KINDS, ReadOptions, validate_file

EXIT_REJECTED = 1
EXIT_USAGE = 2


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    """Options stating what detection must not guess about a file."""
    parser.add_argument(
        "--date-order",
        choices=["auto", "ymd", "dmy", "mdy"],
        default="auto",
        help="order of day and month in dates like 03-04-2024 (auto decides only when unambiguous)",
    )
    parser.add_argument(
        "--decimal", choices=[".", ","], default=".", help="decimal mark of numbers"
    )
    parser.add_argument("--separator", help="CSV separator (detected by default)")
    parser.add_argument(
        "--default-country", metavar="CC", help="country for files without a 'country' column"
    )
    parser.add_argument(
        "--default-channel",
        choices=["voice", "chat", "email"],
        default="voice",
        help="channel for contacts files without a 'channel' column",
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FILE_NAME=OUR_NAME",
        help="rename a column, e.g. --column calls=contacts (repeatable)",
    )
    parser.add_argument(
        "--interval-minutes",
        type=int,
        choices=[15, 30, 60],
        help="interval length of intraday contacts",
    )


def _read_options(args: argparse.Namespace) -> ReadOptions:
    renames = {}
    for item in args.column:
        if "=" not in item:
            raise SystemExit(f"--column takes FILE_NAME=OUR_NAME, not {item!r}")
        old, new = item.split("=", 1)
        renames[old] = new
    return ReadOptions(
        date_order=args.date_order,
        decimal=args.decimal,
        default_country=args.default_country,
        default_channel=args.default_channel,
        columns=renames,
        interval_minutes=args.interval_minutes,
    )


def _print_report(report, stream) -> None:
    for line in report.lines():
        print(line, file=stream)


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        report = validate_file(
            args.kind, args.file, options=_read_options(args), separator=args.separator
        )
    except FileReadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    if not report.ok:
        print(
            f"{report.file}: rejected, {report.error_count} errors in {report.rows} rows",
            file=sys.stderr,
        )
        _print_report(report, sys.stderr)
        return EXIT_REJECTED
    print(f"{report.file}: valid {args.kind} file, {report.rows} rows")
    _print_report(report, sys.stdout)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from data.store import open_store

    store = open_store()
    try:
        report, result = store.import_file(
            args.kind,
            Path(args.file),
            options=_read_options(args),
            separator=args.separator,
            source_label="cli",
        )
    except (FileReadError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    if result is None:
        print(
            f"{report.file}: rejected, nothing was imported ({report.error_count} errors in {report.rows} rows)",
            file=sys.stderr,
        )
        _print_report(report, sys.stderr)
        return EXIT_REJECTED
    print(
        f"{report.file}: imported {result.rows_written} {args.kind} rows as batch {result.batch_id}"
        + (f" (replacing {result.rows_replaced} stored rows)" if result.rows_replaced else "")
    )
    _print_report(report, sys.stdout)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from data.sample import seed_store
    from data.store import open_store

    store = open_store()
    if not store.is_empty() and not args.force:
        print(
            "the database already holds data; seeding adds the sample next to it. Use --force to do it anyway.",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    settings = get_settings()
    results = seed_store(
        store, settings.sample_dir, progress=lambda i, n, kind: print(f"[{i}/{n}] {kind}")
    )
    total = sum(r.rows_written for r in results)
    print(
        f"seeded {total} rows into {settings.database_url}; sample files in {settings.sample_dir}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python cli.py", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)

    seed = sub.add_parser("seed", help="generate the sample data and import it into the database")
    seed.add_argument("--force", action="store_true", help="seed even when the database holds data")
    seed.set_defaults(func=cmd_seed)

    for name, func, text in (
        ("validate", cmd_validate, "check a file and list every problem; changes nothing"),
        ("import", cmd_import, "validate a file and import it in one transaction (all or nothing)"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("kind", choices=KINDS)
        p.add_argument("file", help="CSV or .xlsx file")
        _add_file_options(p)
        p.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    try:
        return args.func(args)
    except ValueError as exc:  # bad settings, e.g. an unknown default country
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
