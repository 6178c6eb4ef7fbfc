"""A small cost agent that knows only boto3: point it at AWS or at `driftworld aws serve` by the endpoint.

    eval "$(driftworld aws credentials --format shell)"
    driftworld aws serve &
    AWS_ENDPOINT_URL=http://127.0.0.1:4566 python examples/boto3_agent.py

Each region: release Elastic IPs nobody uses, delete volumes attached to nothing, give log groups without
retention 30 days, and stop instances whose CPU never passed 5% in the last week (never prod, never an
Auto Scaling member: its group would replace it). On driftworld's virtual clock the week ends on
DRIFTWORLD_VIRTUAL_DATE when the bench sets it.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import boto3

IDLE_CPU = 5.0


def now() -> dt.datetime:
    virtual = os.environ.get("DRIFTWORLD_VIRTUAL_DATE")
    if virtual:
        return dt.datetime.combine(dt.date.fromisoformat(virtual) + dt.timedelta(days=1), dt.time(), dt.UTC)
    return dt.datetime.now(dt.UTC)


def tags(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def idle(cloudwatch: Any, instance_id: str, end: dt.datetime) -> bool:
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "InstanceId", "Value": instance_id}],
        StartTime=end - dt.timedelta(days=7),
        EndTime=end,
        Period=86400,
        Statistics=["Maximum"],
    )["Datapoints"]
    return len(points) >= 3 and max(p["Maximum"] for p in points) < IDLE_CPU


def clean_region(region: str) -> list[str]:
    done = []
    ec2 = boto3.client("ec2", region_name=region)
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    logs = boto3.client("logs", region_name=region)
    for address in ec2.describe_addresses()["Addresses"]:
        if "AssociationId" not in address:
            ec2.release_address(AllocationId=address["AllocationId"])
            done.append(f"released {address['PublicIp']}")
    for page in ec2.get_paginator("describe_volumes").paginate(Filters=[{"Name": "status", "Values": ["available"]}]):
        for volume in page["Volumes"]:
            ec2.delete_volume(VolumeId=volume["VolumeId"])
            done.append(f"deleted {volume['VolumeId']}")
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            if "retentionInDays" not in group:
                logs.put_retention_policy(logGroupName=group["logGroupName"], retentionInDays=30)
                done.append(f"30-day retention for {group['logGroupName']}")
    end = now()
    running = [{"Name": "instance-state-name", "Values": ["running"]}]
    for page in ec2.get_paginator("describe_instances").paginate(Filters=running):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                labels = tags(instance)
                if labels.get("env") == "prod" or "aws:autoscaling:groupName" in labels:
                    continue
                if idle(cloudwatch, instance["InstanceId"], end):
                    ec2.stop_instances(InstanceIds=[instance["InstanceId"]])
                    done.append(f"stopped {instance['InstanceId']}")
    return done


def main() -> None:
    regions = [r["RegionName"] for r in boto3.client("ec2").describe_regions()["Regions"]]
    for region in regions:
        for line in clean_region(region):
            print(f"{region}: {line}")


if __name__ == "__main__":
    main()
