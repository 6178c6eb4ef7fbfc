"""The seeder's reads and writes apart from the day's own: the settings row, a reset, the summary."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from driftworld.model.kinds import RESOURCE_TABLES
from driftworld.store.world_io import Conn, read_sql


@dataclass(frozen=True)
class SeedSummary:
    """What a world holds: counts, its days of history and the newest day's bill."""

    orgs: int
    accounts: int
    first_day: dt.date | None  # None: no history yet
    last_day: dt.date | None
    resources: dict[str, int]
    daily_cost: float  # the bill of the newest day


def world_exists(conn: Conn) -> bool:
    row = conn.execute(
        "select exists(select 1 from driftworld.world_settings) or exists(select 1 from organizations) as e"
    ).fetchone()
    return bool(row and row["e"])


def reset_world(conn: Conn) -> None:
    """Empty the world and nothing else: organizations cascade to every account-owned row; the two
    history tables without a foreign key, the agents' audit log and the engine's settings by name."""
    with conn.transaction():
        conn.execute(
            "truncate organizations, metrics_daily, data_transfer_daily, action_audit_log, "
            "driftworld.world_settings cascade"
        )


def insert_settings(
    conn: Conn, seed: int, clock_mode: str, seasonality: bool, difficulty: str, parameters: dict[str, Any]
) -> None:
    conn.execute(
        "insert into driftworld.world_settings (world_seed, clock_mode, seasonality, difficulty, seed_parameters) "
        "values (%s, %s, %s, %s, %s::jsonb)",
        (seed, clock_mode, seasonality, difficulty, json.dumps(parameters)),
    )


def summarize(conn: Conn) -> SeedSummary:
    counts = sql.SQL(", ").join(
        sql.SQL("(select count(*) from {}) as {}").format(sql.Identifier(table), sql.Identifier(table))
        for table in RESOURCE_TABLES
    )
    resources = conn.execute(sql.SQL("select {}").format(counts)).fetchone()
    info = conn.execute(
        "select (select count(*) from organizations) as orgs, (select count(*) from cloud_accounts) as accounts, "
        "(select min(date) from metrics_daily) as first_day, (select max(date) from metrics_daily) as last_day"
    ).fetchone()
    assert resources is not None and info is not None
    cost = conn.execute(read_sql("daily_cost.sql"), {"d": info["last_day"]}).fetchone()
    return SeedSummary(
        int(info["orgs"]),
        int(info["accounts"]),
        info["first_day"],
        info["last_day"],
        {table: int(resources[table]) for table in RESOURCE_TABLES},
        float(cost["c"]) if cost else 0.0,
    )
