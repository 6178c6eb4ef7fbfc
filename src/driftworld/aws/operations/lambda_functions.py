"""Lambda: the world's functions (list, change memory or timeout)."""

from __future__ import annotations

from typing import Any

from driftworld.aws.operations import Assignments, Call, Paging, assigned, change_each, handles, paged, refused_as
from driftworld.aws.protocol import ApiError
from driftworld.store import agent_io, aws_io


def _memory(value: Any) -> int:
    with refused_as("InvalidParameterValueException"):
        agent_io.require_lambda_memory(int(value))
    return int(value)


CHANGES: Assignments = {"MemorySize": ("memory_mb", _memory), "Timeout": ("timeout_seconds", int)}
PAGING = Paging("Functions", "Marker", "NextMarker", "MaxItems", 50, 50, (1, 10000), "InvalidParameterValueException")


def _rows(call: Call) -> list[dict[str, Any]]:
    return aws_io.resources(call.conn, "lambda_functions", "lambda_function", "name", call.region)


def _arn(row: dict[str, Any]) -> str:
    return f"arn:aws:lambda:{row['region_name']}:{row['owner_id']}:function:{row['name']}"


def _configuration(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "FunctionName": row["name"],
        "FunctionArn": _arn(row),
        "Runtime": row["runtime"],
        "MemorySize": int(row["memory_mb"]),
        "Timeout": int(row["timeout_seconds"]),
        "Handler": "index.handler",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "Version": "$LATEST",
    }
    if row["updated_at"] is not None:
        out["LastModified"] = row["updated_at"].strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return out


def _named(call: Call) -> list[dict[str, Any]]:
    """The functions a FunctionName names: an ARN names one account's; a bare name names every account's
    function of that name in the region (one key sees every account)."""
    name = str(call.params.get("FunctionName", ""))
    rows = [r for r in _rows(call) if name in (r["name"], _arn(r))]
    if not rows:
        raise ApiError("ResourceNotFoundException", f"Function not found: {name}", 404)
    return rows


@handles("lambda", "ListFunctions")
def list_functions(call: Call) -> dict[str, Any]:
    return paged(call, _rows(call), PAGING, lambda chunk: [_configuration(r) for r in chunk])


@handles("lambda", "GetFunctionConfiguration")
def get_function_configuration(call: Call) -> dict[str, Any]:
    return _configuration(_named(call)[0])


@handles("lambda", "UpdateFunctionConfiguration")
def update_function_configuration(call: Call) -> dict[str, Any]:
    values = assigned(
        call, CHANGES, ApiError("InvalidParameterValueException", "driftworld changes MemorySize and Timeout")
    )
    rows = _named(call)
    change_each(call, "lambda_functions", rows, values, "resize")
    return _configuration(rows[0] | values)
