"""Carrying an account's in-memory state from one virtual day to the next without re-reading it.

The seeder simulates a whole month per account in memory and writes it once; this makes the
state after day d exactly what a fresh read of the database would give for day d + 1.
"""

from __future__ import annotations

import datetime as dt

from driftworld.engine.state import AccountState, DayChanges
from driftworld.model.kinds import BY_TABLE
from driftworld.model.rules.log_storage import effective_retention
from driftworld.model.rules.seven_day import day_value

ROLL_WINDOW_DAYS = 6  # the days before today that a 7-day column reads
KEPT_INGEST_DAYS = 3660  # the longest retention whose window the in-memory path can rebuild


def carry_forward(state: AccountState, changes: DayChanges) -> None:
    day, following = state.day, state.day + dt.timedelta(days=1)
    for row in changes.history.get("s3_bucket_usage_daily", []):
        state.s3_previous[row["bucket_id"]] = (
            row["storage_gb_standard"],
            row["storage_gb_ia"],
            row["storage_gb_glacier"],
        )
    groups = {g["id"]: g for g in state.table("log_groups")}
    for row in changes.history.get("log_group_usage_daily", []):
        ingests = state.log_ingest.setdefault(row["log_group_id"], [])
        ingests.append((day, float(row["ingested_gb"])))
        del ingests[:-KEPT_INGEST_DAYS]
        group = groups[row["log_group_id"]]
        retention = effective_retention(group["retention_days"], group["retention_in_days"])
        window = (
            0.0 if retention is None else sum(gb for d, gb in ingests if d > following - dt.timedelta(days=retention))
        )
        state.log_previous[row["log_group_id"]] = (float(row["stored_gb"]), window)
    for row in changes.history.get("metrics_daily", []):
        rolled = BY_TABLE[row["resource_type"]].rolled
        if rolled:
            values = {column: day_value(row["metric_payload"], spec.keys) for column, spec in rolled.items()}
            state.recent_days.setdefault((row["resource_type"], row["resource_id"]), []).append((day, values))
    oldest = following - dt.timedelta(days=ROLL_WINDOW_DAYS)
    for key, entries in state.recent_days.items():
        entries[:] = [(d, values) for d, values in entries if d >= oldest]
        state.recent[key] = {
            column: (sum(v[column] or 0.0 for _, v in entries), sum(v[column] is not None for _, v in entries))
            for column in BY_TABLE[key[0]].rolled
        }
    state.day = following
