"""What each resource table is to the engine: its names, its provider id, and how its 7-day columns roll.

One description per table lets one piece of code load, price, record and roll every kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Roll:
    """A 7-day column: the mean (or sum) over the last seven days of payload keys (summed per day)."""

    keys: tuple[str, ...]
    total: bool = False  # a sum over the days (invocations_7d) rather than a mean


@dataclass(frozen=True)
class Kind:
    table: str
    singular: str
    metrics_id: str | None = None  # column whose value is metrics_daily.resource_id; None: the row's id
    rolled: dict[str, Roll] = field(default_factory=dict)  # 7-day column -> how it rolls
    has_metrics: bool = True  # False: the table's cost shows in other rows (an ASG's members)


def _avg(key: str) -> Roll:
    return Roll((key,))


KINDS: tuple[Kind, ...] = (
    Kind("autoscaling_groups", "autoscaling_group", has_metrics=False),
    Kind(
        "instances",
        "instance",
        "instance_id",
        {
            "avg_cpu_7d": _avg("cpu_avg"),
            "avg_network_7d": Roll(("network_in_mb", "network_out_mb")),
        },
    ),
    Kind("volumes", "volume", "volume_id"),
    Kind("snapshots", "snapshot", "snapshot_id"),
    Kind("s3_buckets", "s3_bucket", has_metrics=False),
    Kind(
        "rds_instances",
        "rds_instance",
        "db_instance_id",
        {"avg_cpu_7d": _avg("cpu_avg"), "avg_connections_7d": _avg("connections")},
    ),
    Kind(
        "cache_clusters",
        "cache_cluster",
        "cluster_id",
        {"avg_cpu_7d": _avg("cpu_avg"), "avg_memory_7d": _avg("memory_avg"), "avg_connections_7d": _avg("connections")},
    ),
    Kind("load_balancers", "load_balancer", "lb_arn", {"avg_request_count_7d": _avg("requests")}),
    Kind("elastic_ips", "elastic_ip", "allocation_id"),
    Kind(
        "lambda_functions",
        "lambda_function",
        None,
        {
            "invocations_7d": Roll(("invocations",), total=True),
            "avg_duration_ms_7d": _avg("duration_ms_avg"),
            "avg_memory_used_mb_7d": _avg("memory_used_mb_avg"),
        },
    ),
    Kind("log_groups", "log_group", has_metrics=False),
    Kind("container_clusters", "container_cluster", has_metrics=False),
    Kind(
        "container_nodes", "container_node", None, {"avg_cpu_7d": _avg("cpu_avg"), "avg_memory_7d": _avg("memory_avg")}
    ),
    Kind(
        "container_services",
        "container_service",
        None,
        {"avg_cpu_7d": _avg("cpu_avg"), "avg_memory_7d": _avg("memory_avg")},
    ),
    Kind(
        "managed_services",
        "managed_service",
        None,
        {"avg_cpu_7d": _avg("cpu_avg"), "avg_memory_7d": _avg("memory_avg")},
    ),
    Kind("streaming_clusters", "streaming_cluster", None, {"avg_usage_mbps_7d": _avg("usage_mbps")}),
)

RETIRED_STATE = {"instances": "terminated", "volumes": "deleted"}  # gone for good, never costing again

# optimization_policy defaults (the migrations say the same); every other resource table: recommend_only
AUTO_SAFE_TABLES = frozenset({"instances", "volumes", "snapshots", "s3_buckets", "elastic_ips", "log_groups"})


def default_policy(table: str, env: str | None) -> tuple[str, bool]:
    """(optimization_policy, optimization_policy_locked) of a new row, as the database would set them."""
    if env == "prod":  # the prod trigger's rule
        return "recommend_only", True
    return ("auto_safe" if table in AUTO_SAFE_TABLES else "recommend_only"), False


BY_TABLE: dict[str, Kind] = {kind.table: kind for kind in KINDS}
RESOURCE_TABLES: tuple[str, ...] = tuple(kind.table for kind in KINDS)
ROLLED_KINDS: tuple[Kind, ...] = tuple(kind for kind in KINDS if kind.rolled)


def metrics_id(kind: Kind, row: dict[str, object]) -> str:
    """The metrics_daily.resource_id of a row: its provider id, or its own id as text."""
    return str(row[kind.metrics_id] if kind.metrics_id else row["id"])
