"""How the baseline agents change the world: as any agent would, with a plain UPDATE or DELETE as the
`driftworld_agent` role and an `action_audit_log` row that explains it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

Conn = psycopg.Connection[dict[str, Any]]

POLICY = (
    "select t.optimization_policy as policy, t.optimization_policy_locked as locked, t.env_value as env, "
    "greatest(t.optimization_freeze_until, case when a.freeze_optimizations_from is null "
    "or a.freeze_optimizations_from <= %s then a.freeze_optimizations_until end) as frozen_until "
    "from (select r.*, to_jsonb(r) ->> 'env' as env_value from public.{} r where r.id = %s) t "
    "join public.cloud_accounts a on a.id = t.account_id"
)


def verdict(conn: Conn, table: str, row_id: str, today: dt.date) -> str:
    """What a careful agent may do: 'act' alone (auto_safe), act as 'approval' allows (a non-prod
    recommend_only resource: allowed, listed as unapproved), only 'recommend' (locked or prod), or 'skip'
    (`ignore`, or frozen).

    A change is judged at the start of the next virtual day, when the world observes it."""
    judged_at = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    row = conn.execute(sql.SQL(POLICY).format(sql.Identifier(table)), (judged_at, row_id)).fetchone()
    if row is None or row["policy"] == "ignore":
        return "skip"
    if row["frozen_until"] is not None and row["frozen_until"] > judged_at:
        return "skip"
    if row["locked"] or row["env"] == "prod":
        return "recommend"
    return "act" if row["policy"] == "auto_safe" else "approval"


def change(conn: Conn, agent: str, table: str, row_id: str, values: dict[str, Any] | None, action: str) -> None:
    """Update the row (None: delete it) and log the action, in one transaction."""
    with conn.transaction():
        before = conn.execute(
            sql.SQL("select to_jsonb(t) as row from public.{} t where id = %s").format(sql.Identifier(table)),
            (row_id,),
        ).fetchone()
        if before is None:
            return
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
                f"{agent}: {action}",
                Jsonb(before["row"]),
                Jsonb(after) if after is not None else None,
                agent,
            ),
        )


def recommend(conn: Conn, agent: str, table: str, row_id: str, action: str, rationale: str) -> None:
    """A proposal for a person, once per resource and action."""
    query = sql.SQL(
        "insert into public.recommendations (account_id, resource_type, resource_id, action, rationale, created_by) "
        "select account_id, %s, id::text, %s, %s, %s from public.{} r where id = %s "
        "and not exists (select 1 from public.recommendations x where x.resource_id = r.id::text and x.action = %s)"
    ).format(sql.Identifier(table))
    conn.execute(query, (table, action, rationale, agent, row_id, action))
