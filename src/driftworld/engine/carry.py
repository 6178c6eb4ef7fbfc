"""Carrying an account's in-memory state from one virtual day to the next without re-reading it.

The seeder simulates a whole month per account in memory and writes it once; this makes the
state after day d exactly what a fresh read of the database would give for day d + 1.
"""

from __future__ import annotations

import datetime as dt

from driftworld.model.rules.log_storage import effective_retention
from driftworld.model.state import AccountState, DayChanges

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
    state.day = following
