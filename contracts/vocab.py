"""Words every layer shares: the absence types an absences file, the roster and the pages use."""

from __future__ import annotations

#: Absence types, in the order pages show them (the one list: the data door validates files
#: against it, the roster validates absences against it, the wellbeing views colour by it).
ABSENCE_TYPES: tuple[str, ...] = ("sick", "vacation", "other")
