"""Elastic Load Balancing (v2): the world's load balancers (describe, delete)."""

from __future__ import annotations

from typing import Any

from driftworld.aws.operations import Call, handles, page
from driftworld.aws.protocol import ApiError
from driftworld.store import aws_io


def _rows(call: Call) -> list[dict[str, Any]]:
    return aws_io.resources(call.conn, "load_balancers", "load_balancer", "lb_arn", call.region)


def _balancer(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LoadBalancerArn": row["lb_arn"],
        "LoadBalancerName": row["name"],
        "DNSName": f"{row['name']}-{row['lb_arn'][-8:]}.{row['region_name']}.elb.amazonaws.com",
        "Scheme": "internet-facing",
        "State": {"Code": "active"},
        "Type": row["type"],
        "IpAddressType": "ipv4",
        "AvailabilityZones": [{"ZoneName": f"{row['region_name']}a"}],
    }
    if row["created_at"] is not None:
        out["CreatedTime"] = row["created_at"]
    return out


@handles("elbv2", "DescribeLoadBalancers")
def describe_load_balancers(call: Call) -> dict[str, Any]:
    rows = _rows(call)
    arns = [str(a) for a in call.params.get("LoadBalancerArns") or []]
    names = [str(n) for n in call.params.get("Names") or []]
    for wanted, column in ((arns, "lb_arn"), (names, "name")):
        if wanted:
            missing = [w for w in wanted if w not in {r[column] for r in rows}]
            if missing:
                raise ApiError("LoadBalancerNotFound", f"One or more load balancers not found: {missing[0]}", 400)
            rows = [r for r in rows if r[column] in wanted]
    chunk, marker = page(rows, call.params.get("Marker"), call.params.get("PageSize"), 400, 400, "load balancers")
    out: dict[str, Any] = {"LoadBalancers": [_balancer(r) for r in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out


@handles("elbv2", "DeleteLoadBalancer")
def delete_load_balancer(call: Call) -> dict[str, Any]:
    arn = str(call.params.get("LoadBalancerArn", ""))
    row = next((r for r in _rows(call) if r["lb_arn"] == arn), None)
    if row is not None:  # deleting a load balancer that is gone succeeds, as in AWS
        aws_io.change(call.conn, call.agent, "load_balancers", row["row_id"], None, "delete")
    return {}
