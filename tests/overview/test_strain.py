"""The gap strain's sentence: its numbers in the reader's locale, nobody named."""

from __future__ import annotations

import pandas as pd

from formats import Formats
from overview.strain import STRAIN_COLUMNS, GapStrain, _summary
from wellbeing import DEFAULT_THRESHOLDS


def test_the_summary_is_written_in_the_readers_locale():
    teams = pd.DataFrame([("Buda", 1200, 6, 2.5)], columns=list(STRAIN_COLUMNS))
    strain = GapStrain(
        _summary(6, 1200, DEFAULT_THRESHOLDS, True, Formats("en_GB")),
        teams,
        6,
        1200,
        DEFAULT_THRESHOLDS,
        left_out=True,
    )
    assert strain.summary == (
        "Covering the gap with overtime would put 6 of 1,200 people over a working-time limit "
        "(48\u00a0h average, 55\u00a0h week or 4 weeks of overtime in a row). Teams under 5 "
        "people are left out."
    )
    assert strain.describe(Formats("en_GB")) == strain.summary
    assert "6 of 1.200 people" in strain.describe(Formats("de_DE"))
    nobody = GapStrain("", teams, 0, 1200, DEFAULT_THRESHOLDS)
    assert nobody.describe(Formats("en_GB")).startswith(
        "Covering the gap with overtime would put nobody over"
    )
    assert not nobody.describe(Formats("en_GB")).endswith("left out.")
    # nothing to project: the sentence says so in any locale
    empty = GapStrain("No hours or gaps to project.", teams.iloc[:0], 0, 0)
    assert empty.describe(Formats("de_DE")) == "No hours or gaps to project."
