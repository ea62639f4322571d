"""Queue settings: stored per queue, planners and admins write, managers read, every change audited."""

from __future__ import annotations

import pandas as pd
import pytest

from data.access import AccessDenied, Principal, audit_frame
from data.config import Settings
from data.queue_settings import (
    QueueSettingsError,
    load_queue_settings,
    queue_settings_frame,
    save_queue_settings,
    settings_version,
)
from data.store import open_store
from data.validation import validate_file

PLANNER = Principal("pia", "planner", "Pia")
ADMIN = Principal("ada", "admin", "Ada")
MANAGER = Principal("max", "manager", "Max")
HR = Principal("hal", "hr", "Hal")


@pytest.fixture
def store(database_url, tmp_path):
    return open_store(Settings(tmp_path, database_url))


def test_planners_write_managers_read_and_every_change_is_audited(store):
    before = settings_version(store)
    save_queue_settings(
        store, PLANNER, "it", "Voice", aht_seconds=240, opening_hours="08:00-20:00",
        profile_source="builtin",
    )  # fmt: skip
    assert settings_version(store) != before
    stored = load_queue_settings(store, MANAGER)[("IT", "voice")]
    assert (stored.aht_seconds, stored.opening_hours, stored.profile_source) == (
        240.0,
        "08:00-20:00",
        "builtin",
    )
    assert stored.updated_by == "pia"
    save_queue_settings(
        store, ADMIN, "IT", "voice", aht_seconds=300, opening_hours="Mon-Fri 08:00-18:00",
        profile_source="learnt",
    )  # fmt: skip
    assert load_queue_settings(store, PLANNER)[("IT", "voice")].aht_seconds == 300.0
    assert len(queue_settings_frame(store, MANAGER)) == 1  # replaced, not added
    log = audit_frame(store.engine, actions=["save_queue_settings"])
    assert log["subject"].tolist() == ["queue:IT/voice", "queue:IT/voice"]
    assert '"aht_seconds": 240.0' in log["detail"].iloc[0]  # newest first: the admin's carries
    assert log["actor"].tolist() == ["ada", "pia"]
    with pytest.raises(AccessDenied, match="max \\(manager\\) may not import planning"):
        save_queue_settings(
            store, MANAGER, "IT", "voice", aht_seconds=1, opening_hours=None, profile_source=None
        )
    with pytest.raises(AccessDenied):
        load_queue_settings(store, HR)


def test_an_uploaded_profile_round_trips_and_stays_until_replaced(store):
    report = validate_file("profile", b"weekday,time,share\nMon,08:00,1\n,09:30,2\n", "p.csv")
    save_queue_settings(
        store, PLANNER, "IT", "chat", aht_seconds=None, opening_hours=None,
        profile_source="uploaded", profile=report.frame, profile_file="p.csv",
    )  # fmt: skip
    save_queue_settings(  # the AHT changes; the profile is kept
        store, PLANNER, "IT", "chat", aht_seconds=200, opening_hours=None,
        profile_source="uploaded",
    )  # fmt: skip
    stored = load_queue_settings(store, PLANNER)[("IT", "chat")]
    assert stored.profile_file == "p.csv" and stored.aht_seconds == 200
    pd.testing.assert_frame_equal(
        stored.profile.reset_index(drop=True),
        report.frame.reset_index(drop=True).astype(stored.profile.dtypes.to_dict()),
    )


def test_bad_settings_change_nothing(store):
    for kwargs, match in (
        ({"aht_seconds": 0}, "aht_seconds must be > 0, got 0"),
        ({"aht_seconds": float("nan")}, "aht_seconds must be finite, got nan"),
        ({"aht_seconds": True}, "aht_seconds must be a real number, got True"),
        ({"profile_source": "uploaded"}, "upload a profile file"),
    ):
        values = {"aht_seconds": None, "opening_hours": None, "profile_source": None, **kwargs}
        with pytest.raises(QueueSettingsError, match=match):
            save_queue_settings(store, PLANNER, "IT", "voice", **values)
    assert load_queue_settings(store, PLANNER) == {}
    assert audit_frame(store.engine, actions=["save_queue_settings"]).empty
