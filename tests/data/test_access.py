"""Roles, accounts, the append-only audit log, import checks, file-name labels and retention."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from data import schema
from data.access import (
    ROLE_PERMISSIONS,
    AccessDenied,
    Permission,
    Principal,
    Role,
    audit_frame,
    pseudonymise,
    read_audit,
    record,
    require,
)
from data.config import Settings
from data.readers import safe_file_label
from data.retention import RetentionError, purge_hr_data
from data.store import open_store
from data.users import (
    AccountError,
    add_user,
    authenticate,
    list_users,
    principal_for_identity,
    remove_user,
    set_role,
)
from data.validation import ReadOptions

OPT = ReadOptions(today=dt.date(2026, 11, 22))
AGENTS = (
    b"agent_id,name,team,country,contract_hours_per_week,channels\nA1,Ana,AR Voice,AR,40,voice\n"
)
ABSENCES = b"agent_id,start_date,end_date,type\nA1,2023-01-02,2023-01-04,sick\nA1,2026-10-05,2026-10-06,vacation\n"
PASSWORD = "correct horse battery"

HR = Principal("hana", Role.HR)
MANAGER = Principal("max", Role.MANAGER)
PLANNER = Principal("pia", Role.PLANNER)
ADMIN = Principal("ada", Role.ADMIN)


@pytest.fixture
def store(database_url, tmp_path):
    return open_store(Settings(tmp_path, database_url))


def audit_rows(store):
    return audit_frame(store.engine).iloc[::-1].reset_index(drop=True)


def test_only_hr_sees_individual_wellbeing_and_only_admin_manages():
    who_sees = {
        r for r, perms in ROLE_PERMISSIONS.items() if Permission.VIEW_INDIVIDUAL_WELLBEING in perms
    }
    assert who_sees == {Role.HR}
    assert {r for r, p in ROLE_PERMISSIONS.items() if Permission.MANAGE_USERS in p} == {Role.ADMIN}
    assert {r for r, p in ROLE_PERMISSIONS.items() if Permission.VIEW_TEAM_WELLBEING in p} == {
        Role.HR,
        Role.MANAGER,
        Role.ADMIN,
    }
    with pytest.raises(
        AccessDenied, match=r"max \(manager\) may not view individual wellbeing; roles that may: hr"
    ):
        require(MANAGER, Permission.VIEW_INDIVIDUAL_WELLBEING)
    with pytest.raises(AccessDenied, match="sign in first"):
        require(None, Permission.VIEW_DATA)
    assert require(HR, "view_individual_wellbeing") is HR
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        Principal("x", "boss")


def test_store_load_checks_the_role_and_hides_absence_types(store):
    store.import_file("agents", AGENTS, "agents.csv", OPT)
    store.import_file("absences", ABSENCES, "absences.csv", OPT)
    assert set(store.load("absences", HR)["type"]) == {"sick", "vacation"}
    assert set(store.load("absences", PLANNER)["type"]) == {"other"}  # away, not why
    assert len(store.load("absences", PLANNER)) == 2
    for kind in ("hours", "performance"):
        with pytest.raises(AccessDenied):
            store.load(kind, PLANNER)
        with pytest.raises(AccessDenied):
            store.load(kind, MANAGER)
    assert set(store.load("absences")["type"]) == {"sick", "vacation"}  # trusted code


def test_imports_are_checked_and_audited_in_the_same_transaction(store):
    with pytest.raises(AccessDenied, match="import hr"):
        store.import_file("agents", AGENTS, "agents.csv", OPT, actor=PLANNER)
    with pytest.raises(AccessDenied, match="import planning"):
        store.import_file(
            "traffic", b"country,date,sessions\nAR,2026-01-01,5\n", "t.csv", OPT, actor=HR
        )
    assert store.is_empty() and audit_rows(store).empty
    _, result = store.import_file("agents", AGENTS, "../../etc/agents.csv", OPT, actor=HR)
    assert result is not None
    log = audit_rows(store)
    assert list(log[["actor", "role", "action", "subject"]].iloc[0]) == [
        "hana",
        "hr",
        "import",
        "agents.csv",
    ]
    assert '"rows": 1' in log["detail"][0]
    store.import_file("absences", ABSENCES, "absences.csv", OPT, source_label="cli")
    assert audit_rows(store)["actor"].tolist() == ["hana", "cli"]


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\..\\contacts.csv", "contacts.csv"),
        ("..", "upload"),
        ("ok\x00name\n.csv", "okname.csv"),
        ("a" * 300 + ".csv", "a" * 255),
    ],
)
def test_uploaded_file_names_are_labels_never_paths(raw, label):
    assert safe_file_label(raw) == label


def test_the_audit_log_refuses_edits_and_deletions(store):
    record(store.engine, HR, "view_agent", "A1")
    t = schema.audit_log
    for statement in (t.update().values(actor="someone else"), t.delete()):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), store.engine.begin() as conn:
            conn.execute(statement)
    assert audit_rows(store)["actor"].tolist() == ["hana"]
    with pytest.raises(AccessDenied):
        read_audit(store.engine, HR, pseudonym_key=b"k")
    record(store.engine, ADMIN, "import", "agents.csv")
    shown = read_audit(store.engine, ADMIN, pseudonym_key=b"k")["subject"].tolist()
    assert shown == ["agents.csv", pseudonymise("A1", b"k")]  # newest first; admins are not HR
    assert audit_frame(store.engine)["subject"].tolist() == ["agents.csv", "A1"]


def test_accounts_hash_passwords_and_audit_every_change(store):
    assert not store.has_users()
    add_user(store, "alice", "hr", password=PASSWORD, display_name="Alice")
    add_user(store, "carol@example.com", "manager")
    assert store.has_users()
    with store.engine.connect() as conn:
        stored = conn.execute(
            sa.select(schema.users.c.password_hash).where(schema.users.c.username == "alice")
        ).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert authenticate(store, "alice", PASSWORD) == Principal("alice", Role.HR, "Alice")
    assert authenticate(store, "alice", "wrong password!!") is None
    assert authenticate(store, "nobody", PASSWORD) is None
    assert authenticate(store, "carol@example.com", "") is None  # OIDC-only: no password sign-in
    with pytest.raises(AccountError, match="already exists"):
        add_user(store, "alice", "admin", password=PASSWORD)
    with pytest.raises(AccountError, match="at least 12 characters"):
        add_user(store, "bob", "planner", password="short")
    with pytest.raises(AccountError, match="not valid"):
        add_user(store, "bob'; DROP TABLE users;--", "planner")
    with pytest.raises(AccessDenied):
        set_role(store, "alice", "admin", actor=HR)
    set_role(store, "alice", "admin", actor=ADMIN)
    assert principal_for_identity(store, "Carol@Example.com").role is Role.MANAGER
    assert principal_for_identity(store, "mallory@example.com") is None
    remove_user(store, "carol@example.com", actor=ADMIN)
    assert list_users(store)["username"].tolist() == ["alice"]
    log = audit_rows(store)
    assert log["action"].tolist() == [
        "user_add", "user_add", "sign_in", "sign_in_failed", "sign_in_failed", "sign_in_failed",
        "role_change", "sign_in", "sign_in_failed", "user_remove",
    ]  # fmt: skip
    assert log.loc[6, "actor"] == "ada" and '"to": "admin"' in log.loc[6, "detail"]


def test_old_password_hashes_are_upgraded_on_sign_in(store):
    add_user(store, "alice", "hr", password=PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with store.engine.begin() as conn:
        conn.execute(schema.users.update().values(password_hash=weak))
    assert authenticate(store, "alice", PASSWORD) is not None
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(schema.users.c.password_hash)).scalar() != weak


def test_sql_in_a_filter_is_a_value_not_sql(store):
    store.import_file("agents", AGENTS, "agents.csv", OPT)
    assert store.load("agents", agent_id=["A1' OR '1'='1"]).empty
    assert len(store.load("agents", agent_id=["A1"])) == 1


def test_purge_deletes_only_old_hr_records_and_is_audited(store):
    store.import_file("agents", AGENTS, "agents.csv", OPT)
    store.import_file("absences", ABSENCES, "absences.csv", OPT)
    with pytest.raises(RetentionError, match="shorter than the 366 days"):
        purge_hr_data(store, days=30)
    with pytest.raises(AccessDenied):
        purge_hr_data(store, days=730, actor=MANAGER)
    before = len(audit_rows(store))
    preview = purge_hr_data(store, days=730, today=dt.date(2026, 11, 22), dry_run=True)
    assert preview.deleted["absences"] == 1 and len(store.load("absences")) == 2
    assert len(audit_rows(store)) == before  # a preview changes nothing
    done = purge_hr_data(store, days=730, today=dt.date(2026, 11, 22), actor=HR)
    assert done.cutoff == dt.date(2024, 11, 22)
    assert store.load("absences")["start_date"].dt.year.tolist() == [2026]
    last = audit_rows(store).iloc[-1]
    assert (last["action"], last["actor"]) == ("purge", "hana")
    assert '"absences": 1' in last["detail"]


def test_pseudonyms_are_stable_keyed_and_distinct():
    assert pseudonymise("A1", b"k") == pseudonymise("A1", b"k")
    assert pseudonymise("A1", b"k") != pseudonymise("A1", b"other key")
    names = {pseudonymise(f"A{i}", b"k") for i in range(500)}
    assert len(names) == 500 and all(n.startswith("P-") and len(n) == 8 for n in names)


def test_the_demo_visitor_may_look_at_accounts_and_settings_but_never_change_them():
    demo = Principal("demo", Role.ADMIN, demo=True)
    for permission in (Permission.MANAGE_USERS, Permission.PURGE_HR_DATA, Permission.REMOVE_SAMPLE):
        with pytest.raises(AccessDenied, match="demo mode is read-only"):
            require(demo, permission)
        assert require(demo, permission, look_only=True) is demo
    assert require(demo, Permission.RUN_FORECASTS) is demo  # the rest of the demo works


def test_demo_admin_cannot_add_accounts_or_purge_but_may_count(store):
    demo = Principal("demo", Role.ADMIN, demo=True)
    with pytest.raises(AccessDenied, match="demo mode is read-only"):
        add_user(store, "mallory", "admin", password=PASSWORD, actor=demo)
    with pytest.raises(AccessDenied, match="demo mode is read-only"):
        purge_hr_data(store, actor=demo)
    assert purge_hr_data(store, actor=demo, dry_run=True).dry_run
    assert list_users(store, demo).empty
    assert not store.has_users()


def test_secret_files_are_owner_only(tmp_path):
    from data.access import new_setup_token, pseudonym_key, session_key

    token, path = new_setup_token(tmp_path)
    assert path.read_text().strip() == token
    session_key(tmp_path)
    pseudonym_key(tmp_path)
    for name in ("setup-token", "session.key", "pseudonym.key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    assert session_key(tmp_path) == session_key(tmp_path)  # made once, then read


def test_sign_in_tokens_are_signed_expire_and_follow_the_account(store):
    from data.access import read_session, sign_session
    from data.users import issue_session_token, principal_for_session_token, sign_out

    key, other_key = b"k" * 32, b"o" * 32
    now = dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC)
    token = sign_session(key, "ada", "fp", now=now, hours=12)
    assert read_session(key, token, now=now + dt.timedelta(hours=11)).username == "ada"
    assert read_session(key, token, now=now + dt.timedelta(hours=12)) is None  # expired
    assert read_session(other_key, token, now=now) is None  # another server's key
    body, mac = token.split(".")
    forged_body = sign_session(key, "root", "fp", now=now).split(".")[0]
    assert read_session(key, f"{forged_body}.{mac}", now=now) is None
    for junk in ("", "a.b.c", "x" * 3000, f"{body}."):
        assert read_session(key, junk, now=now) is None

    add_user(store, "ada", "admin", password=PASSWORD)
    ada = authenticate(store, "ada", PASSWORD)
    live = issue_session_token(store, ada, key)
    assert principal_for_session_token(store, live, key) == Principal("ada", Role.ADMIN)
    set_role(store, "ada", "planner")  # downgraded: the old token is refused
    assert principal_for_session_token(store, live, key) is None
    fresh = issue_session_token(store, authenticate(store, "ada", PASSWORD), key)
    assert principal_for_session_token(store, fresh, key).role == Role.PLANNER
    sign_out(store, Principal("ada", Role.PLANNER))
    assert principal_for_session_token(store, fresh, key) is None
    third = issue_session_token(store, authenticate(store, "ada", PASSWORD), key)
    remove_user(store, "ada")
    assert principal_for_session_token(store, third, key) is None
