"""When a piece of ground-truth waste has gone away: its resource is gone, stopped or terminated,
or the field its fix names now holds a value that is not waste."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftworld.model.rules.s3_storage import enabled_rules

Row = dict[str, Any]
GONE_STATES = {"stopped", "stopping", "terminated", "deleted", "deleting"}

FIXED: dict[str, Callable[[Row], bool]] = {
    "forgotten_preview_environment": lambda r: int(r["desired_capacity"]) == 0,
    "stale_feature_environment": lambda r: int(r["desired_capacity"]) == 0,
    "over_provisioned_asg": lambda r: int(r["desired_capacity"]) <= int(r["min_size"]),
    "dev_instance_off_hours": lambda r: (r.get("tags") or {}).get("schedule") == "office_hours",
    "s3_bucket_without_lifecycle": lambda r: bool(enabled_rules(r.get("lifecycle_policy"), r.get("lifecycle_rules"))),
    "log_group_without_retention": lambda r: (
        r.get("retention_days") is not None or r.get("retention_in_days") is not None
    ),
    "orphaned_elastic_ip": lambda r: r["state"] == "associated",
    "eip_orphaned_by_terminated_instance": lambda r: r["state"] == "associated",
    "unattached_volume": lambda r: r["state"] == "in-use",
    "gp2_volume": lambda r: r["volume_type"] != "gp2",
    "multi_az_non_prod_rds": lambda r: not r["multi_az"],
    "idle_rds": lambda r: r["instance_class"] not in ("db.m5.large", "db.r5.large", "db.m5.xlarge", "db.r5.xlarge"),
    "idle_cache_cluster": lambda r: r["node_type"] in ("cache.t3.micro", "cache.t3.small"),
    "over_provisioned_lambda": lambda r: int(r["memory_mb"]) <= 512,
}


def is_resolved(scenario: str, row: Row | None) -> bool:
    """True once the waste is fixed; a row that no longer exists always is."""
    if row is None:
        return True
    if scenario == "dev_instance_off_hours":  # stopping it is undone by its owner on the next working day
        return row["state"] == "terminated" or FIXED[scenario](row)
    if row.get("state") in GONE_STATES:
        return True
    fixed = FIXED.get(scenario)
    return fixed is not None and fixed(row)
