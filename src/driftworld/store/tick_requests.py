"""The queue of tick requests (driftworld.tick_requests) that pg_cron fills and the worker empties.

A request is claimed with FOR UPDATE SKIP LOCKED and stays locked, in the claiming transaction, until
its result is stored: if the worker dies mid-tick the claim rolls back and another worker takes it.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

Conn = psycopg.Connection[dict[str, Any]]

CHANNEL = "driftworld_tick"  # driftworld.request_tick() notifies it
WORKER_LOCK = (0x64777772, 0)  # "dwwr": its own namespace, apart from the engine's per-account locks

CLAIM = """
select id, triggered_by, days from driftworld.tick_requests
where finished_at is null
order by id
limit 1
for update skip locked
"""


def claim_next(conn: Conn) -> dict[str, Any] | None:
    """The oldest pending request, claimed for this transaction, once the workers' shared lock is held
    (several workers run the queue one request after another); None when nothing is pending."""
    request = conn.execute(CLAIM).fetchone()
    if request is None:
        return None
    conn.execute("select pg_advisory_xact_lock(%s, %s)", WORKER_LOCK)
    conn.execute("update driftworld.tick_requests set claimed_at = clock_timestamp() where id = %s", (request["id"],))
    return request


def finish(conn: Conn, request_id: int, result: dict[str, Any], keep_days: int) -> None:
    """Store a request's result, and drop the requests finished more than `keep_days` ago: the queue is
    not an archive, the ledger keeps the history."""
    conn.execute(
        "update driftworld.tick_requests set finished_at = clock_timestamp(), result = %s where id = %s",
        (Jsonb(result), request_id),
    )
    conn.execute(
        "delete from driftworld.tick_requests where finished_at < now() - make_interval(days => %s)", (keep_days,)
    )


def listen(conn: Conn) -> None:
    """Notifications of new requests on this (autocommit) connection."""
    conn.execute(sql.SQL("listen {}").format(sql.Identifier(CHANNEL)))


def queue_state(conn: Conn) -> dict[str, Any] | None:
    """Pending and finished requests, and when the last one finished."""
    return conn.execute(
        "select count(*) filter (where finished_at is null) as pending, "
        "count(*) filter (where finished_at is not null) as finished, "
        "max(finished_at) as last_finished_at from driftworld.tick_requests"
    ).fetchone()
