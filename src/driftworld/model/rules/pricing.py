"""Prices derived from configuration, re-derived only when the configuration changes.

An agent that writes a price itself is respected until the configuration under it changes;
the engine knows by remembering which configuration it last priced. Each resource kind names its
pricer in the registry (model/kinds.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from driftworld.model import catalogue

Row = dict[str, Any]
Prices = dict[str, float | int | bool]


@dataclass(frozen=True)
class Pricer:
    """A kind's catalogue prices: the configuration they follow (its key) and the prices it gives."""

    key: Callable[[Row], str]
    derive: Callable[[Row], Prices]

    def prices(self, row: Row) -> Prices | None:
        """The catalogue prices for a row's configuration; None for a type the catalogue lacks."""
        try:
            return {k: round(v, 4) if isinstance(v, float) else v for k, v in self.derive(row).items()}
        except (catalogue.UnknownPrice, TypeError, ValueError):
            return None


def _instance(row: Row) -> Prices:
    gpus, gpu_share = catalogue.ec2_gpu(row["instance_type"])
    return {
        "hourly_cost": catalogue.ec2_hourly(row["instance_type"]),
        "gpu_hourly_cost": gpu_share,
        "gpu_count": gpus,
        "has_gpu": gpus > 0,
    }


EC2_INSTANCE = Pricer(lambda r: str(r["instance_type"]), _instance)
EBS_VOLUME = Pricer(
    lambda r: f"{r['volume_type']}:{r['size_gib']}",
    lambda r: {"monthly_cost": catalogue.ebs_monthly(r["volume_type"], int(r["size_gib"]))},
)
EBS_SNAPSHOT = Pricer(
    lambda r: str(r["size_gib"]), lambda r: {"monthly_cost": catalogue.snapshot_monthly(int(r["size_gib"]))}
)
RDS_INSTANCE = Pricer(
    lambda r: f"{r['instance_class']}:{bool(r['multi_az'])}:{r['allocated_storage_gib']}",
    lambda r: {
        "hourly_cost": catalogue.rds_hourly(r["instance_class"], bool(r["multi_az"])),
        "storage_monthly_cost": catalogue.rds_storage_monthly(int(r["allocated_storage_gib"])),
    },
)
CACHE_CLUSTER = Pricer(
    lambda r: f"{r['node_type']}:{r['num_nodes']}",
    lambda r: {"hourly_cost": catalogue.cache_hourly(r["node_type"], int(r["num_nodes"]))},
)
LOAD_BALANCER = Pricer(lambda r: str(r["type"]), lambda r: {"hourly_cost": catalogue.lb_hourly(r["type"])})
ELASTIC_IP = Pricer(lambda r: "eip", lambda r: {"hourly_cost": catalogue.EIP_HOURLY})
MANAGED_SERVICE = Pricer(
    lambda r: f"{r['instance_type']}:{r['node_count']}",
    lambda r: {"hourly_cost": catalogue.managed_hourly(r["instance_type"], int(r["node_count"]))},
)
STREAMING_CLUSTER = Pricer(
    lambda r: f"{r['engine']}:{r['shard_count']}",
    lambda r: {"hourly_cost": catalogue.streaming_hourly(r["engine"], int(r["shard_count"]))},
)
