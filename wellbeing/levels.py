"""Risk levels of workload strain: the one definition every layer reads."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class RiskLevel(StrEnum):
    """Workload-strain level of an agent (a ``str``: stored and exported as its value).

    ``high`` from ``Thresholds.high_score``, ``medium`` from ``Thresholds.medium_score``, else
    ``low``. Medium and high raise a flag for HR; a flag is a prompt for a conversation, never a
    diagnosis.
    """

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for low, 1 for medium, 2 for high."""
        return LEVEL_RANK[self]


#: Lowest first: the categories of the scores' ``level`` column.
LEVELS: tuple[RiskLevel, ...] = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)
#: Highest first: the order lists, filters and charts show.
LEVEL_ORDER: tuple[RiskLevel, ...] = tuple(reversed(LEVELS))
#: Levels that raise (or keep) a flag for HR.
FLAGGED_LEVELS: frozenset[RiskLevel] = frozenset({RiskLevel.MEDIUM, RiskLevel.HIGH})
#: Rank of each level (also looked up by the plain stored strings: a StrEnum hashes as one).
LEVEL_RANK: Mapping[str, int] = MappingProxyType({level: k for k, level in enumerate(LEVELS)})
