"""An agent's change moves the numbers of what it touched and of nothing else (draws keyed per resource).

Two copies of one world tick the same days; in one an agent changes a resource first. Every history row of
every other resource must equal the untouched copy's, so that the bench can credit an agent with exactly
the difference its actions made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg.rows import tuple_row

import driftworld
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from tests.conftest import clone

DAYS = 6
HISTORY = {
    "metrics_daily": "select resource_type, resource_id, date, metric_payload::text, estimated_daily_cost "
    "from metrics_daily where date > %s",
    "s3_bucket_usage_daily": "select bucket_id::text, date, storage_gb_standard, storage_gb_ia, requests_count "
    "from s3_bucket_usage_daily where date > %s",
    "log_group_usage_daily": "select log_group_id::text, date, ingested_gb, stored_gb from log_group_usage_daily "
    "where date > %s",
    "data_transfer_daily": "select account_id::text, date, source_region, dest_region, direction, gb_transferred "
    "from data_transfer_daily where date > %s",
}


def history(db: Database, since: dt.date) -> dict[str, set[tuple[Any, ...]]]:
    with db.connect(autocommit=True) as conn, conn.cursor(row_factory=tuple_row) as cursor:
        return {table: set(cursor.execute(query, (since,)).fetchall()) for table, query in HISTORY.items()}


def last_day(db: Database) -> dt.date:
    with db.connect(autocommit=True) as conn:
        found = conn.execute("select max(virtual_date) as d from virtual_clock").fetchone()
    assert found is not None and isinstance(found["d"], dt.date)
    return found["d"]


def twins(cluster: LocalCluster, template: str) -> tuple[Database, Database]:
    return clone(cluster, template), clone(cluster, template)


def tick(db: Database) -> None:
    result = driftworld.tick(db, days=DAYS)
    assert result.ok, result.failed


def one(db: Database, query: str) -> dict[str, Any]:
    with db.connect(autocommit=True) as conn:
        found = conn.execute(query).fetchone()
    assert found is not None, query
    return dict(found)


def differing(agent: Database, replay: Database) -> dict[str, set[tuple[Any, ...]]]:
    since = last_day(replay)
    tick(agent)
    tick(replay)
    mine, theirs = history(agent, since), history(replay, since)
    return {table: mine[table] ^ theirs[table] for table in HISTORY}


def test_stopping_one_instance_changes_only_that_instances_rows(cluster: LocalCluster, seeded_template: str) -> None:
    agent, replay = twins(cluster, seeded_template)
    instance = one(
        agent,
        "select id, instance_id from instances where state = 'running' and autoscaling_group_id is null "
        "and env <> 'prod' order by instance_id limit 1",
    )
    with agent.connect(autocommit=True) as conn:
        conn.execute("update instances set state = 'stopped' where id = %s", (instance["id"],))
    diff = differing(agent, replay)
    assert diff["metrics_daily"], "the stopped instance's rows should be missing"
    assert {(r[0], r[1]) for r in diff["metrics_daily"]} == {("instances", instance["instance_id"])}
    assert not diff["s3_bucket_usage_daily"] and not diff["log_group_usage_daily"]
    assert not diff["data_transfer_daily"]


def test_deleting_one_bucket_changes_only_that_buckets_rows(cluster: LocalCluster, seeded_template: str) -> None:
    agent, replay = twins(cluster, seeded_template)
    bucket = one(agent, "select id::text as id from s3_buckets order by name limit 1")
    with agent.connect(autocommit=True) as conn:
        conn.execute("delete from s3_buckets where id = %s", (bucket["id"],))
    diff = differing(agent, replay)
    assert {r[0] for r in diff["s3_bucket_usage_daily"]} == {bucket["id"]}
    assert not diff["metrics_daily"] and not diff["log_group_usage_daily"]
