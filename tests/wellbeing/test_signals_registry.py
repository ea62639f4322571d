"""The signal registry: one module per family, registered in the families' order."""

from __future__ import annotations

import importlib

from wellbeing.signals import SIGNALS
from wellbeing.thresholds import FAMILIES


def test_every_family_has_its_module_and_registers_only_its_own_signals():
    for family in FAMILIES:
        module = importlib.import_module(f"wellbeing.signals.{family}")
        registered = {spec.func.__module__ for spec in SIGNALS.values() if spec.family == family}
        assert registered == {module.__name__}, family


def test_signals_are_registered_family_by_family_in_the_families_order():
    # compute_signals keeps registration order among rows of equal severity
    families = [spec.family for spec in SIGNALS.values()]
    assert families == sorted(families, key=FAMILIES.index)
    assert list(SIGNALS)[:3] == ["bradford", "absence_frequency", "absence_after_heavy_weeks"]
    assert "sick_days" not in SIGNALS  # retired: total days weigh long illness
