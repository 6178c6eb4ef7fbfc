"""The registry of resource kinds: one entry per table says everything the engine, the store, the observer
and the scorecard know of it (its names and ids, which columns agents own, its states, its policy default,
its pricer and how its 7-day columns roll).

Adding a kind means one entry here and its rules: its day in engine/usage.py and its workload ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from driftworld.model.rules import pricing
from driftworld.model.rules.pricing import Pricer, Prices

# Every column an agent may change, in the order the shadow holds and observe() reports them; each kind
# owns those of them its table has (tests/test_schema.py keeps that equal to what the migrations create).
AGENT_OWNED = (
    "optimization_policy",
    "optimization_policy_locked",
    "optimization_freeze_until",
    "lifecycle_policy",
    "lifecycle_rules",
    "retention_days",
    "retention_in_days",
    "desired_capacity",
    "min_size",
    "max_size",
    "instance_type",
    "instance_class",
    "node_type",
    "num_nodes",
    "volume_type",
    "size_gib",
    "memory_mb",
    "timeout_seconds",
    "provisioned_concurrency",
    "multi_az",
    "state",
    "name",
    "tags",
    "associated_instance_id",
    "associated_lb_arn",
    "env",
)
AGENT_OWNED_SET = frozenset(AGENT_OWNED)
POLICY = ("optimization_policy", "optimization_policy_locked", "optimization_freeze_until")


@dataclass(frozen=True)
class Roll:
    """A 7-day column: the mean (or sum) over the last seven days of payload keys (summed per day)."""

    keys: tuple[str, ...]
    total: bool = False  # a sum over the days (invocations_7d) rather than a mean


@dataclass(frozen=True)
class Kind:
    """One resource table as the engine knows it."""

    table: str
    singular: str  # the resource_type of audit rows and resource_tags
    agent_owned: tuple[str, ...]  # the columns agents may change (and observe() watches), in AGENT_OWNED's order
    metrics_id: str | None = None  # the provider id keying metrics_daily and daily_bill rows; None: the row's id
    bill_id: str | None = None  # the column keying daily_bill rows when not metrics_id (usage kept per bucket)
    named_by: tuple[str, ...] = ("name",)  # columns a person names a row by, after its id; the first is quoted
    running: frozenset[str] = frozenset()  # states in which it runs (and its workload is drawn)
    retired: str | None = None  # the state of a row gone for good: never costing, never read again
    auto_safe: bool = False  # optimization_policy's default (the migrations' column default); else recommend_only
    own_policy: bool = True  # False: agents go by its cluster's policy, so the world sets none on it
    pricer: Pricer | None = None  # its catalogue prices (model/rules/pricing.py); None: priced by usage
    rolled: dict[str, Roll] = field(default_factory=dict)  # 7-day column -> how it rolls
    has_metrics: bool = True  # False: no metrics_daily rows of its own (its cost shows in other rows or tables)
    digested: tuple[str, ...] = field(init=False)  # what a shadow holds: agent_owned, then the provider id

    def __post_init__(self) -> None:
        object.__setattr__(self, "digested", (*self.agent_owned, *((self.metrics_id,) if self.metrics_id else ())))

    def is_running(self, row: dict[str, object]) -> bool:
        return row["state"] in self.running


def _avg(key: str) -> Roll:
    return Roll((key,))


_RUNNING = frozenset({"running"})
_CPU_MEMORY = {"avg_cpu_7d": _avg("cpu_avg"), "avg_memory_7d": _avg("memory_avg")}

KINDS: tuple[Kind, ...] = (
    Kind(
        "autoscaling_groups",
        "autoscaling_group",
        (*POLICY, "desired_capacity", "min_size", "max_size", "instance_type", "name", "tags", "env"),
        has_metrics=False,
    ),
    Kind(
        "instances",
        "instance",
        (*POLICY, "instance_type", "state", "name", "tags", "env"),
        metrics_id="instance_id",
        named_by=("instance_id",),
        running=_RUNNING,
        retired="terminated",
        auto_safe=True,
        pricer=pricing.EC2_INSTANCE,
        rolled={"avg_cpu_7d": _avg("cpu_avg"), "avg_network_7d": Roll(("network_in_mb", "network_out_mb"))},
    ),
    Kind(
        "volumes",
        "volume",
        (*POLICY, "volume_type", "size_gib", "state", "tags"),
        metrics_id="volume_id",
        named_by=("volume_id",),
        retired="deleted",
        auto_safe=True,
        pricer=pricing.EBS_VOLUME,
    ),
    Kind(
        "snapshots",
        "snapshot",
        (*POLICY, "size_gib", "tags"),
        metrics_id="snapshot_id",
        named_by=("snapshot_id",),
        auto_safe=True,
        pricer=pricing.EBS_SNAPSHOT,
    ),
    Kind(
        "s3_buckets",
        "s3_bucket",
        (*POLICY, "lifecycle_policy", "lifecycle_rules", "name", "tags", "env"),
        bill_id="name",
        auto_safe=True,
        has_metrics=False,
    ),
    Kind(
        "rds_instances",
        "rds_instance",
        (*POLICY, "instance_class", "multi_az", "state", "tags", "env"),
        metrics_id="db_instance_id",
        named_by=("db_instance_id",),
        running=frozenset({"available"}),
        pricer=pricing.RDS_INSTANCE,
        rolled={"avg_cpu_7d": _avg("cpu_avg"), "avg_connections_7d": _avg("connections")},
    ),
    Kind(
        "cache_clusters",
        "cache_cluster",
        (*POLICY, "node_type", "num_nodes", "tags", "env"),
        metrics_id="cluster_id",
        named_by=("cluster_id",),
        pricer=pricing.CACHE_CLUSTER,
        rolled={**_CPU_MEMORY, "avg_connections_7d": _avg("connections")},
    ),
    Kind(
        "load_balancers",
        "load_balancer",
        (*POLICY, "name", "tags", "env"),
        metrics_id="lb_arn",
        named_by=("lb_arn", "name"),
        pricer=pricing.LOAD_BALANCER,
        rolled={"avg_request_count_7d": _avg("requests")},
    ),
    Kind(
        "elastic_ips",
        "elastic_ip",
        (*POLICY, "state", "tags", "associated_instance_id", "associated_lb_arn"),
        metrics_id="allocation_id",
        named_by=("allocation_id", "public_ip"),
        auto_safe=True,
        pricer=pricing.ELASTIC_IP,
    ),
    Kind(
        "lambda_functions",
        "lambda_function",
        (*POLICY, "memory_mb", "timeout_seconds", "provisioned_concurrency", "name", "tags", "env"),
        rolled={
            "invocations_7d": Roll(("invocations",), total=True),
            "avg_duration_ms_7d": _avg("duration_ms_avg"),
            "avg_memory_used_mb_7d": _avg("memory_used_mb_avg"),
        },
    ),
    Kind(
        "log_groups",
        "log_group",
        (*POLICY, "retention_days", "retention_in_days", "name", "tags", "env"),
        bill_id="name",
        auto_safe=True,
        has_metrics=False,
    ),
    Kind("container_clusters", "container_cluster", (*POLICY, "name", "tags", "env"), has_metrics=False),
    Kind(
        "container_nodes",
        "container_node",
        (*POLICY, "instance_type", "state", "tags"),
        named_by=("instance_id",),
        running=_RUNNING,
        own_policy=False,
        pricer=pricing.EC2_INSTANCE,
        rolled=_CPU_MEMORY,
    ),
    Kind(
        "container_services",
        "container_service",
        (*POLICY, "name", "tags", "env"),
        own_policy=False,
        rolled=_CPU_MEMORY,
    ),
    Kind(
        "managed_services",
        "managed_service",
        (*POLICY, "instance_type", "name", "tags", "env"),
        pricer=pricing.MANAGED_SERVICE,
        rolled=_CPU_MEMORY,
    ),
    Kind(
        "streaming_clusters",
        "streaming_cluster",
        (*POLICY, "name", "tags", "env"),
        pricer=pricing.STREAMING_CLUSTER,
        rolled={"avg_usage_mbps_7d": _avg("usage_mbps")},
    ),
)

BY_TABLE: dict[str, Kind] = {kind.table: kind for kind in KINDS}
RESOURCE_TABLES: tuple[str, ...] = tuple(kind.table for kind in KINDS)
ROLLED_KINDS: tuple[Kind, ...] = tuple(kind for kind in KINDS if kind.rolled)
POLICY_TABLES = frozenset(kind.table for kind in KINDS if kind.own_policy)


def default_policy(table: str, env: str | None) -> tuple[str, bool]:
    """(optimization_policy, optimization_policy_locked) of a new row, as the database would set them."""
    if env == "prod":  # the prod trigger's rule
        return "recommend_only", True
    return ("auto_safe" if BY_TABLE[table].auto_safe else "recommend_only"), False


def metrics_id(kind: Kind, row: dict[str, object]) -> str:
    """The metrics_daily.resource_id of a row: its provider id, or its own id as text."""
    return str(row[kind.metrics_id] if kind.metrics_id else row["id"])


def price_key(table: str, row: dict[str, object]) -> str | None:
    """The configuration a row's prices follow; None for a table priced by usage or not a resource."""
    kind = BY_TABLE.get(table)
    return kind.pricer.key(row) if kind is not None and kind.pricer is not None else None


def derived_prices(table: str, row: dict[str, object]) -> Prices | None:
    """The catalogue prices of a row's configuration; None when its table or its type has none."""
    kind = BY_TABLE.get(table)
    return kind.pricer.prices(row) if kind is not None and kind.pricer is not None else None
