"""Each account's virtual clock: its last simulated day, from the tick ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from driftworld.model.factory import Id
from driftworld.model.state import WorldSettings

Conn = psycopg.Connection[dict[str, Any]]

LAST_DAYS = """
select a.id as account_id,
       coalesce(
         (select max(virtual_date) from driftworld.tick_ledger l where l.account_id = a.id),
         greatest(
           (select max(date) from metrics_daily m where m.account_id = a.id),
           (select max(date) from s3_bucket_usage_daily s where s.account_id = a.id),
           (select max(date) from log_group_usage_daily g where g.account_id = a.id),
           (select max(date) from data_transfer_daily t where t.account_id = a.id))
       ) as last_day
from cloud_accounts a
where a.id = any(%s)
"""


class WorldNotSeeded(RuntimeError):
    """The database has the schema but no world settings yet."""


def last_days(conn: Conn, account_ids: list[Id]) -> dict[Id, dt.date | None]:
    """Last simulated day per account; None for an account without any history."""
    return {row["account_id"]: row["last_day"] for row in conn.execute(LAST_DAYS, (account_ids,))}


def read_settings(conn: Conn) -> WorldSettings:
    row = conn.execute(
        "select world_seed, clock_mode, seasonality, drift_intensity, difficulty from driftworld.world_settings"
    ).fetchone()
    if row is None:
        raise WorldNotSeeded("this database holds no world yet: run `driftworld seed` first")
    return WorldSettings(
        int(row["world_seed"]),
        str(row["clock_mode"]),
        bool(row["seasonality"]),
        dict(row["drift_intensity"]),
        str(row["difficulty"]),
    )
