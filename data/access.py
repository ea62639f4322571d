"""Who may do what, and the audit trail of it.

Roles and permissions live here, in the data layer, so that every data function a page calls
can check the caller itself: hiding a page is not access control.

Roles
-----
``admin``
    Users, imports, the audit log; forecasts, staffing and schedules. No individual wellbeing
    data (an admin is not HR).
``hr``
    Individual wellbeing flags, their reasons and timelines, and the review workflow with its
    follow-ups and the roster limits set with them; team aggregates; imports of HR files.
``manager``
    Forecasts, staffing and schedules (read and plan), and team wellbeing aggregates only,
    suppressed for groups under five people.
``planner``
    Forecasts, staffing and schedules: run, save, export; imports of contacts and traffic.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data import schema
from data.config import get_settings, make_private_dir


class Role(StrEnum):
    ADMIN = "admin"
    HR = "hr"
    MANAGER = "manager"
    PLANNER = "planner"


class Permission(StrEnum):
    """Things a role may do; pages and data functions check these, never role names."""

    VIEW_DATA = "view_data"  # loaded tables, their summaries and import history
    IMPORT_PLANNING = "import_planning"  # contacts and traffic files
    IMPORT_HR = "import_hr"  # agents, absences, hours, performance
    VIEW_FORECASTS = "view_forecasts"
    RUN_FORECASTS = "run_forecasts"  # fit, save and delete-free compare runs
    VIEW_STAFFING = "view_staffing"  # requirements, schedules, rosters
    EXPORT_SCHEDULES = "export_schedules"
    PUBLISH_SCHEDULES = "publish_schedules"  # make a schedule the current one for its days
    VIEW_TEAM_WELLBEING = "view_team_wellbeing"  # aggregates, suppressed under five people
    VIEW_INDIVIDUAL_WELLBEING = "view_individual_wellbeing"  # flags, reasons, timelines
    REVIEW_FLAGS = "review_flags"
    #: follow-ups of reviews (assignee, date, agreed action) and the limits HR sets with them
    MANAGE_FOLLOWUPS = "manage_followups"
    #: HR's own settings (e.g. open a return-to-work check-in after a long absence)
    MANAGE_HR_SETTINGS = "manage_hr_settings"
    EVALUATE_FLAGS = "evaluate_flags"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    PURGE_HR_DATA = "purge_hr_data"
    REMOVE_SAMPLE = "remove_sample"  # delete the bundled sample and what was derived from it


P = Permission
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.ADMIN: frozenset(
            {
                P.VIEW_DATA,
                P.IMPORT_PLANNING,
                P.IMPORT_HR,
                P.VIEW_FORECASTS,
                P.RUN_FORECASTS,
                P.VIEW_STAFFING,
                P.EXPORT_SCHEDULES,
                P.PUBLISH_SCHEDULES,
                P.VIEW_TEAM_WELLBEING,
                P.MANAGE_USERS,
                P.READ_AUDIT,
                P.PURGE_HR_DATA,
                P.REMOVE_SAMPLE,
            }
        ),
        Role.HR: frozenset(
            {
                P.VIEW_DATA,
                P.IMPORT_HR,
                P.VIEW_TEAM_WELLBEING,
                P.VIEW_INDIVIDUAL_WELLBEING,
                P.REVIEW_FLAGS,
                P.MANAGE_FOLLOWUPS,
                P.MANAGE_HR_SETTINGS,
                P.EVALUATE_FLAGS,
                P.PURGE_HR_DATA,
            }
        ),
        Role.MANAGER: frozenset(
            {P.VIEW_DATA, P.VIEW_FORECASTS, P.VIEW_STAFFING, P.VIEW_TEAM_WELLBEING}
        ),
        Role.PLANNER: frozenset(
            {
                P.VIEW_DATA,
                P.IMPORT_PLANNING,
                P.VIEW_FORECASTS,
                P.RUN_FORECASTS,
                P.VIEW_STAFFING,
                P.EXPORT_SCHEDULES,
                P.PUBLISH_SCHEDULES,
            }
        ),
    }
)

#: What the demo visitor never does, whatever role they view as: demo mode is read-only for
#: accounts, settings and data, so an anonymous visitor cannot leave an account or a purge
#: behind, nor import a file (which would end demo mode for every visitor). A file can still be
#: checked (``look_only``): the preview and its validation report. Follow-ups and HR limits are
#: refused too: a visitor viewing as HR must neither read who is followed up nor set a limit
#: that changes the rosters, nor change HR's settings (return-to-work check-ins).
DEMO_READ_ONLY = frozenset(
    {
        P.MANAGE_USERS,
        P.PURGE_HR_DATA,
        P.REMOVE_SAMPLE,
        P.IMPORT_PLANNING,
        P.IMPORT_HR,
        P.MANAGE_FOLLOWUPS,
        P.MANAGE_HR_SETTINGS,
    }
)

#: Input kinds that are HR data (health-related or personal), imported with IMPORT_HR.
HR_KINDS = frozenset({"agents", "absences", "hours", "performance"})


class AccessDenied(PermissionError):
    """The caller's role does not allow this. The message says what was refused and why."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in user (or the demo visitor) and their role.

    Attributes
    ----------
    username : str
        Local account name, OIDC e-mail, or ``"demo"`` in demo mode.
    role : Role
    display_name : str
        For greetings and audit readers.
    demo : bool
        True in demo mode (sample data only, no accounts).
    """

    username: str
    role: Role
    display_name: str = ""
    demo: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", parse_role(self.role))

    def can(self, permission: Permission | str) -> bool:
        return Permission(permission) in ROLE_PERMISSIONS[self.role]

    @property
    def label(self) -> str:
        return f"{self.display_name or self.username} ({self.role.value})"


def parse_role(value: Role | str) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r}; roles are: {known}") from None


def require(
    principal: Principal | None, permission: Permission | str, *, look_only: bool = False
) -> Principal:
    """Return ``principal`` if it holds ``permission``; raise :class:`AccessDenied` otherwise.

    The demo visitor is refused every permission in :data:`DEMO_READ_ONLY` (accounts, purges,
    removing the sample, imports) unless ``look_only``: the caller only shows what the action
    would do.
    """
    permission = Permission(permission)
    if principal is None:
        raise AccessDenied(f"sign in first: {permission.value.replace('_', ' ')} needs an account")
    if not principal.can(permission):
        allowed = ", ".join(r.value for r, perms in ROLE_PERMISSIONS.items() if permission in perms)
        raise AccessDenied(
            f"{principal.username} ({principal.role.value}) may not "
            f"{permission.value.replace('_', ' ')}; roles that may: {allowed}"
        )
    if principal.demo and permission in DEMO_READ_ONLY and not look_only:
        words = {Role.ADMIN: "an admin", Role.HR: "HR", Role.MANAGER: "a manager"}
        who = " or ".join(
            words.get(r, f"a {r.value}")
            for r, perms in ROLE_PERMISSIONS.items()
            if permission in perms
        )
        raise AccessDenied(
            f"demo mode is read-only for accounts, settings and data: "
            f"{permission.value.replace('_', ' ')} needs {who} signed in with a real account"
        )
    return principal


# --- audit log -------------------------------------------------------------------------------


class AuditAction(StrEnum):
    VIEW_AGENT = "view_agent"  # an individual's wellbeing data was shown
    VIEW_FLAGS = "view_flags"  # the list of individual flags was shown
    REVIEW = "review"  # a flag's review state changed
    EVALUATE = "evaluate"  # flags re-evaluated
    FOLLOWUP = "followup"  # a review's follow-up recorded (assignee, date, agreed action)
    FOLLOWUP_DONE = "followup_done"  # ... marked done
    SET_LIMIT = "set_limit"  # a limit on a person's rostering set by HR
    VIEW_FOLLOWUPS = "view_followups"  # the list of follow-ups was shown
    SAVE_HR_SETTING = "save_hr_setting"  # an HR setting changed (name, old and new value)
    VIEW_CHECK_INS = "view_check_ins"  # the list of return-to-work check-ins was shown
    CHECK_IN_DONE = "check_in_done"  # a return-to-work check-in marked done
    IMPORT = "import"
    EXPORT = "export"
    SAVE_FORECAST = "save_forecast"
    PUBLISH_SCHEDULE = "publish_schedule"
    SAVE_QUEUE_SETTINGS = "save_queue_settings"  # a queue's handle time, hours or profile
    SAVE_DRAFT = "save_draft"  # a staffing plan or unpublished schedule kept for later
    DISCARD_DRAFT = "discard_draft"  # ... dropped: discarded, or published
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_LOCKED = "sign_in_locked"  # refused unchecked: too many failures (data.users)
    USER_ADD = "user_add"
    USER_REMOVE = "user_remove"
    ROLE_CHANGE = "role_change"
    PASSWORD_CHANGE = "password_change"
    PURGE = "purge"
    SIGN_OUT = "sign_out"
    REMOVE_SAMPLE = "remove_sample"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def audit(
    conn: Connection,
    actor: Principal | str,
    action: AuditAction | str,
    subject: str | None = None,
    detail: Mapping[str, object] | str | None = None,
) -> None:
    """Append one row to the audit log inside the caller's transaction, chained to the last.

    Writing the row in the same transaction as the change it records means a change is never
    on file without its trace, nor a trace without its change. The row carries its position in
    the chain, the previous row's hash and an HMAC-SHA256 over all of it (:func:`audit_key`),
    so :func:`verify_audit_chain` finds a row edited, deleted or moved afterwards.
    """
    username = actor.username if isinstance(actor, Principal) else str(actor)
    role = actor.role.value if isinstance(actor, Principal) else None
    if detail is not None and not isinstance(detail, str):
        detail = json.dumps(detail, default=str, sort_keys=True)
    fields = {
        "at": _now(),
        "actor": username[:200],
        "role": role,
        "action": AuditAction(action).value,
        "subject": None if subject is None else str(subject)[:200],
        "detail": detail,
    }
    key = audit_key(conn.engine)
    head = schema.audit_chain_head
    # Moving the head first takes SQLite's write lock or PostgreSQL's row lock before the last
    # hash is read: two appenders never chain to the same row.
    moved = conn.execute(head.update().where(head.c.id == 1).values(seq=head.c.seq + 1)).rowcount
    if moved:
        seq, prev = conn.execute(
            sa.select(head.c.seq, head.c.last_hash).where(head.c.id == 1)
        ).one()
    else:  # the head row is gone: carry on from the newest chained row
        a = schema.audit_log
        last = conn.execute(
            sa.select(a.c.chain_seq, a.c.chain_hash)
            .where(a.c.chain_seq.is_not(None))
            .order_by(a.c.chain_seq.desc())
            .limit(1)
        ).first()
        seq, prev = (last.chain_seq + 1, last.chain_hash) if last else (1, "")
        conn.execute(head.insert().values(id=1, seq=seq, last_hash=prev))
    digest = chain_hash(key, seq, prev, fields)
    conn.execute(
        schema.audit_log.insert().values(
            **fields, chain_seq=seq, chain_prev=prev, chain_hash=digest
        )
    )
    conn.execute(head.update().where(head.c.id == 1).values(last_hash=digest))


def _canonical_time(value: dt.datetime | str) -> str:
    """``at`` as UTC ISO text with microseconds, however the driver returned it."""
    if isinstance(value, str):  # a driver without datetime types
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")


def chain_hash(key: bytes, seq: int, prev: str, fields: Mapping[str, object]) -> str:
    """HMAC-SHA256 (hex) of one audit row: its position, the previous hash and its columns."""
    message = json.dumps(
        [
            int(seq),
            prev,
            _canonical_time(fields["at"]),
            fields["actor"],
            fields["role"],
            fields["action"],
            fields["subject"],
            fields["detail"],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def record(
    engine: Engine,
    actor: Principal | str,
    action: AuditAction | str,
    subject: str | None = None,
    detail: Mapping[str, object] | str | None = None,
) -> None:
    """:func:`audit` in a transaction of its own (for views and exports, which change nothing)."""
    with engine.begin() as conn:
        audit(conn, actor, action, subject, detail)


AUDIT_COLUMNS = ("id", "at", "actor", "role", "action", "subject", "detail")
#: Actions whose subject is a person whose wellbeing data was looked at or decided on: outside
#: HR's own views their agent id is replaced by a pseudonym.
PERSONAL_ACTIONS = frozenset(
    {
        AuditAction.VIEW_AGENT.value,
        AuditAction.REVIEW.value,
        AuditAction.FOLLOWUP.value,
        AuditAction.FOLLOWUP_DONE.value,
        AuditAction.SET_LIMIT.value,
    }
)


def audit_frame(
    engine: Engine,
    *,
    since: dt.datetime | None = None,
    actions: list[str] | None = None,
    limit: int | None = None,
    pseudonym_key: bytes | None = None,
) -> pd.DataFrame:
    """Audit rows, newest first, for trusted callers (the command line); pages use
    :func:`read_audit`. With ``pseudonym_key`` the people behind wellbeing views and reviews
    appear as pseudonyms (:data:`PERSONAL_ACTIONS`)."""
    t = schema.audit_log
    query = sa.select(*[t.c[c] for c in AUDIT_COLUMNS]).order_by(t.c.id.desc())
    if since is not None:
        query = query.where(t.c.at >= since)
    if actions:
        query = query.where(t.c.action.in_(list(actions)))
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    if pseudonym_key is not None and len(frame):
        personal = frame["action"].isin(PERSONAL_ACTIONS) & frame["subject"].notna()
        frame.loc[personal, "subject"] = [
            pseudonymise(s, pseudonym_key) for s in frame.loc[personal, "subject"]
        ]
    return frame


def read_audit(
    engine: Engine,
    viewer: Principal,
    *,
    since: dt.datetime | None = None,
    actions: list[str] | None = None,
    limit: int = 5000,
    pseudonym_key: bytes,
) -> pd.DataFrame:
    """The newest audit rows (admins only), people behind wellbeing views and reviews shown by
    pseudonym (admins are not HR). Exports of it are audited by the caller."""
    require(viewer, Permission.READ_AUDIT)
    return audit_frame(
        engine, since=since, actions=actions, limit=limit, pseudonym_key=pseudonym_key
    )


# --- verifying the chain -------------------------------------------------------------------

AUDIT_KEY_ENV = "CREWCAST_AUDIT_KEY"
AUDIT_KEY_FILE = "audit.key"


def audit_key_path(engine: Engine) -> Path:
    """Where the audit chain's key lives: beside a SQLite database (the data directory by
    default), else in the data directory."""
    url = engine.url
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        return Path(database).parent / AUDIT_KEY_FILE
    return get_settings().data_dir / AUDIT_KEY_FILE


def audit_key(engine: Engine) -> bytes:
    """The audit chain's key: ``CREWCAST_AUDIT_KEY`` or a file made on first use (mode 0600).

    Kept out of the database, so whoever can rewrite the database file but not read the data
    directory's key cannot write a row that verifies. Back it up with the database: without it
    the log cannot be verified.
    """
    if os.environ.get(AUDIT_KEY_ENV):
        return os.environ[AUDIT_KEY_ENV].encode()
    return owner_only_secret(audit_key_path(engine))


@dataclass(frozen=True)
class ChainBreak:
    """The first place the audit chain does not hold.

    ``kind`` is ``edited`` (a row's contents no longer match its hash), ``deleted`` (chain
    positions missing, in the middle or at the end), ``reordered`` (a position out of order),
    ``inserted`` (a row without a hash after the chain began) or ``head`` (the head row does not
    match the newest row). ``row_id`` and ``at`` point at the row where it shows (None for a
    missing tail).
    """

    kind: str
    row_id: int | None
    at: dt.datetime | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_audit_chain` found: rows checked, rows from before the chain, the
    head (newest position and hash, worth writing down elsewhere), and the first break."""

    rows_checked: int
    rows_before_chain: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_audit_chain(engine: Engine, key: bytes | None = None) -> ChainReport:
    """Walk the audit log in id order and report the first link that does not hold.

    Each row's hash is recomputed from its columns, position and stored previous hash (a
    mismatch: edited); positions must run 1, 2, 3... in id order (a gap: deleted; a position
    found later or earlier: reordered); each row must name the hash of the row before it; and
    the head row must name the last row (else the newest rows were deleted). Rows written
    before the chain existed (migration 0007) carry no hash and are counted apart.
    """
    key = audit_key(engine) if key is None else key
    a, head = schema.audit_log, schema.audit_chain_head
    cols = [a.c[c] for c in (*AUDIT_COLUMNS, "chain_seq", "chain_prev", "chain_hash")]
    with engine.connect() as conn:
        positions = set(
            conn.execute(sa.select(a.c.chain_seq).where(a.c.chain_seq.is_not(None))).scalars()
        )
        stored_head = conn.execute(
            sa.select(head.c.seq, head.c.last_hash).where(head.c.id == 1)
        ).first()
        rows = conn.execute(sa.select(*cols).order_by(a.c.id)).all()
    before, checked, expected, prev = 0, 0, 1, ""

    def report(brk: ChainBreak | None) -> ChainReport:
        return ChainReport(checked, before, expected - 1, prev, brk)

    for row in rows:
        where = f"row {row.id} ({_canonical_time(row.at)[:19]} UTC, {row.action} by {row.actor})"
        if row.chain_hash is None:
            if expected == 1:
                before += 1
                continue
            return report(
                ChainBreak("inserted", row.id, row.at,
                           f"{where} has no chain hash: written outside Crewcast after the chain "
                           "began")
            )  # fmt: skip
        fields = row._asdict()
        if row.chain_seq is None or not hmac.compare_digest(
            chain_hash(key, row.chain_seq, row.chain_prev or "", fields), row.chain_hash
        ):
            return report(
                ChainBreak("edited", row.id, row.at,
                           f"{where} does not match its hash: edited (or forged) after it was "
                           "written")
            )  # fmt: skip
        if row.chain_seq != expected:
            if expected in positions or row.chain_seq < expected:
                return report(
                    ChainBreak("reordered", row.id, row.at,
                               f"{where} holds chain position {row.chain_seq} where "
                               f"{expected} belongs: rows were reordered")
                )  # fmt: skip
            missing = row.chain_seq - expected
            return report(
                ChainBreak("deleted", row.id, row.at,
                           f"{missing} row(s) missing just before {where} (chain positions "
                           f"{expected} to {row.chain_seq - 1}): deleted")
            )  # fmt: skip
        if row.chain_prev != prev:
            return report(
                ChainBreak("reordered", row.id, row.at,
                           f"{where} does not follow the row before it")
            )  # fmt: skip
        checked, expected, prev = checked + 1, expected + 1, row.chain_hash
    head_seq, head_hash = stored_head if stored_head is not None else (None, None)
    if head_seq is not None and head_seq > expected - 1:
        return report(
            ChainBreak("deleted", None, None,
                       f"the newest {head_seq - expected + 1} row(s) are missing: the chain "
                       f"ends at position {expected - 1}, its head says {head_seq}: deleted")
        )  # fmt: skip
    if (head_seq, head_hash) != (expected - 1, prev) and not (head_seq is None and checked == 0):
        return report(
            ChainBreak("head", None, None,
                       f"the chain's head (position {head_seq}) does not name the newest row "
                       f"(position {expected - 1}): the head was edited")
        )  # fmt: skip
    return report(None)


# --- secret files ----------------------------------------------------------------------------


def write_owner_only(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by its owner only (mode 0600).

    The file is made under a temporary name with that mode from the start and then moved into
    place, so there is no moment at which another local user could read it.
    """
    make_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def owner_only_secret(path: Path) -> bytes:
    """The secret in ``path``, made (32 random bytes, hex, mode 0600) on first use."""
    if not path.exists():
        make_private_dir(path.parent)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it a moment ago: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


# --- pseudonyms ------------------------------------------------------------------------------

PSEUDONYM_KEY_ENV = "CREWCAST_PSEUDONYM_KEY"


def pseudonym_key(data_dir: Path) -> bytes:
    """The secret behind pseudonyms: ``CREWCAST_PSEUDONYM_KEY`` or a file made on first use.

    The file lives in the data directory (never in the repository), readable by its owner only.
    """
    if os.environ.get(PSEUDONYM_KEY_ENV):
        return os.environ[PSEUDONYM_KEY_ENV].encode()
    return owner_only_secret(data_dir / "pseudonym.key")


def pseudonymise(agent_id: str, key: bytes) -> str:
    """A stable pseudonym such as ``"P-3F9C2A"`` for ``agent_id`` (keyed HMAC, not reversible
    without the key)."""
    digest = hmac.new(key, str(agent_id).encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:6].upper()}"


# --- the one-time setup token ----------------------------------------------------------------

SETUP_TOKEN_FILE = "setup-token"


def new_setup_token(data_dir: Path) -> tuple[str, Path]:
    """Make a fresh one-time token for creating the first admin; returns it and its file.

    Like a notebook server's token: whoever started the server sees it in the server's log and
    in ``<data dir>/setup-token`` (mode 0600), and nobody else can. A new one replaces the old.
    """
    token = secrets.token_urlsafe(24)
    path = data_dir / SETUP_TOKEN_FILE
    write_owner_only(path, token + "\n")
    return token, path


def discard_setup_token(data_dir: Path) -> None:
    """Remove the setup token file (there is an admin now: it has no use left)."""
    (data_dir / SETUP_TOKEN_FILE).unlink(missing_ok=True)


def claim_setup_token(data_dir: Path, offered: str) -> Path | None:
    """Take the setup token if ``offered`` is it; returns the claimed file, else None.

    Compared in constant time. The file is renamed away atomically, so of two people offering
    the right token at once exactly one gets it. The caller deletes the claimed file once the
    admin is created, or hands it back with :func:`release_setup_token` if that failed.
    """
    path = data_dir / SETUP_TOKEN_FILE
    try:
        stored = path.read_text().strip()
    except FileNotFoundError:
        return None
    if not stored or not hmac.compare_digest(stored.encode(), str(offered).strip().encode()):
        return None
    claimed = path.with_name(f".{SETUP_TOKEN_FILE}.claimed-{secrets.token_hex(4)}")
    try:
        os.rename(path, claimed)
    except FileNotFoundError:  # claimed a moment ago by someone else
        return None
    return claimed


def release_setup_token(claimed: Path) -> None:
    """Put a claimed token back (the admin could not be created)."""
    os.rename(claimed, claimed.with_name(SETUP_TOKEN_FILE))


# --- signed sign-in tokens -------------------------------------------------------------------

SESSION_KEY_FILE = "session.key"
#: How long a local sign-in lasts without signing in again.
SESSION_HOURS = 12


def session_key(data_dir: Path) -> bytes:
    """The secret that signs sign-in tokens: ``<data dir>/session.key`` (mode 0600), made on
    first use. Deleting the file signs everybody out."""
    return owner_only_secret(data_dir / SESSION_KEY_FILE)


@dataclass(frozen=True)
class SessionClaims:
    """What a valid sign-in token says: who, which account state, issued and expiring when."""

    username: str
    fingerprint: str
    issued_at: dt.datetime
    expires_at: dt.datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_session(
    key: bytes,
    username: str,
    fingerprint: str,
    *,
    now: dt.datetime | None = None,
    hours: float = SESSION_HOURS,
) -> str:
    """A token ``<payload>.<HMAC-SHA256>`` naming the user, their account's fingerprint and
    the issue and expiry times (UTC seconds)."""
    now = now or _now()
    payload = json.dumps(
        {
            "u": username,
            "f": fingerprint,
            "iat": math.floor(now.timestamp() * 1000) / 1000,  # never after the sign-in
            "exp": int((now + dt.timedelta(hours=hours)).timestamp()),
        },
        separators=(",", ":"),
    ).encode()
    body = _b64(payload)
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def read_session(key: bytes, token: str, *, now: dt.datetime | None = None) -> SessionClaims | None:
    """The claims of a correctly signed, unexpired token; None for anything else."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 2000:
        return None
    body, mac = token.split(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected.encode(), mac.encode()):
        return None
    try:
        data = json.loads(_unb64(body))
        claims = SessionClaims(
            str(data["u"]),
            str(data["f"]),
            dt.datetime.fromtimestamp(float(data["iat"]), dt.UTC),
            dt.datetime.fromtimestamp(int(data["exp"]), dt.UTC),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if claims.expires_at <= (now or _now()):
        return None
    return claims
