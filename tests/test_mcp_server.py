"""`driftworld mcp`: every tool and every refusal through the SDK's in-memory client, on a real seeded world."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import anyio
import httpx
import httpx2
import psycopg
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, Implementation
from psycopg.conninfo import make_conninfo

import driftworld
from driftworld.mcp_server import AgentWorld, build_server
from driftworld.mcp_server.http import http_app
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from tests.helpers import rows

AGENT = "test-agent"
ALL_TOOLS = {
    "list_accounts",
    "list_resources",
    "describe_resource",
    "get_metrics",
    "get_cost_and_usage",
    "stop_instance",
    "start_instance",
    "terminate_instance",
    "modify_instance_type",
    "set_asg_capacity",
    "delete_volume",
    "modify_volume_type",
    "delete_snapshot",
    "release_address",
    "set_log_retention",
    "put_bucket_lifecycle",
    "modify_rds_instance",
    "set_lambda_memory",
    "delete_load_balancer",
    "delete_cache_cluster",
    "recommend",
}
READ_TOOLS = {"list_accounts", "list_resources", "describe_resource", "get_metrics", "get_cost_and_usage"}
FIRST, END = "2026-03-22", "2026-04-01"  # the seeded world's ten days, end exclusive


@pytest.fixture()
def world(seeded_db: Database) -> Iterator[AgentWorld]:
    with AgentWorld(seeded_db) as opened:
        yield opened


@pytest.fixture()
def guarded(seeded_db: Database) -> Iterator[AgentWorld]:
    with AgentWorld(seeded_db, enforce_policy=True) as opened:
        yield opened


Session = Callable[[str, dict[str, Any]], Awaitable[CallToolResult]]


def session(world: AgentWorld, script: Callable[[Session], Awaitable[None]]) -> None:
    """Run `script` against the world's server through the SDK's in-memory client, named AGENT."""

    async def main() -> None:
        async with Client(build_server(world), client_info=Implementation(name=AGENT, version="1")) as client:
            await script(client.call_tool)

    anyio.run(main)


def call(world: AgentWorld, tool: str, **arguments: Any) -> CallToolResult:
    found: list[CallToolResult] = []

    async def script(call_tool: Session) -> None:
        found.append(await call_tool(tool, arguments))

    session(world, script)
    return found[0]


def ok(world: AgentWorld, tool: str, **arguments: Any) -> dict[str, Any]:
    reply = call(world, tool, **arguments)
    assert not reply.is_error, reply.structured_content
    assert isinstance(reply.structured_content, dict)
    return dict(reply.structured_content)


def refused(world: AgentWorld, tool: str, code: str, **arguments: Any) -> dict[str, Any]:
    reply = call(world, tool, **arguments)
    assert reply.is_error and reply.structured_content is not None, reply
    assert reply.structured_content["error"] == code, reply.structured_content
    return dict(reply.structured_content)


def one(db: Database, query: str, *params: Any) -> dict[str, Any]:
    with db.connect(autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None, query
    return row


def test_lists_every_tool_with_schemas(world: AgentWorld) -> None:
    async def main() -> None:
        async with Client(build_server(world)) as client:
            tools = (await client.list_tools()).tools
        assert {tool.name for tool in tools} == ALL_TOOLS
        for tool in tools:
            assert tool.description and tool.input_schema["type"] == "object"
            assert tool.output_schema is not None

    anyio.run(main)


def test_runs_as_the_agent_role(world: AgentWorld) -> None:
    assert world.role == "driftworld_agent"
    with world.transaction() as conn:
        assert conn.execute("select current_user as u").fetchone() == {"u": "driftworld_agent"}
    with pytest.raises(psycopg.errors.InsufficientPrivilege), world.transaction() as conn:
        conn.execute("select count(*) from driftworld.waste_ledger")


def test_reads(world: AgentWorld, seeded_db: Database) -> None:
    accounts = ok(world, "list_accounts")
    assert accounts["clock_mode"] == "virtual" and len(accounts["accounts"]) == 2
    account = accounts["accounts"][0]
    assert account["virtual_date"] == "2026-03-31" and len(account["aws_account_number"]) == 12

    every = [r["id"] for r in rows(seeded_db, "select id::text from instances order by id")]
    seen: list[str] = []
    cursor = None
    while True:
        page = ok(world, "list_resources", kind="instance", limit=25, cursor=cursor)
        seen += [r["id"] for r in page["resources"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == every
    running_dev = ok(world, "list_resources", kind="instances", env="dev", state="running", policy="auto_safe")
    assert running_dev["count"] > 0
    assert all(r["env"] == "dev" and r["state"] == "running" for r in running_dev["resources"])
    by_number = ok(world, "list_resources", kind="volumes", account_id=account["aws_account_number"], limit=500)
    assert {r["account_id"] for r in by_number["resources"]} == {account["id"]}
    tagged = one(seeded_db, "select tags from instances where tags <> '{}' limit 1")["tags"]
    key, value = next(iter(tagged.items()))
    assert ok(world, "list_resources", kind="instances", tag=f"{key}={value}", limit=500)["count"] > 0
    assert ok(world, "list_resources", kind="instances", tag=key, limit=500)["count"] > 0

    instance = one(seeded_db, "select id::text, instance_id from instances where state = 'running' limit 1")
    by_provider = ok(world, "describe_resource", kind="instance", id=instance["instance_id"])
    by_row = ok(world, "describe_resource", kind="instances", id=instance["id"])
    assert by_provider == by_row
    assert by_row["provider_id"] == instance["instance_id"]
    assert "avg_cpu_7d" in by_row["utilisation"]["seven_day"] and "current_cpu" in by_row["utilisation"]["live"]
    assert by_row["policy"]["now"] == "2026-04-01T00:00:00+00:00"  # the start of the next virtual day
    assert by_row["cost"]["cost_on_virtual_date"] > 0 and "instance_type" in by_row["configuration"]

    refused(world, "list_resources", "unknown_kind", kind="widgets")
    refused(world, "list_resources", "invalid_parameter", kind="s3_buckets", state="running")
    refused(world, "list_resources", "invalid_parameter", kind="instances", cursor="page-2")
    refused(world, "list_resources", "not_found", kind="instances", account_id="000000000000")
    refused(world, "describe_resource", "not_found", kind="instances", id="i-00000000000000000")


def test_get_metrics(world: AgentWorld, seeded_db: Database) -> None:
    instance = one(seeded_db, "select instance_id from instances where state = 'running' limit 1")["instance_id"]
    days = ok(world, "get_metrics", kind="instances", id=instance)["days"]
    assert len(days) == 10 and days[-1]["date"] == "2026-03-31"  # 14 days asked, 10 seeded
    assert {"cpu_avg", "estimated_daily_cost"} <= days[0].keys()
    window = ok(world, "get_metrics", kind="instances", id=instance, start="2026-03-28", end="2026-03-30")
    assert [d["date"] for d in window["days"]] == ["2026-03-28", "2026-03-29"]
    bucket = one(seeded_db, "select name from s3_buckets limit 1")["name"]
    assert "storage_gb_standard" in ok(world, "get_metrics", kind="s3_bucket", id=bucket)["days"][0]
    group = one(
        seeded_db,
        "select g.id::text from autoscaling_groups g join instances i on i.autoscaling_group_id = g.id "
        "where i.state = 'running' limit 1",
    )["id"]
    assert ok(world, "get_metrics", kind="autoscaling_group", id=group)["days"][0]["members"] >= 1
    refused(
        world, "get_metrics", "invalid_parameter", kind="instances", id=instance, start="2026-03-30", end="2026-03-30"
    )
    refused(world, "get_metrics", "invalid_parameter", kind="instances", id=instance, start="March")


def test_cost_and_usage_equals_the_sql_sum_of_daily_bill(world: AgentWorld, seeded_db: Database) -> None:
    total = one(
        seeded_db,
        "select sum(cost) as c, sum(usage_quantity) as q from daily_bill where date >= %s and date < %s",
        FIRST,
        END,
    )
    daily = ok(world, "get_cost_and_usage", start=FIRST, end=END, metrics=["UnblendedCost", "UsageQuantity"])
    assert len(daily["ResultsByTime"]) == 10
    assert sum(Decimal(p["Total"]["UnblendedCost"]["Amount"]) for p in daily["ResultsByTime"]) == total["c"]
    assert sum(Decimal(p["Total"]["UsageQuantity"]["Amount"]) for p in daily["ResultsByTime"]) == total["q"]
    assert daily["ResultsByTime"][0]["TimePeriod"] == {"Start": FIRST, "End": "2026-03-23"}

    monthly = ok(world, "get_cost_and_usage", start="2026-03-25", end="2026-04-15", granularity="MONTHLY")
    march = one(seeded_db, "select sum(cost) as c from daily_bill where date >= '2026-03-25' and date < '2026-04-01'")
    assert [p["TimePeriod"] for p in monthly["ResultsByTime"]] == [
        {"Start": "2026-03-25", "End": "2026-04-01"},
        {"Start": "2026-04-01", "End": "2026-04-15"},
    ]
    assert Decimal(monthly["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]) == march["c"]
    assert Decimal(monthly["ResultsByTime"][1]["Total"]["UnblendedCost"]["Amount"]) == 0

    grouped = ok(
        world,
        "get_cost_and_usage",
        start=FIRST,
        end=END,
        granularity="MONTHLY",
        group_by=[{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}],
    )
    expected = {
        (r["service"], r["number"]): r["c"]
        for r in rows(
            seeded_db,
            "select b.service, a.aws_account_number as number, sum(b.cost) as c from daily_bill b "
            "join cloud_accounts a on a.id = b.account_id where date >= %s and date < %s group by 1, 2",
            (FIRST, END),
        )
    }
    groups = grouped["ResultsByTime"][0]["Groups"]
    assert {tuple(g["Keys"]): Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in groups} == expected
    assert grouped["GroupDefinitions"][0] == {"Type": "DIMENSION", "Key": "SERVICE"}

    region_usage = ok(
        world,
        "get_cost_and_usage",
        start=FIRST,
        end=END,
        granularity="MONTHLY",
        group_by=[{"Type": "DIMENSION", "Key": "REGION"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
        filter={
            "And": [
                {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}},
                {"Not": {"Dimensions": {"Key": "REGION", "Values": ["nowhere-1"]}}},
            ]
        },
    )
    compute = one(
        seeded_db,
        "select sum(cost) as c from daily_bill where date >= %s and date < %s "
        "and service = 'Amazon Elastic Compute Cloud - Compute'",
        FIRST,
        END,
    )
    compute_groups = region_usage["ResultsByTime"][0]["Groups"]
    assert sum(Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in compute_groups) == compute["c"]

    by_env = ok(
        world,
        "get_cost_and_usage",
        start=FIRST,
        end=END,
        granularity="MONTHLY",
        group_by=[{"Type": "TAG", "Key": "env"}],
    )
    assert (
        sum(Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in by_env["ResultsByTime"][0]["Groups"])
        == one(seeded_db, "select sum(cost) as c from daily_bill where date >= %s and date < %s", FIRST, END)["c"]
    )
    assert all(g["Keys"][0].startswith("env$") for g in by_env["ResultsByTime"][0]["Groups"])
    only_dev = ok(
        world,
        "get_cost_and_usage",
        start=FIRST,
        end=END,
        granularity="MONTHLY",
        filter={"Tags": {"Key": "env", "Values": ["dev"]}},
    )
    dev_group = next(g for g in by_env["ResultsByTime"][0]["Groups"] if g["Keys"] == ["env$dev"])
    assert only_dev["ResultsByTime"][0]["Total"]["UnblendedCost"] == dev_group["Metrics"]["UnblendedCost"]

    for bad in (
        {"start": END, "end": FIRST},
        {"start": FIRST, "end": END, "metrics": ["BlendedCost"]},
        {"start": FIRST, "end": END, "granularity": "HOURLY"},
        {"start": FIRST, "end": END, "group_by": [{"Type": "DIMENSION", "Key": "AZ"}]},
        {"start": FIRST, "end": END, "group_by": [{"Type": "DIMENSION", "Key": "SERVICE"}] * 3},
        {"start": FIRST, "end": END, "filter": {"CostCategories": {"Key": "x", "Values": ["y"]}}},
        {"start": FIRST, "end": END, "filter": {"Dimensions": {"Key": "SERVICE"}}},
    ):
        refused(world, "get_cost_and_usage", "invalid_parameter", **bad)


def test_stopping_an_idle_instance_is_credited_to_the_agent(world: AgentWorld, seeded_db: Database) -> None:
    idle = one(
        seeded_db,
        "select w.id, i.instance_id from driftworld.waste_ledger w join instances i on i.id = w.resource_id "
        "where w.scenario = 'idle_instance' and w.resolved_on is null and i.optimization_policy = 'auto_safe' "
        "and i.autoscaling_group_id is null order by i.instance_id limit 1",
    )
    reply = ok(world, "stop_instance", id=idle["instance_id"])
    assert reply["before"] == {"state": "running"} and reply["after"] == {"state": "stopped"}
    assert reply["warning"] is None and reply["executed_by"] == AGENT
    audit = one(seeded_db, "select * from action_audit_log where id = %s", reply["audit_id"])
    assert audit["executed_by"] == AGENT and audit["action"] == "stop_instance" and audit["success"]
    assert audit["account_id"] is not None
    refused(world, "stop_instance", "incorrect_state", id=idle["instance_id"])

    driftworld.tick(seeded_db, days=1)
    resolved = one(seeded_db, "select resolved_by from driftworld.waste_ledger where id = %s", idle["id"])
    assert resolved["resolved_by"] == "agent"
    events = rows(
        seeded_db,
        "select change_source from resource_change_events where field_name = 'state' "
        "and new_value = 'stopped' and change_source <> 'drift_engine'",
    )
    assert [e["change_source"] for e in events] == ["agent"]
    findings = rows(seeded_db, "select kind from driftworld.scorecard_findings")
    assert findings == []


def _make_ignored(db: Database) -> str:
    """A running dev instance whose owner set it to ignore, a day before the agent comes (the engine has
    seen the policy)."""
    row = one(
        db,
        "update instances set optimization_policy = 'ignore' where id = (select id from instances "
        "where state = 'running' and env = 'dev' and autoscaling_group_id is null order by id limit 1) "
        "returning instance_id",
    )
    driftworld.tick(db, days=1)
    return str(row["instance_id"])


def test_enforce_policy_refuses_an_ignore_resource_and_changes_nothing(
    guarded: AgentWorld, seeded_db: Database
) -> None:
    instance = _make_ignored(seeded_db)
    before = one(seeded_db, "select * from instances where instance_id = %s", instance)
    reply = refused(guarded, "stop_instance", "policy", id=instance)
    assert [r["rule"] for r in reply["reasons"]] == ["ignore"]
    assert one(seeded_db, "select * from instances where instance_id = %s", instance) == before
    assert one(seeded_db, "select count(*) as n from action_audit_log")["n"] == 0
    described = ok(guarded, "describe_resource", kind="instance", id=instance)
    assert described["policy"]["an_act_would"] == "be refused"
    # a recommend_only resource asks for a person: refused too, while recommend still works
    rds = one(seeded_db, "select db_instance_id from rds_instances where env <> 'prod' limit 1")["db_instance_id"]
    assert (
        refused(guarded, "modify_rds_instance", "policy", id=rds, multi_az=False)["reasons"][0]["rule"]
        == "recommend_only"
    )
    assert ok(guarded, "recommend", kind="rds_instance", id=rds, action="disable multi_az", rationale="dev")
    driftworld.tick(seeded_db, days=1)
    assert rows(seeded_db, "select kind from driftworld.scorecard_findings where change_source = 'agent'") == []


def test_enforce_policy_refuses_locked_and_frozen_resources(guarded: AgentWorld, seeded_db: Database) -> None:
    prod = one(seeded_db, "select instance_id from instances where env = 'prod' and state = 'running' limit 1")
    reasons = refused(guarded, "stop_instance", "policy", id=prod["instance_id"])["reasons"]
    assert [r["rule"] for r in reasons] == ["locked"]
    account = one(
        seeded_db,
        "update cloud_accounts set freeze_optimizations_until = '2026-04-03 00:00+00' "
        "where id = (select min(account_id::text)::uuid from instances where env = 'dev') returning id",
    )["id"]
    dev = one(
        seeded_db,
        "select instance_id from instances where account_id = %s and env = 'dev' and state = 'running' limit 1",
        account,
    )["instance_id"]
    reasons = refused(guarded, "stop_instance", "policy", id=dev)["reasons"]
    assert [r["rule"] for r in reasons] == ["account_freeze"]
    assert one(seeded_db, "select count(*) as n from action_audit_log")["n"] == 0


def test_a_name_two_rows_share_is_ambiguous(world: AgentWorld, seeded_db: Database) -> None:
    name = one(
        seeded_db,
        "update lambda_functions set name = (select name from lambda_functions order by id limit 1) "
        "where id = (select id from lambda_functions order by id offset 1 limit 1) returning name",
    )["name"]
    refused(world, "describe_resource", "ambiguous", kind="lambda_function", id=name)
    refused(world, "set_lambda_memory", "ambiguous", id=name, memory_mb=256)


def test_without_enforcement_an_ignore_resource_changes_with_a_warning(world: AgentWorld, seeded_db: Database) -> None:
    instance = _make_ignored(seeded_db)
    reply = ok(world, "stop_instance", id=instance)
    assert reply["applied"] and reply["after"] == {"state": "stopped"}
    assert "ignore" in reply["warning"] and "violation" in reply["warning"]
    assert one(seeded_db, "select state from instances where instance_id = %s", instance)["state"] == "stopped"
    driftworld.tick(seeded_db, days=1)
    kinds = [
        r["kind"]
        for r in rows(seeded_db, "select kind from driftworld.scorecard_findings where change_source = 'agent'")
    ]
    assert "violation_ignore" in kinds


def test_every_act(world: AgentWorld, seeded_db: Database) -> None:
    db = seeded_db
    running = one(
        db,
        "select instance_id from instances where state = 'running' and env = 'dev' "
        "and autoscaling_group_id is null order by id limit 1",
    )["instance_id"]
    assert ok(world, "modify_instance_type", id=running, instance_type="t3.small")["after"] == {
        "instance_type": "t3.small"
    }
    refused(world, "modify_instance_type", "invalid_parameter", id=running, instance_type="z9.huge")
    refused(world, "modify_instance_type", "no_change", id=running, instance_type="t3.small")
    refused(world, "start_instance", "incorrect_state", id=running)
    ok(world, "stop_instance", id=running)
    assert ok(world, "start_instance", id=running)["after"] == {"state": "running"}
    assert ok(world, "terminate_instance", id=running)["after"] == {"state": "terminated"}
    refused(world, "terminate_instance", "incorrect_state", id=running)

    group = one(db, "select id::text, min_size, max_size from autoscaling_groups where env <> 'prod' limit 1")
    capacity = ok(world, "set_asg_capacity", id=group["id"], desired_capacity=0, min_size=0)
    assert capacity["after"]["desired_capacity"] == 0 and "recommend_only" in capacity["warning"]
    refused(world, "set_asg_capacity", "invalid_parameter", id=group["id"], desired_capacity=group["max_size"] + 1)

    spare = one(db, "select volume_id from volumes where state = 'available' limit 1")["volume_id"]
    attached = one(db, "select volume_id from volumes where state = 'in-use' limit 1")["volume_id"]
    assert ok(world, "modify_volume_type", id=attached, volume_type="io2")["after"] == {"volume_type": "io2"}
    refused(world, "modify_volume_type", "invalid_parameter", id=attached, volume_type="gp9")
    refused(world, "delete_volume", "incorrect_state", id=attached)
    assert ok(world, "delete_volume", id=spare)["after"] is None
    assert rows(db, "select 1 from volumes where volume_id = %s", (spare,)) == []

    snapshot = one(db, "select snapshot_id from snapshots limit 1")["snapshot_id"]
    assert ok(world, "delete_snapshot", id=snapshot)["before"]["snapshot_id"] == snapshot
    refused(world, "delete_snapshot", "not_found", id=snapshot)

    free = one(db, "select allocation_id from elastic_ips where state = 'unassociated' limit 1")["allocation_id"]
    ok(world, "release_address", id=free)
    bound = rows(db, "select allocation_id from elastic_ips where state = 'associated' limit 1")
    if bound:
        refused(world, "release_address", "incorrect_state", id=bound[0]["allocation_id"])

    logs = one(db, "select name from log_groups where env <> 'prod' and retention_days is distinct from 14 limit 1")[
        "name"
    ]
    assert ok(world, "set_log_retention", id=logs, retention_days=14)["after"]["retention_days"] == 14
    refused(world, "set_log_retention", "invalid_parameter", id=logs, retention_days=10)

    bucket = one(db, "select name from s3_buckets where env <> 'prod' limit 1")["name"]
    lifecycle = ok(world, "put_bucket_lifecycle", id=bucket, transition_days=30, expiration_days=365)
    assert lifecycle["after"]["lifecycle_rules"][0]["transitions"] == [{"days": 30, "storage_class": "STANDARD_IA"}]
    refused(world, "put_bucket_lifecycle", "invalid_parameter", id=bucket, rules=[{"id": "empty"}])
    refused(world, "put_bucket_lifecycle", "invalid_parameter", id=bucket, storage_class="TAPE")

    rds = one(
        db, "select db_instance_id, multi_az from rds_instances where env <> 'prod' and state = 'available' limit 1"
    )
    changed = ok(
        world,
        "modify_rds_instance",
        id=rds["db_instance_id"],
        instance_class="db.t3.micro",
        multi_az=not rds["multi_az"],
        state="stopped",
    )
    assert changed["after"]["state"] == "stopped"
    refused(world, "modify_rds_instance", "invalid_parameter", id=rds["db_instance_id"])
    refused(world, "modify_rds_instance", "invalid_parameter", id=rds["db_instance_id"], instance_class="db.x9")

    function = one(db, "select id::text, memory_mb from lambda_functions limit 1")
    memory = 256 if function["memory_mb"] != 256 else 512
    assert ok(world, "set_lambda_memory", id=function["id"], memory_mb=memory)["after"] == {"memory_mb": memory}
    refused(world, "set_lambda_memory", "invalid_parameter", id=function["id"], memory_mb=64)

    balancer = one(db, "select lb_arn from load_balancers limit 1")["lb_arn"]
    ok(world, "delete_load_balancer", id=balancer)
    cache = one(db, "select cluster_id from cache_clusters limit 1")["cluster_id"]
    ok(world, "delete_cache_cluster", id=cache)
    assert rows(db, "select 1 from cache_clusters where cluster_id = %s", (cache,)) == []

    audit = rows(db, "select action, executed_by from action_audit_log")
    assert {a["executed_by"] for a in audit} == {AGENT}
    assert len(audit) == 15  # one row per act that applied
    assert {a["action"] for a in audit} == ALL_TOOLS - READ_TOOLS - {"recommend"}


def test_recommend(world: AgentWorld, seeded_db: Database) -> None:
    rds = one(seeded_db, "select id::text, db_instance_id from rds_instances where env = 'prod' limit 1")
    reply = ok(
        world,
        "recommend",
        kind="rds_instances",
        id=rds["id"],
        action="downsize to db.t3.medium",
        rationale="avg cpu 3% for 7 days",
    )
    saved = one(seeded_db, "select * from recommendations")
    assert saved["created_by"] == AGENT and saved["resource_id"] == rds["db_instance_id"]
    assert saved["org_id"] is not None and reply["recommendation"]["action"] == "downsize to db.t3.medium"
    refused(world, "recommend", "invalid_parameter", kind="rds_instances", id=rds["id"], action=" ", rationale="")
    refused(world, "recommend", "unknown_kind", kind="vpc", id=rds["id"], action="delete", rationale="")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_http_needs_the_bearer_token(world: AgentWorld) -> None:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(http_app(build_server(world), "s3cret"), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/mcp"
        assert httpx.post(url, json={}).status_code == 401
        assert httpx.post(url, json={}, headers={"Authorization": "Bearer wrong"}).status_code == 401

        async def main() -> None:
            headers = {"Authorization": "Bearer s3cret"}
            async with (
                httpx2.AsyncClient(headers=headers) as http,
                Client(streamable_http_client(url, http_client=http)) as client,
            ):
                reply = await client.call_tool("list_accounts", {})
            assert not reply.is_error and reply.structured_content is not None
            assert len(reply.structured_content["accounts"]) == 2

        anyio.run(main)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_virtual_now_is_the_start_of_the_next_virtual_day(world: AgentWorld, seeded_db: Database) -> None:
    frozen = one(
        seeded_db,
        "update instances set optimization_freeze_until = '2026-04-01 12:00+00' where id = "
        "(select id from instances where env = 'dev' and state = 'running' order by id limit 1) "
        "returning instance_id",
    )["instance_id"]
    described = ok(world, "describe_resource", kind="instance", id=frozen)
    assert [r["rule"] for r in described["policy"]["reasons"]] == ["resource_freeze"]
    assert dt.datetime.fromisoformat(described["policy"]["now"]) == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def test_a_login_as_the_agent_role_serves_too(seeded_db: Database, cluster: LocalCluster) -> None:
    """As the bench hands an agent DATABASE_URL: the role itself, which cannot read the clock mode."""
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
        admin.execute("alter role driftworld_agent login")
    as_agent = Database(make_conninfo(seeded_db.url, user="driftworld_agent"), "test")
    with AgentWorld(as_agent, agent_name="bench-agent") as world:
        assert (world.role, world.clock_mode) == ("driftworld_agent", "unknown")
        idle = one(
            seeded_db,
            "select instance_id from instances where state = 'running' and env = 'dev' "
            "and autoscaling_group_id is null order by id limit 1",
        )["instance_id"]
        described = ok(world, "describe_resource", kind="instance", id=idle)
        assert described["policy"]["now"] <= "2026-04-01T00:00:00+00:00"  # the earlier of the two clocks
        assert ok(world, "stop_instance", id=idle)["executed_by"] == "bench-agent"
