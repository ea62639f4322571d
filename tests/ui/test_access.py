"""AppTest per role: what the menu offers, what each page refuses, sign-in, OIDC and demo mode."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data.access import (
    SETUP_TOKEN_FILE,
    AccessDenied,
    Principal,
    Role,
    audit_frame,
    new_setup_token,
)
from data.config import get_settings
from data.store import open_store
from data.users import (
    AccountError,
    add_first_admin,
    add_user,
    list_users,
    remove_user,
    set_role,
)
from services.sample import remove_sample
from tests.conftest import REPO_ROOT
from tests.ui.conftest import data_dir_with

APP = str(REPO_ROOT / "app.py")
PASSWORD = "correct horse battery"


def app(role: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if role:
        at.session_state["demo_role"] = role
    return at


def page_titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (
            "planner",
            ["overview", "forecast", "staffing", "schedule"],
            ["admin", "wellbeing", "flag_review"],
        ),
        (
            "manager",
            ["overview", "forecast", "staffing", "schedule", "wellbeing"],
            ["admin", "flag_review"],
        ),
        (
            "hr",
            ["wellbeing", "flag_review"],
            ["overview", "forecast", "staffing", "schedule", "admin"],
        ),
        ("admin", ["forecast", "admin", "wellbeing"], ["flag_review"]),
    ],
)
def test_each_role_gets_its_pages_and_is_refused_the_others(
    seeded_data_dir, role, allowed, refused
):
    at = app(role)
    at.run()
    assert not at.exception, at.exception
    assert "Demo mode" in at.sidebar.warning[0].value
    assert at.sidebar.selectbox(key="demo_role").value == role
    for name in allowed:
        at.switch_page(f"app_pages/{name}_page.py").run()
        assert not at.exception, at.exception
        assert "Access refused" not in errors(at), (role, name)
    for name in refused:
        # Run the page script itself: what a hand-typed address reaches if the menu is bypassed.
        page = AppTest.from_file(
            str(REPO_ROOT / "app_pages" / f"{name}_page.py"), default_timeout=120
        )
        page.session_state["demo_role"] = role
        page.run()
        assert "Access refused" in errors(page), (role, name)
        assert not page.title, "a refused page must render nothing of its own"


def test_admin_page_manages_accounts_and_reads_the_audit_log(seeded_data_dir):
    # Only the checks: creating an account here would end demo mode for the shared database.
    at = app("admin")
    at.run()
    at.switch_page("app_pages/admin_page.py").run()
    assert not at.exception, at.exception
    assert page_titles(at) == ["Admin"]
    log = next(d.value for d in at.dataframe if "action" in d.value.columns)
    assert {"actor", "action", "subject"} <= set(log.columns)
    assert (log["action"] == "import").any()  # the sample's imports are on record
    at.multiselect(key="audit_actions").set_value(["purge"]).run()  # nothing purged yet
    assert not at.exception, at.exception
    assert not any("action" in d.value.columns for d in at.dataframe)
    assert any(i.value.startswith("No audit entries since ") for i in at.info)
    assert not at.get("download_button")


@pytest.fixture
def real_data_dir(tmp_path):
    """A database holding one imported (non-sample) file: no demo mode here."""
    with data_dir_with(
        tmp_path, [("traffic", b"country,date,sessions\nAR,2026-01-01,5\n")]
    ) as store:
        yield store


def test_real_data_without_accounts_asks_for_the_setup_token_and_opens_nothing(real_data_dir):
    at = app("admin")  # a demo role asked for must not open anything
    at.run()
    assert not at.exception, at.exception
    assert page_titles(at) == ["Create the first admin"]
    text = " ".join(m.value for m in at.markdown)
    assert "setup token" in text and ".venv/bin/crewcast user add NAME --role admin" in text
    assert "python cli.py" not in text  # fails on a fresh machine (no packages outside .venv)
    assert not at.sidebar.selectbox


def test_local_sign_in_and_out(real_data_dir):
    add_user(real_data_dir, "pia", "planner", password=PASSWORD, display_name="Pia")
    at = app()
    at.run()
    assert not at.exception, at.exception
    at.text_input(key="sign_in_user").input("pia")
    at.text_input(key="sign_in_password").input("not the password")
    at.button[0].click().run()
    assert "Wrong user name or password" in errors(at)
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert page_titles(at) == ["Overview"]  # no saved forecast here: its empty state
    assert "Signed in as **Pia (planner)**" in at.sidebar.caption[0].value
    log = audit_frame(real_data_dir.engine)
    assert log["action"].head(2).tolist() == ["sign_in", "sign_in_failed"]
    at.sidebar.button(key="sign_out").click().run()
    assert at.text_input(key="sign_in_user").value == ""


def test_oidc_identities_map_to_roles(real_data_dir):
    add_user(real_data_dir, "carol@example.com", "manager")
    secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback",
                        "cookie_secret": "x" * 32, "client_id": "id", "client_secret": "s",
                        "server_metadata_url": "https://id.example.com/.well-known/openid-configuration"}}  # fmt: skip
    at = app()
    at.secrets = secrets
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert at.button(key="oidc_sign_in").label == "Sign in"
    at = app()
    at.secrets = secrets
    at.user = {"is_logged_in": True, "email": "mallory@example.com"}
    at.run()
    assert "has no role in Crewcast" in errors(at)
    at = app()
    at.secrets = secrets
    at.user = {"is_logged_in": True, "email": "carol@example.com"}
    at.run()
    assert not at.exception, at.exception
    assert page_titles(at) == ["Overview"]
    assert "carol@example.com (manager)" in at.sidebar.caption[0].value
    set_role(real_data_dir, "carol@example.com", "planner")
    at.run()  # the same session: the account is read again, the new role applies at once
    assert not at.exception, at.exception
    assert "carol@example.com (planner)" in at.sidebar.caption[0].value
    remove_user(real_data_dir, "carol@example.com")
    at.run()
    assert "has no role in Crewcast" in errors(at)
    assert "--oidc" in errors(at)  # the command shown works as written


# --- the first run, the first admin, staying signed in ---------------------------------------


def setup_token(store) -> str:
    return (get_settings().data_dir / SETUP_TOKEN_FILE).read_text().strip()


def fill_first_admin(at: AppTest, token: str, password: str = PASSWORD) -> None:
    at.text_input(key="setup_token").input(token)
    at.text_input(key="setup_user").input("ada")
    at.text_input(key="setup_password").input(password)
    at.text_input(key="setup_password_again").input(password)
    at.button[0].click().run()


@pytest.fixture
def empty_data_dir(tmp_path):
    with data_dir_with(tmp_path) as store:
        yield store


def test_the_first_run_offers_the_sample_or_an_empty_start(empty_data_dir, monkeypatch):
    import services.sample

    seeded = []

    def small_sample(store, *args, **kwargs):  # the real one takes 30 s: same door, less data
        seeded.append(store)
        report, result = store.import_file(
            "traffic", b"country,date,sessions\nAR,2026-01-01,5\n", "traffic.csv",
            source_label="sample",
        )  # fmt: skip
        assert result is not None, report.lines()

    monkeypatch.setattr(services.sample, "seed_sample", small_sample)
    at = app()
    at.run()
    assert not at.exception, at.exception
    assert page_titles(at) == ["Welcome to Crewcast"]
    assert not empty_data_dir.has_users() and empty_data_dir.is_empty()  # nothing seeded unasked
    at.button(key="first_run_sample").click().run()
    assert not at.exception, at.exception
    assert len(seeded) == 1
    assert "Demo mode" in at.sidebar.warning[0].value  # the sample alone: demo mode


def test_start_empty_then_the_first_admin_with_the_setup_token(empty_data_dir):
    at = app()
    at.run()
    at.button(key="first_run_empty").click().run()
    assert page_titles(at) == ["Create the first admin"]
    token = setup_token(empty_data_dir)
    path = get_settings().data_dir / SETUP_TOKEN_FILE
    assert path.stat().st_mode & 0o777 == 0o600  # only whoever runs the server reads it
    fill_first_admin(at, "not-the-token")
    assert "not the setup token" in errors(at)
    assert not empty_data_dir.has_users()
    fill_first_admin(at, token, password="short")
    assert "at least 12 characters" in errors(at)
    fill_first_admin(at, token, password="aaaaaaaaaaaa")
    assert "too easy to guess" in errors(at)  # with zxcvbn's reason
    assert not empty_data_dir.has_users()
    assert path.exists(), "a refused attempt leaves the token usable"
    fill_first_admin(at, token)
    assert not at.exception, at.exception
    assert "Signed in as **ada (admin)**" in at.sidebar.caption[0].value
    assert not path.exists(), "the token is used up"
    with pytest.raises(AccountError, match="exists already"):
        add_first_admin(empty_data_dir, get_settings().data_dir, token, "eve", PASSWORD)
    log = audit_frame(empty_data_dir.engine)
    added = log[log["action"] == "user_add"].iloc[0]
    assert (added["actor"], added["subject"]) == ("setup-token", "ada")


def test_a_setup_token_works_once(empty_data_dir):
    data_dir = get_settings().data_dir
    token, _ = new_setup_token(data_dir)  # as the server does at start
    add_first_admin(empty_data_dir, data_dir, token, "ada", PASSWORD)
    remove_user(empty_data_dir, "ada")  # no account again, but the token is gone
    with pytest.raises(AccountError, match="not the setup token"):
        add_first_admin(empty_data_dir, data_dir, token, "eve", PASSWORD)


def sign_in_as(at: AppTest, username: str) -> None:
    at.text_input(key="sign_in_user").input(username)
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()


def reloaded(token: str) -> AppTest:
    """A browser reload: a new session that only has the address (?session=...)."""
    at = app()
    at.query_params["session"] = token
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_local_sign_in_survives_a_reload_and_sign_out_ends_it(real_data_dir):
    add_user(real_data_dir, "pia", "planner", password=PASSWORD, display_name="Pia")
    at = app()
    at.run()
    sign_in_as(at, "pia")
    token = at.query_params["session"]
    token = token[0] if isinstance(token, list) else token
    again = reloaded(token)
    assert "Signed in as **Pia (planner)**" in again.sidebar.caption[0].value
    assert not again.text_input  # no sign-in form
    forged = reloaded(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert forged.text_input(key="sign_in_user")  # a changed token signs in nobody
    again.sidebar.button(key="sign_out").click().run()
    assert "session" not in again.query_params
    copied = reloaded(token)  # the address copied before signing out
    assert copied.text_input(key="sign_in_user")
    assert "Your sign-in has ended" in " ".join(i.value for i in copied.info)


@pytest.mark.parametrize("change", ["remove", "downgrade"])
def test_a_removed_or_downgraded_users_sign_in_stops_at_once(real_data_dir, change):
    add_user(real_data_dir, "ada", "admin", password=PASSWORD)
    add_user(real_data_dir, "bob", "admin", password=PASSWORD)  # who removes or downgrades ada
    at = app()
    at.run()
    sign_in_as(at, "ada")
    token = at.query_params["session"]
    token = token[0] if isinstance(token, list) else token
    at.switch_page("app_pages/admin_page.py").run()
    assert page_titles(at) == ["Admin"]
    if change == "remove":
        remove_user(real_data_dir, "ada")
    else:
        set_role(real_data_dir, "ada", "manager")
    at.run()  # the same browser session's next run
    assert not at.exception, at.exception
    assert "Admin" not in page_titles(at)
    assert at.text_input(key="sign_in_user")  # signed out, asked to sign in again
    assert reloaded(token).text_input(key="sign_in_user")  # and the token is refused


def test_the_demo_admin_may_look_but_not_add_accounts(seeded_data_dir):
    at = app("admin")
    at.run()
    at.switch_page("app_pages/admin_page.py").run()
    assert not at.exception, at.exception
    assert page_titles(at) == ["Admin"]
    assert "read-only" in " ".join(i.value for i in at.info)
    submit = next(b for b in at.button if b.label == "Add account")
    assert submit.disabled
    assert at.button(key="sample_remove").disabled
    purge = [b for b in at.button if b.key == "retention_purge"]  # shown if anything is old
    assert all(b.disabled for b in purge)
    # A click a browser cannot make (AppTest refuses it too) reaches the data layer's refusal:
    store = open_store()
    demo = Principal("demo", Role.ADMIN, demo=True)
    with pytest.raises(AccessDenied, match="demo mode is read-only"):
        add_user(store, "mallory", "admin", password=PASSWORD, actor=demo)
    with pytest.raises(AccessDenied, match="demo mode is read-only"):
        remove_sample(store, demo)
    assert not store.has_users()


def test_an_admin_removes_the_sample_that_sits_next_to_own_data(seeded_data_dir, tmp_path):
    own = b"country,date,contacts\nIT,2026-10-01,5\n"
    with data_dir_with(tmp_path, [("contacts", own)], copy_of=seeded_data_dir) as store:
        add_user(store, "ada", "admin", password=PASSWORD)
        at = app()
        at.session_state["principal"] = Principal("ada", Role.ADMIN)  # signed in
        at.run()
        at.switch_page("app_pages/data_page.py").run()
        assert not at.exception, at.exception
        notice = " ".join(w.value for w in at.warning)
        assert "holds the bundled sample" in notice
        assert ".venv/bin/crewcast sample remove" in notice
        at.switch_page("app_pages/admin_page.py").run()
        assert at.button(key="sample_remove").disabled  # until confirmed
        at.checkbox(key="sample_confirm").check().run()
        at.button(key="sample_remove").click().run()
        assert not at.exception, at.exception
        assert "Removed the sample" in " ".join(s.value for s in at.success)
        assert set(store.batches()["source"]) == {"cli"}
        assert store.load("contacts")["country"].unique().tolist() == ["IT"]
        assert store.load("agents").empty
        log = audit_frame(store.engine)
        assert log.iloc[0]["action"] == "remove_sample" and log.iloc[0]["actor"] == "ada"
        at.switch_page("app_pages/data_page.py").run()
        assert not any("bundled sample" in w.value for w in at.warning)


# --- throttling and the password policy (issue 15) --------------------------------------------


def test_wrong_passwords_lock_the_sign_in_form_and_say_until_when(real_data_dir):
    from data.users import MAX_FAILURES_PER_USER

    add_user(real_data_dir, "pia", "planner", password=PASSWORD)
    at = app()
    at.run()
    at.text_input(key="sign_in_user").input("pia")
    for i in range(MAX_FAILURES_PER_USER):
        at.text_input(key="sign_in_password").input(f"wrong guess {i}")
        at.button[0].click().run()
        assert "Wrong user name or password" in errors(at)
    at.text_input(key="sign_in_password").input(PASSWORD)  # the right one, too late
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "Too many failed sign-ins" in errors(at) and "UTC" in errors(at)
    assert "Overview" not in page_titles(at) and "session" not in at.query_params
    assert audit_frame(real_data_dir.engine)["action"].iloc[0] == "sign_in_locked"


def test_the_admin_pages_account_form_refuses_a_weak_password_and_says_why(real_data_dir):
    add_user(real_data_dir, "ada", "admin", password=PASSWORD)
    at = app()
    at.session_state["principal"] = Principal("ada", Role.ADMIN)  # signed in
    at.run()
    at.switch_page("app_pages/admin_page.py").run()
    assert page_titles(at) == ["Admin"]
    by_label = {t.label: t for t in at.text_input}
    by_label["User name"].input("bob")
    by_label["Password"].input("password1234")
    next(b for b in at.button if b.label == "Add account").click().run()
    assert not at.exception, at.exception
    assert "This password is too easy to guess" in errors(at)
    assert list_users(real_data_dir)["username"].tolist() == ["ada"]


def test_after_a_purge_no_page_shows_the_purged_rows_from_its_cache(
    seeded_data_dir, tmp_path, monkeypatch
):
    def absence_rows(at: AppTest) -> int:
        at.switch_page("app_pages/data_page.py").run()
        assert not at.exception, at.exception
        summary = next(d.value for d in at.dataframe if "Table" in d.value.columns)
        return int(summary.set_index("Table").loc["absences", "Rows"])

    old = b"agent_id,start_date,end_date,type\nA001,2024-01-08,2024-01-09,sick\n"  # years ago
    with data_dir_with(tmp_path, [("absences", old)], copy_of=seeded_data_dir) as store:
        add_user(store, "ada", "admin", password=PASSWORD)
        at = app()
        at.session_state["principal"] = Principal("ada", Role.ADMIN)  # signed in
        at.run()
        before = absence_rows(at)  # counted, and cached for this data version
        assert before == len(store.load("absences"))
        monkeypatch.setenv("CREWCAST_HR_RETENTION_DAYS", "366")  # the shortest allowed
        at.switch_page("app_pages/admin_page.py").run()
        at.button(key="retention_purge").click().run()
        assert not at.exception, at.exception
        assert "Purged" in " ".join(s.value for s in at.success)
        after = len(store.load("absences"))
        assert after == before - 1
        assert absence_rows(at) == after
