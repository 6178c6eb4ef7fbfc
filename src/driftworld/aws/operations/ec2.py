"""EC2: instances, volumes, Elastic IPs and regions of the world, for the region a call is signed for."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from driftworld.aws.operations import Call, handles, matches_filters, page, tag_list
from driftworld.aws.protocol import ApiError
from driftworld.model import catalogue
from driftworld.store import aws_io

STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
ID_PATTERNS = {
    "instance": re.compile(r"^i-[0-9a-f]{8,17}$"),
    "volume": re.compile(r"^vol-[0-9a-f]{8,17}$"),
    "allocation": re.compile(r"^eipalloc-[0-9a-f]{8,17}$"),
}


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


def _paging(call: Call, ids: Sequence[str], what: str, high: int) -> None:
    """EC2's paging rules: MaxResults takes 5 to `high` and cannot be combined with a list of ids."""
    max_results = call.params.get("MaxResults")
    if max_results is not None and ids:
        raise ApiError(
            "InvalidParameterCombination", f"The parameter {what} cannot be used with the parameter maxResults"
        )
    if max_results is not None and not 5 <= int(max_results) <= high:
        raise ApiError("InvalidParameterValue", f"Value ( {max_results} ) for parameter maxResults is invalid.")


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


@handles("ec2", "DescribeInstances")
def describe_instances(call: Call) -> dict[str, Any]:
    ids = [str(i) for i in call.params.get("InstanceIds") or []]
    _check_ids("instance", ids, "InvalidInstanceID.Malformed")
    _paging(call, ids, "instancesSet", 1000)
    rows = aws_io.instances(call.conn, call.region)
    if ids:
        known = {r["instance_id"] for r in rows}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ApiError("InvalidInstanceID.NotFound", f"The instance ID '{', '.join(missing)}' does not exist")
        rows = [r for r in rows if r["instance_id"] in ids]
    filters = call.params.get("Filters") or []
    rows = [r for r in rows if matches_filters(filters, _instance_fields(r, call.region))]
    chunk, token = page(rows, call.params.get("NextToken"), call.params.get("MaxResults"), 1000, 1000, "instances")
    reservations: dict[str, dict[str, Any]] = {}
    for row in chunk:
        owner = str(row["owner_id"])
        reservation = reservations.setdefault(
            owner,
            {"ReservationId": _reservation_id(owner, call.region), "OwnerId": owner, "Groups": [], "Instances": []},
        )
        reservation["Instances"].append(_instance(row, call.region))
    out: dict[str, Any] = {"Reservations": list(reservations.values())}
    if token:
        out["NextToken"] = token
    return out


def _change_instances(call: Call, target: str, allowed_from: set[str], action: str) -> list[dict[str, Any]]:
    ids = [str(i) for i in call.params.get("InstanceIds") or []]
    _check_ids("instance", ids, "InvalidInstanceID.Malformed")
    rows = {r["instance_id"]: r for r in aws_io.instances(call.conn, call.region)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise ApiError("InvalidInstanceID.NotFound", f"The instance ID '{', '.join(missing)}' does not exist")
    for i in ids:
        if rows[i]["state"] not in allowed_from and rows[i]["state"] != target:
            raise ApiError(
                "IncorrectInstanceState",
                f"The instance '{i}' is not in a state from which it can be {action}ed.",
            )
    changes = []
    for i in ids:
        row = rows[i]
        if row["state"] != target:
            aws_io.change(call.conn, call.agent, "instances", row["row_id"], {"state": target}, action)
        changes.append({"InstanceId": i, "CurrentState": _state(target), "PreviousState": _state(row["state"])})
    return changes


@handles("ec2", "StopInstances")
def stop_instances(call: Call) -> dict[str, Any]:
    return {"StoppingInstances": _change_instances(call, "stopped", {"running", "pending", "stopping"}, "stop")}


@handles("ec2", "StartInstances")
def start_instances(call: Call) -> dict[str, Any]:
    return {"StartingInstances": _change_instances(call, "running", {"stopped", "stopping"}, "start")}


@handles("ec2", "TerminateInstances")
def terminate_instances(call: Call) -> dict[str, Any]:
    return {
        "TerminatingInstances": _change_instances(
            call, "terminated", {"running", "pending", "stopping", "stopped", "shutting-down"}, "terminate"
        )
    }


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
    ids = [str(i) for i in call.params.get("VolumeIds") or []]
    _check_ids("volume", ids, "InvalidVolumeID.Malformed")
    _paging(call, ids, "volumeIds", 500)
    rows = aws_io.volumes(call.conn, call.region)
    if ids:
        known = {r["volume_id"] for r in rows}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ApiError("InvalidVolume.NotFound", f"The volume '{missing[0]}' does not exist.")
        rows = [r for r in rows if r["volume_id"] in ids]
    filters = call.params.get("Filters") or []
    rows = [r for r in rows if matches_filters(filters, _volume_fields(r, call.region))]
    chunk, token = page(rows, call.params.get("NextToken"), call.params.get("MaxResults"), 500, 500, "volumes")
    out: dict[str, Any] = {"Volumes": [_volume(r, call.region) for r in chunk]}
    if token:
        out["NextToken"] = token
    return out


@handles("ec2", "DeleteVolume")
def delete_volume(call: Call) -> dict[str, Any]:
    volume_id = str(call.params.get("VolumeId", ""))
    _check_ids("volume", [volume_id], "InvalidVolumeID.Malformed")
    row = next((r for r in aws_io.volumes(call.conn, call.region) if r["volume_id"] == volume_id), None)
    if row is None:
        raise ApiError("InvalidVolume.NotFound", f"The volume '{volume_id}' does not exist.")
    if row["attached_instance_id"] or row["state"] == "in-use":
        raise ApiError("VolumeInUse", f"Volume {volume_id} is currently attached to {row['attached_instance_id']}")
    aws_io.change(call.conn, call.agent, "volumes", row["row_id"], None, "delete")
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
    rows = aws_io.addresses(call.conn, call.region)
    ids = [str(i) for i in call.params.get("AllocationIds") or []]
    ips = [str(i) for i in call.params.get("PublicIps") or []]
    if ids:
        missing = [i for i in ids if i not in {r["allocation_id"] for r in rows}]
        if missing:
            raise ApiError("InvalidAllocationID.NotFound", f"The allocation ID '{missing[0]}' does not exist")
        rows = [r for r in rows if r["allocation_id"] in ids]
    if ips:
        rows = [r for r in rows if r["public_ip"] in ips]
    filters = call.params.get("Filters") or []
    return {"Addresses": [_address(r) for r in rows if matches_filters(filters, _address_fields(r))]}


@handles("ec2", "ReleaseAddress")
def release_address(call: Call) -> dict[str, Any]:
    allocation_id = call.params.get("AllocationId")
    public_ip = call.params.get("PublicIp")
    rows = aws_io.addresses(call.conn, call.region)
    row = next(
        (
            r
            for r in rows
            if (allocation_id and r["allocation_id"] == allocation_id) or (public_ip and r["public_ip"] == public_ip)
        ),
        None,
    )
    if row is None:
        if allocation_id:
            raise ApiError("InvalidAllocationID.NotFound", f"The allocation ID '{allocation_id}' does not exist")
        raise ApiError("AuthFailure", "The address does not belong to you.", 401)
    if row["state"] == "associated" or row["associated_instance_id"] or row["associated_lb_arn"]:
        raise ApiError("InvalidIPAddress.InUse", f"Address {row['public_ip']} is in use.")
    aws_io.change(call.conn, call.agent, "elastic_ips", row["row_id"], None, "release")
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
    new_type = (call.params.get("InstanceType") or {}).get("Value")
    if not new_type:
        raise ApiError("InvalidParameterCombination", "driftworld changes the InstanceType attribute only")
    if new_type not in catalogue.EC2_HOURLY:
        raise ApiError("InvalidInstanceAttributeValue", f"The instance type '{new_type}' is not supported.")
    row = next((r for r in aws_io.instances(call.conn, call.region) if r["instance_id"] == instance_id), None)
    if row is None:
        raise ApiError("InvalidInstanceID.NotFound", f"The instance ID '{instance_id}' does not exist")
    if row["state"] != "stopped":
        raise ApiError("IncorrectInstanceState", f"The instance '{instance_id}' is not in the 'stopped' state.")
    aws_io.change(call.conn, call.agent, "instances", row["row_id"], {"instance_type": new_type}, "resize")
    return {}


@handles("ec2", "ModifyVolume")
def modify_volume(call: Call) -> dict[str, Any]:
    volume_id = str(call.params.get("VolumeId", ""))
    _check_ids("volume", [volume_id], "InvalidVolumeID.Malformed")
    row = next((r for r in aws_io.volumes(call.conn, call.region) if r["volume_id"] == volume_id), None)
    if row is None:
        raise ApiError("InvalidVolume.NotFound", f"The volume '{volume_id}' does not exist.")
    values: dict[str, Any] = {}
    new_type = call.params.get("VolumeType")
    if new_type is not None:
        if new_type not in catalogue.EBS_GB_MONTH:
            raise ApiError("InvalidParameterValue", f"Volume type {new_type} is not supported.")
        values["volume_type"] = new_type
    size = call.params.get("Size")
    if size is not None:
        if int(size) < int(row["size_gib"]):
            raise ApiError("InvalidParameterValue", "New size cannot be smaller than existing size")
        values["size_gib"] = int(size)
    if call.params.get("Iops") is not None:
        values["iops"] = int(call.params["Iops"])
    if not values:
        raise ApiError("MissingParameter", "Provide one of VolumeType, Size or Iops.")
    aws_io.change(call.conn, call.agent, "volumes", row["row_id"], values, "modify")
    return {
        "VolumeModification": {
            "VolumeId": volume_id,
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


@handles("ec2", "DescribeSnapshots")
def describe_snapshots(call: Call) -> dict[str, Any]:
    ids = [str(i) for i in call.params.get("SnapshotIds") or []]
    rows = aws_io.resources(call.conn, "snapshots", "snapshot", "snapshot_id", call.region)
    if ids:
        missing = [i for i in ids if i not in {r["snapshot_id"] for r in rows}]
        if missing:
            raise ApiError("InvalidSnapshot.NotFound", f"The snapshot '{missing[0]}' does not exist.")
        rows = [r for r in rows if r["snapshot_id"] in ids]
    owners = [str(o) for o in call.params.get("OwnerIds") or []]
    if owners and "self" not in owners:
        rows = [r for r in rows if r["owner_id"] in owners]
    filters = call.params.get("Filters") or []
    rows = [r for r in rows if matches_filters(filters, _snapshot_fields(r))]
    chunk, token = page(rows, call.params.get("NextToken"), call.params.get("MaxResults"), 1000, 1000, "snapshots")
    snapshots = []
    for r in chunk:
        snapshot: dict[str, Any] = {
            "SnapshotId": r["snapshot_id"],
            "VolumeId": r["source_volume_id"] or "vol-ffffffff",
            "VolumeSize": int(r["size_gib"]),
            "State": "completed",
            "Progress": "100%",
            "OwnerId": r["owner_id"],
            "StorageTier": "standard",
            "Encrypted": False,
            "Description": f"rotated {r['retention_policy']}" if r["retention_policy"] else "",
            "Tags": tag_list(r["all_tags"]),
        }
        if r["created_at"] is not None:
            snapshot["StartTime"] = r["created_at"]
        snapshots.append(snapshot)
    out: dict[str, Any] = {"Snapshots": snapshots}
    if token:
        out["NextToken"] = token
    return out


@handles("ec2", "DeleteSnapshot")
def delete_snapshot(call: Call) -> dict[str, Any]:
    snapshot_id = str(call.params.get("SnapshotId", ""))
    rows = aws_io.resources(call.conn, "snapshots", "snapshot", "snapshot_id", call.region)
    row = next((r for r in rows if r["snapshot_id"] == snapshot_id), None)
    if row is None:
        raise ApiError("InvalidSnapshot.NotFound", f"The snapshot '{snapshot_id}' does not exist.")
    aws_io.change(call.conn, call.agent, "snapshots", row["row_id"], None, "delete")
    return {}
