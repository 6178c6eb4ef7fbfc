"""Ground truth that matches the bill: every piece of waste, seeded or injected, costs in the ledger what
the world billed for it (the part a good fix saves) on the day it appeared, and its current_daily_cost
follows the bill of its account's latest day."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from driftworld import tick
from driftworld.model.catalogue import DAYS_PER_MONTH, LAMBDA_GB_SECOND, S3_GB_MONTH
from driftworld.model.intensity import DriftIntensity
from driftworld.model.scenarios import BY_NAME, REGISTRY
from driftworld.store.database import Database
from driftworld.store.world_io import Conn

PROVIDER_ID = {
    "instances": "instance_id",
    "volumes": "volume_id",
    "snapshots": "snapshot_id",
    "elastic_ips": "allocation_id",
    "rds_instances": "db_instance_id",
    "cache_clusters": "cluster_id",
    "load_balancers": "lb_arn",
    "lambda_functions": "id",
}


def _one(conn: Conn, query: str, *params: Any) -> dict[str, Any] | None:
    return conn.execute(query, params).fetchone()


def _metrics(conn: Conn, table: str, resource_id: str, day: dt.date) -> dict[str, Any] | None:
    return _one(
        conn,
        f"select m.estimated_daily_cost::float8 as cost, m.metric_payload as payload, x.* from {table} x "
        f"join metrics_daily m on m.resource_type = %s and m.resource_id = x.{PROVIDER_ID[table]}::text "
        "where x.id = %s and m.date = %s",
        table,
        resource_id,
        day,
    )


def _members(conn: Conn, group_id: str, day: dt.date, launched_on: dt.date | None = None) -> float:
    row = _one(
        conn,
        "select coalesce(sum(m.estimated_daily_cost), 0)::float8 as cost from instances i "
        "join metrics_daily m on m.resource_type = 'instances' and m.resource_id = i.instance_id and m.date = %s "
        "where i.autoscaling_group_id = %s and (%s::date is null or i.launch_time::date = %s::date)",
        day,
        group_id,
        launched_on,
        launched_on,
    )
    return float(row["cost"]) if row else 0.0


def bill(conn: Conn, piece: dict[str, Any], day: dt.date) -> float:
    """What the world billed on `day` for the part of the piece's resource a good fix saves, read from the
    day's cost rows as an agent would read them."""
    name, resource = piece["scenario"], str(piece["resource_id"])
    if name in ("forgotten_preview_environment", "stale_feature_environment"):
        return _members(conn, resource, day)
    if name == "over_provisioned_asg":  # the members the scale-up launched
        return _members(conn, resource, day, launched_on=piece["injected_on"])
    if name == "s3_bucket_without_lifecycle":
        row = _one(conn, "select * from s3_bucket_usage_daily where bucket_id = %s and date = %s", resource, day)
        saved = S3_GB_MONTH["standard"] - S3_GB_MONTH["ia"]
        return float(row["storage_gb_standard"]) * saved / DAYS_PER_MONTH if row else 0.0
    if name == "log_group_without_retention":
        row = _one(conn, "select * from log_group_usage_daily where log_group_id = %s and date = %s", resource, day)
        return float(row["estimated_storage_cost"]) if row else 0.0
    if name == "underused_commitment":
        row = _one(
            conn,
            "select c.hourly_commitment_amount::float8 as hourly, u.actual_hourly_usage_equivalent::float8 as used "
            "from commitments c join commitment_utilization_daily u on u.commitment_id = c.id "
            "where c.id = %s and u.date = %s",
            resource,
            day,
        )
        return float(row["hourly"] - row["used"]) * 24 if row else 0.0
    row = _metrics(conn, piece["resource_table"], resource, day)
    if row is None:
        return 0.0
    if name == "gp2_volume":  # gp3 serves the same GiB for 0.08 instead of 0.10
        return float(row["cost"]) * 0.2
    if name == "multi_az_non_prod_rds":  # the standby's half of the instance price
        return (float(row["cost"]) - float(row["storage_monthly_cost"]) / DAYS_PER_MONTH) / 2
    if name == "over_provisioned_lambda":  # GB-seconds above 256 MB
        seconds = row["payload"]["invocations"] * row["payload"]["duration_ms_avg"] / 1000
        return float(seconds) * (int(row["memory_mb"]) - 256) / 1024 * LAMBDA_GB_SECOND
    return float(row["cost"])


def _close(ledger: float, billed: float) -> bool:
    return abs(ledger - billed) <= 0.01 * abs(billed) + 0.0002  # 1%, and the ledger's 4 decimals


def _force_every_scenario(db: Database) -> None:
    intensity = DriftIntensity(probabilities={name: 1.0 for name in BY_NAME})
    with db.connect() as conn:
        conn.execute(
            "update driftworld.world_settings set drift_intensity = %s::jsonb", (json.dumps(intensity.to_settings()),)
        )
        conn.commit()


def test_every_piece_costs_in_the_ledger_what_it_was_billed(seeded_db: Database) -> None:
    _force_every_scenario(seeded_db)
    # the small world ends on a Tuesday: four days reach the Saturday the weekend-only scenario needs
    for _ in range(4):
        assert tick(seeded_db, days=1).ok
        with seeded_db.connect() as conn:
            last = _one(conn, "select max(virtual_date) as d from driftworld.tick_ledger")
            assert last is not None
            opened: list[dict[str, Any]] = conn.execute(
                "select *, current_daily_cost::float8 as now from driftworld.waste_ledger where resolved_on is null"
            ).fetchall()
            wrong = [(p["scenario"], p["now"], bill(conn, p, last["d"])) for p in opened]
        wrong = [(name, now, billed) for name, now, billed in wrong if not _close(float(now), billed)]
        assert opened and not wrong, f"open pieces whose current cost is not today's bill: {wrong[:5]}"
    with seeded_db.connect() as conn:
        pieces: list[dict[str, Any]] = conn.execute(
            "select *, daily_cost::float8 as cost from driftworld.waste_ledger"
        ).fetchall()
        appeared = [(str(p["scenario"]), float(p["cost"]), bill(conn, p, p["injected_on"])) for p in pieces]
    assert {p["scenario"] for p in pieces} == set(REGISTRY), "a piece of every scenario, seeded or injected"
    mispriced = [a for a in appeared if not _close(a[1], a[2])]
    assert not mispriced, f"pieces whose ledger cost is not their bill on the day they appeared: {mispriced[:5]}"
    assert all(billed > 0 for name, _, billed in appeared if name != "unused_lambda"), "each costs something"
