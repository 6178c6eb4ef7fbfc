"""A small rule-based cost agent in plain SQL: it finds waste, fixes what its policy lets it fix, logs
every action in action_audit_log, and leaves a recommendation where a person must decide.

    .venv/bin/python examples/sql_agent.py            # the embedded world (after ./scripts/up)
    DATABASE_URL=postgresql://... python examples/sql_agent.py [--dry-run]

It connects as DATABASE_URL says, or to the embedded world, and acts as the driftworld_agent role. Under
`driftworld bench run --agent-cmd`, DATABASE_URL is that role already and DRIFTWORLD_AGENT names the agent.
Run `driftworld tick` afterwards and `driftworld report` to see the waste it resolved.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

NAME = os.environ.get("DRIFTWORLD_AGENT", "example-sql-agent")
Conn = psycopg.Connection[dict[str, Any]]

# Rows an agent may change alone: auto_safe, not locked (prod rows always are), and frozen by neither
# clock (the virtual clock's next day and the real now: an agent cannot see which one the world runs on).
MAY_ACT = """
    {alias}.optimization_policy = 'auto_safe' and not {alias}.optimization_policy_locked
    and greatest(coalesce(a.freeze_optimizations_until, '-infinity'),
                 coalesce({alias}.optimization_freeze_until, '-infinity'))
        <= least(now(), (c.virtual_date + 1)::timestamp at time zone 'UTC')
"""
JOIN = "join cloud_accounts a on a.id = {alias}.account_id join virtual_clock c on c.account_id = {alias}.account_id"

# Each rule: what it looks for, and the change it makes (None: delete the row).
RULES: list[dict[str, Any]] = [
    {
        "action": "stop_instance",
        "table": "instances",
        "find": "r.state = 'running' and r.autoscaling_group_id is null and r.avg_cpu_7d < 5 "
        "and coalesce(r.avg_network_7d, 0) < 100",
        "set": {"state": "stopped"},
    },
    {
        "action": "release_address",
        "table": "elastic_ips",
        "find": "r.state = 'unassociated' and r.associated_instance_id is null and r.associated_lb_arn is null",
        "set": None,
    },
    {
        "action": "delete_volume",
        "table": "volumes",
        "find": "r.state = 'available' and r.last_used_at < (c.virtual_date - 14)::timestamp at time zone 'UTC'",
        "set": None,
    },
    {
        "action": "modify_volume_type",
        "table": "volumes",
        "find": "r.volume_type = 'gp2'",
        "set": {"volume_type": "gp3"},
    },
    {
        "action": "set_log_retention",
        "table": "log_groups",
        "find": "r.retention_days is null and r.retention_in_days is null",
        "set": {"retention_days": 30},
    },
    {
        "action": "put_bucket_lifecycle",
        "table": "s3_buckets",
        "find": "r.lifecycle_policy is null and (r.lifecycle_rules is null or r.lifecycle_rules = '[]'::jsonb)",
        "set": {
            "lifecycle_rules": [
                {"id": "tiering", "status": "Enabled", "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}]}
            ]
        },
    },
]


def connect() -> Conn:
    """DATABASE_URL, or the embedded world; then the agent role when this login may take it."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        from driftworld.config import load_settings
        from driftworld.store.database import resolve_database

        url = resolve_database(load_settings()).url
    conn = psycopg.connect(url, row_factory=dict_row)
    may_become = conn.execute(
        "select pg_has_role(current_user, 'driftworld_agent', 'member') as ok "
        "from pg_roles where rolname = 'driftworld_agent'"
    ).fetchone()
    if may_become and may_become["ok"]:
        conn.execute("set role driftworld_agent")
    return conn


def apply(conn: Conn, rule: dict[str, Any], dry_run: bool) -> list[dict[str, Any]]:
    table = rule["table"]
    query = f"select r.* from {table} r {JOIN.format(alias='r')} where {rule['find']} and {MAY_ACT.format(alias='r')}"
    done = []
    for row in conn.execute(query).fetchall():
        before = {k: row[k] for k in rule["set"]} if rule["set"] else {"state": row.get("state")}
        if not dry_run:
            if rule["set"] is None:
                conn.execute(f"delete from {table} where id = %s", (row["id"],))
            else:
                columns = ", ".join(f"{k} = %s" for k in rule["set"])
                values = [Jsonb(v) if isinstance(v, list | dict) else v for v in rule["set"].values()]
                conn.execute(f"update {table} set {columns} where id = %s", (*values, row["id"]))
            conn.execute(
                "insert into action_audit_log (action, resource_type, resource_id, resource_name, success, "
                "previous_state, new_state, executed_by) values (%s, %s, %s, %s, true, %s, %s, %s)",
                (rule["action"], table, str(row["id"]), row.get("name"), Jsonb(before), Jsonb(rule["set"]), NAME),
            )
        done.append({"action": rule["action"], "table": table, "id": str(row["id"]), "name": row.get("name")})
    return done


def recommend(conn: Conn, dry_run: bool) -> list[dict[str, Any]]:
    """Multi-AZ outside prod doubles an RDS bill, but RDS is recommend_only: a person decides."""
    rows = conn.execute(
        "select r.id, r.account_id, r.db_instance_id from rds_instances r where r.multi_az and r.env <> 'prod' "
        "and r.optimization_policy <> 'ignore' and not exists (select 1 from recommendations m "
        "where m.resource_id = r.db_instance_id and m.action = 'disable multi_az')"
    ).fetchall()
    if not dry_run:
        for row in rows:
            conn.execute(
                "insert into recommendations (account_id, resource_type, resource_id, action, rationale, created_by) "
                "values (%s, 'rds_instances', %s, 'disable multi_az', 'multi-AZ outside prod doubles the price', %s)",
                (row["account_id"], row["db_instance_id"], NAME),
            )
    return [{"action": "recommend", "table": "rds_instances", "id": r["db_instance_id"]} for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print what it would do, change nothing")
    args = parser.parse_args()
    with connect() as conn:
        actions = [done for rule in RULES for done in apply(conn, rule, args.dry_run)]
        actions += recommend(conn, args.dry_run)
    for action in actions:
        print(json.dumps(action))
    print(json.dumps({"agent": NAME, "actions": len(actions), "dry_run": args.dry_run}))


if __name__ == "__main__":
    main()
