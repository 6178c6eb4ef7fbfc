"""CloudWatch Logs: the world's log groups and their retention (the world applies the shorter of its two
retention columns, so a policy sets both)."""

from __future__ import annotations

from typing import Any

from driftworld.aws.operations import Call, handles, page
from driftworld.aws.protocol import ApiError
from driftworld.model.rules.log_storage import RETENTION_DAYS
from driftworld.store import aws_io


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
    name = str(call.params.get("logGroupName", ""))
    rows = [r for r in _rows(call) if r["name"] == name]
    if not rows:
        raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
    return rows


@handles("logs", "DescribeLogGroups")
def describe_log_groups(call: Call) -> dict[str, Any]:
    prefix = str(call.params.get("logGroupNamePrefix") or "")
    pattern = str(call.params.get("logGroupNamePattern") or "")
    rows = [r for r in _rows(call) if r["name"].startswith(prefix) and pattern.lower() in r["name"].lower()]
    limit = call.params.get("limit")
    if limit is not None and not 1 <= int(limit) <= 50:
        raise ApiError("InvalidParameterException", "limit must be between 1 and 50")
    chunk, token = page(rows, call.params.get("nextToken"), limit, 50, 50, "log groups")
    out: dict[str, Any] = {"logGroups": [_group(r) for r in chunk]}
    if token:
        out["nextToken"] = token
    return out


@handles("logs", "PutRetentionPolicy")
def put_retention_policy(call: Call) -> dict[str, Any]:
    days = int(call.params.get("retentionInDays") or 0)
    if days not in RETENTION_DAYS:
        raise ApiError(
            "InvalidParameterException", f"1 validation error detected: Value '{days}' at 'retentionInDays' failed"
        )
    for row in _named(call):
        aws_io.change(
            call.conn,
            call.agent,
            "log_groups",
            row["row_id"],
            {"retention_days": days, "retention_in_days": days},
            "set retention",
        )
    return {}


@handles("logs", "DeleteRetentionPolicy")
def delete_retention_policy(call: Call) -> dict[str, Any]:
    for row in _named(call):
        aws_io.change(
            call.conn,
            call.agent,
            "log_groups",
            row["row_id"],
            {"retention_days": None, "retention_in_days": None},
            "delete retention",
        )
    return {}
