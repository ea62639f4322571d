"""Accounts: local users with argon2 password hashes, and OIDC identities mapped to roles.

Every change (add, remove, role change, password change) and every sign-in attempt is written to
the audit log in the same transaction as the change.

Passwords must pass :func:`check_password` (12 characters or more, and zxcvbn's strength score 3
of 4 or better with the user name and display name counted as guessable) wherever they are set:
the command line, the Admin page, the first admin's form. Password sign-ins are throttled per
user name and per client address (:func:`authenticate`), counted in the database so the limit
holds across sessions, processes and restarts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from data import schema
from data.access import (
    AuditAction,
    Permission,
    Principal,
    Role,
    audit,
    claim_setup_token,
    parse_role,
    read_session,
    release_setup_token,
    require,
    sign_session,
)
from data.drafts import delete_owner_drafts
from data.store import Store

#: argon2id with the library's defaults (RFC 9106 "low memory" profile).
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
#: Longer is refused: argon2 would hash it, but nobody types it and zxcvbn slows down.
MAX_PASSWORD_LENGTH = 1024
#: zxcvbn's 0-4 scale; 3 is "safely unguessable: moderate protection from offline slow-hash
#: scenario" (about 10^10 guesses), which argon2 hashes make an attack of years.
MIN_PASSWORD_SCORE = 3
#: zxcvbn's cost grows with length; beyond this many characters the rest only adds strength.
_ZXCVBN_CHARS = 100
#: The rule in words, for forms and help texts.
PASSWORD_RULE = (
    f"At least {MIN_PASSWORD_LENGTH} characters, and hard to guess: a few uncommon words "
    "work well; repeats, keyboard runs, common passwords and your own name are refused."
)
#: Failed password sign-ins allowed per user name within :data:`THROTTLE_WINDOW`.
MAX_FAILURES_PER_USER = 5
#: Failed password sign-ins allowed per client address (any user names) within the window.
MAX_FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = dt.timedelta(minutes=15)
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._@+-]{2,200}$")
#: Who acts when the command line changes accounts (audit "actor").
CLI_ACTOR = "cli"
#: Who acts when the first admin is made with the one-time setup token (audit "actor").
SETUP_ACTOR = "setup-token"
#: Account events after which a sign-in token issued earlier no longer works.
REVOKING_ACTIONS = (
    AuditAction.SIGN_OUT.value,
    AuditAction.USER_REMOVE.value,
    AuditAction.USER_ADD.value,
    AuditAction.ROLE_CHANGE.value,
    AuditAction.PASSWORD_CHANGE.value,
)


class AccountError(ValueError):
    """A refused account operation; the message says which user and why."""


class SignInLocked(AccountError):
    """Too many failed sign-ins for this user name or from this address: refused unchecked
    until ``until`` (UTC)."""

    def __init__(self, message: str, until: dt.datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    display_name: str
    local: bool  # has a password (else signs in through OIDC only)


def _check_username(username: str) -> str:
    name = str(username).strip()
    if not USERNAME_PATTERN.fullmatch(name):
        raise AccountError(
            f"user name {username!r} is not valid: use 2-200 letters, digits or . _ @ + -"
        )
    return name


def check_password(password: str, username: str = "", display_name: str = "") -> None:
    """Refuse a password that is short or easy to guess, saying why.

    Parameters
    ----------
    password : str
    username, display_name : str
        Counted as guessable words (``alicealice1234`` is weak for ``alice``).

    Raises
    ------
    AccountError
        Shorter than :data:`MIN_PASSWORD_LENGTH` characters, longer than
        :data:`MAX_PASSWORD_LENGTH`, or a zxcvbn score under :data:`MIN_PASSWORD_SCORE`; the
        message carries zxcvbn's warning and suggestions.
    """
    password = str(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    guessable = [w for w in (username, display_name, *str(display_name).split()) if w]
    result = zxcvbn(password[:_ZXCVBN_CHARS], user_inputs=guessable)
    score = int(result["score"])
    if score >= MIN_PASSWORD_SCORE:
        return
    feedback = result.get("feedback") or {}
    warning = str(feedback.get("warning") or "").strip().rstrip(".")
    if not warning and any(w.lower() in password.lower() for w in guessable if len(w) > 2):
        warning = "It contains the user's name"
    why = warning or "It follows a pattern that is quick to guess"
    hints = " ".join(str(h).strip() for h in feedback.get("suggestions") or [])
    raise AccountError(
        f"this password is too easy to guess: {why} (strength {score} of 4; "
        f"{MIN_PASSWORD_SCORE} needed). {hints or 'Use a few uncommon words.'}".rstrip()
    )


def _actor(actor: Principal | None) -> Principal | str:
    if actor is None:
        return CLI_ACTOR
    return require(actor, Permission.MANAGE_USERS)


def add_user(
    store: Store,
    username: str,
    role: Role | str,
    *,
    password: str | None = None,
    display_name: str = "",
    actor: Principal | None = None,
) -> User:
    """Create an account. Without a password it is an OIDC identity (e-mail as the user name).

    ``actor`` is the admin doing it in the app; ``None`` means the command line (whoever can run
    it already holds the server's files).
    """
    name, role = _check_username(username), parse_role(role)
    if password is not None:
        check_password(password, name, display_name)
    t = schema.users
    with store.engine.begin() as conn:
        if conn.execute(sa.select(t.c.id).where(t.c.username == name)).first():
            raise AccountError(f"user {name!r} already exists; use set-role to change the role")
        conn.execute(
            t.insert().values(
                username=name,
                display_name=display_name or None,
                role=role.value,
                password_hash=_hasher.hash(password) if password is not None else None,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        audit(
            conn,
            _actor(actor),
            AuditAction.USER_ADD,
            name,
            {"role": role.value, "sign_in": "password" if password is not None else "oidc"},
        )
    return User(name, role, display_name, password is not None)


def remove_user(store: Store, username: str, *, actor: Principal | None = None) -> None:
    """Delete an account and its drafts (its audit history stays, by user name)."""
    name = _check_username(username)
    t = schema.users
    with store.engine.begin() as conn:
        if conn.execute(t.delete().where(t.c.username == name)).rowcount == 0:
            raise AccountError(f"no user {name!r}")
        drafts = delete_owner_drafts(conn, name)
        audit(conn, _actor(actor), AuditAction.USER_REMOVE, name, {"drafts_deleted": drafts})


def set_role(
    store: Store, username: str, role: Role | str, *, actor: Principal | None = None
) -> None:
    name, role = _check_username(username), parse_role(role)
    t = schema.users
    with store.engine.begin() as conn:
        old = conn.execute(sa.select(t.c.role).where(t.c.username == name)).scalar()
        if old is None:
            raise AccountError(f"no user {name!r}")
        conn.execute(t.update().where(t.c.username == name).values(role=role.value))
        audit(conn, _actor(actor), AuditAction.ROLE_CHANGE, name, {"from": old, "to": role.value})


def set_password(
    store: Store, username: str, password: str, *, actor: Principal | None = None
) -> None:
    name = _check_username(username)
    t = schema.users
    with store.engine.connect() as conn:
        shown = conn.execute(sa.select(t.c.display_name).where(t.c.username == name)).scalar()
    check_password(password, name, shown or "")
    with store.engine.begin() as conn:
        changed = conn.execute(
            t.update().where(t.c.username == name).values(password_hash=_hasher.hash(password))
        ).rowcount
        if not changed:
            raise AccountError(f"no user {name!r}")
        audit(conn, _actor(actor), AuditAction.PASSWORD_CHANGE, name)


def list_users(store: Store, viewer: Principal | None = None) -> pd.DataFrame:
    """``username, display_name, role, sign_in, created_at`` (never the hashes)."""
    if viewer is not None:
        require(viewer, Permission.MANAGE_USERS, look_only=True)
    t = schema.users
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                t.c.username, t.c.display_name, t.c.role, t.c.password_hash, t.c.created_at
            ).order_by(t.c.username)
        ).all()
    return pd.DataFrame(
        [
            (r.username, r.display_name or "", r.role, "password" if r.password_hash else "oidc",
             r.created_at)
            for r in rows
        ],
        columns=["username", "display_name", "role", "sign_in", "created_at"],
    )  # fmt: skip


def authenticate(
    store: Store,
    username: str,
    password: str,
    *,
    address: str | None = None,
    now: dt.datetime | None = None,
) -> Principal | None:
    """The principal for a correct user name and password, else None; every outcome audited.

    A wrong user name costs a hash like a wrong password does, so timing does not reveal which
    names exist.

    Throttled: after :data:`MAX_FAILURES_PER_USER` failures for a user name since its last
    successful sign-in, or :data:`MAX_FAILURES_PER_ADDRESS` from one client ``address``,
    within :data:`THROTTLE_WINDOW`, further attempts are refused without checking the password
    (even the right one) until the oldest of those failures is older than the window; each
    refusal is audited as ``sign_in_locked``. ``address`` is None when unknown (behind some
    proxies, in tests): then the user name alone counts.

    Raises
    ------
    SignInLocked
        While the user name or the address is locked; the message says until when.
    """
    name = str(username).strip()[:200]
    address = None if not address else str(address)[:64]
    now = now or dt.datetime.now(dt.UTC)
    t, s = schema.users, schema.sign_in_attempts
    with store.engine.begin() as conn:
        locked = _locked_until(conn, name, address, now)
        if locked is not None:
            until, why = locked
            detail = {"until": until.isoformat(timespec="seconds"), "address": address, "why": why}
            audit(conn, name or "?", AuditAction.SIGN_IN_LOCKED, name, detail)
        else:
            row = conn.execute(
                sa.select(t.c.username, t.c.role, t.c.display_name, t.c.password_hash).where(
                    t.c.username == name
                )
            ).first()
            ok = False
            if row is None or row.password_hash is None:
                _hasher.hash(password)  # same cost as a real check
            else:
                try:
                    ok = _hasher.verify(row.password_hash, password)
                except (VerifyMismatchError, VerificationError, InvalidHashError):
                    ok = False
                if ok and _hasher.check_needs_rehash(row.password_hash):
                    conn.execute(
                        t.update()
                        .where(t.c.username == name)
                        .values(password_hash=_hasher.hash(password))
                    )
            # Attempts older than a day count for nothing: keep the table small.
            conn.execute(s.delete().where(s.c.at < now - dt.timedelta(days=1)))
            conn.execute(s.insert().values(at=now, username=name, address=address, succeeded=ok))
            if not ok:
                detail = {"address": address} if address else {}
                after = _locked_until(conn, name, address, now)
                if after is not None:
                    detail["locked_until"] = after[0].isoformat(timespec="seconds")
                audit(conn, name or "?", AuditAction.SIGN_IN_FAILED, name, detail or None)
                return None
            principal = Principal(row.username, row.role, row.display_name or "")
            audit(conn, principal, AuditAction.SIGN_IN, row.username, {"method": "password"})
            return principal
    raise SignInLocked(
        f"too many failed sign-ins {why}: try again after {until:%H:%M} UTC "
        f"(or ask an admin to set a new password)",
        until,
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _locked_until(
    conn, name: str, address: str | None, now: dt.datetime
) -> tuple[dt.datetime, str] | None:
    """When the lock on ``name`` or ``address`` ends and why, or None if neither is locked.

    A sliding window: locked while the window holds the limit's number of failures; the lock
    ends when the oldest of them leaves it.
    """
    s = schema.sign_in_attempts
    since = now - THROTTLE_WINDOW
    last_ok = conn.execute(
        sa.select(sa.func.max(s.c.at)).where(s.c.username == name, s.c.succeeded.is_(True))
    ).scalar()
    checks = [
        (
            [s.c.username == name, *([s.c.at > last_ok] if last_ok is not None else [])],
            MAX_FAILURES_PER_USER,
            f"for the user name {name!r}",
        )
    ]
    if address:
        checks.append(([s.c.address == address], MAX_FAILURES_PER_ADDRESS, "from this address"))
    ends = []
    for where, limit, why in checks:
        failures = (
            conn.execute(
                sa.select(s.c.at)
                .where(*where, s.c.succeeded.is_(False), s.c.at >= since, s.c.at <= now)
                .order_by(s.c.at.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if len(failures) >= limit:
            ends.append((_aware(failures[-1]) + THROTTLE_WINDOW, why))
    return max(ends) if ends else None


def principal_for_identity(store: Store, email: str | None) -> Principal | None:
    """The principal an OIDC identity (its e-mail) maps to, or None if it has no account."""
    if not email:
        return None
    t = schema.users
    with store.engine.begin() as conn:
        row = conn.execute(
            sa.select(t.c.username, t.c.role, t.c.display_name).where(
                sa.func.lower(t.c.username) == str(email).strip().lower()
            )
        ).first()
        if row is None:
            audit(conn, str(email)[:200], AuditAction.SIGN_IN_FAILED, str(email)[:200],
                  {"method": "oidc", "why": "no account"})  # fmt: skip
            return None
        principal = Principal(row.username, row.role, row.display_name or "")
        audit(conn, principal, AuditAction.SIGN_IN, row.username, {"method": "oidc"})
    return principal


# --- the first admin ---------------------------------------------------------------------------


def add_first_admin(
    store: Store,
    data_dir: Path,
    setup_token: str,
    username: str,
    password: str,
    *,
    display_name: str = "",
) -> User:
    """Create the first admin with the one-time setup token (see ``data.access``).

    Refused (:class:`AccountError`, nothing changed) when any account exists, when the token is
    not the one in ``<data_dir>/setup-token``, or when the name or password are not valid. The
    token is used up by a success only: a typo in the password leaves it usable.
    """
    name = _check_username(username)
    check_password(password, name, display_name)
    if store.has_users():
        raise AccountError("an account exists already: sign in, or ask an admin for one")
    claimed = claim_setup_token(data_dir, setup_token)
    if claimed is None:
        raise AccountError(
            "that is not the setup token (it is in the server's log and in the file "
            f"{data_dir / 'setup-token'} on the server; each token works once)"
        )
    t = schema.users
    try:
        with store.engine.begin() as conn:
            # Checked again inside the transaction: two first admins at once make one.
            if conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one():
                raise AccountError("an account exists already: sign in, or ask an admin for one")
            conn.execute(
                t.insert().values(
                    username=name,
                    display_name=display_name or None,
                    role=Role.ADMIN.value,
                    password_hash=_hasher.hash(password),
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            audit(
                conn,
                SETUP_ACTOR,
                AuditAction.USER_ADD,
                name,
                {"role": Role.ADMIN.value, "sign_in": "password", "via": "setup token"},
            )
    except BaseException:
        release_setup_token(claimed)
        raise
    claimed.unlink(missing_ok=True)
    return User(name, Role.ADMIN, display_name, True)


# --- staying signed in -------------------------------------------------------------------------


def _fingerprint(row) -> str:
    """Changes whenever the account's role, password or creation changes (not reversible)."""
    text = f"{row.username}|{row.role}|{row.password_hash}|{row.created_at}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _account_row(conn, username: str):
    t = schema.users
    return conn.execute(
        sa.select(
            t.c.username, t.c.role, t.c.display_name, t.c.password_hash, t.c.created_at
        ).where(t.c.username == username)
    ).first()


def account_principal(store: Store, username: str) -> Principal | None:
    """The account ``username`` as it is now (role, name), or None if it was removed.

    Pages call this on every run, so a removed or downgraded user loses access at once.
    """
    with store.engine.connect() as conn:
        row = _account_row(conn, str(username))
    return None if row is None else Principal(row.username, row.role, row.display_name or "")


def issue_session_token(store: Store, principal: Principal, key: bytes) -> str:
    """A signed, expiring token that keeps ``principal`` (just signed in) signed in."""
    with store.engine.connect() as conn:
        row = _account_row(conn, principal.username)
    if row is None or row.password_hash is None:
        raise AccountError(f"no local account {principal.username!r}")
    return sign_session(key, row.username, _fingerprint(row))


def principal_for_session_token(store: Store, token: str, key: bytes) -> Principal | None:
    """Who a sign-in token signs in, checked against the account as it is now.

    None when the token is forged or expired, the account is gone or its role or password
    changed since the token was issued (the fingerprint differs), or the user signed out or
    had their account changed after it was issued (the audit log says so).
    """
    claims = read_session(key, token)
    if claims is None:
        return None
    a = schema.audit_log
    with store.engine.connect() as conn:
        row = _account_row(conn, claims.username)
        if row is None or row.password_hash is None or _fingerprint(row) != claims.fingerprint:
            return None
        # ``at`` is indexed: this reads only the entries written since the token was issued.
        revoked = conn.execute(
            sa.select(a.c.id)
            .where(
                a.c.at >= claims.issued_at,
                a.c.subject == row.username,
                a.c.action.in_(REVOKING_ACTIONS),
            )
            .limit(1)
        ).first()
    if revoked is not None:
        return None
    return Principal(row.username, row.role, row.display_name or "")


def sign_out(store: Store, principal: Principal) -> None:
    """Record the sign-out; every sign-in token issued to the user before it stops working."""
    with store.engine.begin() as conn:
        audit(conn, principal, AuditAction.SIGN_OUT, principal.username)
