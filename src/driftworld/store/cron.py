"""pg_cron's side of scheduled ticks: what the server offers, and the job that queues tick requests.

pg_cron lives in one database per server (`cron.database_name`); when the world is in another one,
the job is created there with `cron.schedule_in_database` (pg_cron >= 1.4) and runs in the world's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from driftworld.store.world_io import read_sql

Conn = psycopg.Connection[dict[str, Any]]

QUEUE_COMMAND = "select driftworld.request_tick('pg_cron')"


@dataclass(frozen=True)
class CronFacts:
    """What the world's server says about itself and pg_cron."""

    world_db: str
    migrated: bool  # driftworld.request_tick exists
    available: bool  # pg_cron is installed on the server
    preloaded: bool  # and loaded (shared_preload_libraries)
    cron_db: str | None  # cron.database_name, when set


def _setting(conn: Conn, name: str) -> str | None:
    row = conn.execute("select current_setting(%s, true) as value", (name,)).fetchone()
    value = row["value"] if row else None
    return str(value) if value else None


def cron_facts(conn: Conn) -> CronFacts:
    """Read on a connection to the world's database."""
    row = conn.execute(
        "select current_database() as db, to_regproc('driftworld.request_tick') is not null as migrated"
    ).fetchone()
    assert row is not None
    available = conn.execute("select 1 from pg_available_extensions where name = 'pg_cron'").fetchone()
    preload = _setting(conn, "shared_preload_libraries") or ""
    return CronFacts(
        str(row["db"]),
        bool(row["migrated"]),
        available is not None,
        "pg_cron" in [p.strip() for p in preload.split(",")],
        _setting(conn, "cron.database_name"),
    )


def create_extension(conn: Conn) -> None:
    conn.execute("create extension if not exists pg_cron")


def has_extension(conn: Conn) -> bool:
    return conn.execute("select 1 from pg_extension where extname = 'pg_cron'").fetchone() is not None


def replace_job(conn: Conn, job_name: str, schedule: str, world_db: str | None) -> None:
    """The job named `job_name`, created anew: it queues a tick request on `schedule`, in `world_db` when
    that is not the cron database (None: the same one). Run it inside a transaction."""
    conn.execute("select cron.unschedule(jobid) from cron.job where jobname = %s", (job_name,))
    if world_db is None:
        conn.execute("select cron.schedule(%s, %s, %s)", (job_name, schedule, QUEUE_COMMAND))
    else:
        conn.execute("select cron.schedule_in_database(%s, %s, %s, %s)", (job_name, schedule, QUEUE_COMMAND, world_db))


def read_job(conn: Conn, job_name: str) -> dict[str, Any] | None:
    return conn.execute(
        "select jobid, jobname, schedule, command, database, username, active from cron.job where jobname = %s",
        (job_name,),
    ).fetchone()


def last_runs(conn: Conn, job_id: int, count: int = 5) -> list[dict[str, Any]]:
    return conn.execute(
        "select runid, status, return_message, start_time, end_time from cron.job_run_details "
        "where jobid = %s order by runid desc limit %s",
        (job_id, count),
    ).fetchall()


def unschedule(conn: Conn, job_name: str) -> bool:
    """Remove the job; False when there was none."""
    removed = conn.execute(
        "select cron.unschedule(jobid) as removed from cron.job where jobname = %s", (job_name,)
    ).fetchall()
    return bool(removed)


def supabase_job_sql(target: str, schedule: str, job_name: str) -> str:
    """The SQL a Supabase project runs to post to `target` on `schedule` with pg_net; it holds no secret
    (the bearer is read from vault when the job runs), so it can be committed or pasted safely."""
    return (
        sql.SQL(read_sql("supabase_schedule.sql"))
        .format(
            target_text=sql.SQL(target),
            job_name=sql.Literal(job_name),
            schedule=sql.Literal(schedule),
            target=sql.Literal(target),
        )
        .as_string()
    )
