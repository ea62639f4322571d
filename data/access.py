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

import datetime as dt
import hashlib
import hmac
import json
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


def require(principal: Principal | None, permission: Permission | str) -> Principal:
    """Return ``principal`` if it holds ``permission``; raise :class:`AccessDenied` otherwise."""
    permission = Permission(permission)
    if principal is None:
        raise AccessDenied(f"sign in first: {permission.value.replace('_', ' ')} needs an account")
    if not principal.can(permission):
        allowed = ", ".join(r.value for r, perms in ROLE_PERMISSIONS.items() if permission in perms)
        raise AccessDenied(
            f"{principal.username} ({principal.role.value}) may not "
            f"{permission.value.replace('_', ' ')}; roles that may: {allowed}"
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


# --- pseudonyms ------------------------------------------------------------------------------

PSEUDONYM_KEY_ENV = "CREWCAST_PSEUDONYM_KEY"


def pseudonym_key(data_dir: Path) -> bytes:
    """The secret behind pseudonyms: ``CREWCAST_PSEUDONYM_KEY`` or a file made on first use.

    The file lives in the data directory (never in the repository), readable by its owner only.
    """
    if os.environ.get(PSEUDONYM_KEY_ENV):
        return os.environ[PSEUDONYM_KEY_ENV].encode()
    path = data_dir / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def pseudonymise(agent_id: str, key: bytes) -> str:
    """A stable pseudonym such as ``"P-3F9C2A"`` for ``agent_id`` (keyed HMAC, not reversible
    without the key)."""
    digest = hmac.new(key, str(agent_id).encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:6].upper()}"
