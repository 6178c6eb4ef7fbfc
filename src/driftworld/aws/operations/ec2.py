"""EC2: instances, volumes, Elastic IPs and regions of the world, for the region a call is signed for."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from driftworld.aws.operations import (
    Assignments,
    Call,
    Paging,
    assigned,
    catalogue_value,
    change_each,
    handles,
    matches_filters,
    paged,
    refused_as,
    selected,
    tag_list,
)
from driftworld.aws.protocol import ApiError
from driftworld.store import agent_io, aws_io

STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
ID_PATTERNS = {
    "instance": re.compile(r"^i-[0-9a-f]{8,17}$"),
    "volume": re.compile(r"^vol-[0-9a-f]{8,17}$"),
    "allocation": re.compile(r"^eipalloc-[0-9a-f]{8,17}$"),
}
INSTANCES_PAGING = Paging("Reservations", "NextToken", "NextToken", "MaxResults", 1000, 1000, (5, 1000))
VOLUMES_PAGING = Paging("Volumes", "NextToken", "NextToken", "MaxResults", 500, 500, (5, 500))
SNAPSHOTS_PAGING = Paging("Snapshots", "NextToken", "NextToken", "MaxResults", 1000, 1000, (5, 1000))
INSTANCE_NOT_FOUND = ApiError("InvalidInstanceID.NotFound", "The instance ID '{}' does not exist")
VOLUME_NOT_FOUND = ApiError("InvalidVolume.NotFound", "The volume '{}' does not exist.")
SNAPSHOT_NOT_FOUND = ApiError("InvalidSnapshot.NotFound", "The snapshot '{}' does not exist.")
ALLOCATION_NOT_FOUND = ApiError("InvalidAllocationID.NotFound", "The allocation ID '{}' does not exist")
VOLUME_CHANGES: Assignments = {
    "VolumeType": ("volume_type", catalogue_value("volume type", "InvalidParameterValue")),
    "Size": ("size_gib", int),
    "Iops": ("iops", int),
}
NOT_YOURS = ApiError("AuthFailure", "The address '{}' does not belong to you.", 401)


def _state(name: str) -> dict[str, Any]:
    return {"Code": STATE_CODES.get(name, 0), "Name": name}


def _tag_fields(tags: dict[str, Any], name: str) -> Sequence[str] | None:
    if name.startswith("tag:"):
        value = tags.get(name[4:])
        return [] if value is None else [str(value)]
    if name == "tag-key":
        return list(tags)
    if name == "tag-value":
        return [str(v) for v in tags.values()]
    return None


def _check_ids(kind: str, ids: Sequence[str], code: str) -> None:
    bad = [i for i in ids if not ID_PATTERNS[kind].match(i)]
    if bad:
        raise ApiError(code, f'Invalid id: "{bad[0]}"')


def _listed_ids(call: Call, parameter: str, kind: str, what: str) -> list[str]:
    """The ids a Describe call names, well formed; EC2 refuses them beside MaxResults."""
    ids = [str(i) for i in call.params.get(parameter) or []]
    _check_ids(kind, ids, f"Invalid{kind.capitalize()}ID.Malformed")
    if ids and call.params.get("MaxResults") is not None:
        raise ApiError(
            "InvalidParameterCombination", f"The parameter {what} cannot be used with the parameter maxResults"
        )
    return ids


# -- instances -------------------------------------------------------------------------------------


def _instance_tags(row: dict[str, Any]) -> dict[str, Any]:
    tags = dict(row["tags"] or {})
    if row.get("name") and "Name" not in tags:
        tags["Name"] = row["name"]
    if row.get("autoscaling_group") and "aws:autoscaling:groupName" not in tags:
        tags["aws:autoscaling:groupName"] = row["autoscaling_group"]
    return tags


def _instance_fields(row: dict[str, Any], region: str) -> Any:
    tags = _instance_tags(row)

    def fields(name: str) -> Sequence[str] | None:
        simple = {
            "instance-state-name": [row["state"]],
            "instance-state-code": [str(STATE_CODES.get(row["state"], 0))],
            "instance-type": [row["instance_type"]],
            "instance-id": [row["instance_id"]],
            "owner-id": [row["owner_id"]],
            "availability-zone": [f"{region}a"],
            "instance-lifecycle": [],
        }
        return simple.get(name, _tag_fields(tags, name))

    return fields


def _instance(row: dict[str, Any], region: str) -> dict[str, Any]:
    launched = row["launch_time"] or row["created_at"]
    out: dict[str, Any] = {
        "InstanceId": row["instance_id"],
        "InstanceType": row["instance_type"],
        "State": _state(row["state"]),
        "Placement": {"AvailabilityZone": f"{region}a", "Tenancy": "default"},
        "Monitoring": {"State": "disabled"},
        "Architecture": "x86_64",
        "RootDeviceType": "ebs",
        "Tags": tag_list(_instance_tags(row)),
    }
    if launched is not None:
        out["LaunchTime"] = launched
    return out


def _reservation_id(owner: str, region: str) -> str:
    return "r-" + hashlib.sha256(f"{owner}/{region}".encode()).hexdigest()[:17]


def _reservations(rows: Sequence[dict[str, Any]], region: str) -> list[dict[str, Any]]:
    """Instances as EC2 lists them: one reservation per owning account."""
    reservations: dict[str, dict[str, Any]] = {}
    for row in rows:
        owner = str(row["owner_id"])
        reservation = reservations.setdefault(
            owner, {"ReservationId": _reservation_id(owner, region), "OwnerId": owner, "Groups": [], "Instances": []}
        )
        reservation["Instances"].append(_instance(row, region))
    return list(reservations.values())


@handles("ec2", "DescribeInstances")
def describe_instances(call: Call) -> dict[str, Any]:
    ids = _listed_ids(call, "InstanceIds", "instance", "instancesSet")
    rows = selected(aws_io.instances(call.conn, call.region), "instance_id", ids, INSTANCE_NOT_FOUND)
    rows = [r for r in rows if matches_filters(call.params.get("Filters") or [], _instance_fields(r, call.region))]
    return paged(call, rows, INSTANCES_PAGING, lambda chunk: _reservations(chunk, call.region))


def _change_instances(call: Call, target: str, action: str) -> list[dict[str, Any]]:
    ids = [str(i) for i in call.params.get("InstanceIds") or []]
    _check_ids("instance", ids, "InvalidInstanceID.Malformed")
    rows = selected(aws_io.instances(call.conn, call.region), "instance_id", ids, INSTANCE_NOT_FOUND)
    moving = [r for r in rows if r["state"] != target]
    with refused_as("IncorrectInstanceState"):
        for row in moving:
            agent_io.require_state_change("instances", row, target, row["instance_id"])
    change_each(call, "instances", moving, {"state": target}, action)
    return [
        {"InstanceId": r["instance_id"], "CurrentState": _state(target), "PreviousState": _state(r["state"])}
        for r in rows
    ]


@handles("ec2", "StopInstances")
def stop_instances(call: Call) -> dict[str, Any]:
    return {"StoppingInstances": _change_instances(call, "stopped", "stop")}


@handles("ec2", "StartInstances")
def start_instances(call: Call) -> dict[str, Any]:
    return {"StartingInstances": _change_instances(call, "running", "start")}


@handles("ec2", "TerminateInstances")
def terminate_instances(call: Call) -> dict[str, Any]:
    return {"TerminatingInstances": _change_instances(call, "terminated", "terminate")}


# -- volumes ---------------------------------------------------------------------------------------


def _volume_fields(row: dict[str, Any], region: str) -> Any:
    tags = dict(row["tags"] or {})

    def fields(name: str) -> Sequence[str] | None:
        attached = [row["attached_instance_id"]] if row["attached_instance_id"] else []
        simple = {
            "status": [row["state"]],
            "volume-type": [row["volume_type"] or "gp3"],
            "volume-id": [row["volume_id"]],
            "size": [str(row["size_gib"])],
            "availability-zone": [f"{region}a"],
            "attachment.instance-id": attached,
            "attachment.status": ["attached"] if attached else [],
        }
        return simple.get(name, _tag_fields(tags, name))

    return fields


def _volume(row: dict[str, Any], region: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "VolumeId": row["volume_id"],
        "Size": int(row["size_gib"]),
        "VolumeType": row["volume_type"] or "gp3",
        "State": row["state"],
        "AvailabilityZone": f"{region}a",
        "Encrypted": False,
        "Attachments": [],
        "Tags": tag_list(row["tags"]),
    }
    if row["created_at"] is not None:
        out["CreateTime"] = row["created_at"]
    if row["iops"] is not None:
        out["Iops"] = int(row["iops"])
    if row["attached_instance_id"]:
        out["Attachments"] = [
            {
                "InstanceId": row["attached_instance_id"],
                "VolumeId": row["volume_id"],
                "State": "attached",
                "Device": "/dev/xvda",
                "DeleteOnTermination": True,
            }
        ]
    return out


@handles("ec2", "DescribeVolumes")
def describe_volumes(call: Call) -> dict[str, Any]:
    ids = _listed_ids(call, "VolumeIds", "volume", "volumeIds")
    rows = selected(aws_io.volumes(call.conn, call.region), "volume_id", ids, VOLUME_NOT_FOUND)
    rows = [r for r in rows if matches_filters(call.params.get("Filters") or [], _volume_fields(r, call.region))]
    return paged(call, rows, VOLUMES_PAGING, lambda chunk: [_volume(r, call.region) for r in chunk])


def _one_volume(call: Call) -> dict[str, Any]:
    volume_id = str(call.params.get("VolumeId", ""))
    _check_ids("volume", [volume_id], "InvalidVolumeID.Malformed")
    return selected(aws_io.volumes(call.conn, call.region), "volume_id", [volume_id], VOLUME_NOT_FOUND)[0]


@handles("ec2", "DeleteVolume")
def delete_volume(call: Call) -> dict[str, Any]:
    row = _one_volume(call)
    with refused_as("VolumeInUse"):
        agent_io.require_detached(row, row["volume_id"])
    change_each(call, "volumes", [row], None, "delete")
    return {}


# -- Elastic IPs -----------------------------------------------------------------------------------


def _association_id(allocation_id: str) -> str:
    return "eipassoc-" + hashlib.sha256(allocation_id.encode()).hexdigest()[:17]


def _address_fields(row: dict[str, Any]) -> Any:
    tags = dict(row["tags"] or {})

    def fields(name: str) -> Sequence[str] | None:
        associated = row["associated_instance_id"]
        simple = {
            "allocation-id": [row["allocation_id"]],
            "public-ip": [row["public_ip"]],
            "domain": ["vpc"],
            "instance-id": [associated] if associated else [],
            "association-id": [_association_id(row["allocation_id"])] if row["state"] == "associated" else [],
            "network-border-group": [row["region"]],
        }
        return simple.get(name, _tag_fields(tags, name))

    return fields


def _address(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AllocationId": row["allocation_id"],
        "PublicIp": row["public_ip"],
        "Domain": "vpc",
        "NetworkBorderGroup": row["region"],
        "PublicIpv4Pool": "amazon",
        "Tags": tag_list(row["tags"]),
    }
    if row["state"] == "associated":
        out["AssociationId"] = _association_id(row["allocation_id"])
    if row["associated_instance_id"]:
        out["InstanceId"] = row["associated_instance_id"]
    return out


@handles("ec2", "DescribeAddresses")
def describe_addresses(call: Call) -> dict[str, Any]:
    ids = [str(i) for i in call.params.get("AllocationIds") or []]
    rows = selected(aws_io.addresses(call.conn, call.region), "allocation_id", ids, ALLOCATION_NOT_FOUND)
    ips = [str(i) for i in call.params.get("PublicIps") or []]
    rows = [r for r in rows if not ips or r["public_ip"] in ips]
    filters = call.params.get("Filters") or []
    return {"Addresses": [_address(r) for r in rows if matches_filters(filters, _address_fields(r))]}


@handles("ec2", "ReleaseAddress")
def release_address(call: Call) -> dict[str, Any]:
    allocation_id = call.params.get("AllocationId")
    rows = aws_io.addresses(call.conn, call.region)
    if allocation_id:
        row = selected(rows, "allocation_id", [str(allocation_id)], ALLOCATION_NOT_FOUND)[0]
    else:
        row = selected(rows, "public_ip", [str(call.params.get("PublicIp"))], NOT_YOURS)[0]
    with refused_as("InvalidIPAddress.InUse"):
        agent_io.require_detached(row, row["public_ip"])
    change_each(call, "elastic_ips", [row], None, "release")
    return {}


# -- regions ---------------------------------------------------------------------------------------


@handles("ec2", "DescribeRegions")
def describe_regions(call: Call) -> dict[str, Any]:
    names = [str(n) for n in call.params.get("RegionNames") or []]
    known = aws_io.regions(call.conn)
    missing = [n for n in names if n not in known]
    if missing:
        raise ApiError("InvalidParameterValue", f"Invalid region: {missing[0]}")
    chosen = [n for n in known if not names or n in names]
    filters = call.params.get("Filters") or []

    def fields(region: str) -> Any:
        return lambda name: {
            "region-name": [region],
            "endpoint": [f"ec2.{region}.amazonaws.com"],
            "opt-in-status": ["opt-in-not-required"],
        }.get(name)

    return {
        "Regions": [
            {"RegionName": r, "Endpoint": f"ec2.{r}.amazonaws.com", "OptInStatus": "opt-in-not-required"}
            for r in chosen
            if matches_filters(filters, fields(r))
        ]
    }


# -- changes of configuration ----------------------------------------------------------------------


@handles("ec2", "ModifyInstanceAttribute")
def modify_instance_attribute(call: Call) -> dict[str, Any]:
    instance_id = str(call.params.get("InstanceId", ""))
    _check_ids("instance", [instance_id], "InvalidInstanceID.Malformed")
    new_type = str((call.params.get("InstanceType") or {}).get("Value") or "")
    if not new_type:
        raise ApiError("InvalidParameterCombination", "driftworld changes the InstanceType attribute only")
    with refused_as("InvalidInstanceAttributeValue"):
        agent_io.require_known(new_type, "instance type")
    row = selected(aws_io.instances(call.conn, call.region), "instance_id", [instance_id], INSTANCE_NOT_FOUND)[0]
    with refused_as("IncorrectInstanceState"):
        agent_io.require_state(row, ("stopped",), instance_id, "changing the instance type")
    change_each(call, "instances", [row], {"instance_type": new_type}, "resize")
    return {}


@handles("ec2", "ModifyVolume")
def modify_volume(call: Call) -> dict[str, Any]:
    row = _one_volume(call)
    values = assigned(call, VOLUME_CHANGES, ApiError("MissingParameter", "Provide one of VolumeType, Size or Iops."))
    if values.get("size_gib", row["size_gib"]) < row["size_gib"]:
        raise ApiError("InvalidParameterValue", "New size cannot be smaller than existing size")
    change_each(call, "volumes", [row], values, "modify")
    return {
        "VolumeModification": {
            "VolumeId": row["volume_id"],
            "ModificationState": "completed",
            "Progress": 100,
            "OriginalVolumeType": row["volume_type"] or "gp3",
            "TargetVolumeType": values.get("volume_type", row["volume_type"] or "gp3"),
            "OriginalSize": int(row["size_gib"]),
            "TargetSize": values.get("size_gib", int(row["size_gib"])),
        }
    }


# -- snapshots -------------------------------------------------------------------------------------


def _snapshot_fields(row: dict[str, Any]) -> Any:
    tags = dict(row["all_tags"] or {})

    def fields(name: str) -> Sequence[str] | None:
        simple = {
            "snapshot-id": [row["snapshot_id"]],
            "volume-id": [row["source_volume_id"]] if row["source_volume_id"] else [],
            "status": ["completed"],
            "owner-id": [row["owner_id"]],
            "volume-size": [str(row["size_gib"])],
            "storage-tier": ["standard"],
        }
        return simple.get(name, _tag_fields(tags, name))

    return fields


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "SnapshotId": row["snapshot_id"],
        "VolumeId": row["source_volume_id"] or "vol-ffffffff",
        "VolumeSize": int(row["size_gib"]),
        "State": "completed",
        "Progress": "100%",
        "OwnerId": row["owner_id"],
        "StorageTier": "standard",
        "Encrypted": False,
        "Description": f"rotated {row['retention_policy']}" if row["retention_policy"] else "",
        "Tags": tag_list(row["all_tags"]),
    }
    if row["created_at"] is not None:
        snapshot["StartTime"] = row["created_at"]
    return snapshot


def _snapshots(call: Call) -> list[dict[str, Any]]:
    return aws_io.resources(call.conn, "snapshots", "snapshot", "snapshot_id", call.region)


@handles("ec2", "DescribeSnapshots")
def describe_snapshots(call: Call) -> dict[str, Any]:
    ids = [str(i) for i in call.params.get("SnapshotIds") or []]
    rows = selected(_snapshots(call), "snapshot_id", ids, SNAPSHOT_NOT_FOUND)
    owners = [str(o) for o in call.params.get("OwnerIds") or []]
    if owners and "self" not in owners:
        rows = [r for r in rows if r["owner_id"] in owners]
    rows = [r for r in rows if matches_filters(call.params.get("Filters") or [], _snapshot_fields(r))]
    return paged(call, rows, SNAPSHOTS_PAGING, lambda chunk: [_snapshot(r) for r in chunk])


@handles("ec2", "DeleteSnapshot")
def delete_snapshot(call: Call) -> dict[str, Any]:
    snapshot_id = str(call.params.get("SnapshotId", ""))
    change_each(
        call, "snapshots", selected(_snapshots(call), "snapshot_id", [snapshot_id], SNAPSHOT_NOT_FOUND), None, "delete"
    )
    return {}
