"""CloudWatch Logs: the world's log groups and their retention (the world applies the shorter of its two
retention columns, so a policy sets both)."""

from __future__ import annotations

from typing import Any

from driftworld.aws.operations import Call, Paging, change_each, handles, paged, refused_as, selected
from driftworld.aws.protocol import ApiError
from driftworld.store import agent_io, aws_io

PAGING = Paging("logGroups", "nextToken", "nextToken", "limit", 50, 50, (1, 50), "InvalidParameterException")
NOT_FOUND = ApiError("ResourceNotFoundException", "The specified log group does not exist: {}")


def _rows(call: Call) -> list[dict[str, Any]]:
    return aws_io.resources(call.conn, "log_groups", "log_group", "name", call.region)


def _retention(row: dict[str, Any]) -> int | None:
    kept = [int(v) for v in (row["retention_days"], row["retention_in_days"]) if v is not None]
    return min(kept) if kept else None


def _group(row: dict[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:logs:{row['region_name']}:{row['owner_id']}:log-group:{row['name']}"
    out: dict[str, Any] = {
        "logGroupName": row["name"],
        "arn": arn + ":*",
        "logGroupArn": arn,
        "logGroupClass": "STANDARD",
        "metricFilterCount": 0,
    }
    if row["created_at"] is not None:
        out["creationTime"] = int(row["created_at"].timestamp() * 1000)
    retention = _retention(row)
    if retention is not None:
        out["retentionInDays"] = retention
    return out


def _named(call: Call) -> list[dict[str, Any]]:
    """A log group name may repeat across the world's accounts; a call by name applies to each."""
    return selected(_rows(call), "name", [str(call.params.get("logGroupName", ""))], NOT_FOUND)


@handles("logs", "DescribeLogGroups")
def describe_log_groups(call: Call) -> dict[str, Any]:
    prefix = str(call.params.get("logGroupNamePrefix") or "")
    pattern = str(call.params.get("logGroupNamePattern") or "").lower()
    rows = [r for r in _rows(call) if r["name"].startswith(prefix) and pattern in r["name"].lower()]
    return paged(call, rows, PAGING, lambda chunk: [_group(r) for r in chunk])


@handles("logs", "PutRetentionPolicy")
def put_retention_policy(call: Call) -> dict[str, Any]:
    days = int(call.params.get("retentionInDays") or 0)
    with refused_as("InvalidParameterException"):
        agent_io.require_retention(days)
        for row in _named(call):
            change_each(call, "log_groups", [row], agent_io.retention_values(row, days), "set retention")
    return {}


@handles("logs", "DeleteRetentionPolicy")
def delete_retention_policy(call: Call) -> dict[str, Any]:
    values = {"retention_days": None, "retention_in_days": None}
    change_each(call, "log_groups", _named(call), values, "delete retention")
    return {}
