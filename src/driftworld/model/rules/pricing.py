"""Prices derived from configuration, re-derived only when the configuration changes.

An agent that writes a price itself is respected until the configuration under it changes;
the engine knows by remembering which configuration it last priced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftworld.model import catalogue

Row = dict[str, Any]
Pricer = Callable[[Row], dict[str, float | int | bool]]


def _instance(row: Row) -> dict[str, float | int | bool]:
    gpus, gpu_share = catalogue.ec2_gpu(row["instance_type"])
    return {
        "hourly_cost": catalogue.ec2_hourly(row["instance_type"]),
        "gpu_hourly_cost": gpu_share,
        "gpu_count": gpus,
        "has_gpu": gpus > 0,
    }


PRICERS: dict[str, tuple[Callable[[Row], str], Pricer]] = {
    "instances": (lambda r: str(r["instance_type"]), _instance),
    "container_nodes": (lambda r: str(r["instance_type"]), _instance),
    "volumes": (
        lambda r: f"{r['volume_type']}:{r['size_gib']}",
        lambda r: {"monthly_cost": catalogue.ebs_monthly(r["volume_type"], int(r["size_gib"]))},
    ),
    "snapshots": (
        lambda r: str(r["size_gib"]),
        lambda r: {"monthly_cost": catalogue.snapshot_monthly(int(r["size_gib"]))},
    ),
    "rds_instances": (
        lambda r: f"{r['instance_class']}:{bool(r['multi_az'])}:{r['allocated_storage_gib']}",
        lambda r: {
            "hourly_cost": catalogue.rds_hourly(r["instance_class"], bool(r["multi_az"])),
            "storage_monthly_cost": catalogue.rds_storage_monthly(int(r["allocated_storage_gib"])),
        },
    ),
    "cache_clusters": (
        lambda r: f"{r['node_type']}:{r['num_nodes']}",
        lambda r: {"hourly_cost": catalogue.cache_hourly(r["node_type"], int(r["num_nodes"]))},
    ),
    "load_balancers": (lambda r: str(r["type"]), lambda r: {"hourly_cost": catalogue.lb_hourly(r["type"])}),
    "elastic_ips": (lambda r: "eip", lambda r: {"hourly_cost": catalogue.EIP_HOURLY}),
    "managed_services": (
        lambda r: f"{r['instance_type']}:{r['node_count']}",
        lambda r: {"hourly_cost": catalogue.managed_hourly(r["instance_type"], int(r["node_count"]))},
    ),
    "streaming_clusters": (
        lambda r: f"{r['engine']}:{r['shard_count']}",
        lambda r: {"hourly_cost": catalogue.streaming_hourly(r["engine"], int(r["shard_count"]))},
    ),
}


def price_key(table: str, row: Row) -> str | None:
    entry = PRICERS.get(table)
    return entry[0](row) if entry else None


def derived_prices(table: str, row: Row) -> dict[str, float | int | bool] | None:
    """The catalogue prices for a row's configuration; None for a type the catalogue lacks."""
    entry = PRICERS.get(table)
    if entry is None:
        return None
    try:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in entry[1](row).items()}
    except (catalogue.UnknownPrice, TypeError, ValueError):
        return None
