"""Who may do what, and the audit trail of it.

Roles and permissions live here, in the data layer, so that every data function a page calls
can check the caller itself: hiding a page is not access control.

Roles
-----
``admin``
    Users, imports, the audit log; forecasts, staffing and schedules. No individual wellbeing
    data (an admin is not HR).
``hr``
    Individual wellbeing flags, their reasons and timelines, and the review workflow; team
    aggregates; imports of HR files.
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
#: accounts and settings, so an anonymous visitor cannot leave an account or a purge behind.
DEMO_READ_ONLY = frozenset({P.MANAGE_USERS, P.PURGE_HR_DATA, P.REMOVE_SAMPLE})

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
    removing the sample) unless ``look_only``: the caller only shows what the action would do.
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
        raise AccessDenied(
            f"demo mode is read-only for accounts and settings: "
            f"{permission.value.replace('_', ' ')} needs an admin signed in with a real account"
        )
    return principal


# --- audit log -------------------------------------------------------------------------------


class AuditAction(StrEnum):
    VIEW_AGENT = "view_agent"  # an individual's wellbeing data was shown
    VIEW_FLAGS = "view_flags"  # the list of individual flags was shown
    REVIEW = "review"  # a flag's review state changed
    EVALUATE = "evaluate"  # flags re-evaluated
    IMPORT = "import"
    EXPORT = "export"
    SAVE_FORECAST = "save_forecast"
    PUBLISH_SCHEDULE = "publish_schedule"
    SAVE_QUEUE_SETTINGS = "save_queue_settings"  # a queue's handle time, hours or profile
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
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
    """Append one row to the audit log inside the caller's transaction.

    Writing the row in the same transaction as the change it records means a change is never
    on file without its trace, nor a trace without its change.
    """
    username = actor.username if isinstance(actor, Principal) else str(actor)
    role = actor.role.value if isinstance(actor, Principal) else None
    if detail is not None and not isinstance(detail, str):
        detail = json.dumps(detail, default=str, sort_keys=True)
    conn.execute(
        schema.audit_log.insert().values(
            at=_now(),
            actor=username[:200],
            role=role,
            action=AuditAction(action).value,
            subject=None if subject is None else str(subject)[:200],
            detail=detail,
        )
    )


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
PERSONAL_ACTIONS = frozenset({AuditAction.VIEW_AGENT.value, AuditAction.REVIEW.value})


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


# --- secret files ----------------------------------------------------------------------------


def write_owner_only(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by its owner only (mode 0600).

    The file is made under a temporary name with that mode from the start and then moved into
    place, so there is no moment at which another local user could read it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def owner_only_secret(path: Path) -> bytes:
    """The secret in ``path``, made (32 random bytes, hex, mode 0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
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
