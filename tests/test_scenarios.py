"""Startup mess: each scenario forced to fire creates waste that its canonical rule finds from the
next day on, and no healthy seeded resource is found by any of the rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from driftworld import tick
from driftworld.model.intensity import BASE_RATE, DriftIntensity
from driftworld.model.scenarios import BY_NAME, SCENARIOS, TOTAL_WEIGHT
from driftworld.store.database import Database

# "Now" for age rules: the worlds here use the virtual clock mode, whose timestamps sit on virtual days.
NOW = "(select max(virtual_date) + 1 from virtual_clock)"
SEEDED = "(select max(virtual_date) from driftworld.tick_ledger where source = 'seed')"
# The contract's canonical detection rules (section 4), as an agent would write them: each returns row ids.
RULES: dict[str, str] = {
    "forgotten_preview_environment": "select id from autoscaling_groups where env = 'preview' "
    "and desired_capacity > 0 and current_utilization < 10",
    "over_provisioned_asg": "select id from autoscaling_groups where desired_capacity > min_size "
    "and desired_capacity > 1 and current_utilization < 30",
    "idle_ci_runner": "select id from instances where state = 'running' and avg_cpu_7d < 5 "
    "and (name ilike '%ci%' or name ilike '%runner%' or tags->>'purpose' = 'ci_runner')",
    "s3_bucket_without_lifecycle": "select id from s3_buckets "
    "where lifecycle_policy is null and lifecycle_rules is null",
    "log_group_without_retention": "select id from log_groups where retention_days is null "
    "and retention_in_days is null",
    "dev_instance_off_hours": "select id from instances where state = 'running' and current_cpu < 5 "
    "and tags->>'usage' = 'weekdays_only'",
    "stale_feature_environment": "select id from autoscaling_groups where env = 'feature' "
    f"and created_at < {NOW} - 7 and current_utilization < 20",
    "orphaned_elastic_ip": "select id from elastic_ips where state = 'unassociated'",
    "eip_orphaned_by_terminated_instance": "select id from elastic_ips where state = 'unassociated'",
    "unattached_volume": "select id from volumes where state = 'available'",
    "old_snapshot": f"select id from snapshots where created_at < {NOW} - 90",
    "idle_rds": "select id from rds_instances where avg_cpu_7d < 10 and avg_connections_7d < 1",
    "idle_cache_cluster": "select id from cache_clusters where avg_cpu_7d < 10 and avg_connections_7d <= 3",
    "idle_load_balancer": "select id from load_balancers where healthy_target_count = 0 or avg_request_count_7d < 100",
    "over_provisioned_lambda": "select id from lambda_functions where avg_memory_used_mb_7d < 0.5 * memory_mb",
}
RESOURCE_OF = {  # the table whose row the waste ledger names, per scenario
    "forgotten_preview_environment": "autoscaling_groups",
    "over_provisioned_asg": "autoscaling_groups",
    "stale_feature_environment": "autoscaling_groups",
    "idle_ci_runner": "instances",
    "dev_instance_off_hours": "instances",
    "s3_bucket_without_lifecycle": "s3_buckets",
    "log_group_without_retention": "log_groups",
    "orphaned_elastic_ip": "elastic_ips",
    "eip_orphaned_by_terminated_instance": "elastic_ips",
    "unattached_volume": "volumes",
    "old_snapshot": "snapshots",
    "idle_rds": "rds_instances",
    "idle_cache_cluster": "cache_clusters",
    "idle_load_balancer": "load_balancers",
    "over_provisioned_lambda": "lambda_functions",
}


def _force(db: Database, name: str) -> None:
    """Only this scenario, at probability 1."""
    intensity = DriftIntensity(probabilities={name: 1.0}, disabled=frozenset(set(BY_NAME) - {name}))
    with db.connect() as conn:
        conn.execute(
            "update driftworld.world_settings set drift_intensity = %s::jsonb", (json.dumps(intensity.to_settings()),)
        )
        conn.commit()


def _ids(db: Database, query: str) -> set[Any]:
    with db.connect() as conn:
        return {row["id"] for row in conn.execute(query)}


def test_default_cadence_matches_the_contract() -> None:
    assert TOTAL_WEIGHT == 78
    intensity = DriftIntensity()
    weekday = sum(intensity.probability(s) for s in SCENARIOS if not s.weekend_only)
    assert weekday == pytest.approx(BASE_RATE * (78 - 6) / 78)


def test_healthy_seeded_resources_trip_no_rule(seeded_db: Database) -> None:
    with seeded_db.connect() as conn:
        waste = {row["resource_id"] for row in conn.execute("select resource_id from driftworld.waste_ledger")}
        healthy = {
            row["resource_id"]
            for row in conn.execute(
                "select resource_id from driftworld.workload_profiles where profile in ('prod', 'nonprod')"
            )
        }
    for name, rule in RULES.items():
        flagged = _ids(seeded_db, rule)
        wrongly = flagged & healthy - waste
        assert not wrongly, f"rule of {name} flags healthy resources {wrongly}"


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_scenario_creates_waste_its_rule_finds(seeded_db: Database, name: str) -> None:
    _force(seeded_db, name)
    # the small world ends on a Tuesday: a weekend-only scenario fires on Saturday and is checked on Sunday
    result = tick(seeded_db, days=5 if BY_NAME[name].weekend_only else 2)
    assert result.ok
    fired = [s for a in result.accounts for _, s in a.scenarios]
    assert fired and set(fired) == {name}
    with seeded_db.connect() as conn:
        injected = {
            row["resource_id"]
            for row in conn.execute(
                f"select resource_id from driftworld.waste_ledger where scenario = %s and injected_on > {SEEDED}",
                (name,),
            )
        }
        day_one = {
            row["resource_id"]
            for row in conn.execute(
                "select resource_id from driftworld.waste_ledger where scenario = %s and injected_on = "
                "(select min(injected_on) from driftworld.waste_ledger "
                f"where scenario = %s and injected_on > {SEEDED})",
                (name, name),
            )
        }
        created_tags = conn.execute(
            f"select count(*) as n from {RESOURCE_OF[name]} where id = any(%s) "
            "and tags->>'created_by' = 'drift_engine'",
            (list(injected),),
        ).fetchone()
        events = conn.execute(
            "select count(*) as n from resource_change_events where change_source = 'drift_engine' "
            "and virtual_date is not null"
        ).fetchone()
    assert injected
    assert day_one <= _ids(seeded_db, RULES[name]), "yesterday's waste is found by the canonical rule"
    if name not in ("over_provisioned_asg", "eip_orphaned_by_terminated_instance"):
        assert created_tags is not None and created_tags["n"] == len(injected)
    assert events is not None and isinstance(events["n"], int) and events["n"] > 0


def test_the_lambda_ledger_and_preview_buckets_follow_the_contract(seeded_db: Database) -> None:
    """An over-provisioned function's ground truth is what its unused memory costs (not 0), and a preview
    stack's bucket starts at 50-500 GB like every new bucket."""
    from driftworld.model.scenarios.over_provisioned_lambda import excess_daily_cost

    assert 0.01 < excess_daily_cost({"memory_mb": 1024}) < excess_daily_cost({"memory_mb": 3008}) < 0.1
    force = {"probabilities": {"over_provisioned_lambda": 1.0, "forgotten_preview_environment": 1.0}, "multiplier": 0}
    with seeded_db.connect() as conn:
        conn.execute("update driftworld.world_settings set drift_intensity = %s::jsonb", (json.dumps(force),))
        conn.commit()
    assert tick(seeded_db, days=4).ok
    with seeded_db.connect() as conn:
        costs = conn.execute(
            "select daily_cost from driftworld.waste_ledger where scenario = 'over_provisioned_lambda'"
        ).fetchall()
        starts = conn.execute(
            "select u.storage_gb_standard from s3_bucket_usage_daily u join s3_buckets b on b.id = u.bucket_id "
            "where b.env = 'preview' and u.date = (select min(date) from s3_bucket_usage_daily x "
            "where x.bucket_id = u.bucket_id)"
        ).fetchall()
    assert costs and all(float(str(c["daily_cost"])) > 0 for c in costs)
    assert starts and all(50 <= float(str(s["storage_gb_standard"])) <= 500 for s in starts)
