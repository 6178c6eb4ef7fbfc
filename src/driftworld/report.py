"""The world's scorecard for agents: what waste appeared, what was fixed and by whom, what broke policy."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from driftworld.store.scorecard_io import findings_by_source, waste_by_scenario
from driftworld.store.world_io import Conn


@dataclass(frozen=True)
class ScenarioScore:
    scenario: str
    injected: int
    daily_cost: float
    open: int
    open_daily_cost: float  # what the pieces still open cost on their latest day
    resolved_by_agent: int
    resolved_manually: int
    resolved_by_engine: int
    daily_saved_by_agent: float
    daily_saved_manually: float
    median_days_to_fix: float | None

    @property
    def daily_saved(self) -> float:
        return self.daily_saved_by_agent + self.daily_saved_manually


@dataclass(frozen=True)
class Scorecard:
    scenarios: list[ScenarioScore]
    violations: dict[str, int]  # kind -> count (violation_ignore, violation_locked, violation_freeze)
    false_positives: int
    by_source: dict[str, dict[str, int]]  # kind -> change_source -> count

    @property
    def injected(self) -> int:
        return sum(s.injected for s in self.scenarios)

    @property
    def open(self) -> int:
        return sum(s.open for s in self.scenarios)

    @property
    def daily_saved(self) -> float:
        return sum(s.daily_saved for s in self.scenarios)

    def as_dict(self) -> dict[str, Any]:
        return {
            "injected": self.injected,
            "open": self.open,
            "open_daily_cost": round(sum(s.open_daily_cost for s in self.scenarios), 4),
            "daily_saved": round(self.daily_saved, 4),
            "daily_saved_by_agent": round(sum(s.daily_saved_by_agent for s in self.scenarios), 4),
            "daily_saved_manually": round(sum(s.daily_saved_manually for s in self.scenarios), 4),
            "resolved_by_agent": sum(s.resolved_by_agent for s in self.scenarios),
            "resolved_manually": sum(s.resolved_manually for s in self.scenarios),
            "violations": self.violations,
            "false_positives": self.false_positives,
            "findings_by_source": self.by_source,
            "scenarios": [asdict(s) | {"daily_saved": round(s.daily_saved, 4)} for s in self.scenarios],
        }


def scorecard(
    conn: Conn,
    account_id: uuid.UUID | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    agent: str | None = None,
) -> Scorecard:
    """The scorecard over the virtual days since..until (both included); fixes count on the day they were
    resolved. With `agent`, only the changes whose audit rows carry that executed_by count as agents'."""
    scenarios = [ScenarioScore(**row) for row in waste_by_scenario(conn, account_id, since, until, agent)]
    by_source: dict[str, dict[str, int]] = {}
    for row in findings_by_source(conn, account_id, since, until, agent):
        by_source.setdefault(row["kind"], {})[row["change_source"]] = int(row["n"])
    totals = {kind: sum(counts.values()) for kind, counts in by_source.items()}
    violations = {kind: n for kind, n in totals.items() if kind.startswith("violation_")}
    return Scorecard(scenarios, violations, totals.get("false_positive", 0), by_source)
