"""Naming resources as agents do: a table name or its singular, a row id, a provider id or a name."""

from __future__ import annotations

from driftworld.model.kinds import BY_TABLE, KINDS, Kind

_BY_NAME: dict[str, Kind] = {name: kind for kind in KINDS for name in (kind.table, kind.singular)}
KIND_NAMES = ", ".join(kind.table for kind in KINDS)


def resolve_kind(name: str) -> Kind | None:
    """The kind a name means: `instances`, `instance`, `Instance`, `rds-instance` all work."""
    return _BY_NAME.get(name.strip().lower().replace("-", "_").replace(" ", "_"))


def provider_id(table: str, row: dict[str, object]) -> str:
    """The id a person would quote: the provider id or name when the table has one, else the row id."""
    value = row.get(BY_TABLE[table].named_by[0])
    return str(value if value is not None else row["id"])


def bill_id(table: str, row: dict[str, object]) -> str:
    """The resource's id in daily_bill and metrics_daily."""
    kind = BY_TABLE[table]
    column = kind.bill_id or kind.metrics_id
    return str(row[column] if column else row["id"])
