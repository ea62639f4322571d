"""Handing out an export: who may have the file is checked when it is made, and the file is
recorded in the audit log as it leaves.

The dashboard's downloads build their files when clicked (Streamlit's deferred downloads), so
the check and the audit row belong to the very request that returns the bytes: no file is
handed out without its row, and a user removed, downgraded or signed out after the page was
drawn gets nothing from the buttons still on their screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from data.access import AccessDenied, AuditAction, Permission, Principal, record, require
from data.store import Store


def hand_out(
    store: Store,
    who_now: Callable[[], Principal | None],
    permission: Permission,
    file_name: str,
    content: bytes | Callable[[], bytes],
    detail: Mapping[str, object],
) -> bytes:
    """The bytes of ``file_name`` for whoever ``who_now()`` says is acting at this moment.

    Raises :class:`~data.access.AccessDenied` (and records nothing) when nobody is signed in
    any more or their role no longer holds ``permission``; otherwise writes one ``export``
    audit row (``detail`` plus the file's size) and returns the bytes.
    """
    principal = who_now()
    if principal is None:
        raise AccessDenied(f"{file_name}: the sign-in has ended; sign in again to download it")
    require(principal, permission)
    data = content() if callable(content) else content
    record(store.engine, principal, AuditAction.EXPORT, file_name, {**detail, "bytes": len(data)})
    return data
