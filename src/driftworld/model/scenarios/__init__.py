"""The fifteen kinds of startup mess, one module each, and their registry."""

from __future__ import annotations

from driftworld.model.scenarios import (
    dev_instance_off_hours,
    eip_orphaned_by_terminated_instance,
    forgotten_preview_environment,
    idle_cache_cluster,
    idle_ci_runner,
    idle_load_balancer,
    idle_rds,
    log_group_without_retention,
    old_snapshot,
    orphaned_elastic_ip,
    over_provisioned_asg,
    over_provisioned_lambda,
    s3_bucket_without_lifecycle,
    stale_feature_environment,
    unattached_volume,
)
from driftworld.model.scenarios.base import Scenario, ScenarioContext

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
BY_NAME: dict[str, Scenario] = {s.name: s for s in SCENARIOS}
TOTAL_WEIGHT = sum(s.weight for s in SCENARIOS)  # 78

__all__ = ["BY_NAME", "SCENARIOS", "TOTAL_WEIGHT", "Scenario", "ScenarioContext"]
