"""Naming resources as agents do: a table name or its singular, a row id, a provider id or a name."""

from __future__ import annotations

from driftworld.model.kinds import BY_TABLE, KINDS, Kind

# Other columns an `id` may name, per table, tried after the row id: the provider id, then a name.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "autoscaling_groups": ("name",),
    "instances": ("instance_id",),
    "volumes": ("volume_id",),
    "snapshots": ("snapshot_id",),
    "s3_buckets": ("name",),
    "rds_instances": ("db_instance_id",),
    "cache_clusters": ("cluster_id",),
    "load_balancers": ("lb_arn", "name"),
    "elastic_ips": ("allocation_id", "public_ip"),
    "lambda_functions": ("name",),
    "log_groups": ("name",),
    "container_clusters": ("name",),
    "container_nodes": ("instance_id",),
    "container_services": ("name",),
    "managed_services": ("name",),
    "streaming_clusters": ("name",),
}
_BY_NAME: dict[str, Kind] = {name: kind for kind in KINDS for name in (kind.table, kind.singular)}
KIND_NAMES = ", ".join(kind.table for kind in KINDS)


def resolve_kind(name: str) -> Kind | None:
    """The kind a name means: `instances`, `instance`, `Instance`, `rds-instance` all work."""
    return _BY_NAME.get(name.strip().lower().replace("-", "_").replace(" ", "_"))


def provider_id(table: str, row: dict[str, object]) -> str:
    """The id a person would quote: the provider id or name when the table has one, else the row id."""
    column = ID_COLUMNS[table][0]
    value = row.get(column)
    return str(value if value is not None else row["id"])


def bill_id(table: str, row: dict[str, object]) -> str:
    """The resource's id in daily_bill and metrics_daily."""
    if table in ("s3_buckets", "log_groups"):
        return str(row["name"])
    kind = BY_TABLE[table]
    return str(row[kind.metrics_id] if kind.metrics_id else row["id"])
