"""Log ingestion and storage under a retention window that reads both retention columns."""

from __future__ import annotations

from driftworld.model import catalogue

PROD_INGEST_GB = (0.5, 3.0)
NONPROD_INGEST_GB = (0.1, 0.8)
WEEKEND_REDUCTION = 0.30


def effective_retention(retention_days: int | None, retention_in_days: int | None) -> int | None:
    """The shorter non-null retention of the two columns; None means logs never expire."""
    values = [v for v in (retention_days, retention_in_days) if v is not None and v > 0]
    return min(values) if values else None


def stored_today(previous_stored: float, ingest_today: float, window_ingest: float | None) -> float:
    """min(yesterday + today's ingest, ingest of the retention window); unbounded without retention.

    window_ingest is the ingest of the last R days including today, or None without retention.
    """
    grown = previous_stored + ingest_today
    return grown if window_ingest is None else min(grown, window_ingest)


def ingestion_cost(ingested_gb: float) -> float:
    return ingested_gb * catalogue.LOG_INGEST_GB


def storage_cost(stored_gb: float) -> float:
    return catalogue.monthly_to_daily(stored_gb * catalogue.LOG_STORAGE_GB_MONTH)


# The retention periods CloudWatch Logs accepts (days): what an agent may set through the MCP server or the AWS API.
RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
