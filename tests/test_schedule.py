"""Scheduling from the database: the migration (plain PostgreSQL, and pg_cron + pg_net + vault), the
tick-request queue and its worker, `driftworld schedule ...`, and real pg_cron jobs firing.

pg_cron jobs have one-minute granularity, so the two tests that wait for a job to fire are marked
slow; they share one wait (both jobs are set up together) and stay in CI.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from driftworld.service.intervals import IntervalError, cron_schedule, parse_interval
from driftworld.service.schedule import JOB_NAME, ScheduleError, install, supabase_sql
from driftworld.service.worker import Worker
from driftworld.store.cluster import LocalCluster, find_server_binaries
from driftworld.store.database import Database
from driftworld.store.migrations import migrate
from tests.conftest import MIGRATIONS, clone, has_pg_cron
from tests.helpers import cli_command, dbname, execute, ledger, run_cli, service_env, text_clocks, wait_until

PG_BIN = find_server_binaries(prefer_system=True)
needs_pg_cron = pytest.mark.skipif(
    not has_pg_cron(PG_BIN), reason="pg_cron is not installed (apt-get install postgresql-15-cron)"
)
CRON_WAIT_S = 150


# -- intervals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("5 minutes", 300), ("1 hour", 3600), ("90", 90)],
)
def test_intervals_are_read_as_people_write_them(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("5 minutes", "*/5 * * * *"),
        ("5m", "*/5 * * * *"),
        ("1 minute", "* * * * *"),
        ("15 minutes", "*/15 * * * *"),
        ("60 minutes", "0 * * * *"),
        ("1 hour", "0 * * * *"),
        ("6 hours", "0 */6 * * *"),
        ("24 hours", "0 0 * * *"),
        ("*/10 * * * *", "*/10 * * * *"),
    ],
)
def test_intervals_become_pg_cron_1_4_syntax(text: str, cron: str) -> None:
    assert cron_schedule(text) == cron


@pytest.mark.parametrize("text", ["10 seconds", "90s", "7 minutes", "90 minutes", "5 hours", "", "soon", "0m"])
def test_intervals_pg_cron_cannot_keep_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(IntervalError):
        cron_schedule(text)


# -- the migration and the queue ------------------------------------------------------------------


def migrate_with_notices(database: Database) -> list[str]:
    notices: list[str] = []
    with database.connect() as conn:
        conn.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary or ""))
        migrate(conn, MIGRATIONS)
    return notices


def test_migration_applies_on_plain_postgres_and_skips_the_supabase_job_with_a_notice(empty_db: Database) -> None:
    notices = migrate_with_notices(empty_db)
    assert any("drift-tick-simulator not scheduled" in n for n in notices)
    assert execute(empty_db, "select to_regclass('driftworld.tick_requests') is not null as ok") == [{"ok": True}]


def test_request_tick_queues_a_row_and_notifies_the_workers(migrated_db: Database) -> None:
    with psycopg.connect(migrated_db.url, autocommit=True) as listener:
        listener.execute("listen driftworld_tick")
        request_id = execute(migrated_db, "select driftworld.request_tick('test') as id")[0]["id"]
        received = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    assert received == [str(request_id)]
    row = execute(migrated_db, "select triggered_by, days, claimed_at, finished_at from driftworld.tick_requests")
    assert row == [{"triggered_by": "test", "days": None, "claimed_at": None, "finished_at": None}]


# -- the worker -----------------------------------------------------------------------------------


def queue(database: Database, count: int, days: int | None = None) -> list[int]:
    return [
        int(execute(database, "select driftworld.request_tick('test', %s) as id", (days,))[0]["id"])
        for _ in range(count)
    ]


def finished(database: Database) -> list[dict[str, object]]:
    return execute(
        database,
        "select id, claimed_at is not null as claimed, result from driftworld.tick_requests "
        "where finished_at is not null order by id",
    )


def test_worker_once_executes_each_pending_request_once(seeded_db: Database) -> None:
    before = text_clocks(seeded_db)
    ids = queue(seeded_db, 2) + queue(seeded_db, 1, days=3)
    result = run_cli("worker", "--once", database_url=seeded_db.url)
    assert result.returncode == 0, result.stderr
    assert "executed 3 tick request(s)" in result.stdout
    done = finished(seeded_db)
    assert [row["id"] for row in done] == ids and all(row["claimed"] for row in done)
    days = [row["result"]["daysSimulated"] for row in done]  # type: ignore[index]
    assert days == [len(before), len(before), 3 * len(before)]
    assert all(row["result"]["accountsOmitted"] == len(before) for row in done)  # type: ignore[index]
    assert {a: (d - before[a]).days for a, d in text_clocks(seeded_db).items()} == dict.fromkeys(before, 5)
    assert '"event":"worker_request_done"' in result.stderr

    again = run_cli("worker", "--once", database_url=seeded_db.url)
    assert again.returncode == 0 and "executed 0 tick request(s)" in again.stdout


def test_worker_wakes_on_notify_long_before_its_poll(seeded_db: Database) -> None:
    worker = Worker(seeded_db, poll_s=120)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        time.sleep(1)  # listening
        queue(seeded_db, 1)
        assert wait_until(lambda: len(finished(seeded_db)) == 1, 15)
    finally:
        worker.stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_concurrent_workers_claim_each_request_once_and_simulate_one_day_per_request(seeded_db: Database) -> None:
    before = text_clocks(seeded_db)
    ledger_before = ledger(seeded_db)
    requests = 5
    queue(seeded_db, requests)
    workers = [Worker(seeded_db, poll_s=1) for _ in range(3)]
    threads = [threading.Thread(target=w.run_pending) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(w.executed for w in workers) == requests
    done = finished(seeded_db)
    assert len(done) == requests
    assert all(row["result"]["daysSimulated"] == len(before) for row in done)  # type: ignore[index]
    for account, days in ledger(seeded_db).items():
        new = [d for d in days if d not in ledger_before.get(account, [])]
        assert new == [before[account] + dt.timedelta(days=i + 1) for i in range(requests)]


# -- schedule sql / install / status / remove -----------------------------------------------------


def test_schedule_sql_posts_to_the_url_with_the_bearer_from_vault() -> None:
    result = run_cli("schedule", "sql", "--url", "https://abc.supabase.co/", database_url=None)
    assert result.returncode == 0, result.stderr
    sql = " ".join(result.stdout.split())
    assert "'https://abc.supabase.co/functions/v1/drift-tick'" in sql
    assert "'drift-tick-simulator'" in sql and "'*/5 * * * *'" in sql
    assert "vault.decrypted_secrets where name = 'service_role_key'" in sql
    assert "jsonb_build_object('triggered_by', 'pg_cron')" in sql
    assert "'*/15 * * * *'" in supabase_sql("https://x.example", cron_schedule("15 minutes"))
    refused = run_cli("schedule", "sql", "--url", "https://x.example", "--every", "30s", database_url=None)
    assert refused.returncode == 2 and "whole minutes" in refused.stderr


def cron_jobs(cluster: LocalCluster, name: str = JOB_NAME) -> list[dict[str, object]]:
    with psycopg.connect(cluster.url("postgres"), autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        if conn.execute("select 1 from pg_extension where extname = 'pg_cron'").fetchone() is None:
            return []
        return conn.execute(
            "select jobid, schedule, command, database, active from cron.job where jobname = %s", (name,)
        ).fetchall()


@needs_pg_cron
def test_schedule_install_status_remove_in_another_database_than_cron(
    cluster: LocalCluster, seeded_db: Database
) -> None:
    url = seeded_db.url
    installed = run_cli("schedule", "install", "--every", "5 minutes", database_url=url)
    assert installed.returncode == 0, installed.stderr
    try:
        jobs = cron_jobs(cluster)
        assert len(jobs) == 1
        assert jobs[0]["schedule"] == "*/5 * * * *" and jobs[0]["database"] == dbname(seeded_db)
        assert jobs[0]["command"] == "select driftworld.request_tick('pg_cron')"

        again = run_cli("schedule", "install", "--every", "10m", database_url=url)
        assert again.returncode == 0, again.stderr
        jobs = cron_jobs(cluster)
        assert [j["schedule"] for j in jobs] == ["*/10 * * * *"]  # updated, not doubled

        status = run_cli("schedule", "status", "--json", database_url=url)
        assert status.returncode == 0, status.stderr
        report = json.loads(status.stdout)
        assert report["job"]["schedule"] == "*/10 * * * *" and report["world_database"] == dbname(seeded_db)
        assert report["cron_database"] == "postgres" and report["queue"]["pending"] == 0
        assert "drift-tick-simulator" in run_cli("schedule", "status", database_url=url).stdout

        refused = run_cli("schedule", "install", "--every", "30 seconds", database_url=url)
        assert refused.returncode == 2 and "whole minutes" in refused.stderr
    finally:
        removed = run_cli("schedule", "remove", database_url=url)
    assert removed.returncode == 0 and "removed" in removed.stdout
    assert cron_jobs(cluster) == []
    assert "no pg_cron job" in run_cli("schedule", "remove", database_url=url).stdout


# -- clusters of their own: one without pg_cron loaded, one that looks like Supabase ---------------


def start_cluster(settings: dict[str, str]) -> LocalCluster:
    local = LocalCluster.throwaway(
        "driftworld-sched", {"fsync": "off", "synchronous_commit": "off", **settings}, PG_BIN
    )
    local.start()
    return local


def drop_cluster(local: LocalCluster) -> None:
    local.destroy()
    shutil.rmtree(local.data_dir.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def plain_cluster() -> Iterator[LocalCluster]:
    local = start_cluster({})
    try:
        yield local
    finally:
        drop_cluster(local)


def test_install_without_pg_cron_loaded_says_what_to_configure(plain_cluster: LocalCluster) -> None:
    database = Database(plain_cluster.url("postgres"), "test")
    migrate_with_notices(database)
    with pytest.raises(ScheduleError) as error:
        install(database, "5 minutes")
    message = str(error.value)
    assert "shared_preload_libraries" in message and "cron.database_name" in message


SUPABASE_STUBS = """
create schema vault;
create table vault.secrets (id uuid primary key default gen_random_uuid(), name text unique, secret text);
create view vault.decrypted_secrets as select id, name, secret as decrypted_secret from vault.secrets;
insert into vault.secrets (name, secret) values ('project_url', 'https://project.example.co'),
                                                ('service_role_key', 'role-key-123');
-- pg_net's signature, recording instead of sending: the test checks what the job would post.
create schema net;
create table net.calls (id bigserial primary key, url text, body jsonb, headers jsonb, at timestamptz default now());
create function net.http_post(url text, body jsonb default '{}', params jsonb default '{}',
                              headers jsonb default '{}', timeout_milliseconds integer default 5000)
returns bigint language sql as $$
    insert into net.calls (url, body, headers) values (url, body, headers) returning id
$$;
"""


@dataclass
class SupabaseLike:
    cluster: LocalCluster
    notices: list[str]  # what migrating its 'postgres' database said


@pytest.fixture(scope="module")
def supabase_like() -> Iterator[SupabaseLike]:
    """A server with pg_cron in database 'postgres' plus stand-ins for vault and pg_net (no HTTP), whose
    'postgres' database is then migrated."""
    if not has_pg_cron(PG_BIN):
        pytest.skip("pg_cron is not installed (apt-get install postgresql-15-cron)")
    local = start_cluster({"shared_preload_libraries": "pg_cron", "cron.database_name": "postgres"})
    try:
        with psycopg.connect(local.url("postgres"), autocommit=True) as conn:
            conn.execute("create extension pg_cron")
            conn.execute(SUPABASE_STUBS)
        yield SupabaseLike(local, migrate_with_notices(Database(local.url("postgres"), "test")))
    finally:
        drop_cluster(local)


def test_migration_schedules_the_supabase_job_where_pg_cron_pg_net_and_vault_exist(
    supabase_like: SupabaseLike,
) -> None:
    assert not any("not scheduled" in n or "lacks" in n for n in supabase_like.notices), supabase_like.notices
    jobs = cron_jobs(supabase_like.cluster)
    assert len(jobs) == 1 and jobs[0]["schedule"] == "*/5 * * * *" and jobs[0]["database"] == "postgres"
    command = str(jobs[0]["command"])
    assert "net.http_post" in command and "'/functions/v1/drift-tick'" in command
    assert "name = 'project_url'" in command and "name = 'service_role_key'" in command


def test_migration_skips_the_job_where_pg_cron_cannot_exist(supabase_like: SupabaseLike) -> None:
    with psycopg.connect(supabase_like.cluster.url("postgres"), autocommit=True) as conn:
        conn.execute("create database other_world")
    notices = migrate_with_notices(Database(supabase_like.cluster.url("other_world"), "test"))
    assert any(
        "drift-tick-simulator not scheduled: this database lacks pg_cron, pg_net, vault" in n for n in notices
    ), notices


# -- real pg_cron jobs firing (slow: one-minute granularity) -------------------------------------


@dataclass
class FiringJobs:
    world: Database
    worker: subprocess.Popen[str]
    worker_log: Path
    supabase_like: LocalCluster
    started: float


@pytest.fixture(scope="module")
def firing_jobs(
    cluster: LocalCluster, seeded_template: str, supabase_like: SupabaseLike, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FiringJobs]:
    """Both pg_cron paths every minute, set up together so that the tests share the wait: the
    plain-PostgreSQL job queueing requests for a real worker, and the Supabase job posting (recorded)."""
    if not has_pg_cron(PG_BIN):
        pytest.skip("pg_cron is not installed (apt-get install postgresql-15-cron)")
    world = clone(cluster, seeded_template)
    installed = run_cli("schedule", "install", "--every", "1 minute", database_url=world.url)
    assert installed.returncode == 0, installed.stderr
    with psycopg.connect(supabase_like.cluster.url("postgres"), autocommit=True) as conn:
        conn.execute(
            "select cron.alter_job(jobid, schedule := '* * * * *') from cron.job where jobname = %s", (JOB_NAME,)
        )
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    log = log_path.open("w")
    worker = subprocess.Popen(
        cli_command("worker", "--poll", "600"),  # a long poll: only NOTIFY can wake it in time
        env=service_env(world.url),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield FiringJobs(world, worker, log_path, supabase_like.cluster, time.monotonic())
    finally:
        run_cli("schedule", "remove", database_url=world.url)
        worker.terminate()
        worker.wait(timeout=60)
        log.close()


@pytest.mark.slow
@pytest.mark.timeout(CRON_WAIT_S + 60)
def test_pg_cron_job_queues_a_request_and_the_worker_simulates_exactly_one_day(firing_jobs: FiringJobs) -> None:
    world = firing_jobs.world
    before = text_clocks(world)
    remaining = CRON_WAIT_S - (time.monotonic() - firing_jobs.started)
    assert wait_until(lambda: len(finished(world)) >= 1, remaining, interval=1), firing_jobs.worker_log.read_text()
    run_cli("schedule", "remove", database_url=world.url)  # no more requests while we count
    assert wait_until(
        lambda: (
            execute(world, "select count(*) as n from driftworld.tick_requests where finished_at is null")[0]["n"] == 0
        ),
        60,
    )
    requests = execute(world, "select triggered_by, result from driftworld.tick_requests order by id")
    assert requests and all(r["triggered_by"] == "pg_cron" for r in requests)
    assert all(r["result"]["ok"] and r["result"]["daysSimulated"] == len(before) for r in requests)
    moved = {a: (d - before[a]).days for a, d in text_clocks(world).items()}
    assert moved == dict.fromkeys(before, len(requests))  # exactly one day per request
    assert firing_jobs.worker.poll() is None, "the worker must keep running"
    log = firing_jobs.worker_log.read_text()
    assert '"event":"worker_request_done"' in log and '"event":"tick"' in log


@pytest.mark.slow
@pytest.mark.timeout(CRON_WAIT_S + 60)
def test_supabase_job_posts_to_the_vault_url_with_the_vault_bearer(firing_jobs: FiringJobs) -> None:
    url = firing_jobs.supabase_like.url("postgres")

    def calls() -> list[tuple[object, ...]]:
        with psycopg.connect(url) as conn:
            return conn.execute("select url, body, headers from net.calls order by id").fetchall()

    remaining = CRON_WAIT_S - (time.monotonic() - firing_jobs.started)
    assert wait_until(lambda: len(calls()) >= 1, max(remaining, 5), interval=1)
    target, body, headers = calls()[0]
    assert target == "https://project.example.co/functions/v1/drift-tick"
    assert body == {"triggered_by": "pg_cron"}
    assert headers == {"Content-Type": "application/json", "Authorization": "Bearer role-key-123"}
