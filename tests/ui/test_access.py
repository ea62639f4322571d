"""AppTest per role: what the menu offers, what each page refuses, sign-in, OIDC and demo mode."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data.access import audit_frame
from data.users import add_user
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


def test_real_data_without_accounts_stays_locked(real_data_dir):
    at = app("admin")  # a demo role asked for must not open anything
    at.run()
    assert not at.exception, at.exception
    assert "no accounts yet" in errors(at)
    assert "python cli.py user add NAME --role admin" in errors(at)
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
