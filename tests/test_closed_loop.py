"""The closed loop of contract section 5: an agent's change (plain SQL), a tick, and its effect on the next day.

Scenarios are switched off in these worlds so that what changes is what the agent did and what the cloud's
control plane does about it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

import driftworld
from driftworld.model import catalogue
from driftworld.model import workload as wl
from driftworld.store.database import Database
from tests.conftest import END_DATE
from tests.helpers import execute, rows

D1 = END_DATE + dt.timedelta(days=1)  # Wednesday 1 April 2026: an ordinary working day, not a month end
D2 = D1 + dt.timedelta(days=1)


def row(db: Database, query: str, params: Any = None) -> dict[str, Any]:
    found = rows(db, query, params)
    assert found, query
    return found[0]


def value(db: Database, query: str, params: Any = None) -> Any:
    return next(iter(row(db, query, params).values()))


def tick(db: Database, days: int = 1) -> None:
    result = driftworld.tick(db, days=days)
    assert result.ok, result.failed
    assert all(a.status == "simulated" and a.days_simulated == days for a in result.accounts), result.accounts


def cost_rows(db: Database, resource_type: str, resource_id: str, since: dt.date = D1) -> list[dict[str, Any]]:
    return rows(
        db,
        "select date, estimated_daily_cost, metric_payload from metrics_daily "
        "where resource_type = %s and resource_id = %s and date >= %s order by date",
        (resource_type, resource_id, since),
    )


def daily_cost(db: Database, resource_type: str, resource_id: str, day: dt.date = D1) -> float:
    found = [r for r in cost_rows(db, resource_type, resource_id, day) if r["date"] == day]
    assert len(found) == 1, (resource_type, resource_id, day)
    return float(found[0]["estimated_daily_cost"])


@pytest.fixture()
def world(seeded_db: Database) -> Database:
    execute(seeded_db, "update driftworld.world_settings set drift_intensity = '{\"multiplier\": 0}'")
    return seeded_db


STANDALONE = (
    "select i.* from instances i join driftworld.workload_profiles p "
    "on p.resource_table = 'instances' and p.resource_id = i.id "
    "where i.autoscaling_group_id is null and i.state = 'running' and p.profile = %s "
    "and coalesce(i.tags->>'schedule', '') <> 'office_hours' "
)


def standalone(db: Database, profile: str = "nonprod", extra: str = "") -> dict[str, Any]:
    return row(db, STANDALONE + extra + " order by i.instance_id limit 1", (profile,))


# -- instances -----------------------------------------------------------------------------------


def test_a_stopped_instance_stops_costing_and_its_live_values_drop_to_zero(world: Database) -> None:
    instance = standalone(world)
    assert instance["avg_cpu_7d"] is not None and float(instance["current_cpu"]) > 0
    execute(world, "update instances set state = 'stopped' where id = %s", (instance["id"],))
    tick(world, days=2)
    after = row(world, "select * from instances where id = %s", (instance["id"],))
    assert after["state"] == "stopped"
    assert cost_rows(world, "instances", instance["instance_id"]) == []
    assert float(after["current_cpu"]) == 0 and float(after["current_memory"]) == 0
    assert after["avg_cpu_7d"] == instance["avg_cpu_7d"]  # the averages stay as they were
    assert after["avg_network_7d"] == instance["avg_network_7d"]


def test_a_stopped_idle_instance_stays_stopped(world: Database) -> None:
    idle = standalone(world, "idle", "and i.env <> 'prod'")
    execute(world, "update instances set state = 'stopped' where id = %s", (idle["id"],))
    tick(world, days=7)  # a weekend and the working days around it
    assert value(world, "select state from instances where id = %s", (idle["id"],)) == "stopped"
    assert cost_rows(world, "instances", idle["instance_id"]) == []
    engine_changes = value(
        world,
        "select count(*) from resource_change_events where resource_id = %s and change_source = 'drift_engine'",
        (str(idle["id"]),),
    )
    assert engine_changes == 0


def test_terminating_a_standalone_instance_releases_its_eip_and_deletes_its_volumes(world: Database) -> None:
    instance = row(
        world,
        "select i.* from instances i where i.autoscaling_group_id is null and i.state = 'running' "
        "and exists (select 1 from elastic_ips e where e.associated_instance_id = i.instance_id) "
        "and exists (select 1 from volumes v where v.attached_instance_id = i.instance_id and v.state <> 'deleted') "
        "order by i.instance_id limit 1",
    )
    execute(world, "update instances set state = 'terminated' where id = %s", (instance["id"],))
    tick(world)
    eips = rows(world, "select * from elastic_ips where associated_instance_id = %s", (instance["instance_id"],))
    assert eips == []
    released = rows(
        world,
        "select e.* from elastic_ips e join resource_change_events c on c.resource_id = e.id::text "
        "where c.change_source = 'drift_engine' and c.field_name = 'associated_instance_id' "
        "and c.old_value = %s and c.virtual_date = %s",
        (instance["instance_id"], D1),
    )
    assert released and all(e["state"] == "unassociated" for e in released)
    for eip in released:
        assert daily_cost(world, "elastic_ips", eip["allocation_id"]) == pytest.approx(0.12)  # AWS still bills it
    volumes = rows(world, "select * from volumes where attached_instance_id = %s", (instance["instance_id"],))
    assert volumes and all(v["state"] == "deleted" for v in volumes)
    tick(world)
    assert cost_rows(world, "instances", instance["instance_id"]) == []
    for volume in volumes:
        assert value(world, "select state from volumes where id = %s", (volume["id"],)) == "deleted"
        assert cost_rows(world, "volumes", volume["volume_id"]) == []


@pytest.mark.parametrize(("new_type", "gpus"), [("m5.2xlarge", 0), ("g5.xlarge", 1)])
def test_a_new_instance_type_reprices_and_restarts_the_walk(world: Database, new_type: str, gpus: int) -> None:
    instance = standalone(world, "nonprod", "and i.instance_type in ('t3.small', 't3.medium', 't3.large')")
    execute(world, "update instances set instance_type = %s where id = %s", (new_type, instance["id"]))
    tick(world)
    after = row(world, "select * from instances where id = %s", (instance["id"],))
    hourly = catalogue.ec2_hourly(new_type)
    assert float(after["hourly_cost"]) == pytest.approx(hourly)
    assert (after["gpu_count"], after["has_gpu"]) == (gpus, gpus > 0)
    assert float(after["gpu_hourly_cost"]) == pytest.approx(catalogue.ec2_gpu(new_type)[1])
    assert 0.95 <= daily_cost(world, "instances", instance["instance_id"]) / (hourly * 24) <= 1.10
    (today,) = cost_rows(world, "instances", instance["instance_id"])
    assert today["metric_payload"]["instance_type"] == new_type


def test_an_agent_written_price_is_respected_until_the_type_changes(world: Database) -> None:
    instance = standalone(world, "prod")
    execute(world, "update instances set hourly_cost = 0.5 where id = %s", (instance["id"],))
    tick(world)
    assert float(value(world, "select hourly_cost from instances where id = %s", (instance["id"],))) == 0.5
    assert 0.95 <= daily_cost(world, "instances", instance["instance_id"]) / (0.5 * 24) <= 1.10  # a new anchor
    execute(world, "update instances set instance_type = 't3.small' where id = %s", (instance["id"],))
    tick(world)
    assert float(value(world, "select hourly_cost from instances where id = %s", (instance["id"],))) == pytest.approx(
        0.0208
    )
    assert 0.95 <= daily_cost(world, "instances", instance["instance_id"], D2) / (0.0208 * 24) <= 1.10


# -- auto scaling groups ---------------------------------------------------------------------------


def group_with(db: Database, condition: str) -> dict[str, Any]:
    return row(
        db,
        "select g.*, (select count(*) from instances i where i.autoscaling_group_id = g.id "
        "and i.state = 'running') as running from autoscaling_groups g "
        f"where g.env <> 'prod' and {condition} order by g.name limit 1",
    )


def members(db: Database, group_id: Any) -> list[dict[str, Any]]:
    return rows(db, "select * from instances where autoscaling_group_id = %s order by launch_time", (group_id,))


def test_raising_desired_capacity_launches_members(world: Database) -> None:
    group = group_with(world, "true")
    before = {m["instance_id"] for m in members(world, group["id"])}
    target = group["running"] + 2
    execute(
        world,
        "update autoscaling_groups set max_size = greatest(max_size, %s), desired_capacity = %s where id = %s",
        (target, target, group["id"]),
    )
    tick(world)
    running = [m for m in members(world, group["id"]) if m["state"] == "running"]
    assert len(running) == target
    launched = [m for m in running if m["instance_id"] not in before]
    assert len(launched) == 2
    for member in launched:
        assert (member["env"], member["instance_type"]) == (group["env"], group["instance_type"])
        assert member["launch_time"].date() == D1  # virtual clock mode: stamped on the virtual day
        assert member["instance_id"].startswith("i-") and len(member["instance_id"]) == 19
        assert float(member["hourly_cost"]) == pytest.approx(catalogue.ec2_hourly(group["instance_type"]))
        assert member["avg_cpu_7d"] is not None and float(member["current_cpu"]) > 0
    for member in running:
        assert daily_cost(world, "instances", member["instance_id"]) > 0
    utilisation = value(world, "select current_utilization from autoscaling_groups where id = %s", (group["id"],))
    assert float(utilisation) == pytest.approx(sum(float(m["current_cpu"]) for m in running) / target, abs=0.01)


def test_lowering_desired_capacity_terminates_the_newest_members(world: Database) -> None:
    group = group_with(world, "(select count(*) from instances i where i.autoscaling_group_id = g.id) >= 3")
    running = [m for m in members(world, group["id"]) if m["state"] == "running"]
    newest = max(running, key=lambda m: (m["launch_time"], m["instance_id"]))
    execute(
        world,
        "update autoscaling_groups set min_size = 1, desired_capacity = %s where id = %s",
        (len(running) - 1, group["id"]),
    )
    tick(world)
    after = {m["instance_id"]: m for m in members(world, group["id"])}
    assert sum(m["state"] == "running" for m in after.values()) == len(running) - 1
    assert after[newest["instance_id"]]["state"] == "terminated"
    assert cost_rows(world, "instances", newest["instance_id"]) == []


def test_desired_capacity_zero_leaves_no_running_member_and_no_cost(world: Database) -> None:
    group = group_with(world, "true")
    ids = [m["instance_id"] for m in members(world, group["id"])]
    execute(world, "update autoscaling_groups set min_size = 0, desired_capacity = 0 where id = %s", (group["id"],))
    tick(world)
    assert {m["state"] for m in members(world, group["id"])} == {"terminated"}
    assert rows(world, "select * from metrics_daily where date = %s and resource_id = any(%s)", (D1, ids)) == []
    assert float(value(world, "select current_utilization from autoscaling_groups where id = %s", (group["id"],))) == 0


def test_desired_capacity_is_clamped_to_the_group_bounds(world: Database) -> None:
    group = group_with(world, "true")
    execute(world, "update autoscaling_groups set desired_capacity = max_size + 5 where id = %s", (group["id"],))
    tick(world)
    running = [m for m in members(world, group["id"]) if m["state"] == "running"]
    assert len(running) == group["max_size"]


def test_a_stopped_member_is_replaced(world: Database) -> None:
    group = group_with(world, "true")
    old = members(world, group["id"])
    stopped = old[0]
    execute(world, "update instances set state = 'stopped' where id = %s", (stopped["id"],))
    tick(world)
    after = {m["instance_id"]: m for m in members(world, group["id"])}
    assert after[stopped["instance_id"]]["state"] == "terminated"
    running = [m for m in after.values() if m["state"] == "running"]
    assert len(running) == group["desired_capacity"]
    assert [m for m in running if m["instance_id"] not in {o["instance_id"] for o in old}]  # a new one
    assert cost_rows(world, "instances", stopped["instance_id"]) == []
    tick(world)  # terminated for good
    assert value(world, "select state from instances where id = %s", (stopped["id"],)) == "terminated"


# -- storage, networking, deletions ---------------------------------------------------------------


def test_gp2_to_gp3_reprices_a_volume(world: Database) -> None:
    volume = row(world, "select * from volumes where volume_type = 'gp2' and state <> 'deleted' order by volume_id")
    assert float(volume["monthly_cost"]) == pytest.approx(0.10 * volume["size_gib"])
    execute(world, "update volumes set volume_type = 'gp3' where id = %s", (volume["id"],))
    tick(world)
    monthly = float(value(world, "select monthly_cost from volumes where id = %s", (volume["id"],)))
    assert monthly == pytest.approx(0.08 * volume["size_gib"])
    assert daily_cost(world, "volumes", volume["volume_id"]) == pytest.approx(monthly / 30, abs=1e-4)


def test_deleted_rows_stop_costing_and_are_never_resurrected(world: Database) -> None:
    eip = row(world, "select * from elastic_ips order by allocation_id limit 1")
    snapshot = row(world, "select * from snapshots where retention_policy is null order by snapshot_id limit 1")
    function = row(world, "select * from lambda_functions order by name limit 1")
    volume = row(world, "select * from volumes where state = 'available' order by volume_id limit 1")
    execute(world, "delete from elastic_ips where id = %s", (eip["id"],))
    execute(world, "delete from snapshots where id = %s", (snapshot["id"],))
    execute(world, "delete from lambda_functions where id = %s", (function["id"],))
    execute(world, "update volumes set state = 'deleted' where id = %s", (volume["id"],))
    tick(world, days=3)
    for table, key, gone in [
        ("elastic_ips", "allocation_id", eip),
        ("snapshots", "snapshot_id", snapshot),
        ("lambda_functions", "id", function),
    ]:
        provider_id = str(gone[key])
        assert rows(world, f"select 1 from {table} where id = %s or {key}::text = %s", (gone["id"], provider_id)) == []
        assert cost_rows(world, table, provider_id) == []
        assert cost_rows(world, table, provider_id, END_DATE) != []  # it did cost before it went
    assert value(world, "select state from volumes where id = %s", (volume["id"],)) == "deleted"
    assert cost_rows(world, "volumes", volume["volume_id"]) == []


# -- S3 and logs ------------------------------------------------------------------------------------

TIER_RULE = {"id": "to-ia", "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}]}


@pytest.mark.parametrize(
    ("column", "rules", "tiers"),
    [
        ("lifecycle_rules", [{**TIER_RULE, "status": "Enabled"}], True),
        ("lifecycle_rules", [TIER_RULE], True),
        ("lifecycle_policy", {"rules": [TIER_RULE]}, True),
        ("lifecycle_rules", [{**TIER_RULE, "status": "Disabled"}], False),
    ],
)
def test_a_lifecycle_rule_starts_tiering_the_next_day(world: Database, column: str, rules: Any, tiers: bool) -> None:
    bucket = row(
        world,
        "select * from s3_buckets where lifecycle_policy is null and lifecycle_rules is null order by name limit 1",
    )
    usage = "select * from s3_bucket_usage_daily where bucket_id = %s and date = %s"
    before = row(world, usage, (bucket["id"], END_DATE))
    assert float(before["storage_gb_ia"]) == 0 and float(before["storage_gb_glacier"]) == 0
    execute(world, f"update s3_buckets set {column} = %s::jsonb where id = %s", (json.dumps(rules), bucket["id"]))
    tick(world)
    after = row(world, usage, (bucket["id"], D1))
    standard, ia = float(after["storage_gb_standard"]), float(after["storage_gb_ia"])
    total_before = float(before["storage_gb_standard"])
    assert 1.0 <= (standard + ia) / total_before <= 1.031  # growth only: tiering conserves bytes
    if tiers:
        assert ia == pytest.approx((standard + ia) / 30, abs=1e-3)  # 1/30 of Standard moved to IA
    else:
        assert ia == 0


def test_a_retention_shrinks_stored_logs_the_next_day(world: Database) -> None:
    group = row(
        world,
        "select * from log_groups where retention_days is null and retention_in_days is null order by name limit 1",
    )
    usage = "select * from log_group_usage_daily where log_group_id = %s and date = %s"
    stored_before = float(row(world, usage, (group["id"], END_DATE))["stored_gb"])
    execute(world, "update log_groups set retention_in_days = 7 where id = %s", (group["id"],))
    tick(world)
    stored = float(row(world, usage, (group["id"], D1))["stored_gb"])
    window = float(
        value(
            world,
            "select sum(ingested_gb) from log_group_usage_daily where log_group_id = %s and date between %s and %s",
            (group["id"], D1 - dt.timedelta(days=6), D1),
        )
    )
    assert stored < stored_before
    assert stored == pytest.approx(window, abs=1e-3)


def test_the_shorter_of_the_two_retention_columns_applies(world: Database) -> None:
    group = row(world, "select * from log_groups where retention_days >= 7 order by name limit 1")
    execute(world, "update log_groups set retention_in_days = 3 where id = %s", (group["id"],))
    tick(world)
    stored = float(
        value(
            world,
            "select stored_gb from log_group_usage_daily where log_group_id = %s and date = %s",
            (group["id"], D1),
        )
    )
    window = float(
        value(
            world,
            "select sum(ingested_gb) from log_group_usage_daily where log_group_id = %s and date between %s and %s",
            (group["id"], D1 - dt.timedelta(days=2), D1),
        )
    )
    assert stored == pytest.approx(window, abs=1e-3)


# -- Lambda and RDS ---------------------------------------------------------------------------------


def test_a_lambda_memory_change_changes_its_cost(world: Database) -> None:
    function = row(
        world,
        "select f.* from lambda_functions f join metrics_daily m on m.resource_type = 'lambda_functions' "
        "and m.resource_id = f.id::text and m.date = %s where (m.metric_payload->>'invocations')::int > 0 "
        "and f.memory_mb <= 1024 order by f.name limit 1",
        (END_DATE,),
    )
    old_memory, new_memory = function["memory_mb"], function["memory_mb"] * 4
    execute(world, "update lambda_functions set memory_mb = %s where id = %s", (new_memory, function["id"]))
    tick(world)
    (today,) = cost_rows(world, "lambda_functions", str(function["id"]))
    payload, cost = today["metric_payload"], float(today["estimated_daily_cost"])
    assert payload["invocations"] > 0
    provisioned = function["provisioned_concurrency"] or 0

    def priced(memory: int) -> float:
        return catalogue.lambda_daily(payload["invocations"], payload["duration_ms_avg"], memory, provisioned)

    assert cost == pytest.approx(priced(new_memory), rel=1e-3, abs=1e-4)
    assert cost > priced(old_memory) * 2
    monthly = float(
        value(world, "select estimated_monthly_cost from lambda_functions where id = %s", (function["id"],))
    )
    assert monthly == pytest.approx(cost * 30, abs=0.01)


def test_multi_az_off_halves_an_rds_price(world: Database) -> None:
    database = row(world, "select * from rds_instances where multi_az and env <> 'prod' order by db_instance_id")
    execute(world, "update rds_instances set multi_az = false where id = %s", (database["id"],))
    tick(world)
    after = row(world, "select * from rds_instances where id = %s", (database["id"],))
    assert float(after["hourly_cost"]) == pytest.approx(float(database["hourly_cost"]) / 2)
    assert float(after["hourly_cost"]) == pytest.approx(catalogue.rds_hourly(database["instance_class"], False))
    expected = float(after["hourly_cost"]) * 24 + float(after["storage_monthly_cost"]) / 30
    assert daily_cost(world, "rds_instances", database["db_instance_id"]) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("column", ["state", "status"])
def test_a_stopped_rds_pays_storage_only(world: Database, column: str) -> None:
    database = row(world, "select * from rds_instances where state = 'available' order by db_instance_id")
    execute(world, f"update rds_instances set {column} = 'stopped' where id = %s", (database["id"],))
    tick(world)
    after = row(world, "select * from rds_instances where id = %s", (database["id"],))
    assert after["state"] == "stopped"
    (today,) = cost_rows(world, "rds_instances", database["db_instance_id"])
    assert float(today["estimated_daily_cost"]) == pytest.approx(float(after["storage_monthly_cost"]) / 30, abs=1e-4)
    assert today["metric_payload"].get("state") == "stopped" and "cpu_avg" not in today["metric_payload"]
    assert float(after["current_cpu"]) == 0 and after["current_connections"] == 0
    assert after["avg_cpu_7d"] == database["avg_cpu_7d"]


# -- rows agents create ----------------------------------------------------------------------------


def test_rows_an_agent_inserts_are_simulated_from_the_next_day(world: Database) -> None:
    account = value(world, "select id from cloud_accounts order by id limit 1")
    execute(
        world,
        "insert into autoscaling_groups (account_id, name, min_size, max_size, desired_capacity, instance_type, env) "
        "values (%s, 'agent-asg', 1, 4, 2, 't3.small', 'dev')",
        (account,),
    )
    execute(
        world,
        "insert into instances (account_id, instance_id, name, instance_type, env, region, hourly_cost) "
        "values (%s, 'i-0123456789abcdef0', 'agent-box', 't3.small', 'dev', 'us-east-1', 0.0208)",
        (account,),
    )
    execute(world, "insert into s3_buckets (account_id, name) values (%s, 'agent-bucket')", (account,))
    execute(
        world, "insert into log_groups (account_id, name, retention_days) values (%s, '/agent/logs', 7)", (account,)
    )
    tick(world)
    group = row(world, "select * from autoscaling_groups where name = 'agent-asg'")
    launched = [m for m in members(world, group["id"]) if m["state"] == "running"]
    assert len(launched) == 2 and all(m["instance_type"] == "t3.small" for m in launched)
    for instance in [*launched, row(world, "select * from instances where name = 'agent-box'")]:
        assert instance["org_id"] is not None and instance["avg_cpu_7d"] is not None
        assert 0.95 <= daily_cost(world, "instances", instance["instance_id"]) / (0.0208 * 24) <= 1.10
    bucket = row(
        world,
        "select u.* from s3_bucket_usage_daily u join s3_buckets b on b.id = u.bucket_id where b.name = 'agent-bucket'",
    )
    assert bucket["date"] == D1 and 50 <= float(bucket["storage_gb_standard"]) <= 500
    logs = row(
        world,
        "select u.* from log_group_usage_daily u join log_groups g on g.id = u.log_group_id "
        "where g.name = '/agent/logs'",
    )
    assert logs["date"] == D1 and float(logs["stored_gb"]) == float(logs["ingested_gb"]) > 0


def test_an_asg_on_a_type_the_catalogue_lacks_does_not_stall_its_account(world: Database) -> None:
    group = group_with(world, "true")
    execute(
        world,
        "update autoscaling_groups set instance_type = 'x9z.large', max_size = max_size + 1, "
        "desired_capacity = desired_capacity + 1 where id = %s",
        (group["id"],),
    )
    tick(world)


# -- the control plane's own schedules, and right-sizing ---------------------------------------

SATURDAY = dt.date(2026, 4, 4)
MONDAY = dt.date(2026, 4, 6)


def test_office_hours_instances_sleep_on_days_off_and_the_scheduler_wakes_only_its_own(world: Database) -> None:
    scheduled = rows(world, STANDALONE + " and i.env <> 'prod' order by i.instance_id limit 2", ("nonprod",))
    assert len(scheduled) == 2
    ours, stopped_by_hand = scheduled
    for instance in scheduled:
        execute(
            world,
            "update instances set tags = coalesce(tags, '{}'::jsonb) || %s::jsonb where id = %s",
            (json.dumps({"schedule": "office_hours"}), instance["id"]),
        )
    execute(world, "update instances set state = 'stopped' where id = %s", (stopped_by_hand["id"],))
    driftworld.tick(world, date=SATURDAY)
    assert value(world, "select state from instances where id = %s", (ours["id"],)) == "stopped"
    stops = rows(
        world,
        "select virtual_date from resource_change_events where resource_id = %s and change_source = 'drift_engine' "
        "and field_name = 'state' and new_value = 'stopped'",
        (str(ours["id"]),),
    )
    assert [s["virtual_date"] for s in stops] == [SATURDAY]
    assert [r["date"] for r in cost_rows(world, "instances", ours["instance_id"])] == [D1, D2, D2 + dt.timedelta(1)]
    driftworld.tick(world, date=MONDAY)
    assert value(world, "select state from instances where id = %s", (ours["id"],)) == "running"
    assert [r["date"] for r in cost_rows(world, "instances", ours["instance_id"], SATURDAY)] == [MONDAY]
    assert value(world, "select state from instances where id = %s", (stopped_by_hand["id"],)) == "stopped"
    assert cost_rows(world, "instances", stopped_by_hand["instance_id"]) == []


def test_snapshots_rotate_per_source_volume(world: Database) -> None:
    execute(world, "update snapshots set retention_policy = 'daily' where retention_policy is not null")
    chains = rows(
        world,
        "select distinct s.source_volume_id from snapshots s join volumes v on v.volume_id = s.source_volume_id "
        "where s.retention_policy = 'daily' and v.state <> 'deleted'",
    )
    assert chains
    last = D1 + dt.timedelta(days=8)
    tick(world, days=9)
    for chain in chains:
        kept = rows(
            world,
            "select snapshot_id, created_at::date as day from snapshots "
            "where source_volume_id = %s and retention_policy = 'daily' order by created_at",
            (chain["source_volume_id"],),
        )
        assert [k["day"] for k in kept] == [last - dt.timedelta(days=n) for n in range(6, -1, -1)]  # one a day, 7 kept
    deleted = rows(
        world,
        "select old_value as snapshot_id, virtual_date from resource_change_events "
        "where resource_type = 'snapshot' and field_name = 'deleted' and change_source = 'drift_engine'",
    )
    assert deleted
    for snapshot in deleted:  # a rotated-out snapshot costs nothing from its last day on
        later = cost_rows(world, "snapshots", snapshot["snapshot_id"], snapshot["virtual_date"])
        assert later == []


def test_a_chain_whose_volume_is_gone_runs_out(world: Database) -> None:
    """Snapshots of a deleted volume stop being taken and age out on their rotation's schedule, so that none
    ages into an orphan nobody recorded."""
    execute(world, "update snapshots set retention_policy = 'daily' where retention_policy is not null")
    chain = row(
        world,
        "select s.source_volume_id from snapshots s join volumes v on v.volume_id = s.source_volume_id "
        "where s.retention_policy = 'daily' and v.state <> 'deleted' order by 1 limit 1",
    )
    tick(world, days=3)  # a few daily snapshots exist
    execute(world, "delete from volumes where volume_id = %s", (chain["source_volume_id"],))
    tick(world, days=8)
    left = rows(world, "select id from snapshots where source_volume_id = %s", (chain["source_volume_id"],))
    assert left == []


def test_a_right_sized_instance_keeps_its_higher_utilisation(world: Database) -> None:
    """The same (idle) workload on a quarter of the capacity: four times the utilisation, day after day."""
    idle = standalone(world, "idle", "and i.env <> 'prod'")
    factor_sql = (
        "select (params->>'load_factor')::float8 from driftworld.workload_profiles "
        "where resource_table = 'instances' and resource_id = %s"
    )
    execute(world, "update instances set instance_type = 'm5.2xlarge' where id = %s", (idle["id"],))
    tick(world)
    before = value(world, factor_sql, (idle["id"],))
    execute(world, "update instances set instance_type = 'm5.large' where id = %s", (idle["id"],))
    tick(world, days=4)
    after = value(world, factor_sql, (idle["id"],))
    assert after == pytest.approx(before * 4)
    low, high = wl.ranges_for("instances", wl.IDLE, False, None, D2)["cpu_avg"]
    days = cost_rows(world, "instances", idle["instance_id"], D2)
    assert len(days) == 4
    for day in days:
        assert low * after - 0.01 <= day["metric_payload"]["cpu_avg"] <= min(100.0, high * after) + 0.01
    current = value(world, "select current_cpu from instances where id = %s", (idle["id"],))
    assert float(current) == pytest.approx(days[-1]["metric_payload"]["cpu_avg"], abs=0.006)


def test_the_owner_restarts_a_stopped_weekday_workstation_on_the_next_working_day(world: Database) -> None:
    """Scenario 6's workstation: stopping it is no fix (its owner starts it again); scheduling it is."""
    workstation, scheduled = rows(
        world, STANDALONE + " and i.env <> 'prod' order by i.instance_id limit 2", ("nonprod",)
    )
    for instance in (workstation, scheduled):
        execute(
            world,
            "update driftworld.workload_profiles set profile = %s "
            "where resource_table = 'instances' and resource_id = %s",
            (wl.WEEKDAYS_ONLY, instance["id"]),
        )
        execute(world, "update instances set state = 'stopped' where id = %s", (instance["id"],))
    execute(
        world,
        "update instances set tags = coalesce(tags, '{}'::jsonb) || %s::jsonb where id = %s",
        (json.dumps({"schedule": "office_hours"}), scheduled["id"]),
    )
    tick(world)
    assert value(world, "select state from instances where id = %s", (workstation["id"],)) == "running"
    assert [r["date"] for r in cost_rows(world, "instances", workstation["instance_id"])] == [D1]
    restarted = value(
        world,
        "select count(*) from resource_change_events where resource_id = %s and change_source = 'drift_engine' "
        "and field_name = 'state' and new_value = 'running' and virtual_date = %s",
        (str(workstation["id"]), D1),
    )
    assert restarted == 1
    assert value(world, "select state from instances where id = %s", (scheduled["id"],)) == "stopped"
