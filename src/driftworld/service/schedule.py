"""Scheduling ticks from the database with pg_cron.

Two ways, as contract section 6 describes:
- Supabase (pg_cron + pg_net + vault): a job posts to the drift-tick endpoint; `supabase_sql` writes it.
- plain PostgreSQL with pg_cron: a job queues `driftworld.request_tick('pg_cron')` and a driftworld
  worker runs the tick; `install`, `job_status` and `remove` manage that job.

pg_cron lives in one database per server (`cron.database_name`); when the world is in another one,
the job is created there with `cron.schedule_in_database` (pg_cron >= 1.4) and runs in the world's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from driftworld.service.intervals import cron_schedule
from driftworld.store.database import Database, DatabaseUnavailable, first_line

JOB_NAME = "drift-tick-simulator"
QUEUE_COMMAND = "select driftworld.request_tick('pg_cron')"
TICK_PATH = "/functions/v1/drift-tick"


class ScheduleError(RuntimeError):
    """pg_cron cannot be used as asked; the message says what to configure."""


def sql_literal(text: str) -> str:
    """A standard SQL string literal (standard_conforming_strings is on everywhere we run)."""
    return "'" + text.replace("'", "''") + "'"


def endpoint_url(url: str) -> str:
    """The drift-tick endpoint for a base URL (a project URL or the driftworld service's)."""
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ScheduleError(f"{url!r} is not an http(s) URL")
    return base if base.endswith(TICK_PATH) else base + TICK_PATH


def supabase_sql(url: str, schedule: str = "*/5 * * * *", job_name: str = JOB_NAME) -> str:
    """SQL for a Supabase project: pg_cron + pg_net post to `url` with the bearer from vault.

    The service-role key is read from vault secret `service_role_key` when the job runs, so the SQL
    holds no secret and can be committed or pasted safely.
    """
    target = endpoint_url(url)
    return f"""-- drift-tick on Supabase: pg_cron calls {target} with pg_net.
-- Needs the vault secret service_role_key (the bearer the service accepts), e.g.
--   select vault.create_secret('<service role key>', 'service_role_key');
create extension if not exists pg_net;
create extension if not exists pg_cron;

select cron.schedule(
  {sql_literal(job_name)},
  {sql_literal(schedule)},
  $job$
  select net.http_post(
    url := {sql_literal(target)},
    headers := jsonb_build_object(
      'Content-Type', 'application/json',
      'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets
                                     where name = 'service_role_key')
    ),
    body := jsonb_build_object('triggered_by', 'pg_cron'),
    timeout_milliseconds := 60000
  ) as request_id;
  $job$
);
"""


@dataclass(frozen=True)
class CronSetup:
    """Where pg_cron lives relative to the world's database."""

    world_db: str
    cron_db: str
    cron_database: Database

    @property
    def same_database(self) -> bool:
        return self.world_db == self.cron_db


def _setting(conn: psycopg.Connection[dict[str, Any]], name: str) -> str | None:
    row = conn.execute("select current_setting(%s, true) as value", (name,)).fetchone()
    value = row["value"] if row else None
    return str(value) if value else None


def locate_cron(database: Database) -> CronSetup:
    """Find the cron database, or say exactly what the server lacks."""
    if database.origin == "embedded":
        raise ScheduleError(
            "the embedded PostgreSQL has no pg_cron: tick on a schedule with the service's own scheduler, "
            "`driftworld serve --every 5m`, or set DATABASE_URL to a server that has pg_cron"
        )
    with database.connect(autocommit=True) as conn:
        row = conn.execute(
            "select current_database() as db, to_regproc('driftworld.request_tick') is not null as migrated"
        ).fetchone()
        assert row is not None
        world_db = str(row["db"])
        if not row["migrated"]:
            raise ScheduleError("driftworld.request_tick is missing: run `driftworld db migrate` first")
        available = conn.execute("select 1 from pg_available_extensions where name = 'pg_cron'").fetchone()
        preload = _setting(conn, "shared_preload_libraries") or ""
        cron_db = _setting(conn, "cron.database_name")
    if available is None:
        raise ScheduleError(
            "pg_cron is not installed on this PostgreSQL server: install it (Debian/Ubuntu: "
            "apt-get install postgresql-15-cron), then add shared_preload_libraries = 'pg_cron' and "
            f"cron.database_name = '{world_db}' to postgresql.conf and restart the server"
        )
    if "pg_cron" not in [p.strip() for p in preload.split(",")]:
        raise ScheduleError(
            "pg_cron is installed but not loaded: add shared_preload_libraries = 'pg_cron' and "
            f"cron.database_name = '{world_db}' (or the database that should hold the jobs) to "
            "postgresql.conf and restart the server"
        )
    cron_db = cron_db or "postgres"  # pg_cron's own default
    params = conninfo_to_dict(database.url)
    params["dbname"] = cron_db
    cron_database = dataclasses.replace(database, url=make_conninfo("", **params), origin=f"pg_cron ({cron_db})")
    return CronSetup(world_db, cron_db, cron_database)


def _ensure_extension(setup: CronSetup) -> None:
    try:
        with setup.cron_database.connect(autocommit=True) as conn:
            conn.execute("create extension if not exists pg_cron")
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
            conn.execute("select cron.unschedule(jobid) from cron.job where jobname = %s", (job_name,))
            if setup.same_database:
                conn.execute("select cron.schedule(%s, %s, %s)", (job_name, schedule, QUEUE_COMMAND))
            else:
                conn.execute(
                    "select cron.schedule_in_database(%s, %s, %s, %s)",
                    (job_name, schedule, QUEUE_COMMAND, setup.world_db),
                )
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
            if conn.execute("select 1 from pg_extension where extname = 'pg_cron'").fetchone() is None:
                report["note"] = f"the pg_cron extension does not exist in {setup.cron_db!r} yet"
            else:
                report["job"] = conn.execute(
                    "select jobid, jobname, schedule, command, database, username, active "
                    "from cron.job where jobname = %s",
                    (job_name,),
                ).fetchone()
                if report["job"] is not None:
                    report["runs"] = conn.execute(
                        "select runid, status, return_message, start_time, end_time from cron.job_run_details "
                        "where jobid = %s order by runid desc limit 5",
                        (report["job"]["jobid"],),
                    ).fetchall()
        with database.connect(autocommit=True) as conn:
            report["queue"] = conn.execute(
                "select count(*) filter (where finished_at is null) as pending, "
                "count(*) filter (where finished_at is not null) as finished, "
                "max(finished_at) as last_finished_at from driftworld.tick_requests"
            ).fetchone()
    except psycopg.Error as error:
        raise ScheduleError(f"cannot read the schedule: {first_line(error)}") from None
    return report


def remove(database: Database, job_name: str = JOB_NAME) -> bool:
    """Unschedule the job; False when there was none."""
    setup = locate_cron(database)
    try:
        with setup.cron_database.connect(autocommit=True) as conn:
            if conn.execute("select 1 from pg_extension where extname = 'pg_cron'").fetchone() is None:
                return False
            removed = conn.execute(
                "select cron.unschedule(jobid) as removed from cron.job where jobname = %s", (job_name,)
            ).fetchall()
    except psycopg.Error as error:
        raise ScheduleError(f"cannot remove the job: {first_line(error)}") from None
    return bool(removed)
