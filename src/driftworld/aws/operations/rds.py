"""RDS: the world's database instances (describe, stop, start, change class or Multi-AZ)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from driftworld.aws import operations as ops
from driftworld.aws.operations import Call, Paging, handles, matches_filters, paged, tag_list
from driftworld.aws.protocol import ApiError
from driftworld.store import agent_io, aws_io

PAGING = Paging("DBInstances", "Marker", "Marker", "MaxRecords", 100, 100, (20, 100))
CHANGES: ops.Assignments = {
    "DBInstanceClass": ("instance_class", ops.catalogue_value("instance class", "InvalidParameterCombination")),
    "MultiAZ": ("multi_az", bool),
    "AllocatedStorage": ("allocated_storage_gib", int),
}
NOT_FOUND = ApiError("DBInstanceNotFound", "DBInstance {} not found.", 404)


def _rows(call: Call) -> list[dict[str, Any]]:
    return aws_io.resources(call.conn, "rds_instances", "rds_instance", "db_instance_id", call.region)


def _one(call: Call) -> dict[str, Any]:
    return ops.selected(_rows(call), "db_instance_id", [str(call.params.get("DBInstanceIdentifier", ""))], NOT_FOUND)[0]


def _instance(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "DBInstanceIdentifier": row["db_instance_id"],
        "DBInstanceClass": row["instance_class"],
        "Engine": row["engine"],
        "DBInstanceStatus": row["state"],
        "AllocatedStorage": int(row["allocated_storage_gib"] or 0),
        "MultiAZ": bool(row["multi_az"]),
        "AvailabilityZone": f"{row['region_name']}a",
        "DBInstanceArn": f"arn:aws:rds:{row['region_name']}:{row['owner_id']}:db:{row['db_instance_id']}",
        "StorageType": "gp3",
        "TagList": tag_list(row["all_tags"]),
    }
    if row["created_at"] is not None:
        out["InstanceCreateTime"] = row["created_at"]
    return out


def _fields(row: dict[str, Any]) -> Any:
    def fields(name: str) -> Sequence[str] | None:
        return {
            "db-instance-id": [row["db_instance_id"], _instance(row)["DBInstanceArn"]],
            "engine": [row["engine"]],
        }.get(name)

    return fields


@handles("rds", "DescribeDBInstances")
def describe_db_instances(call: Call) -> dict[str, Any]:
    rows = [_one(call)] if call.params.get("DBInstanceIdentifier") else _rows(call)
    rows = [r for r in rows if matches_filters(call.params.get("Filters") or [], _fields(r))]
    return paged(call, rows, PAGING, lambda chunk: [_instance(r) for r in chunk])


def _set_state(call: Call, target: str, action: str) -> dict[str, Any]:
    row = _one(call)
    with ops.refused_as("InvalidDBInstanceState"):
        agent_io.require_state_change("rds_instances", row, target, row["db_instance_id"])
    ops.change_each(call, "rds_instances", [row], {"state": target}, action)
    return {"DBInstance": _instance(row | {"state": target})}


@handles("rds", "StopDBInstance")
def stop_db_instance(call: Call) -> dict[str, Any]:
    return _set_state(call, "stopped", "stop")


@handles("rds", "StartDBInstance")
def start_db_instance(call: Call) -> dict[str, Any]:
    return _set_state(call, "available", "start")


@handles("rds", "ModifyDBInstance")
def modify_db_instance(call: Call) -> dict[str, Any]:
    row = _one(call)
    values = ops.assigned(
        call, CHANGES, ApiError("InvalidParameterCombination", "driftworld changes " + ", ".join(CHANGES))
    )
    ops.change_each(call, "rds_instances", [row], values, "modify")
    return {"DBInstance": _instance(row | values)}
