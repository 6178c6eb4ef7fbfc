"""Builders for every kind of resource, shared by the seeder, the control plane and the scenarios.

A builder draws ids and names from the account's stream, prices the row from the catalogue,
stamps it on the world's clock and records its hidden workload profile next to it.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from driftworld.model import catalogue
from driftworld.model.clock import WorldClock
from driftworld.model.difficulty import LEVELS, Difficulty
from driftworld.model.kinds import POLICY_TABLES, default_policy, derived_prices, price_key
from driftworld.model.streams import Stream

Row = dict[str, Any]

NONPROD = ("staging", "dev")  # where standing non-prod resources and most waste live
DEV_TYPES = ("t3.medium", "t3.large", "t3.small", "m5.large")  # the instance types teams run outside prod
TEAMS = ("platform", "payments", "growth", "data", "core", "infra", "mobile", "search")
OWNERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
PBKDF2_ROUNDS = 20_000  # a few ms per hash: real, and cheap enough to seed thousands
SERVICES = (
    "api",
    "web",
    "worker",
    "billing",
    "auth",
    "search",
    "etl",
    "checkout",
    "payments",
    "notifications",
    "reports",
    "ingest",
    "gateway",
    "scheduler",
    "media",
    "analytics",
)


GLOBAL_NAME_DIGITS = 10  # db_instance_id and cluster_id are unique across the whole world, not per account
NAME_SUFFIX = {
    "autoscaling_groups": ("-asg", 4),
    "rds_instances": ("-db", GLOBAL_NAME_DIGITS),
    "cache_clusters": ("-cache", GLOBAL_NAME_DIGITS),
}


# A uuid column's value as the engine holds it: its text. The engine's connections load uuid columns as
# text and every id it makes is text, so ids hash and compare in C (a uuid.UUID hashes in Python).
Id = str


@dataclass(frozen=True)
class Account:
    id: Id
    org_id: Id
    aws_account_number: str
    primary_region: str


@dataclass
class Profile:
    resource_table: str
    resource_id: Id
    profile: str
    params: dict[str, Any] = field(default_factory=dict)
    walk_value: float | None = None
    walk_anchor: float | None = None
    born_on: dt.date | None = None
    recent: dict[str, Any] | None = None  # the 7-day window (model/rules/seven_day.py)


@dataclass(frozen=True)
class Waste:
    """A ground-truth entry: what is wasteful, how a good agent fixes it, what it costs a day."""

    scenario: str
    resource_table: str
    resource_id: Id
    expected_fix: str
    daily_cost: float
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decoy:
    """A resource that looks like waste to a naive rule but is in use (model/decoys.py)."""

    kind: str
    resource_table: str
    resource_id: Id
    signal: str


@dataclass
class Created:
    """Rows made in one go, by table, with their profiles and ground truth."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    profiles: list[Profile] = field(default_factory=list)
    waste: list[Waste] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)

    def add(self, table: str, row: Row) -> Row:
        self.rows.setdefault(table, []).append(row)
        return row

    def extend(self, other: Created) -> None:
        for table, rows in other.rows.items():
            self.rows.setdefault(table, []).extend(rows)
        self.profiles += other.profiles
        self.waste += other.waste
        self.decoys += other.decoys


class Builder:
    """Makes complete, priced, profiled rows for one account on one virtual day."""

    def __init__(self, account: Account, clock: WorldClock, draws: Stream, day: dt.date) -> None:
        self.account = account
        self.clock = clock
        self.draws = draws
        self.day = day
        self.created = Created()
        self.extra_tags: dict[str, str] = {}  # e.g. created_by: drift_engine on what the engine makes
        self.profile_index: dict[tuple[str, Id], Profile] = {}  # where later steps look profiles up
        self.difficulty: Difficulty = LEVELS["easy"]

    def keyed(self, purpose: str) -> Builder:
        """This builder drawing from its own stream for `purpose` (a group, a snapshot chain, a scenario),
        so that what one purpose creates does not shift the ids and names another draws."""
        sibling = copy.copy(self)
        sibling.draws = self.draws.child(purpose)
        return sibling

    def healthy_name(self, table: str, env: str) -> str:
        """A name as the team names resources of this kind; waste takes one too unless the world is easy."""
        d = self.draws
        if table == "load_balancers":
            return f"{env}-{d.choice(SERVICES)}-lb"
        if table == "s3_buckets":
            return f"{env}-{d.choice(SERVICES)}-{d.hex(8)}"
        if table == "lambda_functions":
            return f"{env}-{d.choice(SERVICES)}-{d.choice(('handler', 'cron', 'hook'))}-{d.hex(4)}"
        if table == "log_groups":
            return f"/aws/{env}/{d.choice(SERVICES)}-{d.hex(4)}"
        suffix, digits = NAME_SUFFIX.get(table, ("", 4))
        return f"{env}-{d.choice(SERVICES)}{suffix}-{d.hex(digits)}"

    def waste_name(self, table: str, env: str, telltale: str) -> str:
        """The name waste gets: a telltale one in an easy world, one like its healthy neighbours' otherwise."""
        return self.healthy_name(table, env) if self.difficulty.neutral_names else telltale

    # -- common parts -------------------------------------------------------------------------
    def _base(self, table: str, created_day: dt.date, env: str | None, tags: dict[str, str] | None) -> Row:
        row: Row = {
            "id": self.draws.uuid(),
            "org_id": self.account.org_id,
            "account_id": self.account.id,
            "created_at": self.stamp(created_day),
        }
        if env is not None:
            row["env"] = env
            row["region"] = self.account.primary_region
        if tags is not None:
            row["tags"] = {**tags, **self.extra_tags}
        return row

    def stamp(self, day: dt.date) -> dt.datetime:
        return self.clock.at(day, self.draws.seconds_of_day())

    def tags(self, env: str, purpose: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        tags = {"env": env, "team": self.draws.choice(TEAMS), "owner": self.draws.choice(OWNERS), "purpose": purpose}
        return {**tags, **(extra or {})}

    def _finish(self, table: str, row: Row, profile: str, **profile_fields: Any) -> Row:
        # the agent-control columns as the database will hold them, so the in-memory row is the stored one
        policy, locked = default_policy(table, row.get("env"))
        if not locked and table in POLICY_TABLES and (self.difficulty.ignore_share or self.difficulty.recommend_share):
            policy = self._set_policy(row["id"], policy)
        row.update(optimization_policy=policy, optimization_policy_locked=locked, optimization_freeze_until=None)
        prices = derived_prices(table, row)
        params = dict(profile_fields.pop("params", {}))
        if prices is not None:
            row.update(prices)
            params["priced"] = price_key(table, row)
        self.created.add(table, row)
        born_on = profile_fields.pop("born_on", self.day)
        self._profile(Profile(table, row["id"], profile, params, born_on=born_on, **profile_fields))
        return row

    def _set_policy(self, row_id: Id, policy: str) -> str:
        """The world's own policies: a share of non-prod resources is hands-off, a share needs approval."""
        (u,) = self.draws.child("policy").units_by_key([row_id], 1)[0]
        if u < self.difficulty.ignore_share:
            return "ignore"
        if policy == "auto_safe" and u < self.difficulty.ignore_share + self.difficulty.recommend_share:
            return "recommend_only"
        return policy

    def _profile(self, profile: Profile) -> None:
        self.created.profiles.append(profile)
        self.profile_index[(profile.resource_table, profile.resource_id)] = profile

    def ec2_id(self, prefix: str) -> str:
        return f"{prefix}-{self.draws.hex(17)}"

    # -- compute ------------------------------------------------------------------------------
    def autoscaling_group(
        self,
        name: str,
        env: str,
        instance_type: str,
        min_size: int,
        max_size: int,
        desired: int,
        profile: str,
        created_day: dt.date,
        tags: dict[str, str] | None = None,
    ) -> Row:
        row = self._base("autoscaling_groups", created_day, env, tags or self.tags(env, "service"))
        row.update(
            name=name, instance_type=instance_type, min_size=min_size, max_size=max_size, desired_capacity=desired
        )
        return self._finish("autoscaling_groups", row, profile)

    def instance(
        self,
        name: str,
        env: str,
        instance_type: str,
        profile: str,
        launched_day: dt.date,
        state: str = "running",
        group: Row | None = None,
        tags: dict[str, str] | None = None,
    ) -> Row:
        row = self._base("instances", launched_day, env, tags or self.tags(env, "service"))
        row.update(
            instance_id=self.ec2_id("i"),
            name=name,
            instance_type=instance_type,
            state=state,
            autoscaling_group_id=group["id"] if group else None,
            launch_time=row["created_at"],
        )
        self._finish("instances", row, profile)
        row.setdefault("hourly_cost", catalogue.ec2_hourly_or_unlisted(instance_type))
        anchor = float(row["hourly_cost"]) * catalogue.HOURS_PER_DAY
        self.created.profiles[-1].walk_anchor = anchor
        self.created.profiles[-1].walk_value = anchor
        return row

    def members(self, group: Row, count: int, profile: str, launched_day: dt.date) -> list[Row]:
        return [
            self.instance(
                f"{group['name']}-{self.draws.hex(5)}",
                group["env"],
                group["instance_type"],
                profile,
                launched_day,
                group=group,
                tags={**group["tags"], "asg": group["name"]},
            )
            for _ in range(count)
        ]

    # -- storage ------------------------------------------------------------------------------
    def volume(
        self,
        env: str,
        size_gib: int,
        volume_type: str,
        attached_to: Row | None,
        created_day: dt.date,
        profile: str,
        last_used_day: dt.date | None = None,
    ) -> Row:
        row = self._base("volumes", created_day, env=None, tags=self.tags(env, "data"))
        row.update(
            region=self.account.primary_region,
            volume_id=self.ec2_id("vol"),
            size_gib=size_gib,
            volume_type=volume_type,
            iops=3000 if volume_type in ("gp3", "io1", "io2") else None,
            state="in-use" if attached_to else "available",
            attached_instance_id=attached_to["instance_id"] if attached_to else None,
            last_used_at=self.stamp(last_used_day or self.day),
        )
        return self._finish("volumes", row, profile)

    def snapshot(
        self, env: str, source_volume_id: str, size_gib: int, retention: str | None, created_day: dt.date, profile: str
    ) -> Row:
        row = self._base("snapshots", created_day, env=None, tags=self.tags(env, "backup"))
        row.update(
            region=self.account.primary_region,
            snapshot_id=self.ec2_id("snap"),
            source_volume_id=source_volume_id,
            size_gib=size_gib,
            retention_policy=retention,
        )
        return self._finish("snapshots", row, profile, born_on=created_day)

    def bucket(
        self,
        name: str,
        env: str,
        lifecycle: Any,
        created_day: dt.date,
        profile: str,
        start_gb: float,
        ceiling_gb: float,
        in_rules_column: bool = False,
        tags: dict[str, str] | None = None,
    ) -> Row:
        row = self._base("s3_buckets", created_day, env, tags or self.tags(env, "storage"))
        row.update(
            name=name,
            versioning_enabled=env == "prod",
            lifecycle_policy=None if in_rules_column or lifecycle is None else {"rules": lifecycle},
            lifecycle_rules=lifecycle if in_rules_column else None,
        )
        return self._finish(
            "s3_buckets", row, profile, params={"start_gb": round(start_gb, 4), "ceiling_gb": round(ceiling_gb, 4)}
        )

    def log_group(
        self,
        name: str,
        env: str,
        retention: int | None,
        created_day: dt.date,
        profile: str,
        start_stored_gb: float = 0.0,
        tags: dict[str, str] | None = None,
    ) -> Row:
        row = self._base("log_groups", created_day, env, tags or self.tags(env, "logging"))
        row.update(name=name, retention_days=retention, retention_in_days=None)
        return self._finish("log_groups", row, profile, params={"start_stored_gb": round(start_stored_gb, 4)})

    # -- databases, caches, networking ----------------------------------------------------------
    def rds(
        self,
        name: str,
        env: str,
        instance_class: str,
        multi_az: bool,
        storage_gib: int,
        created_day: dt.date,
        profile: str,
    ) -> Row:
        row = self._base("rds_instances", created_day, env, self.tags(env, "database"))
        row.update(
            db_instance_id=name,
            engine=self.draws.choice(("postgres", "mysql")),
            instance_class=instance_class,
            allocated_storage_gib=storage_gib,
            multi_az=multi_az,
            state="available",
        )
        return self._finish("rds_instances", row, profile)

    def cache(self, name: str, env: str, node_type: str, nodes: int, created_day: dt.date, profile: str) -> Row:
        row = self._base("cache_clusters", created_day, env, self.tags(env, "cache"))
        row.update(cluster_id=name, engine="redis", node_type=node_type, num_nodes=nodes)
        return self._finish("cache_clusters", row, profile)

    def load_balancer(self, name: str, env: str, lb_type: str, targets: int, created_day: dt.date, profile: str) -> Row:
        row = self._base("load_balancers", created_day, env, self.tags(env, "ingress"))
        kind = "net" if lb_type == "network" else "app"
        arn = (
            f"arn:aws:elasticloadbalancing:{self.account.primary_region}:{self.account.aws_account_number}"
            f":loadbalancer/{kind}/{name}/{self.draws.hex(16)}"
        )
        row.update(
            lb_arn=arn,
            name=name,
            type=lb_type,
            target_count=targets,
            healthy_target_count=0 if profile == "idle" else targets,
        )
        return self._finish("load_balancers", row, profile)

    def elastic_ip(self, env: str, instance: Row | None, created_day: dt.date, profile: str) -> Row:
        row = self._base("elastic_ips", created_day, env=None, tags=self.tags(env, "networking"))
        octets = [self.draws.integer(1, 254) for _ in range(3)]
        row.update(
            region=self.account.primary_region,
            allocation_id=self.ec2_id("eipalloc"),
            public_ip=f"54.{octets[0]}.{octets[1]}.{octets[2]}",
            associated_instance_id=instance["instance_id"] if instance else None,
            state="associated" if instance else "unassociated",
        )
        return self._finish("elastic_ips", row, profile)

    def lambda_function(self, name: str, env: str, memory_mb: int, created_day: dt.date, profile: str) -> Row:
        row = self._base("lambda_functions", created_day, env, self.tags(env, "function"))
        row.update(
            name=name,
            runtime=self.draws.choice(("python3.12", "nodejs20.x", "java21")),
            memory_mb=memory_mb,
            timeout_seconds=self.draws.choice((10, 30, 60, 300)),
            provisioned_concurrency=0,
        )
        return self._finish("lambda_functions", row, profile)

    # -- containers, managed services, streams, commitments ------------------------------------
    def container_cluster(
        self, name: str, env: str, node_type: str, nodes: int, services: int, created_day: dt.date, profile: str
    ) -> Row:
        cluster = self._base("container_clusters", created_day, env, self.tags(env, "containers"))
        cluster.update(
            name=name, node_instance_type=node_type, desired_nodes=nodes, min_nodes=1, max_nodes=max(10, nodes)
        )
        self._finish("container_clusters", cluster, profile)
        node_cost = 0.0
        for _ in range(nodes):
            node = self._base("container_nodes", created_day, env=None, tags=self.tags(env, "containers"))
            node.update(
                cluster_id=cluster["id"],
                instance_id=self.ec2_id("i"),
                instance_type=node_type,
                region=self.account.primary_region,
                state="running",
            )
            self._finish("container_nodes", node, profile)
            node_cost += float(node["hourly_cost"])
        cluster["estimated_hourly_cost"] = round(node_cost, 4)
        for _ in range(services):
            service = self._base("container_services", created_day, env, self.tags(env, "containers"))
            service.update(
                cluster_id=cluster["id"],
                name=f"{self.draws.choice(SERVICES)}-{self.draws.hex(4)}",
                requested_cpu=self.draws.choice((0.25, 0.5, 1.0, 2.0)),
                requested_memory_mb=self.draws.choice((512, 1024, 2048, 4096)),
                replica_count=self.draws.integer(1, 4),
            )
            self._finish("container_services", service, profile)
        return cluster

    def managed_service(
        self, name: str, env: str, service_type: str, instance_type: str, nodes: int, created_day: dt.date, profile: str
    ) -> Row:
        row = self._base("managed_services", created_day, env, self.tags(env, "managed"))
        row.update(service_type=service_type, name=name, instance_type=instance_type, node_count=nodes)
        return self._finish("managed_services", row, profile)

    def streaming_cluster(
        self, name: str, env: str, engine: str, shards: int, created_day: dt.date, profile: str
    ) -> Row:
        row = self._base("streaming_clusters", created_day, env, self.tags(env, "streaming"))
        row.update(
            name=name, engine=engine, shard_count=shards, retention_hours=24, provisioned_throughput_mbps=float(shards)
        )
        return self._finish("streaming_clusters", row, profile)

    def commitment(
        self, commitment_type: str, scope: str, hourly: float, start: dt.date, term_months: int, profile: str
    ) -> Row:
        row: Row = {
            "id": self.draws.uuid(),
            "org_id": self.account.org_id,
            "account_id": self.account.id,
            "created_at": self.stamp(start),
            "commitment_type": commitment_type,
            "scope": scope,
            "term_months": term_months,
            "hourly_commitment_amount": round(hourly, 4),
            "start_date": start,
            "end_date": start + dt.timedelta(days=term_months * 365 // 12),
        }
        self.created.add("commitments", row)
        discount = self.draws.uniform(*catalogue.COMMITMENT_DISCOUNT[commitment_type])
        self._profile(Profile("commitments", row["id"], profile, {"discount": round(discount, 4)}, born_on=start))
        return row

    # -- identity -----------------------------------------------------------------------------
    def resource_tag(self, singular: str, resource: Row, key: str, value: str) -> Row:
        row: Row = {
            "id": self.draws.uuid(),
            "org_id": self.account.org_id,
            "account_id": self.account.id,
            "created_at": resource["created_at"],
            "resource_type": singular,
            "resource_id": str(resource["id"]),
            "key": key,
            "value": value,
        }
        return self.created.add("resource_tags", row)

    def api_client(self, name: str, created_day: dt.date) -> Row:
        """An API client whose secret is drawn, hashed with a drawn salt, and forgotten."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        access_key = "AKIA" + "".join(self.draws.choice(alphabet) for _ in range(16))
        secret, salt = self.draws.hex(40), self.draws.hex(16)
        digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), PBKDF2_ROUNDS).hex()
        row: Row = {
            "id": self.draws.uuid(),
            "org_id": self.account.org_id,
            "account_id": self.account.id,
            "created_at": self.stamp(created_day),
            "name": name,
            "access_key_id": access_key,
            "secret_key_hash": f"pbkdf2_sha256${PBKDF2_ROUNDS}${salt}${digest}",
            "scopes": ["read:*"],
        }
        return self.created.add("api_clients", row)
