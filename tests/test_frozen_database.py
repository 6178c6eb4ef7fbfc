"""A database that stops answering mid-tick (its server stopped with SIGSTOP: the kernel still accepts
connections, so no timeout or keepalive notices): the tick is abandoned within the watchdog's time,
reports how far each account got, and once the server runs again the next tick continues with no
partial day."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from driftworld.engine.tick import tick
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from tests.helpers import ServerProcess, cli_command, execute, ledger, post_tick, text_clocks, wait_until

pytestmark = pytest.mark.timeout(120)
WATCHDOG_S = 2


def server_processes(cluster: LocalCluster) -> list[int]:
    postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(postmaster):
            children.append(int(status.parent.name))
    return [postmaster, *children]


@contextmanager
def thawed_at_the_end(cluster: LocalCluster) -> Iterator[list[int]]:
    stopped: list[int] = []
    try:
        yield stopped
    finally:
        for pid in reversed(stopped):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def freeze(cluster: LocalCluster, stopped: list[int]) -> None:
    for pid in server_processes(cluster):
        try:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        except ProcessLookupError:
            pass


def test_a_frozen_database_abandons_the_tick_and_the_next_one_continues(
    cluster: LocalCluster, seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTWORLD_TICK_WORKERS", "2")
    before = text_clocks(seeded_db)
    watched = Database(seeded_db.url, "test", watchdog_s=WATCHDOG_S)
    with thawed_at_the_end(cluster) as stopped:

        def freeze_after_two_days(done: int, total: int) -> None:
            if done == 2:
                freeze(cluster, stopped)

        started = time.monotonic()
        result = tick(watched, days=5, progress=freeze_after_two_days)
        elapsed = time.monotonic() - started
    assert result.abandoned and not result.ok
    assert elapsed < WATCHDOG_S + 20, elapsed  # two days of ticking, then the watchdog's time
    for account in result.accounts:
        assert account.status == "failed" and account.days_simulated == 2, account
        assert account.error is not None and "answered nothing for 2 s" in account.error
    assert {a: (d - before[a]).days for a, d in text_clocks(seeded_db).items()} == dict.fromkeys(before, 2)
    assert tick(watched, days=1).ok
    assert {a: (d - before[a]).days for a, d in text_clocks(seeded_db).items()} == dict.fromkeys(before, 3)
    assert all(len(set(days)) == len(days) == 3 for days in ledger(seeded_db).values())


def test_the_cli_exits_with_one_line_and_the_table_so_far(cluster: LocalCluster, seeded_db: Database) -> None:
    env = {**os.environ, "DATABASE_URL": seeded_db.url, "DRIFTWORLD_DB_WATCHDOG": str(WATCHDOG_S), "COLUMNS": "100"}
    count = "select count(*) as n from driftworld.tick_ledger"
    before = execute(seeded_db, count)[0]["n"]
    process = subprocess.Popen(
        cli_command("tick", "--days", "300"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with thawed_at_the_end(cluster) as stopped:
        if not wait_until(lambda: execute(seeded_db, count)[0]["n"] > before + 2, 60, interval=0.05):
            process.kill()
            raise AssertionError(f"the tick did not get under way: {process.communicate()}")
        freeze(cluster, stopped)
        started = time.monotonic()
        try:
            stdout, stderr = process.communicate(timeout=WATCHDOG_S + 15)
        finally:
            process.kill()
        elapsed = time.monotonic() - started
    assert process.returncode == 1, stderr
    assert elapsed < WATCHDOG_S + 10, elapsed
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "answered nothing" in errors[0], stderr
    assert "Traceback" not in stderr
    assert "failed" in stdout and "tick: newest virtual day" in stdout, stdout
    assert tick(seeded_db, days=1).ok


def test_the_service_replies_500_with_each_accounts_outcome(
    cluster: LocalCluster, seeded_db: Database, tmp_path: Path
) -> None:
    count = "select count(*) as n from driftworld.tick_ledger"
    before = execute(seeded_db, count)[0]["n"]
    server = ServerProcess(seeded_db.url, tmp_path, DRIFTWORLD_DB_WATCHDOG=str(WATCHDOG_S)).wait_ready()
    try:
        with ThreadPoolExecutor(1) as pool:
            reply = pool.submit(post_tick, server.url, {"days": 300})
            with thawed_at_the_end(cluster) as stopped:
                assert wait_until(lambda: execute(seeded_db, count)[0]["n"] > before + 2, 60, interval=0.05)
                freeze(cluster, stopped)
                started = time.monotonic()
                response = reply.result(timeout=WATCHDOG_S + 15)
                elapsed = time.monotonic() - started
        assert response.status_code == 500 and elapsed < WATCHDOG_S + 10, (response.status_code, elapsed)
        body = response.json()
        assert body["ok"] is False and "answered nothing" in body["error"]
        assert len(body["accounts"]) == 2
        committed = execute(seeded_db, count)[0]["n"] - before
        reported = sum(a["daysSimulated"] for a in body["accounts"])
        # a batch cut off as it committed may have committed unreported: at most one day per account
        assert reported <= committed <= reported + len(body["accounts"]), (reported, committed)
        assert all(a["status"] == "failed" and "answered nothing" in a["error"] for a in body["accounts"])
        assert post_tick(server.url, {}).status_code == 200
    finally:
        server.stop()
