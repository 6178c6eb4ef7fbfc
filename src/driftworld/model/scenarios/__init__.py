"""The kinds of ground-truth waste, one module each: the fifteen scenarios that roll each day, and the
kinds only the seeder plants. `REGISTRY` has every kind by name; `SCENARIOS` the rolled ones in roll order."""

from __future__ import annotations

from driftworld.model.scenarios import (
    dev_instance_off_hours,
    eip_orphaned_by_terminated_instance,
    forgotten_preview_environment,
    gp2_volume,
    idle_cache_cluster,
    idle_ci_runner,
    idle_instance,
    idle_load_balancer,
    idle_rds,
    log_group_without_retention,
    multi_az_non_prod_rds,
    old_snapshot,
    orphaned_elastic_ip,
    over_provisioned_asg,
    over_provisioned_lambda,
    s3_bucket_without_lifecycle,
    stale_feature_environment,
    unattached_volume,
    underused_commitment,
    unused_lambda,
)
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext

SCENARIOS: tuple[Scenario, ...] = tuple(
    module.SCENARIO
    for module in (
        forgotten_preview_environment,
        over_provisioned_asg,
        idle_ci_runner,
        s3_bucket_without_lifecycle,
        log_group_without_retention,
        dev_instance_off_hours,
        stale_feature_environment,
        orphaned_elastic_ip,
        eip_orphaned_by_terminated_instance,
        unattached_volume,
        old_snapshot,
        idle_rds,
        idle_cache_cluster,
        idle_load_balancer,
        over_provisioned_lambda,
    )
)
SEEDED_ONLY: tuple[Scenario, ...] = tuple(
    module.SCENARIO
    for module in (idle_instance, gp2_volume, multi_az_non_prod_rds, unused_lambda, underused_commitment)
)
BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}  # the rolled ones, which intensity can switch
REGISTRY: dict[str, Scenario] = {s.name: s for s in (*SCENARIOS, *SEEDED_ONLY)}
TOTAL_WEIGHT = sum(s.weight for s in SCENARIOS)  # 78

__all__ = ["BY_NAME", "REGISTRY", "SCENARIOS", "SEEDED_ONLY", "TOTAL_WEIGHT", "Bill", "Scenario", "ScenarioContext"]
