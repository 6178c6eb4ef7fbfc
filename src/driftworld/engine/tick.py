"""`tick`: the one entry point that advances virtual time, for the CLI, the service, tests and benchmarks."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from driftworld.config import load_settings
from driftworld.engine.account_day import Outcome, Simulator, Status, Target
from driftworld.engine.watchdog import Watchdog, silence_message
from driftworld.engine.workers import (
    Outcomes,
    abandon_workers,
    pool_running,
    run_in_workers,
    start_workers,
    worker_count,
)
from driftworld.model.factory import Account
from driftworld.store.database import Database, DatabaseUnavailable, cut_connections, resolve_database
from driftworld.store.migrations import require_current
from driftworld.store.tick_io import active_accounts, last_days
from driftworld.store.world_io import HISTORY_TABLES, Conn, adapt_connection
from driftworld.store.world_settings import read_settings

MAX_DAYS = 366
# Account ids one request may name: enough for any world driftworld seeds, small enough that a refusal
# that names them stays short.
MAX_ACCOUNT_IDS = 10_000
NAMED_IN_ERRORS = 5  # ids an error lists before it only counts the rest
DEFAULT_BATCH = 50
Progress = Callable[[int, int], None]


class InvalidTickRequest(ValueError):
    """The request cannot be carried out as asked; nothing was simulated."""


@dataclass
class AccountResult:
    """One account's part of a tick: each day it simulated, in order, or why it did not advance."""

    account_id: uuid.UUID
    status: Status
    days: list[Outcome] = field(default_factory=list)  # the outcome of each simulated day
    duration_ms: float = 0.0
    reason: str | None = None
    error: str | None = None

    def absorb(self, outcome: Outcome) -> None:
        self.duration_ms += outcome.duration_ms
        if outcome.status == "simulated" and outcome.day is not None:
            self.status = "simulated"
            self.days.append(outcome)
        elif not self.days or outcome.status == "failed":
            self.status = outcome.status
            self.reason, self.error = outcome.reason, outcome.error

    @property
    def days_simulated(self) -> int:
        return len(self.days)

    @property
    def from_date(self) -> dt.date | None:
        return self.days[0].day if self.days else None

    @property
    def to_date(self) -> dt.date | None:
        return self.days[-1].day if self.days else None

    @property
    def rows_appended(self) -> dict[str, int]:
        """Rows added per history table over the simulated days (every history table named, 0 when none)."""
        total = dict.fromkeys(HISTORY_TABLES, 0)
        for day in self.days:
            for table, count in day.rows_appended.items():
                total[table] = total.get(table, 0) + count
        return total

    @property
    def scenarios(self) -> list[tuple[dt.date, str]]:
        """Each scenario a simulated day triggered, with its day."""
        return [(day.day, name) for day in self.days if day.day is not None for name in day.scenarios]


@dataclass
class TickResult:
    accounts: list[AccountResult]
    execution_time_ms: float
    abandoned: bool = False  # the watchdog cut a silent database off: the accounts say how far each got

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def failed(self) -> list[AccountResult]:
        return [a for a in self.accounts if a.status == "failed"]

    @property
    def simulated_date(self) -> dt.date | None:
        return max((a.to_date for a in self.accounts if a.to_date), default=None)

    @property
    def days_simulated(self) -> int:
        return sum(a.days_simulated for a in self.accounts)

    @property
    def rows_appended(self) -> dict[str, int]:
        totals = [a.rows_appended for a in self.accounts]
        return {t: sum(total.get(t, 0) for total in totals) for t in HISTORY_TABLES}


def accounts_to_tick(conn: Conn, account_ids: Sequence[uuid.UUID] | None) -> list[Account]:
    """The active accounts to tick; an id that names none of them refuses the request."""
    wanted = None if account_ids is None else [str(a) for a in account_ids]  # ids as the engine holds them
    accounts = active_accounts(conn, wanted)
    if wanted is not None:
        unknown = set(wanted) - {a.id for a in accounts}
        if unknown:
            named = sorted(map(str, unknown))
            more = f" and {len(named) - NAMED_IN_ERRORS} more" if len(named) > NAMED_IN_ERRORS else ""
            raise InvalidTickRequest(f"unknown or inactive account ids: {', '.join(named[:NAMED_IN_ERRORS])}{more}")
    return accounts


def tick(
    database: Database | None = None,
    days: int | None = None,
    date: dt.date | None = None,
    account_ids: Sequence[uuid.UUID] | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> TickResult:
    """Simulate the next `days` virtual days (default 1), or every day up to `date`, of each active account.

    More than one account (and any, once the pool runs) runs in worker processes (`DRIFTWORLD_TICK_WORKERS`,
    engine/workers.py); they import the caller's main module, so a calling script keeps its top-level work
    under a `__main__` guard."""
    if days is not None and date is not None:
        raise InvalidTickRequest("give either days or date, not both")
    days = 1 if days is None and date is None else days
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InvalidTickRequest(f"days must be between 1 and {MAX_DAYS}")
    if account_ids is not None and len(account_ids) > MAX_ACCOUNT_IDS:
        raise InvalidTickRequest(f"at most {MAX_ACCOUNT_IDS:,} account ids per tick, not {len(account_ids):,}")
    config = load_settings()
    database = database or resolve_database(config)
    started = time.perf_counter()
    run = _Run(database, config.tick_workers, batch_size, progress)
    with Watchdog(database.watchdog_s, _abandon) as watchdog:
        run.watchdog = watchdog
        try:
            run.go(config.migrations_dir, days, date, account_ids)
        except psycopg.Error as error:
            if not watchdog.fired:
                raise
            if not run.results:  # abandoned before any account was under way
                raise DatabaseUnavailable(silence_message(watchdog.seconds), "the database answers nothing") from error
    if watchdog.fired:  # the batches it cut failed; the accounts still due never ran
        for account_id, result in run.results.items():
            if result.status == "failed" or account_id in run.due:
                result.status, result.reason, result.error = "failed", None, silence_message(watchdog.seconds)
    return TickResult(list(run.results.values()), (time.perf_counter() - started) * 1000, abandoned=watchdog.fired)


def _abandon() -> None:
    """The watchdog's action: every call waiting on the silent database fails at once."""
    cut_connections()
    abandon_workers()


class _Run:
    """One tick's steps; what it has done so far stays readable when the watchdog abandons it."""

    def __init__(self, database: Database, tick_workers: int, batch_size: int, progress: Progress | None) -> None:
        self.database = database
        self.workers = worker_count(tick_workers)
        self.batch_size = batch_size
        self.progress = progress
        self.watchdog: Watchdog | None = None
        self.results: dict[str, AccountResult] = {}
        self.due: set[str] = set()  # accounts that have more days to go

    def kick(self) -> None:
        if self.watchdog is not None:
            self.watchdog.kick()

    def go(
        self, migrations_dir: Path, days: int | None, date: dt.date | None, account_ids: Sequence[uuid.UUID] | None
    ) -> None:
        database, progress = self.database, self.progress
        with database.session() as conn:
            adapt_connection(conn)
            require_current(conn, migrations_dir)
            accounts = accounts_to_tick(conn, account_ids)
            steps = days or 0
            if date is not None:
                clocks = last_days(conn, [a.id for a in accounts])
                newest = max((d for d in clocks.values() if d), default=None)
                if newest is not None and (date - newest).days > MAX_DAYS:
                    raise InvalidTickRequest(f"date {date} is more than {MAX_DAYS} days past the newest clock {newest}")
                oldest = min((d for d in clocks.values() if d), default=date)
                steps = max((date - oldest).days, 1)
                if oldest >= date:
                    progress = None  # every account is already there: one pass to say so, nothing to show a bar for
            settings = read_settings(conn)
            self.kick()
            now = dt.datetime.now(dt.UTC)
            self.results = {a.id: AccountResult(uuid.UUID(a.id), "skipped") for a in accounts}
            pending = list(accounts)
            self.due = {a.id for a in pending}
            target = Target(until=date)
            local = Simulator(conn, settings, now)
            workers = self.workers
            if progress:
                progress(0, steps)  # the request is valid: a bar may show from here
            for step in range(steps):
                size = max(1, min(self.batch_size, -(-len(pending) // workers)))  # a small world uses every worker
                chunks = [pending[start : start + size] for start in range(0, len(pending), size)]
                by_id = {a.id: a for a in pending}
                pending = []
                in_workers = workers > 1 and (len(chunks) > 1 or pool_running(workers))  # one batch: no new pool
                if in_workers and not pool_running(workers) and self.watchdog is not None:
                    with self.watchdog.paused():
                        start_workers(workers)
                batches: Iterable[Outcomes] = (
                    run_in_workers(database, settings, now, target, chunks, workers)
                    if in_workers
                    else (local.run(chunk, target) for chunk in chunks)
                )
                for outcomes in batches:
                    self.kick()
                    for account_id, outcome in outcomes.items():
                        self.results[account_id].absorb(outcome)
                        self.due.discard(account_id)
                        if outcome.status == "simulated":
                            pending.append(by_id[account_id])
                self.due = {a.id for a in pending}
                if progress:
                    progress(step + 1, steps)
                if not pending or (self.watchdog is not None and self.watchdog.fired):
                    break
            if self.watchdog is None or not self.watchdog.fired:
                self.due = set()
