"""The worker that executes tick requests queued in the database (pg_cron on plain PostgreSQL).

A request stays claimed, in the claiming transaction, until its result is stored (store/tick_requests.py),
so that a worker that dies mid-tick leaves it to another, and several workers run the queue one request
after another: each request simulates exactly one day (or its `days`) per account.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import psycopg

from driftworld.service.logs import emit
from driftworld.service.ticking import TickOutcome, run_tick
from driftworld.store import tick_requests
from driftworld.store.database import Database, DatabaseUnavailable, first_line


def stored_result(reply: dict[str, Any]) -> dict[str, Any]:
    """The reply as kept in tick_requests.result: accounts that simulated are in the tick ledger already,
    so only the others (failed, busy, skipped...) are listed, and a big world's queue stays small."""
    accounts = reply.get("accounts", [])
    kept = [a for a in accounts if a.get("status") != "simulated"]
    return {**reply, "accounts": kept, "accountsOmitted": len(accounts) - len(kept)}


class Worker:
    def __init__(self, database: Database, poll_s: float = 30.0, keep_days: int = 30) -> None:
        self.database = database
        self.poll_s = poll_s
        self.keep_days = keep_days
        self.stop = threading.Event()
        self.executed = 0

    def run_pending(self) -> int:
        """Execute every request that is pending now (one after another); return how many."""
        done = 0
        with self.database.connect() as conn:
            while not self.stop.is_set() and self._execute_one(conn):
                done += 1
        return done

    def _execute_one(self, conn: psycopg.Connection[dict[str, object]]) -> bool:
        with conn.transaction():
            request = tick_requests.claim_next(conn)
            if request is None:
                return False
            days = request["days"] if isinstance(request["days"], int) else 1
            emit("worker_request", request_id=request["id"], triggered_by=request["triggered_by"], days=days)
            outcome: TickOutcome = run_tick(
                self.database, triggered_by=f"worker:{request['triggered_by'] or 'unknown'}", days=days
            )
            tick_requests.finish(conn, request["id"], stored_result(outcome.reply), self.keep_days)
        self.executed += 1
        emit(
            "worker_request_done",
            logging.INFO if outcome.ok else logging.ERROR,
            request_id=request["id"],
            status=outcome.status_code,
            days_simulated=outcome.reply.get("daysSimulated", 0),
            error=outcome.reply.get("error"),
        )
        return True

    def run_forever(self) -> None:
        """LISTEN for requests, with a poll every `poll_s` as a fallback (a lost notification, a
        request queued while the worker was down); reconnect when the database goes away."""
        emit("worker_started", channel=tick_requests.CHANNEL, poll_s=self.poll_s)
        while not self.stop.is_set():
            try:
                with self.database.connect(autocommit=True) as listener:
                    tick_requests.listen(listener)
                    while not self.stop.is_set():
                        self.run_pending()
                        self._wait(listener)
            except (psycopg.Error, DatabaseUnavailable) as error:
                emit("worker_database_error", logging.ERROR, error=first_line(error), retry_in_s=self.poll_s)
                self.stop.wait(min(self.poll_s, 10.0))
        emit("worker_stopped", executed=self.executed)

    def _wait(self, listener: psycopg.Connection[dict[str, object]]) -> None:
        """Until a notification, the poll interval, or stop; in short slices so that stop is prompt."""
        deadline = time.monotonic() + self.poll_s
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            for _ in listener.notifies(timeout=min(remaining, 1.0), stop_after=1):
                return
