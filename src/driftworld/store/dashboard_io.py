"""The dashboard's reads: the bill per day and service, the ground-truth waste and what agents did."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from driftworld.store.world_io import read_sql

Conn = psycopg.Connection[dict[str, Any]]


def _scope(org: uuid.UUID | None, account: uuid.UUID | None) -> dict[str, uuid.UUID | None]:
    return {"org": org, "account": account}


def organizations(conn: Conn) -> list[dict[str, Any]]:
    """Organizations with their accounts, by name."""
    rows = conn.execute(
        "select o.id::text as org_id, o.name as org_name, a.id::text as account_id, a.name as account_name "
        "from public.organizations o join public.cloud_accounts a on a.org_id = o.id "
        "order by o.name, o.id, a.name, a.id"
    ).fetchall()
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        org = found.setdefault(row["org_id"], {"id": row["org_id"], "name": row["org_name"], "accounts": []})
        org["accounts"].append({"id": row["account_id"], "name": row["account_name"]})
    return list(found.values())


def daily_costs(conn: Conn, org: uuid.UUID | None, account: uuid.UUID | None) -> list[dict[str, Any]]:
    return list(conn.execute(read_sql("dashboard_costs.sql"), _scope(org, account)).fetchall())


def waste_by_day(conn: Conn, org: uuid.UUID | None, account: uuid.UUID | None) -> list[dict[str, Any]]:
    return list(conn.execute(read_sql("dashboard_waste.sql"), _scope(org, account)).fetchall())


def activity_by_day(conn: Conn, org: uuid.UUID | None, account: uuid.UUID | None) -> list[dict[str, Any]]:
    return list(conn.execute(read_sql("dashboard_activity.sql"), _scope(org, account)).fetchall())


def recent_changes(
    conn: Conn, org: uuid.UUID | None, account: uuid.UUID | None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest changes the engine did not make, agents' and people's, with what the scorecard found."""
    return list(
        conn.execute(
            "select e.virtual_date::text as day, e.change_source, e.resource_type, e.resource_id, e.field_name, "
            "       e.old_value, e.new_value, f.kind as finding "
            "from public.resource_change_events e "
            "join public.cloud_accounts a on a.id = e.account_id "
            "left join driftworld.scorecard_findings f on f.account_id = e.account_id "
            "     and f.virtual_date = e.virtual_date and f.resource_id::text = e.resource_id "
            "     and f.field_name = e.field_name "
            "where e.change_source <> 'drift_engine' "
            "  and (%(org)s::uuid is null or a.org_id = %(org)s::uuid) "
            "  and (%(account)s::uuid is null or e.account_id = %(account)s::uuid) "
            "order by e.virtual_date desc, e.changed_at desc limit %(limit)s",
            {**_scope(org, account), "limit": limit},
        ).fetchall()
    )
