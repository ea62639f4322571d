"""The demo visitor imports nothing, whatever role they view as: an import would end demo mode
for every visitor. A file can still be checked (the preview's validation)."""

from __future__ import annotations

import datetime as dt

import pytest

from data.access import AccessDenied, Principal, Role
from data.config import Settings
from data.store import check_import, open_store
from data.validation import ReadOptions

CONTACTS = b"country,date,contacts\nAR,2026-10-01,10\nAR,2026-10-02,12\n"
OPTIONS = ReadOptions(today=dt.date(2026, 11, 22))


@pytest.fixture
def store(database_url, tmp_path):
    return open_store(Settings(tmp_path, database_url))


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_the_demo_visitor_imports_nothing_in_any_role(store, role):
    demo = Principal("demo", role, "Demo visitor", demo=True)
    with pytest.raises(AccessDenied) as refused:
        store.import_file("contacts", CONTACTS, "contacts.csv", OPTIONS, actor=demo)
    assert store.batches().empty and store.load("contacts").empty  # nothing half-written
    if role in ("planner", "admin"):  # roles that import contacts: refused for being the demo
        assert "demo mode is read-only for accounts, settings and data" in str(refused.value)
        assert "needs an admin or a planner signed in with a real account" in str(refused.value)
        check_import(demo, "contacts", look_only=True)  # checking the file is allowed


def test_a_signed_in_planner_imports_the_same_file(store):
    planner = Principal("pia", "planner", "Pia")
    report, result = store.import_file("contacts", CONTACTS, "contacts.csv", OPTIONS, actor=planner)
    assert result is not None and result.rows_written == 2, report.messages()
