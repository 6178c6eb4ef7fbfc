"""Small readers the tests share: rows of a query, one value, each account's last simulated day."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from driftworld.store.database import Database


def rows(db: Database, query: str, params: Any = None) -> list[dict[str, Any]]:
    """Every row of a query, as dicts, on a connection of its own."""
    with db.connect(autocommit=True) as conn:
        return list(conn.execute(query, params).fetchall())


def one(db: Database, query: str, params: Any = None) -> Any:
    """The single value of a query that returns one row of one column."""
    found = rows(db, query, params)
    assert len(found) == 1, found
    return next(iter(found[0].values()))


def execute(db: Database, query: str, params: Any = None) -> None:
    with db.connect(autocommit=True) as conn:
        conn.execute(query, params)


def clocks(db: Database) -> dict[uuid.UUID, dt.date]:
    """Each account's last simulated day, from the public view agents read."""
    return {r["account_id"]: r["virtual_date"] for r in rows(db, "select account_id, virtual_date from virtual_clock")}
