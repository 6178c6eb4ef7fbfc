"""Ticks at the same time, and a tick killed half-way (contract section 3: one lock per account, all or nothing)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import driftworld
from driftworld.engine.tick import TickResult
from driftworld.service.replies import tick_reply
from driftworld.store.database import Database
from driftworld.store.world_io import HISTORY_TABLES
from tests.conftest import END_DATE, SMALL_WORLD
from tests.helpers import clocks, rows

HISTORY = HISTORY_TABLES
FIRST_DAY = END_DATE - dt.timedelta(days=SMALL_WORLD.days - 1)


def at_once(count: int, call: Callable[[], TickResult]) -> list[TickResult]:
    """Start `count` calls together (threads released by one barrier) and collect their results."""
    barrier = threading.Barrier(count)

    def run() -> TickResult:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [f.result(timeout=300) for f in futures]


def assert_whole_days(db: Database) -> None:
    """Every account-day is in the ledger exactly once, without gaps, with all of its rows and nothing more."""
    ledger = rows(
        db, "select account_id, virtual_date, rows_appended from driftworld.tick_ledger order by account_id, 2"
    )
    by_account: dict[uuid.UUID, list[dt.date]] = {}
    for entry in ledger:
        by_account.setdefault(entry["account_id"], []).append(entry["virtual_date"])
    for account, days in by_account.items():
        expected = [FIRST_DAY + dt.timedelta(days=i) for i in range((days[-1] - FIRST_DAY).days + 1)]
        assert days == expected, f"account {account}: gaps or duplicates in the ledger"
    recorded = {(e["account_id"], e["virtual_date"]): e["rows_appended"] for e in ledger}
    for table in HISTORY:
        counts = {
            (r["account_id"], r["date"]): r["n"]
            for r in rows(db, f"select account_id, date, count(*) as n from {table} group by 1, 2")
        }
        assert set(counts) <= set(recorded), f"{table} has rows of a day that is not in the ledger"
        for key, appended in recorded.items():
            assert counts.get(key, 0) == appended.get(table, 0), (table, key)
    for r in rows(db, "select account_id, date, count(*) as n from data_transfer_daily group by 1, 2"):
        assert 2 <= r["n"] <= 3
    events = rows(
        db,
        "select e.account_id, e.virtual_date from resource_change_events e where e.virtual_date is not null "
        "and not exists (select 1 from driftworld.tick_ledger l where l.account_id = e.account_id "
        "and l.virtual_date = e.virtual_date)",
    )
    assert events == [], "audit rows of a day that did not commit"


def test_eight_ticks_at_once_advance_each_account_once_per_winner(seeded_db: Database) -> None:
    before = clocks(seeded_db)
    results = at_once(8, lambda: driftworld.tick(seeded_db, days=1))
    after = clocks(seeded_db)
    for result in results:
        assert result.ok, result.failed
        assert {a.status for a in result.accounts} <= {"simulated", "busy"}
    for account, start in before.items():
        advanced = (after[account] - start).days
        assert 1 <= advanced <= 8
        winners = [a for r in results for a in r.accounts if a.account_id == account and a.status == "simulated"]
        assert len(winners) == advanced
        assert sorted(a.to_date for a in winners if a.to_date) == [
            start + dt.timedelta(days=i) for i in range(1, advanced + 1)
        ]
    assert_whole_days(seeded_db)


def _tick_to(url: str, day: str) -> dict[str, Any]:
    return tick_reply(driftworld.tick(Database(url, "test"), date=dt.date.fromisoformat(day)))


def test_four_ticks_to_a_date_leave_every_account_at_that_date(seeded_db: Database) -> None:
    """Four processes tick to the same date; accounts start at different days."""
    first, _ = sorted(clocks(seeded_db))
    assert driftworld.tick(seeded_db, days=2, account_ids=[first]).ok
    target = END_DATE + dt.timedelta(days=5)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        replies = pool.starmap(_tick_to, [(seeded_db.url, target.isoformat())] * 4)
    for reply in replies:
        assert reply["ok"], reply
        assert {a["status"] for a in reply["accounts"]} <= {"simulated", "busy", "already_simulated"}
    assert set(clocks(seeded_db).values()) == {target}
    assert sum(reply["daysSimulated"] for reply in replies) == 3 + 5
    assert_whole_days(seeded_db)


KILLED_TICK = textwrap.dedent(
    """
    import sys
    import driftworld
    from driftworld.store.database import Database
    driftworld.tick(Database(sys.argv[1], "test"), days=300)
    """
)


def test_a_tick_killed_half_way_leaves_no_partial_day(seeded_db: Database) -> None:
    before = clocks(seeded_db)
    process = subprocess.Popen([sys.executable, "-c", KILLED_TICK, seeded_db.url], env=os.environ.copy())
    in_flight = (
        "select count(*) as n from pg_stat_activity where datname = current_database() "
        "and pid <> pg_backend_pid() and backend_type = 'client backend' "
        "and xact_start is not null and state in ('active', 'idle in transaction')"
    )
    committed = "select count(*) as n from driftworld.tick_ledger where virtual_date > %s"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, "the tick ended before it could be killed"
            if (
                rows(seeded_db, committed, (END_DATE,))[0]["n"] >= 3 * len(before)
                and rows(seeded_db, in_flight)[0]["n"]
            ):
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the tick committed nothing within two minutes")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    # the server notices the dead client, rolls its transaction back and releases its locks; the
    # killed tick's worker processes end too, with their connections
    deadline = time.monotonic() + 30
    # (autovacuum's workers, busy after so many days' writes, are listed too: only clients count)
    others = (
        "select backend_type, application_name, state, query from pg_stat_activity "
        "where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'"
    )
    while rows(seeded_db, others) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rows(seeded_db, others) == []
    killed_at = clocks(seeded_db)
    assert all((killed_at[a] - before[a]).days >= 3 for a in before)
    assert_whole_days(seeded_db)
    result = driftworld.tick(seeded_db, days=1)
    assert result.ok, result.failed
    for account in result.accounts:
        assert account.status == "simulated"
        assert account.from_date == killed_at[account.account_id] + dt.timedelta(days=1)
    assert_whole_days(seeded_db)
