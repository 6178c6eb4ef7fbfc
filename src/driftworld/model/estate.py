"""The seeded estate of one account: healthy resources plus one to three pieces of each seeded waste.

Pure: it returns rows, profiles and ground truth; the seeder writes them and then lets the
engine's own day rules write the history, so seeded history and ticks never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from driftworld.model import workload as wl
from driftworld.model.decoys import seed_decoys
from driftworld.model.factory import DEV_TYPES, NONPROD, Builder, Created, Row
from driftworld.model.rules.s3_storage import CEILING_MULTIPLE, NEW_BUCKET_GB
from driftworld.model.scenarios import (
    gp2_volume,
    idle_instance,
    log_group_without_retention,
    multi_az_non_prod_rds,
    old_snapshot,
    orphaned_elastic_ip,
    s3_bucket_without_lifecycle,
    unattached_volume,
    underused_commitment,
    unused_lambda,
)
from driftworld.model.scenarios.base import Scenario, ScenarioContext

Span = tuple[int, int]
PROD_TYPES = ("m5.large", "m5.xlarge", "c5.large", "c5.xlarge", "r5.large", "t3.large")
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


def _seed(scenario: Scenario, seeding: ScenarioContext, count: int) -> list[Row]:
    """`count` pieces of a scenario's day-zero waste, through its own recipe."""
    assert scenario.seed is not None
    return [scenario.seed(seeding) for _ in range(count)]


def build_estate(builder: Builder, first_day: dt.date, shape: EstateShape) -> Created:
    """Every resource of a freshly seeded account, existing from first_day on."""
    d = builder.draws
    count = d.integer
    seeding = ScenarioContext.for_seeding(builder, first_day)

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
    standalone += _seed(idle_instance.SCENARIO, seeding, waste_count())

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
    _seed(gp2_volume.SCENARIO, seeding, waste_count())
    _seed(unattached_volume.SCENARIO, seeding, waste_count())

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
    _seed(old_snapshot.SCENARIO, seeding, waste_count())

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
    _seed(s3_bucket_without_lifecycle.SCENARIO, seeding, waste_count())

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
    _seed(multi_az_non_prod_rds.SCENARIO, seeding, waste_count())

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
    _seed(orphaned_elastic_ip.SCENARIO, seeding, unassociated)

    for _ in range(count(*shape.lambdas)):
        env = _env(builder)
        builder.lambda_function(
            builder.healthy_name("lambda_functions", env),
            env,
            d.choice((128, 256, 512, 1024)),
            age(30, 600),
            wl.healthy_profile(env),
        )
    _seed(unused_lambda.SCENARIO, seeding, waste_count())

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
    _seed(log_group_without_retention.SCENARIO, seeding, waste_count())

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

    commitments = count(*shape.commitments)
    _seed(underused_commitment.SCENARIO, seeding, 1)  # the first one
    for _ in range(commitments - 1):
        underused_commitment.commitment(seeding, wl.HEALTHY_PROD)
    low, high = builder.difficulty.decoy_kinds
    if high:
        seed_decoys(builder, first_day, count(low, high), standalone)
    for instance in standalone:
        for key in ("team", "owner"):
            builder.resource_tag("instance", instance, key, instance["tags"][key])
    for purpose in d.sample(("ci-deployer", "cost-agent", "dashboard", "terraform"), count(1, 2)):
        builder.api_client(purpose, age(10, 300))
    return builder.created
