"""Public AWS us-east-1 on-demand list prices: the one place prices live."""

from __future__ import annotations

from typing import Final

HOURS_PER_DAY: Final = 24
DAYS_PER_MONTH: Final = 30

EC2_HOURLY: Final[dict[str, float]] = {
    "t3.micro": 0.0104,
    "t3.small": 0.0208,
    "t3.medium": 0.0416,
    "t3.large": 0.0832,
    "t3.xlarge": 0.1664,
    "m5.large": 0.096,
    "m5.xlarge": 0.192,
    "m5.2xlarge": 0.384,
    "c5.large": 0.085,
    "c5.xlarge": 0.17,
    "r5.large": 0.126,
    "r5.xlarge": 0.252,
    "g4dn.xlarge": 0.526,
    "g5.xlarge": 1.006,
    "p3.2xlarge": 3.06,
    "t3.nano": 0.0052,
    "m6i.large": 0.096,
    "m6i.xlarge": 0.192,
    "c6i.large": 0.085,
    "r6i.large": 0.126,
}
# What a type the catalogue does not list costs when the engine must launch one (an agent moved a
# group to it): priced like m5.large rather than failing the account every day.
UNLISTED_EC2_TYPE: Final = "m5.large"
# GPU count and the GPU's share of the hourly price (informational; hourly_cost includes it).
EC2_GPU: Final[dict[str, tuple[int, float]]] = {
    "g4dn.xlarge": (1, 0.35),
    "g5.xlarge": (1, 0.75),
    "p3.2xlarge": (1, 2.45),
}
RDS_HOURLY: Final[dict[str, float]] = {
    "db.t3.micro": 0.018,
    "db.t3.medium": 0.072,
    "db.m5.large": 0.178,
    "db.m5.xlarge": 0.356,
    "db.r5.large": 0.25,
    "db.r5.xlarge": 0.50,
}
RDS_STORAGE_GB_MONTH: Final = 0.115
CACHE_NODE_HOURLY: Final[dict[str, float]] = {
    "cache.t3.micro": 0.017,
    "cache.t3.medium": 0.068,
    "cache.m5.large": 0.156,
    "cache.r5.large": 0.216,
}
EBS_GB_MONTH: Final[dict[str, float]] = {
    "gp3": 0.08,
    "gp2": 0.10,
    "io1": 0.125,
    "io2": 0.125,
    "st1": 0.045,
    "sc1": 0.015,
}
SNAPSHOT_GB_MONTH: Final = 0.05
EIP_HOURLY: Final = 0.005
LB_HOURLY: Final[dict[str, float]] = {
    "application": 0.0225,
    "network": 0.0225,
    "gateway": 0.0125,
    "classic": 0.025,
}
LAMBDA_PER_MILLION_REQUESTS: Final = 0.20
LAMBDA_GB_SECOND: Final = 0.0000166667
LAMBDA_PROVISIONED_GB_SECOND: Final = 0.0000041667
MANAGED_HOURLY: Final[dict[str, float]] = {
    "m5.large.search": 0.142,
    "ml.m5.large": 0.115,
    "ml.g4dn.xlarge": 0.736,
}
KINESIS_SHARD_HOURLY: Final = 0.015
MSK_BROKER_HOURLY: Final = 0.21  # kafka.m5.large broker
S3_GB_MONTH: Final[dict[str, float]] = {"standard": 0.023, "ia": 0.0125, "glacier": 0.004}
S3_PER_THOUSAND_REQUESTS: Final = 0.0004
LOG_INGEST_GB: Final = 0.50
LOG_STORAGE_GB_MONTH: Final = 0.03
TRANSFER_GB: Final[dict[str, float]] = {
    "cross-region": 0.02,
    "egress": 0.09,
    "cross-az": 0.01,
    "intra-az": 0.0,
    "ingress": 0.0,
}
COMMITMENT_DISCOUNT: Final[dict[str, tuple[float, float]]] = {
    "reserved_instance": (0.30, 0.40),
    "savings_plan": (0.20, 0.30),
    "edp": (0.05, 0.10),
}


class UnknownPrice(KeyError):
    """A type with no catalogue price: extend the catalogue rather than guess."""


def _lookup(table: dict[str, float], key: str, what: str) -> float:
    try:
        return table[key]
    except KeyError:
        raise UnknownPrice(f"no {what} price for {key!r} in the catalogue") from None


def ec2_hourly(instance_type: str) -> float:
    return _lookup(EC2_HOURLY, instance_type, "EC2")


def ec2_hourly_or_unlisted(instance_type: str) -> float:
    return EC2_HOURLY.get(instance_type, EC2_HOURLY[UNLISTED_EC2_TYPE])


def ec2_gpu(instance_type: str) -> tuple[int, float]:
    """(gpu_count, gpu share of the hourly price) for an instance type."""
    return EC2_GPU.get(instance_type, (0, 0.0))


def rds_hourly(instance_class: str, multi_az: bool) -> float:
    return _lookup(RDS_HOURLY, instance_class, "RDS") * (2 if multi_az else 1)


def rds_storage_monthly(allocated_gib: int) -> float:
    return allocated_gib * RDS_STORAGE_GB_MONTH


def cache_hourly(node_type: str, num_nodes: int) -> float:
    return _lookup(CACHE_NODE_HOURLY, node_type, "ElastiCache") * num_nodes


def ebs_monthly(volume_type: str, size_gib: int) -> float:
    return _lookup(EBS_GB_MONTH, volume_type, "EBS") * size_gib


def snapshot_monthly(size_gib: int) -> float:
    return SNAPSHOT_GB_MONTH * size_gib


def lb_hourly(lb_type: str) -> float:
    return _lookup(LB_HOURLY, lb_type, "load balancer")


def managed_hourly(instance_type: str, node_count: int) -> float:
    return _lookup(MANAGED_HOURLY, instance_type, "managed service") * node_count


def streaming_hourly(engine: str, shard_count: int) -> float:
    per_unit = KINESIS_SHARD_HOURLY if engine == "kinesis" else MSK_BROKER_HOURLY
    return per_unit * shard_count


def lambda_daily(invocations: int, duration_ms: float, memory_mb: int, provisioned: int) -> float:
    """Requests plus GB-seconds of the day's invocations plus a full day of provisioned concurrency."""
    gb = memory_mb / 1024
    requests = invocations / 1_000_000 * LAMBDA_PER_MILLION_REQUESTS
    compute = invocations * duration_ms / 1000 * gb * LAMBDA_GB_SECOND
    reserved = provisioned * gb * 86_400 * LAMBDA_PROVISIONED_GB_SECOND
    return requests + compute + reserved


def hourly_to_daily(hourly: float) -> float:
    return hourly * HOURS_PER_DAY


def monthly_to_daily(monthly: float) -> float:
    return monthly / DAYS_PER_MONTH
