"""The wellbeing package stays pure: no Streamlit, no disk."""

from __future__ import annotations

import subprocess
import sys


def test_wellbeing_does_not_import_streamlit():
    code = (
        "import sys, wellbeing, wellbeing.signals, wellbeing.scoring, wellbeing.outlook, "
        "wellbeing.decisions, wellbeing.drilldown, wellbeing.levels, "
        "wellbeing.aggregates, wellbeing.review, wellbeing.thresholds, wellbeing.reasons; "
        "assert 'streamlit' not in sys.modules, 'streamlit imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
