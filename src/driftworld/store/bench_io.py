"""The bench's database work: template and episode databases on the server, the agent's login, and the
reads that grade an episode. The grader reads as the owner; the agent never sees these queries."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

from driftworld.model.kinds import BY_TABLE, RESOURCE_TABLES

Conn = psycopg.Connection[dict[str, Any]]
SQL_DIR = Path(__file__).parent / "sql"
AGENT_ROLE = "driftworld_agent"


class ServerRefused(RuntimeError):
    """The server or the role cannot do what the bench needs; the message says what to change."""


def _read(name: str) -> str:
    return (SQL_DIR / name).read_text()


def with_database(url: str, name: str, user: str | None = None, password: str | None = None) -> str:
    """The same server, another database (and role): a connection string in libpq's key=value form."""
    extra: dict[str, Any] = {"dbname": name}
    if user is not None:
        extra |= {"user": user, "password": password}
    return make_conninfo(url, **extra)


@contextmanager
def server(url: str) -> Iterator[Conn]:
    """An autocommit connection to the server's maintenance database, where databases are made and dropped."""
    with psycopg.connect(with_database(url, "postgres"), autocommit=True, row_factory=dict_row) as conn:
        yield conn


def database_exists(admin: Conn, name: str) -> bool:
    return admin.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is not None


def create_database(admin: Conn, name: str, template: str | None = None) -> None:
    statement = sql.SQL("create database {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("create database {} template {}").format(sql.Identifier(name), sql.Identifier(template))
    try:
        admin.execute(statement)
    except psycopg.errors.InsufficientPrivilege as error:
        raise ServerRefused(
            "the bench copies its world into new databases, and this role may not create databases: "
            "use the embedded database (unset DATABASE_URL) or a role with CREATEDB"
        ) from error


def drop_database(admin: Conn, name: str) -> None:
    admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def rename_database(admin: Conn, old: str, new: str) -> None:
    admin.execute(sql.SQL("alter database {} rename to {}").format(sql.Identifier(old), sql.Identifier(new)))


def enable_agent_login(admin: Conn, password: str) -> None:
    """The agent role logs in with this run's password (roles are the server's, shared by its databases)."""
    if admin.execute("select 1 from pg_roles where rolname = %s", (AGENT_ROLE,)).fetchone() is None:
        raise ServerRefused(
            f"role {AGENT_ROLE} does not exist: run `driftworld db migrate` as a role that may create roles"
        )
    try:
        admin.execute(
            sql.SQL("alter role {} login password {}").format(sql.Identifier(AGENT_ROLE), sql.Literal(password))
        )
    except psycopg.errors.InsufficientPrivilege as error:
        raise ServerRefused(f"this role may not let {AGENT_ROLE} log in: grant it CREATEROLE") from error


def set_world_intensity(conn: Conn, intensity: dict[str, Any]) -> None:
    conn.execute("update driftworld.world_settings set drift_intensity = %s::jsonb", (json.dumps(intensity),))


def credit_audit_rows_to(conn: Conn, agent: str) -> None:
    """Audit rows an agent leaves at the default executor name carry the agent's name instead."""
    conn.execute(
        sql.SQL("alter table public.action_audit_log alter column executed_by set default {}").format(
            sql.Literal(agent)
        )
    )


def account_ids(conn: Conn) -> list[str]:
    return [str(r["id"]) for r in conn.execute("select id::text as id from cloud_accounts where is_active order by id")]


def newest_day(conn: Conn) -> dt.date:
    row = conn.execute("select max(virtual_date) as day from public.virtual_clock").fetchone()
    if row is None or row["day"] is None:
        raise ServerRefused("the episode's world has no history")
    day: dt.date = row["day"]
    return day


def bill_by_day(conn: Conn, first: dt.date, last: dt.date) -> dict[dt.date, float]:
    rows = conn.execute(
        "select date, sum(cost)::float8 as cost from public.daily_bill where date between %s and %s group by date",
        (first, last),
    )
    return {r["date"]: float(r["cost"]) for r in rows}


def waste_ledger(conn: Conn, open_only: bool = False) -> list[dict[str, Any]]:
    """The ground truth; open_only gives what the oracle is handed."""
    return list(conn.execute(_read("bench_ledger.sql"), {"open_only": open_only}))


def findings(conn: Conn, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    return list(
        conn.execute(
            "select virtual_date, resource_table, resource_id::text as resource_id, field_name, kind, change_source "
            "from driftworld.scorecard_findings where virtual_date between %s and %s "
            "order by virtual_date, resource_table, resource_id, field_name, kind",
            (first, last),
        )
    )


def external_changes(conn: Conn, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    return list(
        conn.execute(
            "select virtual_date, resource_type, resource_id, field_name, old_value, new_value, change_source "
            "from resource_change_events where change_source in ('agent', 'manual') "
            "and virtual_date between %s and %s "
            "order by virtual_date, resource_type, resource_id, field_name",
            (first, last),
        )
    )


def audit_rows(conn: Conn) -> list[dict[str, Any]]:
    return list(
        conn.execute(
            "select action, resource_type, resource_id, resource_name, success, message, previous_state, new_state, "
            "executed_by from action_audit_log order by executed_at, id"
        )
    )


def recommendations(conn: Conn) -> list[dict[str, Any]]:
    return list(
        conn.execute(
            "select resource_type, resource_id, action, rationale, created_by from public.recommendations "
            "order by created_at, id"
        )
    )


def policies(conn: Conn) -> dict[str, dict[str, Any]]:
    """Each resource row's policy, lock, env and provider id (or name), by row id and by provider id."""
    found: dict[str, dict[str, Any]] = {}
    for table in RESOURCE_TABLES:
        query = sql.SQL(
            "select id::text as id, to_jsonb(t) as row, optimization_policy as policy, "
            "optimization_policy_locked as locked from public.{} t"
        ).format(sql.Identifier(table))
        provider = BY_TABLE[table].metrics_id or "name"
        for r in conn.execute(query):
            names = [str(r["row"][provider])] if r["row"].get(provider) else []
            entry = {
                "table": table,
                "policy": r["policy"],
                "locked": bool(r["locked"]),
                "env": r["row"].get("env"),
                "names": names,
            }
            found[r["id"]] = entry
            for name in names:
                found.setdefault(name, entry)
    return found


def drop_connections_and_rename(admin: Conn, old: str, new: str) -> None:
    """Rename a database that ticks left kept connections to (they check themselves before reuse)."""
    admin.execute(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
        (old,),
    )
    rename_database(admin, old, new)
