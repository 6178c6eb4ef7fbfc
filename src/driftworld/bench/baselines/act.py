"""How the baseline agents change the world: as any agent would, with a plain UPDATE or DELETE as the
`driftworld_agent` role and an `action_audit_log` row that explains it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg import sql

from driftworld.store.agent_io import apply_as_agent

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
        apply_as_agent(conn, agent, table, row_id, values, action, f"{agent}: {action}")


def recommend(conn: Conn, agent: str, table: str, row_id: str, action: str, rationale: str) -> None:
    """A proposal for a person, once per resource and action."""
    query = sql.SQL(
        "insert into public.recommendations (account_id, resource_type, resource_id, action, rationale, created_by) "
        "select account_id, %s, id::text, %s, %s, %s from public.{} r where id = %s "
        "and not exists (select 1 from public.recommendations x where x.resource_id = r.id::text and x.action = %s)"
    ).format(sql.Identifier(table))
    conn.execute(query, (table, action, rationale, agent, row_id, action))
