"""Auto Scaling: the world's groups and their capacity (the world's control plane launches or terminates
members to match desired capacity at the next tick)."""

from __future__ import annotations

from typing import Any

from driftworld.aws.operations import Call, handles, page, tag_list
from driftworld.aws.protocol import ApiError
from driftworld.store import aws_io


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


@handles("autoscaling", "DescribeAutoScalingGroups")
def describe_auto_scaling_groups(call: Call) -> dict[str, Any]:
    rows = _rows(call)
    names = [str(n) for n in call.params.get("AutoScalingGroupNames") or []]
    if names:
        rows = [r for r in rows if r["name"] in names]
    chunk, token = page(rows, call.params.get("NextToken"), call.params.get("MaxRecords"), 50, 100, "groups")
    members = aws_io.members(call.conn, [r["row_id"] for r in chunk])
    out: dict[str, Any] = {
        "AutoScalingGroups": [_group(r, [m for m in members if m["group_id"] == r["row_id"]]) for r in chunk]
    }
    if token:
        out["NextToken"] = token
    return out


def _named(call: Call) -> list[dict[str, Any]]:
    """Group names may repeat across the world's accounts; a call by name applies to each."""
    name = str(call.params.get("AutoScalingGroupName", ""))
    rows = [r for r in _rows(call) if r["name"] == name]
    if not rows:
        raise ApiError("ValidationError", f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
    return rows


def _resize(call: Call, row: dict[str, Any], values: dict[str, Any]) -> None:
    low = values.get("min_size", row["min_size"])
    high = values.get("max_size", row["max_size"])
    desired = values.get("desired_capacity", row["desired_capacity"])
    if not low <= desired <= high:
        raise ApiError(
            "ValidationError",
            f"Desired capacity:{desired} must be between the specified min size:{low} and max size:{high}",
        )
    aws_io.change(call.conn, call.agent, "autoscaling_groups", row["row_id"], values, "resize")


@handles("autoscaling", "SetDesiredCapacity")
def set_desired_capacity(call: Call) -> dict[str, Any]:
    for row in _named(call):
        _resize(call, row, {"desired_capacity": int(call.params["DesiredCapacity"])})
    return {}


@handles("autoscaling", "UpdateAutoScalingGroup")
def update_auto_scaling_group(call: Call) -> dict[str, Any]:
    columns = {"MinSize": "min_size", "MaxSize": "max_size", "DesiredCapacity": "desired_capacity"}
    values = {column: int(call.params[p]) for p, column in columns.items() if call.params.get(p) is not None}
    if values:
        for row in _named(call):
            _resize(call, row, values)
    return {}
