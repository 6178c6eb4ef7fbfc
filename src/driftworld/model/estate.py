"""The seeded estate of one account: healthy resources plus one to three pieces of each seeded waste.

Pure: it returns rows, profiles and ground truth; the seeder writes them and then lets the
engine's own day rules write the history, so seeded history and ticks never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from driftworld.model import workload as wl
from driftworld.model.catalogue import hourly_to_daily, monthly_to_daily
from driftworld.model.decoys import seed_decoys
from driftworld.model.factory import SERVICES, Account, Builder, Created, Row, Waste
from driftworld.model.rules.s3_storage import CEILING_MULTIPLE, NEW_BUCKET_GB

Span = tuple[int, int]
NONPROD = ("staging", "dev")
PROD_TYPES = ("m5.large", "m5.xlarge", "c5.large", "c5.xlarge", "r5.large", "t3.large")
DEV_TYPES = ("t3.medium", "t3.large", "t3.small", "m5.large")
GPU_TYPES = ("g4dn.xlarge", "g5.xlarge", "p3.2xlarge")


@dataclass(frozen=True)
class EstateShape:
    """How many of each resource an account gets (inclusive ranges)."""

    asgs: Span = (3, 5)
    asg_members: Span = (2, 5)
    instances: Span = (10, 20)
    volumes: Span = (10, 20)
    buckets: Span = (5, 10)
    rds: Span = (3, 6)
    caches: Span = (2, 4)
    load_balancers: Span = (2, 5)
    elastic_ips: Span = (3, 8)
    lambdas: Span = (8, 15)
    log_groups: Span = (8, 15)
    commitments: Span = (2, 3)
    waste_each: Span = (1, 3)


def _env(builder: Builder, prod_share: float = 0.4) -> str:
    return "prod" if builder.draws.chance(prod_share) else builder.draws.choice(NONPROD)


def _name(builder: Builder, env: str, suffix: str = "", digits: int = 4) -> str:
    return f"{env}-{builder.draws.choice(SERVICES)}{suffix}-{builder.draws.hex(digits)}"


def _waste(builder: Builder, scenario: str, table: str, row: Row, fix: str, daily_cost: float) -> None:
    builder.created.waste.append(Waste(scenario, table, row["id"], fix, round(daily_cost, 4)))


def build_estate(account: Account, builder: Builder, first_day: dt.date, shape: EstateShape) -> Created:
    """Every resource of a freshly seeded account, existing from first_day on."""
    d = builder.draws
    count = d.integer

    def waste_count() -> int:
        return count(*shape.waste_each)

    def age(low: int, high: int) -> dt.date:
        return first_day - dt.timedelta(days=count(low, high))

    for _ in range(count(*shape.asgs)):
        env = _env(builder)
        if env == "prod":
            low, high = 2, 10
            desired = count(max(low, shape.asg_members[0]), max(low, shape.asg_members[1]))
        else:
            low = desired = count(*shape.asg_members)
            high = low + count(2, 6)
        group = builder.autoscaling_group(
            builder.healthy_name("autoscaling_groups", env),
            env,
            d.choice(PROD_TYPES if env == "prod" else DEV_TYPES),
            low,
            high,
            desired,
            wl.healthy_profile(env),
            age(30, 400),
        )
        builder.members(group, desired, wl.healthy_profile(env), age(1, 60))

    standalone: list[Row] = []
    for _ in range(count(*shape.instances)):
        env = _env(builder)
        gpu = env == "prod" and d.chance(0.1)
        kind = d.choice(GPU_TYPES if gpu else PROD_TYPES if env == "prod" else DEV_TYPES)
        standalone.append(
            builder.instance(builder.healthy_name("instances", env), env, kind, wl.healthy_profile(env), age(20, 700))
        )
    for _ in range(d.integer(1, 2)):
        env = d.choice(NONPROD)
        standalone.append(
            builder.instance(
                builder.healthy_name("instances", env),
                env,
                d.choice(DEV_TYPES),
                wl.healthy_profile(env),
                age(20, 300),
                state="stopped",
            )
        )
    for _ in range(waste_count()):
        env = d.choice(NONPROD)
        name = builder.waste_name("instances", env, _name(builder, env, "-old"))
        idle = builder.instance(name, env, d.choice(DEV_TYPES), wl.IDLE, age(40, 400))
        _waste(
            builder,
            "idle_instance",
            "instances",
            idle,
            "stop or terminate",
            hourly_to_daily(float(idle["hourly_cost"])),
        )
        standalone.append(idle)

    running = [i for i in standalone if i["state"] == "running"]
    attached = d.sample(standalone, count(*shape.volumes))
    for instance in attached:
        env = instance["env"]
        builder.volume(
            env,
            d.choice((20, 50, 100, 200, 500)),
            d.choice(("gp3", "gp3", "io2", "st1")),
            instance,
            age(10, 300),
            wl.healthy_profile(env),
        )
    for _ in range(waste_count()):
        env = d.choice(NONPROD)
        gp2 = builder.volume(
            env, d.choice((50, 100, 200)), "gp2", d.choice(running), age(60, 500), wl.healthy_profile(env)
        )
        _waste(
            builder, "gp2_volume", "volumes", gp2, "migrate to gp3", monthly_to_daily(float(gp2["monthly_cost"]) * 0.2)
        )
    for _ in range(waste_count()):
        env = d.choice(NONPROD)
        available = builder.volume(
            env,
            count(50, 1000),
            d.choice(("gp2", "gp3", "io1")),
            None,
            age(60, 400),
            wl.IDLE,
            last_used_day=first_day - dt.timedelta(days=count(7, 60)),
        )
        _waste(
            builder,
            "unattached_volume",
            "volumes",
            available,
            "snapshot and delete",
            monthly_to_daily(float(available["monthly_cost"])),
        )

    volumes = builder.created.rows.get("volumes", [])
    backed_up = d.sample([v for v in volumes if v["state"] == "in-use"], 3)
    for volume, retention in zip(backed_up, ("daily", "weekly", "monthly"), strict=False):  # every cadence rotates
        builder.snapshot(
            "prod",
            volume["volume_id"],
            volume["size_gib"],
            retention,
            first_day - dt.timedelta(days=1),
            wl.healthy_profile("prod"),
        )
    for _ in range(waste_count()):
        env = d.choice(NONPROD)
        orphan = builder.snapshot(
            env,
            builder.ec2_id("vol"),
            d.choice((50, 100, 200, 500)),
            None,
            first_day - dt.timedelta(days=count(120, 365)),
            wl.IDLE,
        )
        _waste(builder, "old_snapshot", "snapshots", orphan, "delete", monthly_to_daily(float(orphan["monthly_cost"])))

    for _ in range(count(*shape.buckets)):
        env = _env(builder)
        rules = [
            {
                "id": "tiering",
                "status": "Enabled",
                "transitions": [
                    {"days": 30, "storage_class": "STANDARD_IA"},
                    {"days": 120, "storage_class": "GLACIER"},
                ],
            }
        ]
        start = d.uniform(*NEW_BUCKET_GB)
        builder.bucket(
            builder.healthy_name("s3_buckets", env),
            env,
            rules,
            age(30, 900),
            wl.healthy_profile(env),
            start,
            start * d.uniform(*CEILING_MULTIPLE),
            in_rules_column=d.chance(0.3),
        )
    for _ in range(waste_count()):
        env = d.choice(NONPROD)
        start = d.uniform(100.0, 500.0)
        bucket = builder.bucket(
            builder.healthy_name("s3_buckets", env),
            env,
            None,
            age(30, 900),
            wl.healthy_profile(env),
            start,
            start * d.uniform(*CEILING_MULTIPLE),
        )
        _waste(builder, "s3_bucket_without_lifecycle", "s3_buckets", bucket, "add lifecycle", start * 0.01)

    for _ in range(count(*shape.rds)):
        env = _env(builder, 0.5)
        kind = d.choice(("db.m5.large", "db.r5.large", "db.m5.xlarge")) if env == "prod" else "db.t3.medium"
        builder.rds(
            builder.healthy_name("rds_instances", env),
            env,
            kind,
            env == "prod",
            d.choice((50, 100, 200)),
            age(60, 700),
            wl.healthy_profile(env),
        )
    for _ in range(waste_count()):
        env = d.choice(NONPROD)
        multi = builder.rds(
            builder.healthy_name("rds_instances", env),
            env,
            d.choice(("db.t3.medium", "db.m5.large")),
            True,
            d.choice((20, 50)),
            age(60, 400),
            wl.healthy_profile(env),
        )
        _waste(
            builder,
            "multi_az_non_prod_rds",
            "rds_instances",
            multi,
            "disable multi_az",
            hourly_to_daily(float(multi["hourly_cost"]) / 2),
        )

    for _ in range(count(*shape.caches)):
        env = _env(builder, 0.5)
        builder.cache(
            builder.healthy_name("cache_clusters", env),
            env,
            d.choice(("cache.t3.medium", "cache.m5.large")),
            count(1, 3),
            age(60, 700),
            wl.healthy_profile(env),
        )

    for _ in range(count(*shape.load_balancers)):
        env = _env(builder, 0.5)
        targets = count(2, 10) if env == "prod" else count(1, 4)
        builder.load_balancer(
            builder.healthy_name("load_balancers", env),
            env,
            d.choice(("application", "network")),
            targets,
            age(60, 700),
            wl.healthy_profile(env),
        )

    eips = count(*shape.elastic_ips)
    unassociated = min(waste_count(), eips)
    for instance in d.sample(running, eips - unassociated):
        builder.elastic_ip(instance["env"], instance, age(30, 500), wl.healthy_profile(instance["env"]))
    for _ in range(unassociated):
        eip = builder.elastic_ip(d.choice(NONPROD), None, age(30, 300), wl.IDLE)
        _waste(builder, "orphaned_elastic_ip", "elastic_ips", eip, "release", hourly_to_daily(0.005))

    for _ in range(count(*shape.lambdas)):
        env = _env(builder)
        builder.lambda_function(
            builder.healthy_name("lambda_functions", env),
            env,
            d.choice((128, 256, 512, 1024)),
            age(30, 600),
            wl.healthy_profile(env),
        )
    for _ in range(waste_count()):
        env = d.choice(NONPROD)
        name = builder.waste_name("lambda_functions", env, f"{env}-legacy-{d.hex(6)}")
        unused = builder.lambda_function(name, env, d.choice((256, 512)), age(120, 700), wl.UNUSED)
        _waste(builder, "unused_lambda", "lambda_functions", unused, "delete", 0.0)

    for _ in range(count(*shape.log_groups)):
        env = _env(builder)
        builder.log_group(
            builder.healthy_name("log_groups", env),
            env,
            d.choice((7, 14, 30, 90)),
            age(30, 600),
            wl.healthy_profile(env),
            d.uniform(1.0, 20.0),
        )
    for _ in range(waste_count()):
        env = d.choice(NONPROD)
        stored = d.uniform(50.0, 200.0)
        group = builder.log_group(
            builder.healthy_name("log_groups", env), env, None, age(200, 900), wl.healthy_profile(env), stored
        )
        _waste(
            builder,
            "log_group_without_retention",
            "log_groups",
            group,
            "set retention",
            monthly_to_daily(stored * 0.03),
        )

    env = _env(builder, 0.6)
    builder.container_cluster(
        f"{env}-eks-{d.hex(4)}", env, "m5.large", count(2, 4), count(2, 5), age(60, 500), wl.healthy_profile(env)
    )
    env = _env(builder, 0.6)
    builder.managed_service(
        f"{env}-search-{d.hex(4)}",
        env,
        "opensearch",
        "m5.large.search",
        count(1, 3),
        age(60, 500),
        wl.healthy_profile(env),
    )
    env = _env(builder, 0.6)
    builder.streaming_cluster(
        f"{env}-events-{d.hex(4)}", env, "kinesis", count(1, 8), age(60, 500), wl.healthy_profile(env)
    )

    for index in range(count(*shape.commitments)):
        ctype = d.choice(("reserved_instance", "savings_plan"))
        scope = f"ec2:m5.large:{account.primary_region}" if ctype == "reserved_instance" else "compute"
        under = index == 0
        commitment = builder.commitment(
            ctype,
            scope,
            d.uniform(0.2, 2.0),
            age(30, 300),
            d.choice((12, 36)),
            wl.UNDERUSED if under else wl.HEALTHY_PROD,
        )
        if under:
            _waste(
                builder,
                "underused_commitment",
                "commitments",
                commitment,
                "resize future purchases",
                float(commitment["hourly_commitment_amount"]) * 24 * 0.5,
            )
    low, high = builder.difficulty.decoy_kinds
    if high:
        seed_decoys(builder, first_day, count(low, high), standalone)
    for instance in standalone:
        for key in ("team", "owner"):
            builder.resource_tag("instance", instance, key, instance["tags"][key])
    for purpose in d.sample(("ci-deployer", "cost-agent", "dashboard", "terraform"), count(1, 2)):
        builder.api_client(purpose, age(10, 300))
    return builder.created
