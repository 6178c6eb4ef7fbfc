"""The AWS API (`driftworld aws serve`) with real clients: boto3 and the AWS CLI against a server on the
tests' PostgreSQL, reading and changing a seeded world as the agent role."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.model
import psycopg
import pytest
from botocore.config import Config
from typer.testing import CliRunner

import driftworld
from driftworld.aws.operations import cost_explorer
from driftworld.aws.server import AwsApi, make_api, start
from driftworld.cli import app
from driftworld.store.cluster import LocalCluster, free_tcp_port
from driftworld.store.database import Database
from tests.helpers import rows

Api = tuple[AwsApi, str, str]


@pytest.fixture()
def api(seeded_db: Database) -> Iterator[tuple[AwsApi, str, str]]:
    """A server over a fresh copy of the seeded world, and the region that has the most instances."""
    api = make_api(seeded_db, "boto3-test-agent")
    server, thread = start(api, port=0)
    region = rows(seeded_db, "select region from public.instances group by 1 order by count(*) desc, 1 limit 1")
    try:
        yield api, f"http://127.0.0.1:{server.server_port}", str(region[0]["region"])
    finally:
        server.shutdown()
        thread.join(5)
        api.close()


def client(api: Api, service: str, secret: str | None = None, key_id: str | None = None) -> Any:
    served, url, region = api
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=key_id or served.key.access_key_id,
        aws_secret_access_key=secret or served.key.secret_access_key,
        config=Config(retries={"max_attempts": 1}),
    )


def test_describe_instances_matches_the_world_and_filters(api: Api, seeded_db: Database) -> None:
    ec2 = client(api, "ec2")
    region = api[2]
    world = rows(
        seeded_db, "select instance_id, state, instance_type from public.instances where region = %s", (region,)
    )
    found = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert sorted(i["InstanceId"] for i in found) == sorted(r["instance_id"] for r in world)
    running = ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])
    running_ids = {i["InstanceId"] for r in running["Reservations"] for i in r["Instances"]}
    assert running_ids == {r["instance_id"] for r in world if r["state"] == "running"}
    one_type = world[0]["instance_type"]
    typed = ec2.describe_instances(Filters=[{"Name": "instance-type", "Values": [one_type]}])
    assert all(i["InstanceType"] == one_type for r in typed["Reservations"] for i in r["Instances"])
    paged = [
        i["InstanceId"]
        for p in ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5})
        for r in p["Reservations"]
        for i in r["Instances"]
    ]
    assert sorted(paged) == sorted(r["instance_id"] for r in world)
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    assert missing.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"


def test_bad_keys_and_signatures_get_aws_errors(api: Api) -> None:
    served = api[0]
    assert client(api, "sts").get_caller_identity()["Arn"].endswith(":user/boto3-test-agent")
    with pytest.raises(botocore.exceptions.ClientError) as wrong_secret:
        client(api, "ec2", secret="x" * 40).describe_regions()
    assert wrong_secret.value.response["Error"]["Code"] == "AuthFailure"
    with pytest.raises(botocore.exceptions.ClientError) as wrong_key:
        client(api, "ce", key_id="AKIAAAAAAAAAAAAAAAAA").get_dimension_values(
            TimePeriod={"Start": "2026-03-01", "End": "2026-03-31"}, Dimension="SERVICE"
        )
    assert wrong_key.value.response["Error"]["Code"] == "UnrecognizedClientException"
    with pytest.raises(botocore.exceptions.ClientError) as wrong_cw:
        client(api, "cloudwatch", secret="y" * 40).list_metrics()
    assert wrong_cw.value.response["Error"]["Code"] in ("InvalidSignatureException", "SignatureDoesNotMatch")
    assert served.key.secret_access_key not in repr(served.key)
    with pytest.raises(botocore.exceptions.ClientError) as unserved:
        client(api, "ec2").describe_vpcs()
    assert unserved.value.response["Error"]["Code"] == "InvalidAction"
    with pytest.raises(botocore.exceptions.ClientError) as unserved_json:
        client(api, "ce").get_reservation_coverage(TimePeriod={"Start": "2026-03-01", "End": "2026-03-31"})
    assert unserved_json.value.response["Error"]["Code"] == "UnknownOperationException"


def test_boto3_stop_is_audited_and_credited_after_a_tick(api: Api, seeded_db: Database) -> None:
    """Stopping an idle instance through boto3 writes the agent's UPDATE and audit row; the next tick
    records the change as the agent's and credits the fixed waste to the key's name."""
    target = rows(
        seeded_db,
        "select i.instance_id, i.id::text as id, i.region, w.id as waste from driftworld.waste_ledger w "
        "join public.instances i on i.id = w.resource_id where w.resource_table = 'instances' "
        "and w.scenario = 'idle_instance' and w.resolved_on is null and i.state = 'running' "
        "and i.autoscaling_group_id is null order by i.instance_id limit 1",
    )
    assert target, "the seeded world has an open idle instance"
    served, url, _ = api
    ec2 = client((served, url, str(target[0]["region"])), "ec2")
    stopped = ec2.stop_instances(InstanceIds=[target[0]["instance_id"]])["StoppingInstances"][0]
    assert stopped["PreviousState"]["Name"] == "running"
    assert (
        rows(seeded_db, "select state from public.instances where id = %s", (target[0]["id"],))[0]["state"] == "stopped"
    )
    audit = rows(seeded_db, "select executed_by, action, resource_type, resource_id from public.action_audit_log")
    assert audit == [
        {
            "executed_by": "boto3-test-agent",
            "action": "stop",
            "resource_type": "instances",
            "resource_id": target[0]["id"],
        }
    ]
    driftworld.tick(seeded_db, days=1)
    events = rows(
        seeded_db,
        "select change_source, field_name, new_value from public.resource_change_events "
        "where resource_id = %s and change_source <> 'drift_engine'",
        (target[0]["id"],),
    )
    assert {"change_source": "agent", "field_name": "state", "new_value": "stopped"} in events
    credited = rows(
        seeded_db,
        "select resolved_by, resolved_by_name from driftworld.waste_ledger where id = %s",
        (target[0]["waste"],),
    )
    assert credited == [{"resolved_by": "agent", "resolved_by_name": "boto3-test-agent"}]


def test_get_cost_and_usage_sums_daily_bill(api: Api, seeded_db: Database) -> None:
    ce = client(api, "ce")
    region = api[2]
    start, end = "2026-03-25", "2026-04-01"
    daily = ce.get_cost_and_usage(
        TimePeriod={"Start": start, "End": end}, Granularity="DAILY", Metrics=["UnblendedCost", "UsageQuantity"]
    )["ResultsByTime"]
    assert [r["TimePeriod"]["Start"] for r in daily] == [
        (dt.date(2026, 3, 25) + dt.timedelta(days=n)).isoformat() for n in range(7)
    ]
    expected = rows(
        seeded_db,
        "select date, sum(cost) as cost from public.daily_bill where date >= %s and date < %s group by 1",
        (start, end),
    )
    by_day = {r["date"].isoformat(): r["cost"] for r in expected}
    for result in daily:
        assert Decimal(result["Total"]["UnblendedCost"]["Amount"]) == by_day[result["TimePeriod"]["Start"]]
    grouped = ce.get_cost_and_usage(
        TimePeriod={"Start": "2026-03-01", "End": end},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}],
        Filter={"Not": {"Dimensions": {"Key": "SERVICE", "Values": ["AWS Data Transfer"]}}},
    )
    groups = grouped["ResultsByTime"][0]["Groups"]
    assert all(g["Keys"][0] != "AWS Data Transfer" for g in groups)
    want = rows(
        seeded_db,
        "select b.service, a.aws_account_number as account, sum(b.cost) as cost from public.daily_bill b "
        "join public.cloud_accounts a on a.id = b.account_id where b.date >= '2026-03-01' and b.date < %s "
        "and b.service <> 'AWS Data Transfer' group by 1, 2",
        (end,),
    )
    assert {tuple(g["Keys"]): Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in groups} == {
        (r["service"], r["account"]): r["cost"] for r in want
    }
    ec2_only = ce.get_cost_and_usage(
        TimePeriod={"Start": "2026-03-01", "End": end},
        Granularity="MONTHLY",
        Metrics=["AmortizedCost"],
        Filter={
            "And": [
                {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}},
                {"Dimensions": {"Key": "REGION", "Values": [region]}},
            ]
        },
        GroupBy=[{"Type": "TAG", "Key": "env"}],
    )
    total = rows(
        seeded_db,
        "select sum(cost) as cost from public.daily_bill where date >= '2026-03-01' and date < %s "
        "and service = 'Amazon Elastic Compute Cloud - Compute' and region = %s",
        (end, region),
    )[0]["cost"]
    tag_groups = ec2_only["ResultsByTime"][0]["Groups"]
    assert all(g["Keys"][0].startswith("env$") for g in tag_groups)
    assert sum(Decimal(g["Metrics"]["AmortizedCost"]["Amount"]) for g in tag_groups) == total
    keys = ce.get_tags(TimePeriod={"Start": start, "End": end})["Tags"]
    assert "env" in keys
    envs = set(ce.get_tags(TimePeriod={"Start": start, "End": end}, TagKey="env")["Tags"])
    assert envs and envs <= {
        "prod",
        "staging",
        "dev",
        "preview",
        "test",
        "sandbox",
    }
    with pytest.raises(botocore.exceptions.ClientError) as hourly:
        ce.get_cost_and_usage(TimePeriod={"Start": start, "End": end}, Granularity="HOURLY", Metrics=["UnblendedCost"])
    assert hourly.value.response["Error"]["Code"] == "ValidationException"


def _all_pages(operation: Any, **request: Any) -> list[dict[str, Any]]:
    """Every page of a Cost Explorer answer, following NextPageToken as a boto3 client does."""
    pages = [operation(**request)]
    while pages[-1].get("NextPageToken"):
        pages.append(operation(**request, NextPageToken=pages[-1]["NextPageToken"]))
    return pages


def test_cost_explorer_pages_with_next_page_token(
    api: Api, seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer larger than a page comes in pages joined by NextPageToken: a day whose groups do not fit
    continues on the next page, and the pages together are the whole bill, each group once."""
    monkeypatch.setattr(cost_explorer, "GROUPS_PER_PAGE", 25)
    ce = client(api, "ce")
    window = {"Start": "2026-03-25", "End": "2026-04-01"}
    by_service = {
        "TimePeriod": window,
        "Granularity": "DAILY",
        "Metrics": ["UnblendedCost"],
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
    }
    pages = _all_pages(ce.get_cost_and_usage, **by_service)
    assert len(pages) > 2
    assert all(sum(len(r["Groups"]) for r in page["ResultsByTime"]) <= 25 for page in pages)
    starts = [r["TimePeriod"]["Start"] for page in pages for r in page["ResultsByTime"]]
    assert len(starts) > len(set(starts)) == 7  # some day spans two pages
    got: dict[tuple[str, str], Decimal] = {}
    for page in pages:
        for result in page["ResultsByTime"]:
            for group in result["Groups"]:
                key = (result["TimePeriod"]["Start"], group["Keys"][0])
                assert key not in got
                got[key] = Decimal(group["Metrics"]["UnblendedCost"]["Amount"])
    want = rows(
        seeded_db,
        "select date, service, sum(cost) as cost from public.daily_bill where date >= %s and date < %s group by 1, 2",
        (window["Start"], window["End"]),
    )
    assert got == {(r["date"].isoformat(), r["service"]): r["cost"] for r in want}

    compute = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}}
    by_resource = _all_pages(
        ce.get_cost_and_usage_with_resources,
        TimePeriod=window,
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        Filter=compute,
        GroupBy=[{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
    )
    resources = [g["Keys"][0] for page in by_resource for r in page["ResultsByTime"] for g in r["Groups"]]
    billed = rows(
        seeded_db,
        "select distinct resource_id from public.daily_bill where date >= %s and date < %s and service = %s",
        (window["Start"], window["End"], "Amazon Elastic Compute Cloud - Compute"),
    )
    assert len(by_resource) > 1 and sorted(resources) == sorted(r["resource_id"] for r in billed)

    values = _all_pages(ce.get_dimension_values, TimePeriod=window, Dimension="SERVICE", MaxResults=3)
    whole = ce.get_dimension_values(TimePeriod=window, Dimension="SERVICE")
    assert "NextPageToken" not in whole and len(values) > 1
    assert all(p["ReturnSize"] == len(p["DimensionValues"]) <= 3 for p in values)
    assert {p["TotalSize"] for p in values} == {whole["TotalSize"]}
    assert [v for p in values for v in p["DimensionValues"]] == whole["DimensionValues"]

    with pytest.raises(botocore.exceptions.ClientError) as changed:
        ce.get_cost_and_usage(**{**by_service, "Granularity": "MONTHLY"}, NextPageToken=pages[0]["NextPageToken"])
    assert changed.value.response["Error"]["Code"] == "RequestChangedException"
    with pytest.raises(botocore.exceptions.ClientError) as garbled:
        ce.get_cost_and_usage(**by_service, NextPageToken="not-a-token")
    assert garbled.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_cloudwatch_serves_ec2_cpu_from_metrics_daily(api: Api, seeded_db: Database) -> None:
    cw = client(api, "cloudwatch")
    instance = rows(
        seeded_db,
        "select resource_id, date, (metric_payload ->> 'cpu_avg')::float as cpu, "
        "(metric_payload ->> 'cpu_max')::float as peak from public.metrics_daily "
        "where resource_type = 'instances' and resource_id in (select instance_id from public.instances "
        "where region = %s) order by resource_id, date desc limit 1",
        (api[2],),
    )[0]
    day = instance["date"]
    start = dt.datetime.combine(day - dt.timedelta(days=6), dt.time(), dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)
    dims = [{"Name": "InstanceId", "Value": instance["resource_id"]}]
    stats = cw.get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=dims,
        StartTime=start,
        EndTime=end,
        Period=86400,
        Statistics=["Average", "Maximum"],
    )["Datapoints"]
    last = max(stats, key=lambda d: d["Timestamp"])
    assert last["Timestamp"].date() == day
    assert last["Average"] == pytest.approx(instance["cpu"])
    assert last["Maximum"] == pytest.approx(instance["peak"])
    data = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "cpu",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization", "Dimensions": dims},
                    "Period": 3600,
                    "Stat": "Average",
                },
            }
        ],
        StartTime=end - dt.timedelta(days=1),
        EndTime=end,
    )["MetricDataResults"][0]
    assert len(data["Values"]) == 24
    assert data["Timestamps"][0] > data["Timestamps"][-1]  # newest first, as TimestampDescending
    assert all(v == pytest.approx(instance["cpu"]) for v in data["Values"])
    region = api[2]
    for namespace, metric, dimension, table, value_sql, key in (
        ("AWS/Lambda", "Invocations", "FunctionName", "lambda_functions", "t.name", "invocations"),
        (
            "AWS/ApplicationELB",
            "RequestCount",
            "LoadBalancer",
            "load_balancers",
            "split_part(t.lb_arn, ':loadbalancer/', 2)",
            "requests",
        ),
    ):
        sample = rows(
            seeded_db,
            f"select {value_sql} as value, m.date, (m.metric_payload ->> %s)::float as total "
            f"from public.metrics_daily m join public.{table} t on m.resource_id = "
            f"{'t.id::text' if table == 'lambda_functions' else 't.lb_arn'} "
            "where m.resource_type = %s and t.region = %s and (m.metric_payload ->> %s)::float > 0 "
            "order by m.date desc, 1 limit 1",
            (key, table, region, key),
        )
        assert sample, f"the seeded world has {table} with {key}"
        midnight = dt.datetime.combine(sample[0]["date"], dt.time(), dt.UTC)
        sums = cw.get_metric_statistics(
            Namespace=namespace,
            MetricName=metric,
            Dimensions=[{"Name": dimension, "Value": sample[0]["value"]}],
            StartTime=midnight,
            EndTime=midnight + dt.timedelta(days=1),
            Period=86400,
            Statistics=["Sum"],
        )["Datapoints"]
        assert [d["Sum"] for d in sums] == [pytest.approx(sample[0]["total"])]


def test_volumes_addresses_and_regions(api: Api, seeded_db: Database) -> None:
    ec2 = client(api, "ec2")
    region = api[2]
    regions = {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    assert region in regions
    available = ec2.describe_volumes(Filters=[{"Name": "status", "Values": ["available"]}])["Volumes"]
    world = rows(seeded_db, "select volume_id from public.volumes where region = %s and state = 'available'", (region,))
    assert {v["VolumeId"] for v in available} == {r["volume_id"] for r in world}
    assert available, "the seeded world has them"
    if available:
        ec2.delete_volume(VolumeId=available[0]["VolumeId"])
        assert not rows(seeded_db, "select 1 from public.volumes where volume_id = %s", (available[0]["VolumeId"],))
    idle = [a for a in ec2.describe_addresses()["Addresses"] if "AssociationId" not in a]
    assert idle
    if idle:
        ec2.release_address(AllocationId=idle[0]["AllocationId"])
        assert not rows(
            seeded_db, "select 1 from public.elastic_ips where allocation_id = %s", (idle[0]["AllocationId"],)
        )


DRIFTWORLD = Path(sys.executable).parent / "driftworld"
AWS_CLI = Path(sys.executable).parent / "aws"


def _wait_for(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("driftworld aws serve did not listen within 30 s")


def test_aws_cli_against_driftworld_aws_serve(seeded_db: Database) -> None:
    """The commands a user runs: credentials as env lines, the server as a process, the AWS CLI with
    --endpoint-url; the agent role never reads the key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"DATABASE_URL": seeded_db.url}
    printed = subprocess.run(
        [str(DRIFTWORLD), "aws", "credentials", "--format", "env"], env=env, capture_output=True, text=True, check=True
    )
    credentials = dict(line.split("=", 1) for line in printed.stdout.splitlines())
    assert set(credentials) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
    region = rows(seeded_db, "select region from public.instances group by 1 order by count(*) desc, 1 limit 1")[0]
    port = free_tcp_port()
    server = subprocess.Popen(
        [str(DRIFTWORLD), "aws", "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        _wait_for(port, server)
        cli_env = (
            env
            | credentials
            | {
                "AWS_DEFAULT_REGION": str(region["region"]),
                "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            }
        )

        def aws(*args: str) -> Any:
            done = subprocess.run(
                [str(AWS_CLI), *args, "--endpoint-url", f"http://127.0.0.1:{port}", "--output", "json"],
                env=cli_env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)

        instances = aws("ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=running")
        running = rows(
            seeded_db,
            "select count(*) as n from public.instances where state = 'running' and region = %s",
            (region["region"],),
        )[0]["n"]
        assert sum(len(r["Instances"]) for r in instances["Reservations"]) == running
        cost = aws(
            "ce",
            "get-cost-and-usage",
            "--time-period",
            "Start=2026-03-30,End=2026-03-31",
            "--granularity",
            "DAILY",
            "--metrics",
            "UnblendedCost",
        )
        total = rows(seeded_db, "select sum(cost) as cost from public.daily_bill where date = '2026-03-30'")[0]["cost"]
        assert Decimal(cost["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]) == total
        metrics = aws("cloudwatch", "list-metrics", "--namespace", "AWS/EC2", "--metric-name", "CPUUtilization")
        assert metrics["Metrics"]
    finally:
        server.terminate()
        server.wait(10)
    secret = credentials["AWS_SECRET_ACCESS_KEY"]
    assert secret not in (server.stderr.read() if server.stderr else "")
    with seeded_db.connect() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("set role driftworld_agent")
        conn.execute("select secret_access_key from driftworld.aws_api_key")


def test_rds_elb_lambda_s3_logs_autoscaling_and_snapshots(api: Api, seeded_db: Database) -> None:
    """Each service's describe call lists the world's rows, and each change lands in the same columns an
    agent's SQL would write, with an audit row in the key's name."""
    region = api[2]

    def world(query: str, *params: Any) -> list[dict[str, Any]]:
        return rows(seeded_db, query, (*params,))

    rds = client(api, "rds")
    databases = rds.describe_db_instances()["DBInstances"]
    assert {d["DBInstanceIdentifier"] for d in databases} == {
        r["db_instance_id"] for r in world("select db_instance_id from public.rds_instances where region = %s", region)
    }
    available = [d for d in databases if d["DBInstanceStatus"] == "available"]
    assert available, "the seeded world has them"
    if available:
        name = available[0]["DBInstanceIdentifier"]
        rds.modify_db_instance(DBInstanceIdentifier=name, MultiAZ=False, ApplyImmediately=True)
        assert rds.stop_db_instance(DBInstanceIdentifier=name)["DBInstance"]["DBInstanceStatus"] == "stopped"
        assert world("select state, multi_az from public.rds_instances where db_instance_id = %s", name) == [
            {"state": "stopped", "multi_az": False}
        ]
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        rds.describe_db_instances(DBInstanceIdentifier="no-such-db")
    assert missing.value.response["Error"]["Code"] == "DBInstanceNotFound"

    elb = client(api, "elbv2")
    balancers = elb.describe_load_balancers()["LoadBalancers"]
    assert {b["LoadBalancerArn"] for b in balancers} == {
        r["lb_arn"] for r in world("select lb_arn from public.load_balancers where region = %s", region)
    }
    assert balancers
    if balancers:
        elb.delete_load_balancer(LoadBalancerArn=balancers[0]["LoadBalancerArn"])
        assert not world("select 1 from public.load_balancers where lb_arn = %s", balancers[0]["LoadBalancerArn"])

    lam = client(api, "lambda")
    functions = lam.list_functions()["Functions"]
    assert (
        len(functions) == world("select count(*) as n from public.lambda_functions where region = %s", region)[0]["n"]
    )
    assert functions
    if functions:
        arn = functions[0]["FunctionArn"]
        assert lam.update_function_configuration(FunctionName=arn, MemorySize=256)["MemorySize"] == 256
        assert (
            world("select memory_mb from public.lambda_functions where name = %s", functions[0]["FunctionName"])[0][
                "memory_mb"
            ]
            == 256
        )

    s3 = client(api, "s3")
    buckets = s3.list_buckets()["Buckets"]
    assert {b["Name"] for b in buckets} == {r["name"] for r in world("select name from public.s3_buckets")}
    bucket = buckets[0]["Name"]
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "tier",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
                    "Expiration": {"Days": 365},
                }
            ]
        },
    )
    assert world("select lifecycle_rules from public.s3_buckets where name = %s", bucket)[0]["lifecycle_rules"] == [
        {
            "id": "tier",
            "status": "Enabled",
            "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}],
            "expiration": {"days": 365},
        }
    ]
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["Transitions"] == [
        {"Days": 30, "StorageClass": "STANDARD_IA"}
    ]

    logs = client(api, "logs")
    groups = [g for p in logs.get_paginator("describe_log_groups").paginate() for g in p["logGroups"]]
    assert len(groups) == world("select count(*) as n from public.log_groups where region = %s", region)[0]["n"]
    logs.put_retention_policy(logGroupName=groups[0]["logGroupName"], retentionInDays=7)
    kept = world(
        "select retention_days, retention_in_days from public.log_groups where name = %s", groups[0]["logGroupName"]
    )
    assert kept and all(k["retention_days"] == 7 and k["retention_in_days"] in (None, 7) for k in kept)
    name = groups[0]["logGroupName"]
    listed = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert {g["retentionInDays"] for g in listed if g["logGroupName"] == name} == {7}

    autoscaling = client(api, "autoscaling")
    asgs = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    assert {g["AutoScalingGroupName"] for g in asgs} == {
        r["name"] for r in world("select name from public.autoscaling_groups where region = %s", region)
    }
    assert asgs
    if asgs:
        group = asgs[0]
        assert len(group["Instances"]) == group["DesiredCapacity"]
        autoscaling.update_auto_scaling_group(
            AutoScalingGroupName=group["AutoScalingGroupName"], MinSize=0, DesiredCapacity=0
        )
        assert (
            world(
                "select desired_capacity from public.autoscaling_groups where name = %s", group["AutoScalingGroupName"]
            )[0]["desired_capacity"]
            == 0
        )

    ec2 = client(api, "ec2")
    snapshots = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert {s["SnapshotId"] for s in snapshots} == {
        r["snapshot_id"] for r in world("select snapshot_id from public.snapshots where region = %s", region)
    }
    assert snapshots
    if snapshots:
        ec2.delete_snapshot(SnapshotId=snapshots[0]["SnapshotId"])
        assert not world("select 1 from public.snapshots where snapshot_id = %s", snapshots[0]["SnapshotId"])
    gp2 = world("select volume_id from public.volumes where region = %s and volume_type = 'gp2' limit 1", region)
    assert gp2
    if gp2:
        ec2.modify_volume(VolumeId=gp2[0]["volume_id"], VolumeType="gp3")
        assert (
            world("select volume_type from public.volumes where volume_id = %s", gp2[0]["volume_id"])[0]["volume_type"]
            == "gp3"
        )
    audited = world("select distinct executed_by from public.action_audit_log")
    assert audited == [{"executed_by": "boto3-test-agent"}]


def _refused(code: str, call: Any, **params: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call(**params)
    assert refused.value.response["Error"]["Code"] == code


def test_the_coverage_tables_other_operations_and_parameters(api: Api, seeded_db: Database) -> None:
    """What docs/aws-api.md's coverage table lists beyond the other tests: each operation and parameter
    answers as the table says, and each change lands in the world."""
    region = api[2]

    def world(query: str, *params: Any) -> list[dict[str, Any]]:
        return rows(seeded_db, query, (*params,))

    ec2 = client(api, "ec2")
    target = world(
        "select instance_id, instance_type from public.instances where region = %s and state = 'running' "
        "and autoscaling_group_id is null and instance_type <> 't3.small' order by instance_id limit 1",
        region,
    )[0]
    instance = target["instance_id"]
    found = ec2.describe_instances(
        Filters=[
            {"Name": "instance-id", "Values": [instance[:5] + "*"]},
            {"Name": "instance-state-code", "Values": ["16"]},
            {"Name": "availability-zone", "Values": [f"{region}a"]},
            {"Name": "tag-key", "Values": ["*"]},
        ]
    )
    assert instance in {i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]}
    resize = {"InstanceId": instance, "InstanceType": {"Value": "t3.small"}}
    _refused("IncorrectInstanceState", ec2.modify_instance_attribute, **resize)
    _refused(
        "InvalidInstanceAttributeValue",
        ec2.modify_instance_attribute,
        InstanceId=instance,
        InstanceType={"Value": "z9.huge"},
    )
    assert ec2.start_instances(InstanceIds=[instance])["StartingInstances"][0]["PreviousState"]["Name"] == "running"
    ec2.stop_instances(InstanceIds=[instance])
    ec2.modify_instance_attribute(**resize)
    assert ec2.start_instances(InstanceIds=[instance])["StartingInstances"][0]["CurrentState"]["Name"] == "running"
    ec2.terminate_instances(InstanceIds=[instance])
    assert world("select state, instance_type from public.instances where instance_id = %s", instance) == [
        {"state": "terminated", "instance_type": "t3.small"}
    ]
    _refused("IncorrectInstanceState", ec2.start_instances, InstanceIds=[instance])

    volume = world("select volume_id, size_gib from public.volumes where region = %s order by 1 limit 1", region)[0]
    grown = ec2.modify_volume(VolumeId=volume["volume_id"], Size=volume["size_gib"] + 10, Iops=4000)
    assert grown["VolumeModification"]["TargetSize"] == volume["size_gib"] + 10
    assert world("select size_gib, iops from public.volumes where volume_id = %s", volume["volume_id"]) == [
        {"size_gib": volume["size_gib"] + 10, "iops": 4000}
    ]
    _refused("InvalidParameterValue", ec2.modify_volume, VolumeId=volume["volume_id"], Size=1)
    attached = world("select volume_id from public.volumes where region = %s and state = 'in-use' limit 1", region)
    _refused("VolumeInUse", ec2.delete_volume, VolumeId=attached[0]["volume_id"])
    sized = ec2.describe_snapshots(Filters=[{"Name": "storage-tier", "Values": ["standard"]}], MaxResults=5)
    assert len(sized["Snapshots"]) <= 5 and ("NextToken" in sized) == (
        world("select count(*) as n from public.snapshots where region = %s", region)[0]["n"] > 5
    )
    assert all(
        a["Domain"] == "vpc"
        for a in ec2.describe_addresses(Filters=[{"Name": "domain", "Values": ["vpc"]}])["Addresses"]
    )
    picked = ec2.describe_regions(Filters=[{"Name": "region-name", "Values": [region]}])["Regions"]
    assert [r["RegionName"] for r in picked] == [region]

    autoscaling = client(api, "autoscaling")
    group = autoscaling.describe_auto_scaling_groups(MaxRecords=1)["AutoScalingGroups"][0]
    name = group["AutoScalingGroupName"]
    _refused(
        "ValidationError",
        autoscaling.set_desired_capacity,
        AutoScalingGroupName=name,
        DesiredCapacity=group["MaxSize"] + 1,
    )
    autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=group["MinSize"])
    assert {
        r["desired_capacity"]
        for r in world(
            "select desired_capacity from public.autoscaling_groups where name = %s and region = %s", name, region
        )
    } == {group["MinSize"]}

    rds = client(api, "rds")
    _refused("InvalidParameterValue", rds.describe_db_instances, MaxRecords=10)
    database = rds.describe_db_instances(
        Filters=[{"Name": "engine", "Values": ["postgres", "mysql", "aurora-postgresql", "aurora-mysql", "mariadb"]}]
    )["DBInstances"]
    stopped = next(d for d in rds.describe_db_instances()["DBInstances"] if d["DBInstanceStatus"] == "available")
    name = stopped["DBInstanceIdentifier"]
    rds.stop_db_instance(DBInstanceIdentifier=name)
    _refused("InvalidDBInstanceState", rds.stop_db_instance, DBInstanceIdentifier=name)
    assert rds.start_db_instance(DBInstanceIdentifier=name)["DBInstance"]["DBInstanceStatus"] == "available"
    rds.modify_db_instance(DBInstanceIdentifier=name, AllocatedStorage=stopped["AllocatedStorage"] + 20)
    assert world("select state, allocated_storage_gib from public.rds_instances where db_instance_id = %s", name) == [
        {"state": "available", "allocated_storage_gib": stopped["AllocatedStorage"] + 20}
    ]
    assert all(d["Engine"] in ("postgres", "mysql", "aurora-postgresql", "aurora-mysql", "mariadb") for d in database)

    lam = client(api, "lambda")
    function = lam.list_functions(MaxItems=1)["Functions"][0]
    assert lam.get_function_configuration(FunctionName=function["FunctionName"])["MemorySize"] == function["MemorySize"]
    _refused(
        "InvalidParameterValueException",
        lam.update_function_configuration,
        FunctionName=function["FunctionName"],
        MemorySize=20480,
    )

    s3 = client(api, "s3")
    bucket = s3.list_buckets(MaxBuckets=1)["Buckets"][0]["Name"]
    s3.delete_bucket_lifecycle(Bucket=bucket)
    _refused("NoSuchLifecycleConfiguration", s3.get_bucket_lifecycle_configuration, Bucket=bucket)
    assert world("select lifecycle_rules, lifecycle_policy from public.s3_buckets where name = %s", bucket) == [
        {"lifecycle_rules": None, "lifecycle_policy": None}
    ]

    logs = client(api, "logs")
    group_name = logs.describe_log_groups(limit=1)["logGroups"][0]["logGroupName"]
    middle = group_name[1:-1]
    assert group_name in {g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePattern=middle)["logGroups"]}
    _refused("InvalidParameterException", logs.put_retention_policy, logGroupName=group_name, retentionInDays=10)
    logs.delete_retention_policy(logGroupName=group_name)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group_name)["logGroups"][0]

    ce = client(api, "ce")
    window = {"Start": "2026-03-25", "End": "2026-04-01"}

    def total(**params: Any) -> Decimal:
        answer = ce.get_cost_and_usage(TimePeriod=window, Granularity="MONTHLY", Metrics=["UnblendedCost"], **params)
        return Decimal(answer["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"])

    def billed(condition: str) -> Decimal:
        return Decimal(
            world(
                "select coalesce(sum(cost), 0) as cost from public.daily_bill "
                f"where date >= %s and date < %s and {condition}",
                window["Start"],
                window["End"],
            )[0]["cost"]
        )

    starts = {
        "Dimensions": {
            "Key": "SERVICE",
            "Values": ["amazon elastic"],
            "MatchOptions": ["STARTS_WITH", "CASE_INSENSITIVE"],
        }
    }
    assert total(Filter=starts) == billed("lower(service) like 'amazon elastic%%'") > 0
    untagged = {"Tags": {"Key": "env", "MatchOptions": ["ABSENT"]}}
    tagged = {"Not": untagged}
    assert total(Filter=untagged) + total(Filter=tagged) == billed("true")
    services = ce.get_dimension_values(TimePeriod=window, Dimension="SERVICE", SearchString="Compute")[
        "DimensionValues"
    ]
    assert services and all("compute" in v["Value"].lower() for v in services)
    assert ce.get_tags(TimePeriod=window, SearchString="en")["Tags"] == [
        t for t in ce.get_tags(TimePeriod=window)["Tags"] if "en" in t.lower()
    ]
    filtered = ce.get_cost_forecast(
        TimePeriod={"Start": "2026-03-31", "End": "2026-04-07"},
        Metric="UNBLENDED_COST",
        Granularity="MONTHLY",
        Filter=starts,
        PredictionIntervalLevel=95,
    )
    whole = ce.get_cost_forecast(
        TimePeriod={"Start": "2026-03-31", "End": "2026-04-07"}, Metric="UNBLENDED_COST", Granularity="MONTHLY"
    )
    assert 0 < Decimal(filtered["Total"]["Amount"]) < Decimal(whole["Total"]["Amount"])

    cloudwatch = client(api, "cloudwatch")
    day = world(
        "select m.resource_id, m.date from public.metrics_daily m "
        "join public.instances i on i.instance_id = m.resource_id where m.resource_type = 'instances' "
        "and i.region = %s order by m.date desc, m.resource_id limit 1",
        region,
    )[0]
    start = dt.datetime.combine(day["date"], dt.time(), dt.UTC)
    query = {
        "Id": "cpu",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/EC2",
                "MetricName": "CPUUtilization",
                "Dimensions": [{"Name": "InstanceId", "Value": day["resource_id"]}],
            },
            "Period": 3600,
            "Stat": "Maximum",
        },
    }
    hourly = cloudwatch.get_metric_data(
        MetricDataQueries=[query], StartTime=start, EndTime=start + dt.timedelta(days=1), ScanBy="TimestampAscending"
    )["MetricDataResults"][0]
    assert len(hourly["Timestamps"]) == 24 and hourly["Timestamps"] == sorted(hourly["Timestamps"])

    optimizer = client(api, "compute-optimizer")
    account = world(
        "select a.aws_account_number from public.instances i "
        "join public.cloud_accounts a on a.id = i.account_id where i.region = %s limit 1",
        region,
    )[0]["aws_account_number"]
    mine = optimizer.get_ec2_instance_recommendations(accountIds=[account])["instanceRecommendations"]
    assert mine and {r["accountId"] for r in mine} == {account}
    assert {r["executed_by"] for r in world("select executed_by from public.action_audit_log")} == {"boto3-test-agent"}


def test_compute_optimizer_forecast_and_costs_by_resource(api: Api, seeded_db: Database) -> None:
    """The world's own recommendations (over CBOR, as boto3 speaks to Compute Optimizer), the forecast
    from the trend, and costs by resource over the last 14 virtual days."""
    region = api[2]
    optimizer = client(api, "compute-optimizer")
    recommendations = optimizer.get_ec2_instance_recommendations()["instanceRecommendations"]
    assert recommendations
    for item in recommendations:
        option = item["recommendationOptions"][0]
        assert item["finding"] in ("Overprovisioned", "Underprovisioned", "Optimized")
        if item["finding"] == "Overprovisioned":
            assert option["instanceType"] != item["currentInstanceType"]
            assert option["savingsOpportunity"]["estimatedMonthlySavings"]["value"] > 0
        assert item["instanceArn"].startswith(f"arn:aws:ec2:{region}:")
    overprovisioned = optimizer.get_ec2_instance_recommendations(
        filters=[{"name": "Finding", "values": ["Overprovisioned"]}]
    )
    assert all(i["finding"] == "Overprovisioned" for i in overprovisioned["instanceRecommendations"])
    volumes = optimizer.get_ebs_volume_recommendations()["volumeRecommendations"]
    for volume in volumes:
        if volume["currentConfiguration"]["volumeType"] == "gp2":
            assert volume["finding"] == "NotOptimized"
            assert volume["volumeRecommendationOptions"][0]["configuration"]["volumeType"] == "gp3"

    ce = client(api, "ce")
    forecast = ce.get_cost_forecast(
        TimePeriod={"Start": "2026-03-31", "End": "2026-04-07"}, Metric="UNBLENDED_COST", Granularity="DAILY"
    )
    assert len(forecast["ForecastResultsByTime"]) == 7
    assert Decimal(forecast["Total"]["Amount"]) > 0
    for day in forecast["ForecastResultsByTime"]:
        assert (
            Decimal(day["PredictionIntervalLowerBound"])
            <= Decimal(day["MeanValue"])
            <= Decimal(day["PredictionIntervalUpperBound"])
        )
    compute = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}}
    by_resource = ce.get_cost_and_usage_with_resources(
        TimePeriod={"Start": "2026-03-25", "End": "2026-04-01"},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        Filter=compute,
        GroupBy=[{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
    )["ResultsByTime"][0]["Groups"]
    want = rows(
        seeded_db,
        "select resource_id, sum(cost) as cost from public.daily_bill where date >= '2026-03-25' "
        "and service = 'Amazon Elastic Compute Cloud - Compute' group by 1",
    )
    assert {g["Keys"][0]: Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in by_resource} == {
        r["resource_id"]: r["cost"] for r in want
    }
    with pytest.raises(botocore.exceptions.ClientError) as too_old:
        ce.get_cost_and_usage_with_resources(
            TimePeriod={"Start": "2026-03-01", "End": "2026-04-01"},
            Granularity="MONTHLY",
            Metrics=["UnblendedCost"],
            Filter=compute,
        )
    assert too_old.value.response["Error"]["Code"] == "ValidationException"


def test_the_example_boto3_agent_runs_unchanged(api: Api, seeded_db: Database) -> None:
    """examples/boto3_agent.py, configured only by the standard AWS variables, cleans the world."""
    served, url, region = api
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": served.key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": served.key.secret_access_key,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "DRIFTWORLD_VIRTUAL_DATE": "2026-03-31",
    }
    example = Path(__file__).resolve().parents[1] / "examples" / "boto3_agent.py"
    done = subprocess.run([sys.executable, str(example)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    actions = done.stdout.splitlines()
    assert any("released" in a for a in actions)
    audited = rows(seeded_db, "select executed_by, count(*) as n from public.action_audit_log group by 1")
    assert len(audited) == 1 and audited[0]["executed_by"] == "boto3-test-agent"
    assert audited[0]["n"] >= len(actions)


@pytest.mark.parametrize("wire", ["smithy-rpc-v2-cbor", "query"])
def test_cloudwatch_and_compute_optimizer_over_every_protocol_they_list(
    api: Api, seeded_db: Database, wire: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore 1.44 picks JSON for CloudWatch and Compute Optimizer; other SDKs pick CBOR first, older ones
    query. A client made to prefer each gets the same answers."""
    preferred = (wire, *[p for p in botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS if p != wire])
    monkeypatch.setattr(botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS", preferred)
    served, url, region = api
    session = boto3.session.Session(
        aws_access_key_id=served.key.access_key_id,
        aws_secret_access_key=served.key.secret_access_key,
        region_name=region,
    )
    cloudwatch = session.client("cloudwatch", endpoint_url=url)
    assert cloudwatch.meta.service_model.resolved_protocol == wire
    metrics = cloudwatch.list_metrics(Namespace="AWS/EC2", MetricName="CPUUtilization")["Metrics"]
    listed = {m["Dimensions"][0]["Value"] for m in metrics}
    day = rows(
        seeded_db,
        "select m.resource_id, m.date, (m.metric_payload ->> 'cpu_avg')::float as cpu from public.metrics_daily m "
        "join public.instances i on i.instance_id = m.resource_id where m.resource_type = 'instances' "
        "and i.region = %s order by m.date desc, m.resource_id limit 1",
        (region,),
    )[0]
    assert day["resource_id"] in listed
    start = dt.datetime.combine(day["date"], dt.time(), dt.UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Dimensions=[{"Name": "InstanceId", "Value": day["resource_id"]}],
        StartTime=start,
        EndTime=start + dt.timedelta(days=1),
        Period=86400,
        Statistics=["Average"],
    )["Datapoints"]
    assert [p["Average"] for p in points] == [pytest.approx(day["cpu"])]
    assert points[0]["Timestamp"] == start
    if wire == "smithy-rpc-v2-cbor":
        optimizer = session.client("compute-optimizer", endpoint_url=url)
        assert optimizer.meta.service_model.resolved_protocol == wire
        assert optimizer.get_ec2_instance_recommendations()["instanceRecommendations"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        boto3.session.Session(
            aws_access_key_id=served.key.access_key_id, aws_secret_access_key="z" * 40, region_name=region
        ).client("cloudwatch", endpoint_url=url, config=Config(retries={"max_attempts": 1})).list_metrics()
    assert refused.value.response["Error"]["Code"] in ("InvalidSignatureException", "SignatureDoesNotMatch")


BILLING_MCP = "awslabs.billing-cost-management-mcp-server==0.0.42"
CLOUDWATCH_MCP = "awslabs.cloudwatch-mcp-server==0.3.1"
MCP_CLIENT = """
import asyncio, json, os, sys
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

async def main() -> None:
    server = StdioServerParameters(command=sys.argv[1], args=[], env=dict(os.environ))
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = [t.name for t in (await session.list_tools()).tools]
        name = next(t for t in tools if t.endswith(sys.argv[2]))
        result = await session.call_tool(name, json.loads(sys.argv[3]))
        print(json.dumps([getattr(c, "text", "") for c in result.content]))

asyncio.run(main())
"""
MCP_CACHE = Path(
    os.environ.get("DRIFTWORLD_TEST_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "driftworld-tests"
)


def _mcp_venv(package: str) -> Path:
    """One of AWS's MCP servers in a virtual environment of its own (they pin other MCP libraries than
    driftworld), installed by pip on first use and kept in the tests' cache folder; a lock file lets
    parallel runs share it. DRIFTWORLD_TEST_MCP=0 skips these tests (for a machine without pip's index)."""
    if os.environ.get("DRIFTWORLD_TEST_MCP") == "0":
        pytest.skip("DRIFTWORLD_TEST_MCP=0")
    venv = MCP_CACHE / ("mcp-" + package.replace("==", "-"))
    ready = venv / "ready"
    MCP_CACHE.mkdir(parents=True, exist_ok=True)
    with (MCP_CACHE / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run(
                # --no-compile halves the install: Python compiles only the modules the server imports
                [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "--no-compile", package],
                check=True,
                timeout=900,
            )
            ready.touch()
    return venv


def _call_mcp_tool(api: Api, package: str, tool: str, arguments: dict[str, Any], tmp_path: Path) -> str:
    """Start the server through the MCP SDK's stdio client with AWS_ENDPOINT_URL at driftworld, call one
    tool, and return the text it answered."""
    venv = _mcp_venv(package)
    served, url, region = api
    client_script = tmp_path / "mcp_client.py"
    client_script.write_text(MCP_CLIENT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": served.key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": served.key.secret_access_key,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "FASTMCP_LOG_LEVEL": "ERROR",
    }
    command = venv / "bin" / package.split("==")[0]
    done = subprocess.run(
        [str(venv / "bin" / "python"), str(client_script), str(command), tool, json.dumps(arguments)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return " ".join(json.loads(done.stdout))


@pytest.mark.slow
def test_aws_billing_mcp_server_reads_the_worlds_costs(api: Api, seeded_db: Database, tmp_path: Path) -> None:
    """AWS's own billing-cost-management MCP server answers its cost-explorer tool with the world's bill."""
    request = {
        "operation": "getCostAndUsage",
        "start_date": "2026-03-29",
        "end_date": "2026-03-31",
        "granularity": "DAILY",
        "metrics": ["UnblendedCost"],
    }
    text = _call_mcp_tool(api, BILLING_MCP, "cost-explorer", request, tmp_path)
    for day in ("2026-03-29", "2026-03-30"):
        cost = rows(seeded_db, "select sum(cost) as cost from public.daily_bill where date = %s", (day,))[0]["cost"]
        assert f"{float(cost):.2f}" in text or str(cost) in text, text[:2000]


@pytest.mark.slow
def test_aws_cloudwatch_mcp_server_reads_the_worlds_metrics(api: Api, seeded_db: Database, tmp_path: Path) -> None:
    """AWS's own CloudWatch MCP server answers its get_metric_data tool with an instance's daily CPU."""
    day = rows(
        seeded_db,
        "select m.resource_id, m.date, (m.metric_payload ->> 'cpu_avg')::float as cpu from public.metrics_daily m "
        "join public.instances i on i.instance_id = m.resource_id where m.resource_type = 'instances' "
        "and i.region = %s order by m.date desc, m.resource_id limit 1",
        (api[2],),
    )[0]
    start = dt.datetime.combine(day["date"] - dt.timedelta(days=2), dt.time(), dt.UTC)
    request = {
        "namespace": "AWS/EC2",
        "metric_name": "CPUUtilization",
        "dimensions": [{"name": "InstanceId", "value": day["resource_id"]}],
        "start_time": start.isoformat(),
        "end_time": (start + dt.timedelta(days=3)).isoformat(),
        "statistic": "Average",
        "target_datapoints": 3,
    }
    text = _call_mcp_tool(api, CLOUDWATCH_MCP, "get_metric_data", request, tmp_path)
    assert str(round(day["cpu"], 2)).rstrip("0").rstrip(".") in text, text[:2000]


def test_the_bench_runs_the_boto3_example_agent(cluster: LocalCluster, tmp_path: Path) -> None:
    """`bench run --agent-cmd` gives the command the episode's world behind the AWS API (AWS_ENDPOINT_URL and
    the key in its environment): the boto3 example fixes waste, credited to its name."""
    example = Path(__file__).resolve().parents[1] / "examples" / "boto3_agent.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "DATABASE_URL": cluster.url("postgres"),
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    result = CliRunner().invoke(
        app,
        [
            *("bench", "run", "--suite", "smoke", "--seeds", "1", "--format", "json", "--name", "boto3-example"),
            *("--agent-cmd", f"{sys.executable} {example}", "--out", str(tmp_path)),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    episode = summary["episodes"][0]
    assert episode["fixed"], (tmp_path / "seed-1" / "agent.log").read_text()[-3000:]
    assert summary["dollars_saved"] > 0
    log = next(tmp_path.glob("seed-*")).joinpath("agent.log").read_text()
    assert "Traceback" not in log
    audits = [
        json.loads(line)["audit"]
        for line in next(tmp_path.glob("seed-*")).joinpath("actions.jsonl").read_text().splitlines()
        if "audit" in line
    ]
    assert audits and all(a["executed_by"] == "boto3-example" for a in audits)


def test_credentials_are_made_once_and_the_key_can_be_renamed(seeded_db: Database) -> None:
    env = {"DATABASE_URL": seeded_db.url}
    first = CliRunner().invoke(app, ["aws", "credentials", "--format", "json"], env=env)
    assert first.exit_code == 0, first.output
    renamed = CliRunner().invoke(app, ["aws", "credentials", "--format", "shell", "--name", "my-agent"], env=env)
    assert renamed.exit_code == 0, renamed.output
    made = json.loads(first.stdout)
    assert made["name"] == "aws-api-agent"
    assert f"export AWS_SECRET_ACCESS_KEY={made['AWS_SECRET_ACCESS_KEY']}" in renamed.stdout.splitlines()
    assert rows(seeded_db, "select name from driftworld.aws_api_key") == [{"name": "my-agent"}]
    bad = CliRunner().invoke(app, ["aws", "credentials"], env={"DATABASE_URL": "not a connection string"})
    assert bad.exit_code == 2 and "DATABASE_URL" in bad.output


def test_as_today_shows_the_worlds_newest_day_as_the_real_date(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --as-today an agent that computes its windows from its own clock reads the world's last days:
    times go in moved back to the world's days and come out moved forward, by whole days."""
    api = make_api(seeded_db, "clock-agent", as_today=True)
    server, thread = start(api, port=0)
    try:
        newest = rows(seeded_db, "select max(virtual_date) as day from public.virtual_clock")[0]["day"]
        today = dt.datetime.now(dt.UTC).date()
        days = (today - newest).days
        region = rows(seeded_db, "select region from public.instances group by 1 order by count(*) desc, 1 limit 1")
        served: Api = (api, f"http://127.0.0.1:{server.server_port}", str(region[0]["region"]))
        ce = client(served, "ce")
        result = ce.get_cost_and_usage(
            TimePeriod={"Start": today.isoformat(), "End": (today + dt.timedelta(days=1)).isoformat()},
            Granularity="DAILY",
            Metrics=["UnblendedCost"],
        )["ResultsByTime"][0]
        bill = rows(seeded_db, "select sum(cost) as cost from public.daily_bill where date = %s", (newest,))[0]["cost"]
        assert result["TimePeriod"]["Start"] == today.isoformat()
        assert Decimal(result["Total"]["UnblendedCost"]["Amount"]) == bill
        instance = rows(
            seeded_db,
            "select m.resource_id, (m.metric_payload ->> 'cpu_avg')::float as cpu, i.launch_time "
            "from public.metrics_daily m join public.instances i on i.instance_id = m.resource_id "
            "where m.resource_type = 'instances' and m.date = %s and i.region = %s order by 1 limit 1",
            (newest, served[2]),
        )[0]
        midnight = dt.datetime.combine(today, dt.time(), dt.UTC)
        points = client(served, "cloudwatch").get_metric_statistics(
            Namespace="AWS/EC2",
            MetricName="CPUUtilization",
            Dimensions=[{"Name": "InstanceId", "Value": instance["resource_id"]}],
            StartTime=midnight - dt.timedelta(days=6),
            EndTime=midnight + dt.timedelta(days=1),
            Period=86400,
            Statistics=["Average"],
        )["Datapoints"]
        last = max(points, key=lambda p: p["Timestamp"])
        assert last["Timestamp"] == midnight and last["Average"] == pytest.approx(instance["cpu"])
        for wire in ("smithy-rpc-v2-cbor", "query"):  # timestamps arrive as CBOR tags and ISO strings too
            preferred = (wire, *[p for p in botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS if p != wire])
            monkeypatch.setattr(botocore.model, "PRIORITY_ORDERED_SUPPORTED_PROTOCOLS", preferred)
            again = client(served, "cloudwatch").get_metric_data(
                MetricDataQueries=[
                    {
                        "Id": "cpu",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/EC2",
                                "MetricName": "CPUUtilization",
                                "Dimensions": [{"Name": "InstanceId", "Value": instance["resource_id"]}],
                            },
                            "Period": 86400,
                            "Stat": "Average",
                        },
                    }
                ],
                StartTime=midnight,
                EndTime=midnight + dt.timedelta(days=1),
            )["MetricDataResults"][0]
            assert again["Timestamps"] == [midnight], wire
        described = client(served, "ec2").describe_instances(InstanceIds=[instance["resource_id"]])
        launched = described["Reservations"][0]["Instances"][0]["LaunchTime"]
        assert launched == instance["launch_time"] + dt.timedelta(days=days)
    finally:
        server.shutdown()
        thread.join(5)
        api.close()


def test_the_protocol_layer_leaves_the_proxy_settings_alone() -> None:
    """LocalStack's config appends `[::1]` to no_proxy on import; httpx clients (and the bench's agents, which
    inherit the environment) then fail to parse it. Importing the API must leave the variables as they were."""
    import importlib
    import os

    from localstack import config

    import driftworld.aws.protocol as protocol

    before = {name: os.environ.get(name) for name in ("no_proxy", "NO_PROXY")}
    importlib.reload(config)
    protocol._undo_localstack_proxy_settings()
    assert {name: os.environ.get(name) for name in ("no_proxy", "NO_PROXY")} == before
