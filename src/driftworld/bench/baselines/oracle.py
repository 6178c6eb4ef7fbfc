"""The ceiling: handed the open ground truth by the harness, it fixes each piece the day after it appears,
the way the scenario's fix says, and keeps off what a careful agent must not touch."""

from __future__ import annotations

from typing import Any

from driftworld.bench.agents import Turn
from driftworld.bench.baselines.act import change, verdict

TIERING = [{"id": "tiering", "status": "Enabled", "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}]}]
# scenario -> (action, the change; None deletes the row)
FIXES: dict[str, tuple[str, dict[str, Any] | None]] = {
    "idle_instance": ("stop", {"state": "stopped"}),
    "idle_ci_runner": ("terminate", {"state": "terminated"}),
    "dev_instance_off_hours": ("tag schedule office_hours", {"tags": None}),
    "forgotten_preview_environment": ("scale to zero", {"desired_capacity": 0, "min_size": 0}),
    "stale_feature_environment": ("scale to zero", {"desired_capacity": 0, "min_size": 0}),
    "over_provisioned_asg": ("scale back to min_size", {"desired_capacity": None}),
    "unattached_volume": ("delete", None),
    "gp2_volume": ("modify volume type gp3", {"volume_type": "gp3"}),
    "old_snapshot": ("delete", None),
    "orphaned_elastic_ip": ("release", None),
    "eip_orphaned_by_terminated_instance": ("release", None),
    "s3_bucket_without_lifecycle": ("put lifecycle", {"lifecycle_rules": TIERING}),
    "log_group_without_retention": ("set retention 14 days", {"retention_in_days": 14}),
    "multi_az_non_prod_rds": ("disable multi-az", {"multi_az": False}),
    "idle_rds": ("stop", {"state": "stopped"}),
    "idle_cache_cluster": ("delete", None),
    "idle_load_balancer": ("delete", None),
    "over_provisioned_lambda": ("set memory 256 MB", {"memory_mb": 256}),
    "unused_lambda": ("delete", None),
}


class Oracle:
    name = "oracle"
    sees_ground_truth = True

    def act(self, turn: Turn) -> None:
        for waste in turn.ground_truth:
            fix = FIXES.get(waste["scenario"])
            table, row_id = waste["resource_table"], waste["resource_id"]
            if fix is None or verdict(turn.conn, table, row_id, turn.virtual_date) not in ("act", "approval"):
                continue
            action, values = fix
            if values is not None:
                values = dict(values)
                if "tags" in values:
                    values["tags"] = self._tags(turn, row_id) | {"schedule": "office_hours"}
                if values.get("desired_capacity", 0) is None:
                    values["desired_capacity"] = self._min_size(turn, row_id)
            change(turn.conn, turn.agent_name, table, row_id, values, action)

    @staticmethod
    def _tags(turn: Turn, row_id: str) -> dict[str, Any]:
        row = turn.conn.execute("select tags from public.instances where id = %s", (row_id,)).fetchone()
        return dict(row["tags"] or {}) if row else {}

    @staticmethod
    def _min_size(turn: Turn, row_id: str) -> int:
        row = turn.conn.execute("select min_size from public.autoscaling_groups where id = %s", (row_id,)).fetchone()
        return int(row["min_size"]) if row else 0


AGENT = Oracle()
