"""Crewcast command line: data, forecasts, staffing, schedules and wellbeing flags for batch jobs."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from data.config import get_settings
from data.readers import FileReadError, read_table
from data.validation import KINDS, DataValidationError, ReadOptions, validate_file

EXIT_REJECTED = 1
EXIT_USAGE = 2


def _add_reading_options(parser: argparse.ArgumentParser) -> None:
    """Options stating what detection must not guess about the files a command reads."""
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


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    """The reading options, plus the interval length of a single contacts file."""
    _add_reading_options(parser)
    parser.add_argument(
        "--interval-minutes",
        type=int,
        choices=[5, 6, 10, 15, 30, 60],
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
        interval_minutes=getattr(args, "interval_minutes", None)
        if args.command in ("validate", "import")
        else None,
    )


def _print_report(report, stream) -> None:
    for line in report.lines():
        print(line, file=stream)


def cmd_validate(args: argparse.Namespace) -> int:
    from services.imports import preview_file

    try:
        preview = preview_file(
            args.kind, args.file, options=_read_options(args), separator=args.separator
        )
    except FileReadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    report = preview.report
    if not report.ok:
        print(
            f"{report.file}: rejected, {report.error_count} errors in {report.rows} rows",
            file=sys.stderr,
        )
        _print_report(report, sys.stderr)
        _print_reading(preview, sys.stderr)
        return EXIT_REJECTED
    print(f"{report.file}: valid {args.kind} file, {report.rows} rows")
    _print_report(report, sys.stdout)
    _print_reading(preview, sys.stdout)
    return 0


def _print_reading(preview, stream) -> None:
    """How the file was read (separator, encoding, date order, columns): what to restate with
    --separator, --date-order or --column when a guess was wrong."""
    for line in preview.lines():
        print(f"  {line}", file=stream)


def cmd_import(args: argparse.Namespace) -> int:
    from data.store import open_store
    from services.imports import import_file

    try:
        outcome = import_file(
            open_store(),
            args.kind,
            Path(args.file),
            options=_read_options(args),
            separator=args.separator,
            source_label="cli",
        )
    except FileReadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    report, result = outcome.report, outcome.result
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
    period, countries = outcome.period(), outcome.countries()
    if period is not None:
        where = f" for {len(countries)} countries" if len(countries) > 1 else ""
        where = f" for {countries[0]}" if len(countries) == 1 else where
        print(f"covering {period[0].isoformat()} to {period[1].isoformat()}{where}")
    _print_report(report, sys.stdout)
    if outcome.flags is not None:
        print(
            f"wellbeing flags re-evaluated on the new data (evaluation {outcome.flags.evaluation_id})"
        )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from data.store import open_store
    from services.sample import seed_sample

    store = open_store()
    if not store.is_empty() and not args.force:
        print(
            "the database already holds data; seeding adds the sample next to it. Use --force to do it anyway.",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    settings = get_settings()
    if not args.no_baseline:
        print("after the files: forecasting every queue for the overview's baseline (about 20 s)")
    result = seed_sample(
        store,
        settings.sample_dir,
        with_baseline=not args.no_baseline,
        progress=lambda i, n, kind: print(f"[{i}/{n}] {kind}"),
    )
    print(f"seeded {result.rows} rows; sample files in {settings.sample_dir}")
    if result.baseline_run_id is not None:
        print(f"saved the baseline forecast as run {result.baseline_run_id}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from data.store import open_store
    from services.sample import holds_sample, preview_sample_removal, remove_sample

    store = open_store()
    if not holds_sample(store):
        print("the database holds no sample data; nothing to remove")
        return 0
    if args.dry_run:
        found = preview_sample_removal(store, None)
        print(
            f"would remove {len(found.batch_ids)} sample imports with their rows, "
            f"{len(found.flag_ids)} wellbeing flags, {len(found.evaluation_ids)} flag "
            f"evaluations, {len(found.run_ids)} saved forecasts and {len(found.schedule_ids)} "
            "published schedules"
        )
        return 0
    removal = remove_sample(store, None)
    for table, rows in removal.deleted.items():
        if rows:
            print(f"{table}: deleted {rows} rows")
    print(
        f"removed the sample ({removal.total} rows in one transaction; recorded in the audit log)"
    )
    return 0


CLI_MODELS = {
    "auto": "auto",
    "naive": "seasonal_naive",
    "ets": "ets",
    "arima": "regression",
    "prophet": "prophet",
}


def _load(kind: str, path: str, options: ReadOptions, separator: str | None = None) -> pd.DataFrame:
    """Read and validate one input file; a rejected file ends the command with its problems."""
    report = validate_file(kind, path, options=options, separator=separator)
    if not report.ok:
        raise DataValidationError(report)
    for line in report.lines():
        logging.getLogger("crewcast").info(line)
    return report.frame.reset_index(drop=True)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write a whole file or nothing: a crash never leaves half an output behind.

    The file is readable by its owner only (mode 0600): exports carry agents' schedules and the
    audit log (``tempfile`` makes its files 0600, and the rename keeps the mode).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(content)
    os.chmod(tmp.name, 0o600)
    os.replace(tmp.name, path)


def cmd_forecast(args: argparse.Namespace) -> int:
    from forecasting.service import DAILY_EXPORT_COLUMNS, INTERVAL_EXPORT_COLUMNS
    from services.forecasts import forecast_frames
    from staffing.exports import frame_to_csv

    options = _read_options(args)
    contacts = _load("contacts", args.contacts, options, args.separator)
    traffic = _load("traffic", args.traffic, options, args.separator) if args.traffic else None
    countries = [c.upper() for c in args.country] if args.country else None

    def progress(done: int, total: int, label: str) -> None:
        logging.getLogger("crewcast").info("[%d/%d] %s", done, total, label)

    result = forecast_frames(  # on the cluster given, else the package's local process pool
        contacts,
        args.horizon,
        traffic=traffic,
        countries=countries,
        model=CLI_MODELS[args.model],
        interval_minutes=args.interval_minutes,
        scheduler=args.scheduler,
        progress=progress,
    )
    if args.interval_minutes:
        out = result.intervals.loc[:, list(INTERVAL_EXPORT_COLUMNS)]
        out["interval_start"] = out["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    else:
        out = result.daily.loc[:, list(DAILY_EXPORT_COLUMNS)]
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    _write_atomically(Path(args.out), frame_to_csv(out.round(3)))
    for note in result.run.notes:
        print(f"note: {note}", file=sys.stderr)
    picks = ", ".join(f"{p.unique_id}: {p.model}" for p in result.run.picks.itertuples())
    print(f"wrote {len(out)} rows to {args.out} ({picks})")
    return 0


def _targets(args: argparse.Namespace):
    from staffing.erlang import StaffingTargets

    return StaffingTargets(
        service_level_target=args.service_level,
        answer_target_seconds=args.answer_seconds,
        asa_target_seconds=args.asa_seconds,
        max_abandon_rate=args.max_abandon,
        max_occupancy=args.max_occupancy,
        shrinkage=args.shrinkage,
        patience_seconds=args.patience_seconds,
        concurrency=args.concurrency,
    )


def _json_number(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None  # an unstable queue has an infinite ASA


def _forecast_kind(path: str, options: ReadOptions, separator: str | None) -> str:
    """``interval_forecast`` or ``daily_forecast``, from the file's columns (after renames)."""
    from data.readers import normalise_header

    renames = {normalise_header(k): normalise_header(v) for k, v in options.columns.items()}
    columns = {renames.get(c, c) for c in read_table(path, separator=separator).frame.columns}
    if "interval_start" in columns:
        return "interval_forecast"
    if "date" in columns:
        return "daily_forecast"
    raise SystemExit(
        f"{Path(path).name}: neither an interval forecast (column 'interval_start') nor a daily "
        f"forecast (column 'date'); found: {', '.join(sorted(columns))}"
    )


def _staff_daily(args: argparse.Namespace, targets) -> int:
    """``staff --forecast DAILY_FILE``: spread the days over the opening hours, then Erlang."""
    from services.planning import plan_daily_forecast
    from staffing.exports import frame_to_csv
    from staffing.profiles import ProfileError, QueueSetup

    name = Path(args.forecast).name
    missing = [
        option
        for option, value in (("--aht-seconds", args.aht_seconds), ("--open", args.open))
        if value is None
    ]
    if missing:
        raise SystemExit(
            f"{name} is a daily forecast: give {' and '.join(missing)} (e.g. --aht-seconds 240 "
            "--open 08:00-20:00) to plan it per interval"
        )
    try:  # the settings first: a typo in them is said before any file is read
        QueueSetup(aht_seconds=args.aht_seconds, opening_hours=args.open)
    except ProfileError as exc:
        raise SystemExit(
            f"--open {args.open!r} / --aht-seconds {args.aht_seconds!r}: {exc}"
        ) from None
    options = _read_options(args)
    daily = _load("daily_forecast", args.forecast, options, args.separator)
    profile = _load("profile", args.profile, options, args.separator) if args.profile else None
    try:
        setup = QueueSetup(
            aht_seconds=args.aht_seconds,
            opening_hours=args.open,
            profile_source="uploaded" if profile is not None else "builtin",
            profile=profile,
        )
    except ProfileError as exc:
        raise SystemExit(
            f"--open {args.open!r} / --aht-seconds {args.aht_seconds!r}: {exc}"
        ) from None
    try:
        out, split = plan_daily_forecast(
            daily,
            setup,
            targets,
            use_upper_bound=args.upper_bound,
            interval_minutes=args.interval_minutes or 30,
        )
    except ProfileError as exc:
        raise SystemExit(f"--open {args.open!r}: {exc}") from None
    for note in split.notes:
        print(f"note: {note}", file=sys.stderr)
    out = out.assign(
        date=pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d"),
        interval_start=out["interval_start"].dt.strftime("%Y-%m-%d %H:%M"),
    )
    _write_atomically(Path(args.out), frame_to_csv(out.round(6)))
    print(f"wrote {len(out)} interval requirements to {args.out}")
    return 0


def cmd_staff(args: argparse.Namespace) -> int:
    from staffing.erlang import evaluate_staffing, required_agents
    from staffing.exports import frame_to_csv
    from staffing.requirements import interval_requirements

    targets = _targets(args)
    if args.forecast:
        if not args.out:
            raise SystemExit("staff --forecast needs --out FILE")
        kind = _forecast_kind(args.forecast, _read_options(args), args.separator)
        if kind == "daily_forecast":
            return _staff_daily(args, targets)
        if args.profile or args.open:
            raise SystemExit(
                f"{Path(args.forecast).name} is an interval forecast: --open and --profile are "
                "for daily forecasts"
            )
        frame = _load("interval_forecast", args.forecast, _read_options(args), args.separator)
        if frame["aht_seconds"].isna().any():
            if args.aht_seconds is None:
                raise SystemExit(
                    f"{Path(args.forecast).name} has rows without aht_seconds: give --aht-seconds"
                )
            frame["aht_seconds"] = frame["aht_seconds"].fillna(args.aht_seconds)
        out = interval_requirements(frame, targets, use_upper_bound=args.upper_bound)
        out = out.assign(interval_start=out["interval_start"].dt.strftime("%Y-%m-%d %H:%M"))
        _write_atomically(Path(args.out), frame_to_csv(out.round(6)))
        print(f"wrote {len(out)} interval requirements to {args.out}")
        return 0
    missing = [
        f"--{n.replace('_', '-')}"
        for n in ("contacts", "interval_minutes", "aht_seconds")
        if getattr(args, n) is None
    ]
    if missing:
        raise SystemExit(f"staff needs {', '.join(missing)} (or --forecast FILE --out FILE)")
    if args.agents is None:
        result = required_agents(args.contacts, args.aht_seconds, args.interval_minutes, targets)
    else:
        result = evaluate_staffing(
            args.contacts, args.aht_seconds, args.interval_minutes, args.agents, targets
        )
    payload = {
        "agents": int(result.agents),
        "scheduled_agents": int(result.scheduled_agents),
        "service_level": _json_number(result.service_level),
        "wait_probability": _json_number(result.wait_probability),
        "asa_seconds": _json_number(result.asa_seconds),
        "occupancy": _json_number(result.occupancy),
    }
    if args.patience_seconds is not None:
        payload["abandon_probability"] = _json_number(result.abandon_probability)
    if args.json:
        print(json.dumps(payload))
    else:
        for key, value in payload.items():
            print(f"{key}: {value}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from services.schedules import make_schedule
    from staffing.exports import write_schedule_outputs
    from staffing.scheduling import shift_templates_from_frame

    options = _read_options(args)
    requirements = _load("requirements", args.requirements, options, args.separator)
    shifts = shift_templates_from_frame(
        read_table(args.shifts).frame, source=Path(args.shifts).name
    )
    agents = _load("agents", args.agents, options, args.separator) if args.agents else None
    absences = _load("absences", args.absences, options, args.separator) if args.absences else None
    outputs = make_schedule(
        requirements, shifts, agents, absences, time_limit_seconds=args.time_limit
    )
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty; choose a new folder so no old file is mixed in")
    staging = Path(
        tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent if out.parent.exists() else None)
    )
    try:
        write_schedule_outputs(outputs, staging)  # all files first, then one move: no half output
        if out.exists():
            out.rmdir()
        shutil.move(str(staging), out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    plan = outputs.plan
    print(
        f"plan {plan.status} (gap {plan.mip_gap:.2%}, {plan.solve_seconds:.1f} s): "
        f"shortfall {plan.shortfall_staff_hours:.1f} staff-hours; {len(outputs.files)} files in {out}"
    )
    if outputs.roster is not None:
        print(f"roster {outputs.roster.status}: {outputs.roster.message}")
    return 0


def cmd_flags(args: argparse.Namespace) -> int:
    from staffing.exports import frame_to_csv
    from wellbeing import LEVEL_ORDER, flags_table, score_burnout_risk

    options = _read_options(args)
    frames = {
        kind: _load(kind, getattr(args, kind), options, args.separator)
        for kind in ("agents", "absences", "hours", "performance")
    }
    as_of = pd.Timestamp(args.as_of) if args.as_of else None
    scores = score_burnout_risk(
        frames["agents"], frames["absences"], frames["hours"], frames["performance"], as_of=as_of
    )
    table = flags_table(scores)
    _write_atomically(Path(args.out), frame_to_csv(table))
    counts = table["level"].value_counts()
    print(
        f"wrote {len(table)} agents to {args.out}: "
        + ", ".join(f"{counts.get(level, 0)} {level}" for level in LEVEL_ORDER)
    )
    return 0


def _password(args: argparse.Namespace) -> str | None:
    """The new password: from stdin with --password-stdin, else asked twice on the terminal."""
    if args.oidc:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass(f"password for {args.username}: ")
    if first != getpass.getpass("again: "):
        raise ValueError("the two passwords differ; nothing was changed")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    from data.store import open_store
    from data.users import AccountError, add_user, list_users, remove_user, set_password, set_role

    store = open_store()
    try:
        if args.action == "add":
            user = add_user(
                store,
                args.username,
                args.role,
                password=_password(args),
                display_name=args.display_name or "",
            )
            how = "a password" if user.local else "OIDC only"
            print(f"added {user.username} as {user.role.value} (signs in with {how})")
        elif args.action == "remove":
            remove_user(store, args.username)
            print(f"removed {args.username}; their audit history stays")
        elif args.action == "set-role":
            set_role(store, args.username, args.role)
            print(f"{args.username} is now {args.role}")
        elif args.action == "set-password":
            args.oidc = False
            set_password(store, args.username, _password(args) or "")
            print(f"changed the password of {args.username}")
        else:
            users = list_users(store)
            if users.empty:
                print(
                    "no accounts: create the first admin with "
                    "`.venv/bin/crewcast user add NAME --role admin`"
                )
            for row in users.itertuples():
                print(f"{row.username}\t{row.role}\t{row.sign_in}\t{row.display_name}")
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from data.retention import purge_hr_data
    from data.store import open_store

    result = purge_hr_data(open_store(), days=args.retention_days, dry_run=args.dry_run)
    verb = "would delete" if result.dry_run else "deleted"
    for table, rows in result.deleted.items():
        print(f"{table}: {verb} {rows} rows that ended before {result.cutoff.isoformat()}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    import datetime as dt

    from data.access import audit_frame, pseudonym_key, verify_audit_chain
    from data.store import open_store

    if args.action == "verify":
        report = verify_audit_chain(open_store().engine)
        if report.rows_before_chain:
            print(f"{report.rows_before_chain} rows from before the chain existed: not covered")
        if not report.ok:
            brk = report.first_break
            print(f"audit log BROKEN ({brk.kind}): {brk.message}", file=sys.stderr)
            print(f"{report.rows_checked} rows verified before the break", file=sys.stderr)
            return EXIT_REJECTED
        print(
            f"audit log intact: {report.rows_checked} rows verified; "
            f"head {report.head_seq}:{report.head_hash}"
        )
        return 0
    if not args.out:
        print("error: audit export needs --out FILE", file=sys.stderr)
        return 2
    from staffing.exports import frame_to_csv

    since = None
    if args.since:
        since = dt.datetime.combine(dt.date.fromisoformat(args.since), dt.time(), tzinfo=dt.UTC)
    key = None if args.identify else pseudonym_key(get_settings().data_dir)
    log = audit_frame(open_store().engine, since=since, pseudonym_key=key).iloc[::-1]
    _write_atomically(Path(args.out), frame_to_csv(log))
    print(f"wrote {len(log)} audit rows to {args.out}")
    return 0


def _add_seed_command(sub: argparse._SubParsersAction) -> None:
    """`seed`: generate the sample and import it."""
    seed = sub.add_parser("seed", help="generate the sample data and import it into the database")
    seed.add_argument("--force", action="store_true", help="seed even when the database holds data")
    seed.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the baseline forecast the overview shows until a planner saves one",
    )
    seed.set_defaults(func=cmd_seed)


def _add_sample_command(sub: argparse._SubParsersAction) -> None:
    """`sample remove`: delete what came from the sample."""
    sample = sub.add_parser("sample", help="the bundled sample data")
    sample_actions = sample.add_subparsers(dest="action", required=True, metavar="ACTION")
    remove = sample_actions.add_parser(
        "remove",
        help="delete the sample's rows, agents, flags, saved forecasts and published schedules "
        "in one transaction (audited); your own imports stay",
    )
    remove.add_argument("--dry-run", action="store_true", help="only count what would go")
    sample.set_defaults(func=cmd_sample)


def _add_files_command(sub: argparse._SubParsersAction) -> None:
    """`validate` and `import`: one file of a kind."""
    for name, func, text in (
        ("validate", cmd_validate, "check a file and list every problem; changes nothing"),
        ("import", cmd_import, "validate a file and import it in one transaction (all or nothing)"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("kind", choices=KINDS)
        p.add_argument("file", help="CSV or .xlsx file")
        _add_file_options(p)
        p.set_defaults(func=func)


def _add_forecast_command(sub: argparse._SubParsersAction) -> None:
    """`forecast`: contacts per country and channel after the history."""
    fc = sub.add_parser(
        "forecast", help="forecast contacts per country and channel after the file's last date"
    )
    fc.add_argument("--contacts", required=True, help="contacts file (daily or intraday)")
    fc.add_argument("--traffic", help="web sessions per country and day (a regressor)")
    fc.add_argument("--country", nargs="+", metavar="CC", help="only these countries")
    fc.add_argument(
        "--horizon", type=int, required=True, metavar="DAYS", help="days to forecast (1-183)"
    )
    fc.add_argument(
        "--model",
        choices=list(CLI_MODELS),
        default="auto",
        help="auto = the back-test-weighted combination of the best candidates per series",
    )
    fc.add_argument(
        "--interval-minutes",
        type=int,
        choices=[5, 6, 10, 15, 30, 60],
        help="split days into intervals (needs intraday history)",
    )
    fc.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=os.environ.get("CREWCAST_DASK_SCHEDULER") or None,
        help="run the model fits on the Dask cluster at ADDRESS (tcp://host:8786; "
        "default: CREWCAST_DASK_SCHEDULER, else this machine)",
    )
    fc.add_argument("--out", required=True, help="CSV to write (owner-only, mode 0600)")
    _add_reading_options(fc)
    fc.set_defaults(func=cmd_forecast)


def _add_staff_command(sub: argparse._SubParsersAction) -> None:
    """`staff`: agents for one interval, or requirements for a whole forecast file."""
    from staffing.erlang import DEFAULT_TARGETS

    st = sub.add_parser(
        "staff", help="agents needed for an interval (Erlang C/A), or for a whole forecast file"
    )
    st.add_argument("--contacts", type=float, help="contacts offered in the interval")
    st.add_argument(
        "--interval-minutes",
        type=int,
        help="interval length in minutes (a daily forecast is split into 30 by default)",
    )
    st.add_argument("--aht-seconds", type=float, help="average handle time in seconds")
    st.add_argument(
        "--service-level",
        type=float,
        default=DEFAULT_TARGETS.service_level_target,
        help="fraction answered within --answer-seconds",
    )
    st.add_argument(
        "--answer-seconds",
        type=float,
        default=DEFAULT_TARGETS.answer_target_seconds,
        help="answer-time target in seconds",
    )
    st.add_argument("--asa-seconds", type=float, help="average speed of answer target in seconds")
    st.add_argument(
        "--max-abandon", type=float, help="maximum abandonment fraction (needs --patience-seconds)"
    )
    st.add_argument(
        "--max-occupancy",
        type=float,
        default=DEFAULT_TARGETS.max_occupancy,
        help="occupancy cap (fraction)",
    )
    st.add_argument(
        "--shrinkage",
        type=float,
        default=DEFAULT_TARGETS.shrinkage,
        help="share of paid time off the phones (fraction)",
    )
    st.add_argument(
        "--patience-seconds", type=float, help="mean customer patience: switches to Erlang A"
    )
    st.add_argument("--concurrency", type=int, default=1, help="chats an agent handles at once")
    st.add_argument(
        "--agents", type=int, help="evaluate this many agents instead of finding the requirement"
    )
    st.add_argument("--json", action="store_true", help="print JSON")
    st.add_argument(
        "--forecast",
        help="forecast file: intervals (country, channel, interval_start, forecast, ...) or "
        "days as `forecast` writes them (country, channel, date, forecast, ...; needs "
        "--aht-seconds and --open)",
    )
    st.add_argument(
        "--open",
        metavar="HOURS",
        help="opening hours for a daily forecast: 08:00-20:00 (every day) or "
        "'Mon-Fri 08:00-20:00; Sat 09:00-13:00; Sun closed'; nothing is staffed outside them",
    )
    st.add_argument(
        "--profile",
        metavar="FILE",
        help="intraday arrival profile for a daily forecast (weekday optional, time HH:MM, "
        "share); default: the channel's built-in shape",
    )
    st.add_argument(
        "--upper-bound", action="store_true", help="staff to forecast_upper (80%% bound)"
    )
    st.add_argument("--out", help="CSV to write with --forecast (owner-only, mode 0600)")
    _add_reading_options(st)
    st.set_defaults(func=cmd_staff)


def _add_schedule_command(sub: argparse._SubParsersAction) -> None:
    """`schedule`: shift plan, roster and every export."""
    sc = sub.add_parser("schedule", help="plan shifts, roster named agents and write every export")
    sc.add_argument(
        "--requirements", required=True, help="country, channel, interval_start, required_staff"
    )
    sc.add_argument(
        "--shifts",
        required=True,
        help="name, start, length_hours, break_minutes, days, cost_per_hour",
    )
    sc.add_argument("--agents", help="agents file (enables the named roster and calendars)")
    sc.add_argument("--absences", help="absences file (approved absences are honoured)")
    sc.add_argument("--time-limit", type=float, default=60.0, help="solver time limit in seconds")
    sc.add_argument(
        "--out", required=True, help="new or empty folder for the outputs (owner-only, mode 0700)"
    )
    _add_reading_options(sc)
    sc.set_defaults(func=cmd_schedule)


def _add_flags_command(sub: argparse._SubParsersAction) -> None:
    """`flags`: burnout-risk flags with reasons."""
    fl = sub.add_parser("flags", help="burnout-risk flags with reasons, one row per agent")
    for kind in ("agents", "absences", "hours", "performance"):
        fl.add_argument(f"--{kind}", required=True, help=f"{kind} file")
    fl.add_argument(
        "--as-of", help="day to compute for (YYYY-MM-DD; default: the last day of hours)"
    )
    fl.add_argument("--out", required=True, help="CSV to write (owner-only, mode 0600)")
    _add_reading_options(fl)
    fl.set_defaults(func=cmd_flags)


def _add_user_command(sub: argparse._SubParsersAction) -> None:
    """`user`: accounts and roles."""
    us = sub.add_parser("user", help="accounts and roles (admin, hr, manager, planner)")
    actions = us.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username", help="local user name, or the e-mail an OIDC provider gives")
    add.add_argument("--role", required=True, choices=["admin", "hr", "manager", "planner"])
    add.add_argument("--display-name")
    add.add_argument(
        "--oidc", action="store_true", help="no password: signs in through OIDC (st.login) only"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    rm = actions.add_parser("remove", help="delete an account (its audit history stays)")
    rm.add_argument("username")
    sr = actions.add_parser("set-role", help="change an account's role")
    sr.add_argument("username")
    sr.add_argument("role", choices=["admin", "hr", "manager", "planner"])
    sp = actions.add_parser("set-password", help="change a local account's password")
    sp.add_argument("username")
    sp.add_argument("--password-stdin", action="store_true")
    actions.add_parser("list", help="list the accounts")
    us.set_defaults(func=cmd_user)


def _add_purge_command(sub: argparse._SubParsersAction) -> None:
    """`purge`: HR records past the retention period."""
    pu = sub.add_parser("purge", help="delete HR records older than the retention period (audited)")
    pu.add_argument(
        "--retention-days",
        type=int,
        help="retention period (default: CREWCAST_HR_RETENTION_DAYS or 730)",
    )
    pu.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    pu.set_defaults(func=cmd_purge)


def _add_audit_command(sub: argparse._SubParsersAction) -> None:
    """`audit`: export or verify the audit log."""
    au = sub.add_parser(
        "audit",
        help="export the audit log to CSV, or verify its hash chain",
        description="export (the default): write the audit log to --out; verify: recompute every "
        "row's keyed hash and link, print the first edited, deleted or reordered row and exit 1 "
        "if there is one (the key is audit.key in the data directory)",
    )
    au.add_argument(
        "action",
        nargs="?",
        choices=["export", "verify"],
        default="export",
        help="export (default) or verify",
    )
    au.add_argument("--since", help="export: first day (YYYY-MM-DD)")
    au.add_argument(
        "--out", help="export: CSV to write (created readable by its owner only, mode 0600)"
    )
    au.add_argument(
        "--identify",
        action="store_true",
        help="agent ids instead of pseudonyms for wellbeing views and reviews (for HR)",
    )
    au.set_defaults(func=cmd_audit)


#: One function per command, in the order ``--help`` lists them.
COMMANDS = (
    _add_seed_command,
    _add_sample_command,
    _add_files_command,
    _add_forecast_command,
    _add_staff_command,
    _add_schedule_command,
    _add_flags_command,
    _add_user_command,
    _add_purge_command,
    _add_audit_command,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crewcast", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)
    for add_command in COMMANDS:
        add_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    try:
        return args.func(args)
    except DataValidationError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REJECTED
    except (FileReadError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    except ValueError as exc:  # bad settings or inputs the packages refuse, with their message
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
