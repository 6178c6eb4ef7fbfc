"""Elastic Load Balancing (v2): the world's load balancers (describe, delete)."""

from __future__ import annotations

from typing import Any

from driftworld.aws.operations import Call, Paging, change_each, handles, paged, selected
from driftworld.aws.protocol import ApiError
from driftworld.store import aws_io

PAGING = Paging("LoadBalancers", "Marker", "NextMarker", "PageSize", 400, 400, (1, 400), "ValidationError")
NOT_FOUND = ApiError("LoadBalancerNotFound", "One or more load balancers not found: {}")


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
    rows = selected(_rows(call), "lb_arn", [str(a) for a in call.params.get("LoadBalancerArns") or []], NOT_FOUND)
    rows = selected(rows, "name", [str(n) for n in call.params.get("Names") or []], NOT_FOUND)
    return paged(call, rows, PAGING, lambda chunk: [_balancer(r) for r in chunk])


@handles("elbv2", "DeleteLoadBalancer")
def delete_load_balancer(call: Call) -> dict[str, Any]:
    """Deleting a load balancer that is gone succeeds, as in AWS."""
    arn = str(call.params.get("LoadBalancerArn", ""))
    change_each(call, "load_balancers", [r for r in _rows(call) if r["lb_arn"] == arn], None, "delete")
    return {}
