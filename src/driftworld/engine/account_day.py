"""The account-day transaction: lock, read the clock, simulate, write, record; all or nothing.

Account-days are run in batches that share one transaction and one statement per table; if a
batch fails it is retried account by account, so one bad account never holds back the others.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from driftworld.engine.carry import carry_forward
from driftworld.engine.day import simulate_account_day
from driftworld.model.clock import WorldClock
from driftworld.model.factory import Account, Id
from driftworld.model.state import DayChanges, WorldSettings
from driftworld.store.database import first_line
from driftworld.store.shadow_io import attach_observations, write_observations
from driftworld.store.tick_io import last_days, lock_accounts, record_days
from driftworld.store.waste_costs import price_waste
from driftworld.store.world_io import Conn, Writes, load_states, write_changes

Status = Literal["simulated", "skipped", "already_simulated", "busy", "failed"]


@dataclass(slots=True)
class Outcome:
    """What one attempt at an account's next day came to: a tick's result keeps each simulated day's."""

    status: Status
    day: dt.date | None = None
    rows_appended: dict[str, int] = field(default_factory=dict)
    scenarios: list[str] = field(default_factory=list)
    reason: str | None = None
    error: str | None = None
    duration_ms: float = 0.0


@dataclass(frozen=True)
class Target:
    """How far an account may go: its next day, but not past `until` when given."""

    until: dt.date | None
    source: Literal["seed", "tick"] = "tick"


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a batch. A batch makes hundreds of thousands of
    short-lived dicts, lists and tuples, all freed by reference counting, and each collector pass
    walks every tracked object of the process: in a process with a large heap (a CLI or test run
    ticking in-process) that was a sixth of a tick's Python time; in a lean worker process, little.
    Any cycle a batch leaves is collected later, once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Simulator:
    """Runs batches of account-days on one connection."""

    def __init__(self, conn: Conn, settings: WorldSettings, now: dt.datetime) -> None:
        self.conn = conn
        self.settings = settings
        self.clock = WorldClock(settings.clock_mode, now, now.date())

    def run(self, accounts: list[Account], target: Target) -> dict[Id, Outcome]:
        """Advance each account by one day; a failing batch is retried account by account."""
        try:
            with collector_paused():
                return self._attempt(accounts, target)
        except Exception as error:  # reported per account below; never taken for "no data"
            if len(accounts) == 1:
                return {accounts[0].id: Outcome("failed", error=f"{type(error).__name__}: {first_line(error)}")}
        outcomes = {}
        for account in accounts:
            outcomes.update(self.run([account], target))
        return outcomes

    def _attempt(self, accounts: list[Account], target: Target) -> dict[Id, Outcome]:
        started = time.perf_counter()
        outcomes: dict[Id, Outcome] = {}
        with self.conn.transaction():
            ids = [a.id for a in accounts]
            locked = lock_accounts(self.conn, ids)
            clocks = last_days(self.conn, [i for i in ids if i in locked])
            due: dict[Id, tuple[Account, dt.date]] = {}
            for account in accounts:
                last = clocks.get(account.id)
                if account.id not in locked:
                    outcomes[account.id] = Outcome("busy", reason="another tick holds this account")
                elif last is None:
                    outcomes[account.id] = Outcome("skipped", reason="the account has no history: seed it first")
                elif target.until is not None and last >= target.until:
                    outcomes[account.id] = Outcome(
                        "already_simulated", day=last, reason=f"already simulated up to {last.isoformat()}"
                    )
                else:
                    due[account.id] = (account, last + dt.timedelta(days=1))
            if due:
                batch = self._simulate(due, target)
                self._write(batch, target)
                elapsed = (time.perf_counter() - started) * 1000
                for changes in batch:
                    outcomes[changes.account.id] = Outcome(
                        "simulated",
                        changes.day,
                        changes.rows_appended(),
                        list(changes.scenarios),
                        duration_ms=elapsed / len(batch),
                    )
        return outcomes

    def _simulate(self, due: dict[Id, tuple[Account, dt.date]], target: Target) -> list[DayChanges]:
        batch = []
        states = load_states(self.conn, due)
        attach_observations(self.conn, states)
        for state in states:
            clock = self.clock.on(target.until or state.day)
            changes = simulate_account_day(state, self.settings, clock)
            changes.assign_ids(self.settings.world_seed)
            batch.append(changes)
        return batch

    def seed_history(
        self, accounts: list[Account], first: dt.date, end: dt.date, progress: Callable[[int], None] | None = None
    ) -> None:
        """The seeder's days first..end for fresh accounts, simulated in memory and written at once.

        The same day rules as a tick, without locks or re-reads: nothing else touches a world being seeded.
        """
        with collector_paused(), self.conn.transaction():
            states = load_states(self.conn, {a.id: (a, first) for a in accounts})
            clock = self.clock.on(end)
            batch: list[DayChanges] = []
            while states[0].day <= end:
                for state in states:
                    changes = simulate_account_day(state, self.settings, clock, seeding=True)
                    changes.assign_ids(self.settings.world_seed)
                    batch.append(changes)
                    carry_forward(state, changes)
                if progress:
                    progress(len(states))
            self._write(batch, Target(until=end, source="seed"))

    def _write(self, batch: list[DayChanges], target: Target) -> None:
        """The batch's changes, observations and ledger rows, in as few round trips as they allow."""
        writes = Writes()
        write_changes(writes, batch)
        write_observations(writes, batch)
        price_waste(writes, batch)
        record_days(writes, batch, target.source)
        writes.send(self.conn)
