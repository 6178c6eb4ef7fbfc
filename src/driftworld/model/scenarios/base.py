"""What a kind of ground-truth waste is: how it is injected on a day, how it is seeded as day-zero waste,
how its daily cost is read from the bill, and what counts as fixed. One module per kind holds all four."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from driftworld.model.catalogue import hourly_to_daily, monthly_to_daily
from driftworld.model.factory import NONPROD, Builder, Row, Waste
from driftworld.model.state import AccountState, DayChanges
from driftworld.model.streams import Stream

__all__ = ["NONPROD", "Bill", "Scenario", "ScenarioContext"]

# Where a piece's daily cost is on the bill (the store reads each from the day's cost rows):
#   resource        the resource's own metrics_daily rows
#   members         its autoscaling group's members' rows
#   newest_members  the group's newest running members beyond min_size
#   rds_compute     the database's rows less their storage
#   lambda_compute  the function's GB-seconds above a right-sized memory
#   bucket_storage  the bucket's storage cost
#   log_storage     the log group's storage cost
#   unused_commitment  the commitment's unused hours
Source = Literal[
    "resource",
    "members",
    "newest_members",
    "rds_compute",
    "lambda_compute",
    "bucket_storage",
    "log_storage",
    "unused_commitment",
]


@dataclass(frozen=True)
class Bill:
    """Which of the day's cost rows a piece of waste is, and the share of them a good fix saves."""

    source: Source
    share: float = 1.0
    right_size_mb: int | None = None  # lambda_compute: the memory the function needs


@dataclass
class ScenarioContext:
    state: AccountState
    changes: DayChanges
    builder: Builder
    draws: Stream
    day_off: bool
    seeding: bool = False  # day-zero waste of a freshly seeded account, aged into the past

    @classmethod
    def for_seeding(cls, builder: Builder, day: dt.date) -> ScenarioContext:
        """A context over what the builder has made so far, drawing from the builder's own stream, so
        that seeding a piece draws in the order the rest of the estate does."""
        state = AccountState(builder.account, day, builder.created.rows, builder.profile_index, {}, {}, {})
        changes = DayChanges(builder.account, day, builder.created)
        return cls(state, changes, builder, builder.draws, day_off=False, seeding=True)

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

    def created(self, low: int, high: int) -> dt.date:
        """Today for an injected piece; low to high days back for a seeded one."""
        return self.back(low, high) if self.seeding else self.day


@dataclass(frozen=True)
class Scenario:
    name: str  # snake_case, as in the service's reply and the waste ledger
    bill: Bill
    fixed: Callable[[Row], bool] | None = None  # the field its fix names holds a value that is not waste
    inject: Callable[[ScenarioContext], bool] | None = None  # False when its precondition fails
    seed: Callable[[ScenarioContext], Row] | None = None  # one piece of day-zero waste; returns its resource
    number: int = 0  # the contract's table of rolled scenarios (0: seeded only)
    weight: int = 0  # how often it rolls, relative to the others
    weekend_only: bool = False
    stopping_fixes: bool = True  # False: its owner starts it again, so only terminating (or the fix) resolves


def scaled_to_zero(group: Row) -> bool:
    return int(group["desired_capacity"]) == 0


def instance_daily_cost(rows: list[Row]) -> float:
    return sum(hourly_to_daily(float(r["hourly_cost"])) for r in rows)


def monthly_daily_cost(row: Row, column: str = "monthly_cost") -> float:
    return monthly_to_daily(float(row[column]))


def hourly_daily_cost(row: Row) -> float:
    return hourly_to_daily(float(row["hourly_cost"]))


def pick(rows: list[Row], draws: Stream, predicate: Callable[[Row], Any]) -> Row | None:
    candidates = [r for r in rows if predicate(r)]
    return draws.least(candidates, key=lambda r: str(r["id"])) if candidates else None
