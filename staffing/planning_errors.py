"""Errors of the planning helpers (forecast -> intervals -> requirements -> schedule)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "MissingHandleTimeError",
    "PlanningInputError",
]


class PlanningInputError(ValueError):
    """A frame handed to a planning helper lacks what the helper needs."""


class MissingHandleTimeError(PlanningInputError):
    """Queues to plan have no handle time, neither in the history nor in their settings."""

    def __init__(self, queues: Sequence[str], where: str) -> None:
        self.queues = tuple(queues)
        names = ", ".join(self.queues)
        super().__init__(
            f"no handle time for {names}: the history has no aht_seconds for "
            f"{'it' if len(self.queues) == 1 else 'them'}; {where}"
        )
