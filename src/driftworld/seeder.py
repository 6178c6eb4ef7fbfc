"""The seeder: organizations, accounts and their estates, then `days` of history written by the
engine's own day rules (so the first tick continues the history in the same units and labels)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass

from driftworld.engine.account_day import Simulator
from driftworld.model.clock import CLOCK_MODES, WorldClock
from driftworld.model.difficulty import difficulty
from driftworld.model.founding import estate_day, found_organizations
from driftworld.store.seed_io import SeedSummary, insert_settings, reset_world, summarize, world_exists
from driftworld.store.world_io import Conn, Writes, adapt_connection, copy_rows, write_changes
from driftworld.store.world_settings import read_settings

Progress = Callable[[int, int], None]
# The largest world a seed may ask for: 10,000 accounts of about 130 resources each seed in roughly an hour
# on two cores; a tick names at most as many (engine/tick.py: MAX_ACCOUNT_IDS).
MAX_ACCOUNTS = 10_000
MAX_HISTORY_DAYS = 3650


class WorldExists(RuntimeError):
    """The database already holds a world; reseeding needs --reset."""


@dataclass(frozen=True)
class SeedRequest:
    orgs: int = 1
    accounts_per_org: int = 3
    days: int = 30
    seed: int = 42
    end_date: dt.date | None = None
    clock_mode: str = "wallclock"
    seasonality: bool = True
    batch_size: int = 25
    difficulty: str = "realistic"


def check_request(request: SeedRequest) -> None:
    """Refuse a request outside the documented bounds before any work (or memory) is spent on it."""
    if request.clock_mode not in CLOCK_MODES:
        raise ValueError(f"clock mode must be one of {', '.join(CLOCK_MODES)}")
    if not 1 <= request.days <= MAX_HISTORY_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_HISTORY_DAYS}")
    if request.orgs < 1 or request.accounts_per_org < 1:
        raise ValueError("orgs and accounts per org must be at least 1")
    difficulty(request.difficulty)  # an unknown one is refused before anything is written
    if request.orgs * request.accounts_per_org > MAX_ACCOUNTS:
        raise ValueError(
            f"{request.orgs:,} organizations of {request.accounts_per_org:,} accounts is "
            f"{request.orgs * request.accounts_per_org:,} accounts: at most {MAX_ACCOUNTS:,} in one world"
        )


def seed_world(conn: Conn, request: SeedRequest, reset: bool = False, progress: Progress | None = None) -> SeedSummary:
    """Create the world; refuses an already seeded database unless reset is True. A reset replaces the
    world in one transaction: until the new world commits, every reader sees the old one or waits, and
    a reset that fails or is killed leaves the old world as it was."""
    check_request(request)
    adapt_connection(conn)
    conn.autocommit = True
    replacing = world_exists(conn)
    if replacing and not reset:
        raise WorldExists("this database already holds a world: use --reset to replace it")
    with conn.transaction() if replacing else nullcontext():  # inner transactions become savepoints
        if replacing:
            reset_world(conn)
        _seed(conn, request, progress)
    return summarize(conn)


def _seed(conn: Conn, request: SeedRequest, progress: Progress | None) -> None:
    end = request.end_date or dt.datetime.now(dt.UTC).date()
    first = end - dt.timedelta(days=request.days - 1)
    now = dt.datetime.now(dt.UTC)
    clock = WorldClock(request.clock_mode, now, end)
    orgs, account_rows, accounts = found_organizations(
        request.seed, request.orgs, request.accounts_per_org, clock, first
    )
    parameters = {**asdict(request), "end_date": end.isoformat()}
    with conn.transaction():
        insert_settings(conn, request.seed, request.clock_mode, request.seasonality, request.difficulty, parameters)
        copy_rows(conn, "organizations", orgs)
        copy_rows(conn, "cloud_accounts", account_rows)
    settings = read_settings(conn)
    simulator = Simulator(conn, settings, now)
    total = len(accounts) * request.days
    done = 0

    def advance(account_days: int) -> None:
        nonlocal done
        done += account_days
        if progress:
            progress(done, total)

    advance(0)
    for start in range(0, len(accounts), request.batch_size):
        chunk = accounts[start : start + request.batch_size]
        with conn.transaction():  # a chunk of accounts is seeded whole or not at all
            writes = Writes()
            level = difficulty(settings.difficulty)
            write_changes(writes, [estate_day(settings.world_seed, a, first, clock, level) for a in chunk])
            writes.send(conn)
            simulator.seed_history(chunk, first, end, advance)
