"""The seeder: organizations, accounts and their estates, then `days` of history written by the
engine's own day rules (so the first tick continues the history in the same units and labels)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass

from driftworld.engine.account_day import Simulator
from driftworld.engine.clock import read_settings
from driftworld.model.clock import CLOCK_MODES, WorldClock
from driftworld.model.difficulty import Difficulty, difficulty
from driftworld.model.estate import EstateShape, build_estate
from driftworld.model.factory import Account, Builder
from driftworld.model.state import DayChanges
from driftworld.model.streams import stream
from driftworld.store.world_io import Conn, Writes, adapt_connection, copy_rows, read_sql, write_changes

REGIONS = ("us-east-1", "us-east-1", "us-east-1", "us-west-2", "eu-west-1")
COMPANY_WORDS = (
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "soylent",
    "aperture",
    "massive",
    "vandelay",
    "pied-piper",
    "wonka",
    "oscorp",
)
ACCOUNT_ROLES = ("production", "staging", "development", "data", "sandbox", "shared-services")
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


@dataclass(frozen=True)
class SeedSummary:
    orgs: int
    accounts: int
    first_day: dt.date | None  # None: no history yet
    last_day: dt.date | None
    resources: dict[str, int]
    daily_cost: float


def world_exists(conn: Conn) -> bool:
    row = conn.execute(
        "select exists(select 1 from driftworld.world_settings) or exists(select 1 from organizations) as e"
    ).fetchone()
    return bool(row and row["e"])


def reset_world(conn: Conn) -> None:
    """Empty the world and nothing else: organizations cascade to every account-owned row; the two
    history tables without a foreign key, the agents' audit log and the engine's settings by name."""
    with conn.transaction():
        conn.execute(
            "truncate organizations, metrics_daily, data_transfer_daily, action_audit_log, "
            "driftworld.world_settings cascade"
        )


# Organizations and accounts predate every resource the estate back-dates (up to 900 days before the first day).
ACCOUNT_AGE_DAYS = 1000


def _accounts(
    request: SeedRequest, clock: WorldClock, first: dt.date
) -> tuple[list[dict[str, object]], list[dict[str, object]], list[Account]]:
    world = stream(request.seed, "world", None, "organizations")
    opened = first - dt.timedelta(days=ACCOUNT_AGE_DAYS)
    orgs, account_rows, accounts = [], [], []
    used_slugs: set[str] = set()
    for index in range(request.orgs):
        base = f"{world.choice(COMPANY_WORDS)}-{world.choice(('labs', 'cloud', 'systems', 'tech', 'io'))}"
        slug = base if base not in used_slugs else f"{base}-{index + 1}"
        used_slugs.add(slug)
        org_id = world.uuid()
        born = stream(request.seed, org_id, None, "created_at")
        orgs.append(
            {
                "id": org_id,
                "name": slug.replace("-", " ").title(),
                "slug": slug,
                "created_at": clock.at(opened, born.seconds_of_day()),
            }
        )
        for number in range(request.accounts_per_org):
            account_id = world.uuid()
            region = world.choice(REGIONS)
            digits = world.digits(12)
            role = ACCOUNT_ROLES[number % len(ACCOUNT_ROLES)]
            account_rows.append(
                {
                    "id": account_id,
                    "org_id": org_id,
                    "name": f"{slug}-{role}",
                    "aws_account_number": digits,
                    "primary_region": region,
                    "created_at": clock.at(opened, born.seconds_of_day()),
                }
            )
            accounts.append(Account(account_id, org_id, digits, region))
    return orgs, account_rows, accounts


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
    orgs, account_rows, accounts = _accounts(request, WorldClock(request.clock_mode, now, end), first)
    parameters = {**asdict(request), "end_date": end.isoformat()}
    with conn.transaction():
        conn.execute(
            "insert into driftworld.world_settings (world_seed, clock_mode, seasonality, difficulty, seed_parameters) "
            "values (%s, %s, %s, %s, %s::jsonb)",
            (request.seed, request.clock_mode, request.seasonality, request.difficulty, json.dumps(parameters)),
        )
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
            mode = settings.clock_mode
            level = difficulty(settings.difficulty)
            write_changes(writes, [_estate(settings.world_seed, a, first, end, mode, now, level) for a in chunk])
            writes.send(conn)
            simulator.seed_history(chunk, first, end, advance)


def _estate(
    world_seed: int, account: Account, first: dt.date, end: dt.date, mode: str, now: dt.datetime, level: Difficulty
) -> DayChanges:
    builder = Builder(account, WorldClock(mode, now, end), stream(world_seed, account.id, None, "estate"), first)
    builder.difficulty = level
    changes = DayChanges(account, first, created=build_estate(builder, first, EstateShape()))
    changes.assign_ids(world_seed)
    return changes


def summarize(conn: Conn) -> SeedSummary:
    from driftworld.model.kinds import RESOURCE_TABLES

    counts = {}
    for table in RESOURCE_TABLES:
        row = conn.execute(f"select count(*) as n from {table}").fetchone()
        counts[table] = int(row["n"]) if row else 0
    info = conn.execute(
        "select (select count(*) from organizations) as orgs, (select count(*) from cloud_accounts) as accounts, "
        "(select min(date) from metrics_daily) as first_day, (select max(date) from metrics_daily) as last_day"
    ).fetchone()
    assert info is not None
    cost = conn.execute(read_sql("daily_cost.sql"), {"d": info["last_day"]}).fetchone()
    return SeedSummary(
        int(info["orgs"]),
        int(info["accounts"]),
        info["first_day"],
        info["last_day"],
        counts,
        float(cost["c"]) if cost else 0.0,
    )
