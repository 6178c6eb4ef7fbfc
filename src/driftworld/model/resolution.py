"""When a piece of ground-truth waste has gone away: its resource is gone, stopped or terminated,
or the field its fix names now holds a value that is not waste (each scenario's `fixed`)."""

from __future__ import annotations

from typing import Any

from driftworld.model.scenarios import REGISTRY

Row = dict[str, Any]
GONE_STATES = frozenset({"stopped", "stopping", "terminated", "deleted", "deleting"})
STOPPED_STATES = frozenset({"stopped", "stopping"})


def is_resolved(scenario: str, row: Row | None) -> bool:
    """True once the waste is fixed; a row that no longer exists always is. A name no scenario has
    (ground truth of an older world) is resolved only by going away."""
    if row is None:
        return True
    kind = REGISTRY.get(scenario)
    gone = GONE_STATES if kind is None or kind.stopping_fixes else GONE_STATES - STOPPED_STATES
    if row.get("state") in gone:
        return True
    return kind is not None and kind.fixed is not None and kind.fixed(row)
