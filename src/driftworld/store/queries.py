"""Small reads the command line needs to check a request or report what a run committed."""

from __future__ import annotations

import uuid

from driftworld.store.world_io import Conn


def account_exists(conn: Conn, account_id: uuid.UUID) -> bool:
    """Whether the world holds this account (active or not)."""
    row = conn.execute("select exists(select 1 from cloud_accounts where id = %s) as found", (account_id,)).fetchone()
    return bool(row and row["found"])


def ledger_days(conn: Conn) -> int:
    """Account-days the tick ledger holds: the difference between two reads is what committed in between."""
    row = conn.execute("select count(*) as n from driftworld.tick_ledger").fetchone()
    return int(row["n"]) if row else 0
