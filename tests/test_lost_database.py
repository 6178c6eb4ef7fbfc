"""A database lost in the middle of a tick: every account's outcome is still reported (the days it
committed and the error that stopped it), nothing partial is written, and the next tick catches up."""

from __future__ import annotations

import pytest

from driftworld.engine.tick import tick
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from tests.conftest import _admin
from tests.helpers import dbname, ledger, text_clocks

pytestmark = pytest.mark.timeout(120)


def test_a_restart_mid_tick_keeps_each_accounts_outcome(
    cluster: LocalCluster, seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTWORLD_TICK_WORKERS", "2")  # one batch per account, each in a worker process
    name = dbname(seeded_db)
    before = text_clocks(seeded_db)

    def lose_the_database_after_two_days(done: int, total: int) -> None:
        if done == 2:  # as a restart does: every session ends, and new ones are refused for a while
            with _admin(cluster) as conn:
                conn.execute(f'alter database "{name}" allow_connections false')
                conn.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,))

    try:
        result = tick(seeded_db, days=5, progress=lose_the_database_after_two_days)
    finally:
        with _admin(cluster) as conn:
            conn.execute(f'alter database "{name}" allow_connections true')
    assert not result.ok
    assert {str(a.account_id) for a in result.accounts} == set(before)
    for account in result.accounts:
        assert account.status == "failed" and account.error, account
        assert account.days_simulated == 2, account
    after = text_clocks(seeded_db)
    assert all((after[a] - before[a]).days == 2 for a in before), (before, after)
    days = ledger(seeded_db)
    assert all(len(set(d)) == len(d) for d in days.values())

    assert tick(seeded_db, days=1).ok
