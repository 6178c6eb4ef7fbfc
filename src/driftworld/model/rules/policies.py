"""Policies the world sets itself, as a growing company does: freeze windows announced days ahead of a
launch, and resources frozen for a few days by their owners. Logged like any engine change, so that an
agent that reads them keeps out, and one that does not is caught."""

from __future__ import annotations

import datetime as dt
from typing import Any

from driftworld.model.clock import WorldClock, instant
from driftworld.model.difficulty import Difficulty
from driftworld.model.kinds import POLICY_TABLES
from driftworld.model.state import AccountState, DayChanges
from driftworld.model.streams import Stream


def set_freezes(state: AccountState, changes: DayChanges, draws: Stream, level: Difficulty, clock: WorldClock) -> None:
    today = clock.at(state.day, 0)
    until = instant(state.account_frozen_until)
    if (until is None or until <= today) and draws.chance(level.account_freeze_chance):
        start_day = state.day + dt.timedelta(days=draws.integer(2, 5))
        start, end = clock.at(start_day, 0), clock.at(start_day + dt.timedelta(days=draws.integer(2, 4)), 0)
        account: dict[str, Any] = {
            "id": state.account.id,
            "freeze_optimizations_from": state.account_frozen_from,
            "freeze_optimizations_until": state.account_frozen_until,
        }
        for column, value in (("freeze_optimizations_from", start), ("freeze_optimizations_until", end)):
            changes.event("cloud_accounts", account, column, account[column], value)
        changes.update("cloud_accounts", account, freeze_optimizations_from=start, freeze_optimizations_until=end)
        state.account_frozen_from, state.account_frozen_until = start, end
    if not draws.chance(level.resource_freeze_chance):
        return
    candidates = [
        (table, row)
        for table in sorted(POLICY_TABLES)
        for row in state.table(table)
        if row.get("env") not in (None, "prod")
        and row.get("state") not in ("terminated", "deleted")
        and ((frozen := instant(row.get("optimization_freeze_until"))) is None or frozen <= today)
    ]
    if candidates:
        table, row = draws.least(candidates, key=lambda c: str(c[1]["id"]))
        changes.change(
            table, row, optimization_freeze_until=clock.at(state.day + dt.timedelta(days=draws.integer(3, 10)), 0)
        )
