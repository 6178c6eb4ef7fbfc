"""What a startup-mess scenario is: a weight, a precondition and what it creates or changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from driftworld.model.catalogue import hourly_to_daily, monthly_to_daily
from driftworld.model.factory import Builder, Row, Waste
from driftworld.model.state import AccountState, DayChanges
from driftworld.model.streams import Stream

NONPROD = ("dev", "staging")


@dataclass
class ScenarioContext:
    state: AccountState
    changes: DayChanges
    builder: Builder
    draws: Stream
    day_off: bool

    @property
    def day(self) -> dt.date:
        return self.state.day

    def waste(
        self, scenario: str, table: str, row: Row, fix: str, daily_cost: float, related: tuple[str, ...] = ()
    ) -> None:
        self.builder.created.waste.append(Waste(scenario, table, row["id"], fix, round(daily_cost, 4), related))

    def tags(self, env: str, purpose: str, **extra: str) -> dict[str, str]:
        return self.builder.tags(env, purpose, extra)

    def back(self, low: int, high: int) -> dt.date:
        return self.day - dt.timedelta(days=self.draws.integer(low, high))


@dataclass(frozen=True)
class Scenario:
    number: int
    name: str  # snake_case, as in the service's reply
    weight: int
    inject: Callable[[ScenarioContext], bool]  # False when its precondition fails: nothing happened
    weekend_only: bool = False


def instance_daily_cost(rows: list[Row]) -> float:
    return sum(hourly_to_daily(float(r["hourly_cost"])) for r in rows)


def monthly_daily_cost(row: Row, column: str = "monthly_cost") -> float:
    return monthly_to_daily(float(row[column]))


def hourly_daily_cost(row: Row) -> float:
    return hourly_to_daily(float(row["hourly_cost"]))


def pick(rows: list[Row], draws: Stream, predicate: Callable[[Row], Any]) -> Row | None:
    candidates = [r for r in rows if predicate(r)]
    return draws.least(candidates, key=lambda r: str(r["id"])) if candidates else None
