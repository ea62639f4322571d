"""Accounts: local users with argon2 password hashes, and OIDC identities mapped to roles.

Every change (add, remove, role change, password change) and every sign-in attempt is written to
the audit log in the same transaction as the change.
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
from data.store import Store

#: argon2id with the library's defaults (RFC 9106 "low memory" profile).
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
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


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


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
        _check_password(password)
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
    """Delete an account (its audit history stays, by user name)."""
    name = _check_username(username)
    t = schema.users
    with store.engine.begin() as conn:
        if conn.execute(t.delete().where(t.c.username == name)).rowcount == 0:
            raise AccountError(f"no user {name!r}")
        audit(conn, _actor(actor), AuditAction.USER_REMOVE, name)


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
    _check_password(password)
    t = schema.users
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


def authenticate(store: Store, username: str, password: str) -> Principal | None:
    """The principal for a correct user name and password, else None; both outcomes audited.

    A wrong user name costs a hash like a wrong password does, so timing does not reveal which
    names exist.
    """
    name = str(username).strip()
    t = schema.users
    with store.engine.begin() as conn:
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
        if not ok:
            audit(conn, name[:200] or "?", AuditAction.SIGN_IN_FAILED, name[:200])
            return None
        principal = Principal(row.username, row.role, row.display_name or "")
        audit(conn, principal, AuditAction.SIGN_IN, row.username, {"method": "password"})
    return principal


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
    _check_password(password)
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
