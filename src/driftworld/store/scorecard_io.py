"""The scorecard's reads: ground-truth waste per scenario and findings per kind and source, over a window."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from driftworld.store.world_io import Conn, adapt_connection, read_sql


def _window(
    account_id: uuid.UUID | None, since: dt.date | None, until: dt.date | None, agent: str | None
) -> dict[str, Any]:
    return {"account": account_id, "since": since, "until": until, "agent": agent}


def waste_by_scenario(
    conn: Conn, account_id: uuid.UUID | None, since: dt.date | None, until: dt.date | None, agent: str | None
) -> list[dict[str, Any]]:
    """Per scenario: pieces injected, open and resolved (by the agent, by others), and what they cost."""
    adapt_connection(conn)
    return conn.execute(read_sql("scorecard_waste.sql"), _window(account_id, since, until, agent)).fetchall()


def findings_by_source(
    conn: Conn, account_id: uuid.UUID | None, since: dt.date | None, until: dt.date | None, agent: str | None
) -> list[dict[str, Any]]:
    """Rows (kind, change_source, n) of policy violations and false positives."""
    adapt_connection(conn)
    return conn.execute(read_sql("scorecard_findings.sql"), _window(account_id, since, until, agent)).fetchall()
