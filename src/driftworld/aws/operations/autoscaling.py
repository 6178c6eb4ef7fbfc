"""Auto Scaling: the world's groups and their capacity (the world's control plane launches or terminates
members to match desired capacity at the next tick)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from driftworld.aws.operations import (
    Call,
    Paging,
    assigned,
    change_each,
    handles,
    paged,
    refused_as,
    selected,
    tag_list,
)
from driftworld.aws.protocol import ApiError
from driftworld.store import agent_io, aws_io

PAGING = Paging("AutoScalingGroups", "NextToken", "NextToken", "MaxRecords", 50, 100, (1, 100), "ValidationError")
NOT_FOUND = ApiError("ValidationError", "AutoScalingGroup name not found - AutoScalingGroup {} not found")


def _rows(call: Call) -> list[dict[str, Any]]:
    return aws_io.resources(call.conn, "autoscaling_groups", "autoscaling_group", "name", call.region)


def _group(row: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, Any]:
    region = row["region_name"]
    out: dict[str, Any] = {
        "AutoScalingGroupName": row["name"],
        "AutoScalingGroupARN": (
            f"arn:aws:autoscaling:{region}:{row['owner_id']}:autoScalingGroup:{row['row_id']}:"
            f"autoScalingGroupName/{row['name']}"
        ),
        "MinSize": int(row["min_size"]),
        "MaxSize": int(row["max_size"]),
        "DesiredCapacity": int(row["desired_capacity"]),
        "DefaultCooldown": 300,
        "AvailabilityZones": [f"{region}a"],
        "HealthCheckType": "EC2",
        "Instances": [
            {
                "InstanceId": m["instance_id"],
                "InstanceType": m["instance_type"],
                "AvailabilityZone": f"{region}a",
                "LifecycleState": "InService" if m["state"] == "running" else "Standby",
                "HealthStatus": "Healthy" if m["state"] == "running" else "Unhealthy",
                "ProtectedFromScaleIn": False,
            }
            for m in members
        ],
        "Tags": [
            {
                "Key": t["Key"],
                "Value": t["Value"],
                "ResourceId": row["name"],
                "ResourceType": "auto-scaling-group",
                "PropagateAtLaunch": True,
            }
            for t in tag_list(row["all_tags"])
        ],
    }
    if row["created_at"] is not None:
        out["CreatedTime"] = row["created_at"]
    return out


def _groups(call: Call, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    members = aws_io.members(call.conn, [r["row_id"] for r in rows])
    return [_group(r, [m for m in members if m["group_id"] == r["row_id"]]) for r in rows]


@handles("autoscaling", "DescribeAutoScalingGroups")
def describe_auto_scaling_groups(call: Call) -> dict[str, Any]:
    names = [str(n) for n in call.params.get("AutoScalingGroupNames") or []]
    rows = [r for r in _rows(call) if not names or r["name"] in names]
    return paged(call, rows, PAGING, lambda chunk: _groups(call, chunk))


def _resize(call: Call, values: dict[str, Any]) -> None:
    """The new sizes on every group of the name (names may repeat across the world's accounts)."""
    rows = selected(_rows(call), "name", [str(call.params.get("AutoScalingGroupName", ""))], NOT_FOUND)
    with refused_as("ValidationError"):
        for row in rows:
            agent_io.require_capacity(
                values.get("min_size", row["min_size"]),
                values.get("desired_capacity", row["desired_capacity"]),
                values.get("max_size", row["max_size"]),
            )
    change_each(call, "autoscaling_groups", rows, values, "resize")


@handles("autoscaling", "SetDesiredCapacity")
def set_desired_capacity(call: Call) -> dict[str, Any]:
    _resize(call, {"desired_capacity": int(call.params["DesiredCapacity"])})
    return {}


@handles("autoscaling", "UpdateAutoScalingGroup")
def update_auto_scaling_group(call: Call) -> dict[str, Any]:
    values = assigned(
        call, {"MinSize": ("min_size", int), "MaxSize": ("max_size", int), "DesiredCapacity": ("desired_capacity", int)}
    )
    if values:
        _resize(call, values)
    return {}
