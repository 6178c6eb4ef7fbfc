"""What a tick reads and records around the day's rules: active accounts, their locks and clocks, the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from driftworld.model.factory import Account, Id
from driftworld.model.state import DayChanges
from driftworld.store.world_io import Conn, Writes, read_sql, to_json

ACCOUNT_LOCK_NAMESPACE = 0x6477  # "dw": first key of every per-account advisory lock


def active_accounts(conn: Conn, wanted: Sequence[Id] | None) -> list[Account]:
    """The active accounts (only the `wanted` ones when given), by id."""
    rows = conn.execute(
        "select id, org_id, coalesce(aws_account_number, '000000000000') as number, "
        "coalesce(primary_region, 'us-east-1') as region from cloud_accounts "
        "where is_active and (%s::uuid[] is null or id = any(%s::uuid[])) order by id",
        (wanted, wanted),
    ).fetchall()
    return [Account(r["id"], r["org_id"], r["number"], r["region"]) for r in rows]


def lock_accounts(conn: Conn, ids: list[Id]) -> set[Id]:
    """The accounts whose lock this transaction took; another tick holds the others."""
    return {
        row["id"]
        for row in conn.execute(
            "select id from unnest(%s::uuid[]) as id where pg_try_advisory_xact_lock(%s, hashtext(id::text))",
            (ids, ACCOUNT_LOCK_NAMESPACE),
        )
    }


def last_days(conn: Conn, account_ids: list[Id]) -> dict[Id, dt.date | None]:
    """Last simulated day per account; None for an account without any history."""
    return {row["account_id"]: row["last_day"] for row in conn.execute(read_sql("last_days.sql"), (account_ids,))}


def record_days(writes: Writes, batch: list[DayChanges], source: Literal["seed", "tick"]) -> None:
    """The batch's rows of the tick ledger, which the clocks read back."""
    ledger = [
        {
            "account_id": c.account.id,
            "virtual_date": c.day,
            "source": source,
            "rows_appended": c.rows_appended(),
            "scenarios": c.scenarios,
        }
        for c in batch
    ]
    writes.execute(read_sql("record_days.sql"), (to_json(ledger),))


def newest_virtual_day(conn: Conn) -> dt.date | None:
    """The ledger's newest day, None when there is no ledger yet (an unmigrated database) or it is empty."""
    found = conn.execute("select to_regclass('driftworld.tick_ledger') is not null as found").fetchone()
    if not (found and found["found"]):
        return None
    row = conn.execute("select max(virtual_date) as newest from driftworld.tick_ledger").fetchone()
    newest = row["newest"] if row else None
    return newest if isinstance(newest, dt.date) else None
