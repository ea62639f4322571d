"""Flags made for a test: one high overtime-streak flag for a person, stored as an evaluation
stores it (for the tests of HR's follow-ups and limits)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import sqlalchemy as sa

from data import flags as flag_store
from data import schema
from data.access import Principal
from data.store import Store


def raise_flag(
    store: Store,
    actor: Principal,
    agent_id: str,
    as_of: dt.date,
    *,
    score: float = 90.0,
    agents_scored: int = 1,
) -> int:
    """Record an evaluation of ``as_of`` that raises a high flag (an overtime streak, no
    reasons) for ``agent_id``; return the new flag's id (read without an audited look)."""

    def decide(latest: pd.DataFrame) -> flag_store.FlagWrites:
        row = {
            "agent_id": agent_id,
            "flag_id": pd.NA,
            "state": "open",
            "as_of": as_of,
            "level": "high",
            "score": score,
            "reasons": "[]",
            "signals": json.dumps(["overtime_streak"]),
        }
        return flag_store.FlagWrites(
            pd.DataFrame([row], columns=list(flag_store.FLAG_WRITE_COLUMNS))
        )

    flag_store.record_evaluation(
        store, actor, as_of=as_of, agents_scored=agents_scored, thresholds={}, decide=decide
    )
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(schema.wellbeing_flags.c.id))).scalar_one()
