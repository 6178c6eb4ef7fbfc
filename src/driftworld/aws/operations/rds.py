"""RDS: the world's database instances (describe, stop, start, change class or Multi-AZ)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from driftworld.aws.operations import Call, handles, matches_filters, page, tag_list
from driftworld.aws.protocol import ApiError
from driftworld.model import catalogue
from driftworld.store import aws_io

STATUS = {"available": "available", "stopped": "stopped", "starting": "starting", "stopping": "stopping"}


def _rows(call: Call) -> list[dict[str, Any]]:
    return aws_io.resources(call.conn, "rds_instances", "rds_instance", "db_instance_id", call.region)


def _one(call: Call) -> dict[str, Any]:
    name = str(call.params.get("DBInstanceIdentifier", ""))
    row = next((r for r in _rows(call) if r["db_instance_id"] == name), None)
    if row is None:
        raise ApiError("DBInstanceNotFound", f"DBInstance {name} not found.", 404)
    return row


def _instance(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "DBInstanceIdentifier": row["db_instance_id"],
        "DBInstanceClass": row["instance_class"],
        "Engine": row["engine"],
        "DBInstanceStatus": STATUS.get(row["state"], row["state"]),
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
    filters = call.params.get("Filters") or []
    rows = [r for r in rows if matches_filters(filters, _fields(r))]
    max_records = call.params.get("MaxRecords")
    if max_records is not None and not 20 <= int(max_records) <= 100:
        raise ApiError("InvalidParameterValue", "MaxRecords must be between 20 and 100.")
    chunk, marker = page(rows, call.params.get("Marker"), max_records, 100, 100, "DB instances")
    out: dict[str, Any] = {"DBInstances": [_instance(r) for r in chunk]}
    if marker:
        out["Marker"] = marker
    return out


def _set_state(call: Call, target: str, allowed: str, action: str) -> dict[str, Any]:
    row = _one(call)
    if row["state"] != allowed:
        raise ApiError("InvalidDBInstanceState", f"Instance {row['db_instance_id']} is not in {allowed} state.", 400)
    aws_io.change(call.conn, call.agent, "rds_instances", row["row_id"], {"state": target}, action)
    return {"DBInstance": _instance(row | {"state": target})}


@handles("rds", "StopDBInstance")
def stop_db_instance(call: Call) -> dict[str, Any]:
    return _set_state(call, "stopped", "available", "stop")


@handles("rds", "StartDBInstance")
def start_db_instance(call: Call) -> dict[str, Any]:
    return _set_state(call, "available", "stopped", "start")


@handles("rds", "ModifyDBInstance")
def modify_db_instance(call: Call) -> dict[str, Any]:
    row = _one(call)
    values: dict[str, Any] = {}
    new_class = call.params.get("DBInstanceClass")
    if new_class is not None:
        if new_class not in catalogue.RDS_HOURLY:
            raise ApiError("InvalidParameterCombination", f"RDS does not support the class {new_class} here.")
        values["instance_class"] = new_class
    if call.params.get("MultiAZ") is not None:
        values["multi_az"] = bool(call.params["MultiAZ"])
    if call.params.get("AllocatedStorage") is not None:
        values["allocated_storage_gib"] = int(call.params["AllocatedStorage"])
    if not values:
        raise ApiError(
            "InvalidParameterCombination", "driftworld changes DBInstanceClass, MultiAZ and AllocatedStorage"
        )
    aws_io.change(call.conn, call.agent, "rds_instances", row["row_id"], values, "modify")
    return {"DBInstance": _instance(row | values)}
