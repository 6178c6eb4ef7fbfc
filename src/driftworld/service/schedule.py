"""Scheduling ticks from the database with pg_cron.

Two ways, as contract section 6 describes:
- Supabase (pg_cron + pg_net + vault): a job posts to the drift-tick endpoint; `supabase_sql` writes it.
- plain PostgreSQL with pg_cron: a job queues `driftworld.request_tick('pg_cron')` and a driftworld
  worker runs the tick; `install`, `job_status` and `remove` manage that job.

Its statements are in store/cron.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from driftworld.service.intervals import cron_schedule
from driftworld.store import cron, tick_requests
from driftworld.store.database import Database, DatabaseUnavailable, first_line

JOB_NAME = "drift-tick-simulator"
TICK_PATH = "/functions/v1/drift-tick"


class ScheduleError(RuntimeError):
    """pg_cron cannot be used as asked; the message says what to configure."""


def endpoint_url(url: str) -> str:
    """The drift-tick endpoint for a base URL (a project URL or the driftworld service's)."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ScheduleError(f"{url!r} is not an http(s) URL")
    return base if base.endswith(TICK_PATH) else base + TICK_PATH


def supabase_sql(url: str, schedule: str = "*/5 * * * *", job_name: str = JOB_NAME) -> str:
    """SQL for a Supabase project: pg_cron + pg_net post to `url` with the bearer read from vault secret
    `service_role_key` when the job runs, so the SQL holds no secret and can be committed or pasted safely."""
    return cron.supabase_job_sql(endpoint_url(url), schedule, job_name)


@dataclass(frozen=True)
class CronSetup:
    """Where pg_cron lives relative to the world's database."""

    world_db: str
    cron_db: str
    cron_database: Database

    @property
    def same_database(self) -> bool:
        return self.world_db == self.cron_db


def locate_cron(database: Database) -> CronSetup:
    """Find the cron database, or say exactly what the server lacks."""
    if database.origin == "embedded":
        raise ScheduleError(
            "the embedded PostgreSQL has no pg_cron: tick on a schedule with the service's own scheduler, "
            "`driftworld serve --every 5m`, or set DATABASE_URL to a server that has pg_cron"
        )
    with database.connect(autocommit=True) as conn:
        facts = cron.cron_facts(conn)
    world_db = facts.world_db
    if not facts.migrated:
        raise ScheduleError("driftworld.request_tick is missing: run `driftworld db migrate` first")
    if not facts.available:
        raise ScheduleError(
            "pg_cron is not installed on this PostgreSQL server: install it (Debian/Ubuntu: "
            "apt-get install postgresql-15-cron), then add shared_preload_libraries = 'pg_cron' and "
            f"cron.database_name = '{world_db}' to postgresql.conf and restart the server"
        )
    if not facts.preloaded:
        raise ScheduleError(
            "pg_cron is installed but not loaded: add shared_preload_libraries = 'pg_cron' and "
            f"cron.database_name = '{world_db}' (or the database that should hold the jobs) to "
            "postgresql.conf and restart the server"
        )
    cron_db = facts.cron_db or "postgres"  # pg_cron's own default
    params = conninfo_to_dict(database.url)
    params["dbname"] = cron_db
    cron_database = dataclasses.replace(database, url=make_conninfo("", **params), origin=f"pg_cron ({cron_db})")
    return CronSetup(world_db, cron_db, cron_database)


def _ensure_extension(setup: CronSetup) -> None:
    try:
        with setup.cron_database.connect(autocommit=True) as conn:
            cron.create_extension(conn)
    except DatabaseUnavailable as error:
        raise ScheduleError(
            f"cannot reach pg_cron's database {setup.cron_db!r} (cron.database_name): {error}"
        ) from None
    except psycopg.Error as error:
        raise ScheduleError(
            f"cannot create the pg_cron extension in database {setup.cron_db!r} (cron.database_name): "
            f"{first_line(error)}. Ask a superuser to run `create extension pg_cron` there."
        ) from None


def install(database: Database, every: str, job_name: str = JOB_NAME) -> dict[str, Any]:
    """Create or replace the cron job that queues a tick request every `every`; returns the job."""
    schedule = cron_schedule(every)
    setup = locate_cron(database)
    _ensure_extension(setup)
    try:
        with setup.cron_database.connect() as conn, conn.transaction():
            cron.replace_job(conn, job_name, schedule, None if setup.same_database else setup.world_db)
    except psycopg.Error as error:
        raise ScheduleError(f"pg_cron refused the job: {first_line(error)}") from None
    job = job_status(database, job_name, setup)["job"]
    assert job is not None
    return dict(job)


def job_status(database: Database, job_name: str = JOB_NAME, setup: CronSetup | None = None) -> dict[str, Any]:
    """The job (or None), its last runs, and the world's queue of tick requests."""
    setup = setup or locate_cron(database)
    report: dict[str, Any] = {"cron_database": setup.cron_db, "world_database": setup.world_db, "job": None, "runs": []}
    try:
        with setup.cron_database.connect(autocommit=True) as conn:
            if not cron.has_extension(conn):
                report["note"] = f"the pg_cron extension does not exist in {setup.cron_db!r} yet"
            else:
                report["job"] = cron.read_job(conn, job_name)
                if report["job"] is not None:
                    report["runs"] = cron.last_runs(conn, report["job"]["jobid"])
        with database.connect(autocommit=True) as conn:
            report["queue"] = tick_requests.queue_state(conn)
    except psycopg.Error as error:
        raise ScheduleError(f"cannot read the schedule: {first_line(error)}") from None
    return report


def remove(database: Database, job_name: str = JOB_NAME) -> bool:
    """Unschedule the job; False when there was none."""
    setup = locate_cron(database)
    try:
        with setup.cron_database.connect(autocommit=True) as conn:
            return cron.has_extension(conn) and cron.unschedule(conn, job_name)
    except psycopg.Error as error:
        raise ScheduleError(f"cannot remove the job: {first_line(error)}") from None
