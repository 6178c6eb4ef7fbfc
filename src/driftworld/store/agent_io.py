"""What an agent reads and changes, as the agent role: resources, their history, the bill, audit rows.

Every statement here runs on a connection that has `SET ROLE driftworld_agent` (when the role exists),
so the MCP server reaches exactly what an agent's own SQL reaches and nothing of the engine schema.
Table and column names come from the model's list of kinds, never from a caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from driftworld.model.catalogue import EBS_GB_MONTH, EC2_HOURLY, RDS_HOURLY
from driftworld.model.rules.log_storage import RETENTION_DAYS

Conn = psycopg.Connection[dict[str, Any]]
AGENT_ROLE = "driftworld_agent"
# Columns a listing leaves out: bookkeeping an agent never needs.
HIDDEN = ("org_id", "created_at", "updated_at")


def use_utc(conn: Conn) -> None:
    """Timestamps read in UTC, whatever the server's time zone: replies carry them as AWS and MCP clients expect."""
    conn.execute("set time zone 'UTC'")


def can_become_agent(conn: Conn) -> bool:
    """Whether this login may `SET ROLE driftworld_agent` (a server where the migration could not create
    the role, or a login that is not a member, cannot)."""
    row = conn.execute(
        "select exists (select 1 from pg_roles where rolname = %s) and pg_has_role(current_user, %s, 'member') as ok",
        (AGENT_ROLE, AGENT_ROLE),
    ).fetchone()
    return bool(row and row["ok"])


def become_agent(conn: Conn) -> None:
    """The session's role from now on; the MCP client sends no SQL, so it cannot reset it."""
    conn.execute(sql.SQL("set role {}").format(sql.Identifier(AGENT_ROLE)))


def clock_mode(conn: Conn) -> str | None:
    """The world's clock mode, read as the owner (None when this login cannot read the engine schema, or
    the database holds no world yet)."""
    try:
        with conn.transaction():
            row = conn.execute("select clock_mode from driftworld.world_settings").fetchone()
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedTable):
        return None
    return str(row["clock_mode"]) if row else None


def list_accounts(conn: Conn) -> list[dict[str, Any]]:
    return conn.execute(
        "select a.id, a.name, a.aws_account_number, a.primary_region, a.is_active, a.freeze_optimizations_until, "
        "o.id as org_id, o.name as organization, c.virtual_date "
        "from cloud_accounts a join organizations o on o.id = a.org_id "
        "left join virtual_clock c on c.account_id = a.id order by o.name, a.name, a.id"
    ).fetchall()


def columns_of(conn: Conn, table: str) -> list[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns where table_schema = 'public' and table_name = %s "
        "order by ordinal_position",
        (table,),
    ).fetchall()
    return [str(r["column_name"]) for r in rows]


def find_resources(conn: Conn, table: str, id_columns: Sequence[str], key: str, lock: bool) -> list[dict[str, Any]]:
    """Rows whose id or one of `id_columns` (provider id, name) equals `key`; locked for update when asked."""
    tests = [sql.SQL("id::text = %s")] + [sql.SQL("{} = %s").format(sql.Identifier(c)) for c in id_columns]
    query = sql.SQL("select * from {} where {} order by id limit 2{}").format(
        sql.Identifier(table), sql.SQL(" or ").join(tests), sql.SQL(" for update" if lock else "")
    )
    return conn.execute(query, [key] * len(tests)).fetchall()


def list_resources(
    conn: Conn, table: str, where: Sequence[tuple[str, str, Any]], after: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to `limit` rows ordered by id after the cursor `after`; `where` holds (column, test, value)
    with test one of '=', 'tag=', 'tag?'."""
    tests: list[sql.Composable] = []
    params: list[Any] = []
    for column, test, value in where:
        name = sql.Identifier(column)
        if test == "=":
            tests.append(sql.SQL("{}::text = %s").format(name))
            params.append(value)
        elif test == "tag=":
            tests.append(sql.SQL("tags ->> %s = %s"))
            params += list(value)
        else:
            tests.append(sql.SQL("tags ? %s"))
            params.append(value)
    if after is not None:
        tests.append(sql.SQL("id > %s::uuid"))
        params.append(after)
    condition = sql.SQL(" and ").join(tests) if tests else sql.SQL("true")
    query = sql.SQL("select * from {} where {} order by id limit %s").format(sql.Identifier(table), condition)
    return conn.execute(query, [*params, limit]).fetchall()


def account_context(conn: Conn, account_id: str) -> dict[str, Any]:
    """The account's freeze, its virtual day and the database's now (what a freeze is compared with)."""
    row = conn.execute(
        "select a.freeze_optimizations_until, c.virtual_date, now() as now from cloud_accounts a "
        "left join virtual_clock c on c.account_id = a.id where a.id = %s",
        (account_id,),
    ).fetchone()
    return row or {"freeze_optimizations_until": None, "virtual_date": None, "now": None}


def history(
    conn: Conn, table: str, account_id: str, row_id: str, metrics_id: str, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """A resource's daily rows from `start` to `end` (exclusive), oldest first."""
    if table == "s3_buckets":
        return conn.execute(
            "select date, storage_gb_standard, storage_gb_ia, storage_gb_glacier, requests_count, "
            "estimated_storage_cost, estimated_request_cost from s3_bucket_usage_daily "
            "where bucket_id = %s and date >= %s and date < %s order by date",
            (row_id, start, end),
        ).fetchall()
    if table == "log_groups":
        return conn.execute(
            "select date, ingested_gb, stored_gb, estimated_ingestion_cost, estimated_storage_cost "
            "from log_group_usage_daily where log_group_id = %s and date >= %s and date < %s order by date",
            (row_id, start, end),
        ).fetchall()
    if table == "autoscaling_groups":  # a group costs through its members
        return conn.execute(
            "select m.date, count(*) as members, round(avg((m.metric_payload ->> 'cpu_avg')::numeric), 2) as cpu_avg, "
            "sum(m.estimated_daily_cost) as estimated_daily_cost from metrics_daily m "
            "join instances i on i.instance_id = m.resource_id and m.resource_type = 'instances' "
            "where i.autoscaling_group_id = %s and m.account_id = %s and m.date >= %s and m.date < %s "
            "group by m.date order by m.date",
            (row_id, account_id, start, end),
        ).fetchall()
    return conn.execute(
        "select date, metric_payload, estimated_daily_cost from metrics_daily where account_id = %s "
        "and resource_type = %s and resource_id = %s and date >= %s and date < %s order by date",
        (account_id, table, metrics_id, start, end),
    ).fetchall()


def last_day_cost(conn: Conn, account_id: str, table: str, bill_id: str, day: dt.date | None) -> Any:
    """What the resource cost on the account's last simulated day, by the world's bill."""
    if day is None:
        return None
    row = conn.execute(
        "select coalesce(sum(cost), 0) as cost from daily_bill where account_id = %s and resource_type = %s "
        "and resource_id = %s and date = %s",
        (account_id, table, bill_id, day),
    ).fetchone()
    return row["cost"] if row else None


def update_resource(conn: Conn, table: str, row_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """The agent's UPDATE, as an agent's own SQL would write it; returns the row after."""
    assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(column)) for column in values)
    query = sql.SQL("update {} set {} where id = %s returning *").format(sql.Identifier(table), assignments)
    params = [Jsonb(v) if isinstance(v, dict | list) else v for v in values.values()]
    row = conn.execute(query, [*params, row_id]).fetchone()
    assert row is not None  # the row is locked by this transaction
    return row


def delete_resource(conn: Conn, table: str, row_id: str) -> None:
    conn.execute(sql.SQL("delete from {} where id = %s").format(sql.Identifier(table)), (row_id,))


def write_audit(conn: Conn, entry: dict[str, Any]) -> dict[str, Any]:
    """One action_audit_log row: what the next tick reads to attribute the change to the agent."""
    row = conn.execute(
        "insert into action_audit_log (account_id, org_id, action, resource_type, resource_id, resource_name, "
        "success, message, previous_state, new_state, duration_ms, executed_by) "
        "values (%(account_id)s, %(org_id)s, %(action)s, %(resource_type)s, %(resource_id)s, %(resource_name)s, "
        "true, %(message)s, %(previous_state)s, %(new_state)s, %(duration_ms)s, %(executed_by)s) "
        "returning id, executed_at",
        {**entry, "previous_state": Jsonb(entry["previous_state"]), "new_state": Jsonb(entry["new_state"])},
    ).fetchone()
    assert row is not None
    return row


def insert_recommendation(conn: Conn, entry: dict[str, Any]) -> dict[str, Any]:
    row = conn.execute(
        "insert into recommendations (account_id, org_id, resource_type, resource_id, action, rationale, created_by) "
        "values (%(account_id)s, %(org_id)s, %(resource_type)s, %(resource_id)s, %(action)s, %(rationale)s, "
        "%(created_by)s) returning *",
        entry,
    ).fetchone()
    assert row is not None
    return row


def enable_agent_login(conn: Conn, password: str) -> None:
    """Let the agent role log in with this password (a role belongs to the server, not to one database)."""
    conn.execute(sql.SQL("alter role {} login password {}").format(sql.Identifier(AGENT_ROLE), sql.Literal(password)))


def agent_role_exists(conn: Conn) -> bool:
    return conn.execute("select 1 from pg_roles where rolname = %s", (AGENT_ROLE,)).fetchone() is not None


def apply_as_agent(
    conn: Conn, agent: str, table: str, row_id: str, values: dict[str, Any] | None, action: str, message: str
) -> dict[str, Any] | None:
    """Update the row (None: delete it) and write the audit row that tells the engine who did it, as an
    agent's own SQL would; returns the row as it was, or None when it is gone."""
    before = conn.execute(
        sql.SQL("select to_jsonb(t) as row from public.{} t where id = %s").format(sql.Identifier(table)), (row_id,)
    ).fetchone()
    if before is None:
        return None
    after: Any = None
    if values is None:
        conn.execute(sql.SQL("delete from public.{} where id = %s").format(sql.Identifier(table)), (row_id,))
    else:
        assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(column)) for column in values)
        query = sql.SQL("update public.{} t set {} where id = %s returning to_jsonb(t) as row").format(
            sql.Identifier(table), assignments
        )
        params = [Jsonb(v) if isinstance(v, dict | list) else v for v in values.values()]
        found = conn.execute(query, [*params, row_id]).fetchone()
        after = found["row"] if found else None
    conn.execute(
        "insert into public.action_audit_log (action, resource_type, resource_id, resource_name, success, "
        "message, previous_state, new_state, executed_by) values (%s, %s, %s, %s, true, %s, %s, %s, %s)",
        (
            action,
            table,
            row_id,
            before["row"].get("name"),
            message,
            Jsonb(before["row"]),
            Jsonb(after) if after is not None else None,
            agent,
        ),
    )
    return dict(before["row"])


# -- what AWS refuses -----------------------------------------------------------------------------
# One set of rules for every way an agent acts (the MCP server's act tools, the AWS API): each front end
# turns a ChangeRefused into its own error shape.


class ChangeRefused(ValueError):
    """A change AWS refuses, so nothing changes; `state` is the resource's state when that is why."""

    def __init__(self, message: str, state: str | None = None) -> None:
        super().__init__(message)
        self.state = state


# The states each change of state may start from, as EC2 and RDS allow it.
STATE_CHANGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("instances", "stopped"): ("pending", "running", "stopping"),
    ("instances", "running"): ("stopped", "stopping"),
    ("instances", "terminated"): ("pending", "running", "stopping", "stopped", "shutting-down"),
    ("rds_instances", "stopped"): ("available",),
    ("rds_instances", "available"): ("stopped",),
}
CATALOGUES: dict[str, Sequence[str]] = {
    "instance type": tuple(EC2_HOURLY),
    "volume type": tuple(EBS_GB_MONTH),
    "instance class": tuple(RDS_HOURLY),
    "storage class": ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"),
}
LAMBDA_MEMORY_MB = (128, 10240)


def require_state(row: dict[str, Any], allowed: Sequence[str], name: str, change: str) -> None:
    if row.get("state") not in allowed:
        raise ChangeRefused(f"{name} is {row.get('state')}: {change} needs it {' or '.join(allowed)}", row.get("state"))


def require_state_change(table: str, row: dict[str, Any], target: str, name: str) -> None:
    """Refuses moving `row` to the state `target` from a state AWS does not move it from."""
    require_state(row, STATE_CHANGES[(table, target)], name, f"becoming {target}")


def require_known(value: str, what: str) -> str:
    """`value` when it is one of the catalogue's (the world prices only those)."""
    if value not in CATALOGUES[what]:
        raise ChangeRefused(f"unknown {what} {value!r}: the world knows {', '.join(sorted(CATALOGUES[what]))}")
    return value


def require_capacity(low: int, desired: int, high: int) -> None:
    if not 0 <= low <= desired <= high:
        raise ChangeRefused(
            f"capacity must satisfy 0 <= min size ({low}) <= desired capacity ({desired}) <= max size ({high})"
        )


def require_retention(days: int) -> None:
    if days not in RETENTION_DAYS:
        raise ChangeRefused(
            f"CloudWatch Logs accepts retention of {', '.join(map(str, RETENTION_DAYS))} days, not {days}"
        )


def retention_values(row: dict[str, Any], days: int) -> dict[str, Any]:
    """The columns a log retention change writes: `retention_days`, and `retention_in_days` where the group
    has one (the world applies the shorter of the two, so both then say the same)."""
    require_retention(days)
    values: dict[str, Any] = {"retention_days": days}
    if row.get("retention_in_days") is not None:
        values["retention_in_days"] = days
    return values


def require_lambda_memory(memory_mb: int) -> None:
    low, high = LAMBDA_MEMORY_MB
    if not low <= memory_mb <= high:
        raise ChangeRefused(f"Lambda memory is {low} to {high} MB, not {memory_mb}")


def require_detached(row: dict[str, Any], name: str) -> None:
    """A volume is deleted, or an address released, only when nothing is attached to it."""
    if row.get("state") in ("in-use", "associated") or any(
        row.get(column) for column in ("attached_instance_id", "associated_instance_id", "associated_lb_arn")
    ):
        raise ChangeRefused(f"{name} is {row.get('state')}: detach it first", row.get("state"))
