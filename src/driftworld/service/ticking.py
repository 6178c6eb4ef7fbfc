"""One tick as the service runs it: the engine call, its HTTP status and reply, and its log lines.

The HTTP function, the service's own scheduler and the pg_cron worker all go through `run_tick`, so
they answer, fail and log the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from driftworld.engine.clock import WorldNotSeeded
from driftworld.engine.tick import InvalidTickRequest, TickResult, tick
from driftworld.redact import redact
from driftworld.service.logs import emit
from driftworld.store.cluster import ClusterError
from driftworld.store.database import Database, DatabaseUnavailable, first_line
from driftworld.store.migrations import MigrationError

# Failures of the setting rather than of the request: the reply is a 500 and names the cause.
SERVICE_ERRORS = (DatabaseUnavailable, MigrationError, WorldNotSeeded, ClusterError)

LEDGER_DAYS = """
select l.account_id, l.virtual_date, l.rows_appended, l.scenarios, l.duration_ms
from driftworld.tick_ledger l
join unnest(%s::uuid[], %s::date[], %s::date[]) as r(account_id, first_day, last_day)
  on l.account_id = r.account_id and l.virtual_date between r.first_day and r.last_day
order by l.account_id, l.virtual_date
"""


MAX_ERROR_CHARS = 500


def shorten(message: str, limit: int = MAX_ERROR_CHARS) -> str:
    """At most `limit` characters: an error that quotes what a request held stays a short reply and log line."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


@dataclass(frozen=True)
class TickOutcome:
    """What a tick came to, ready to be sent: HTTP status and JSON reply (and the engine's result)."""

    status_code: int
    reply: dict[str, Any]
    result: TickResult | None = None

    @property
    def ok(self) -> bool:
        return self.status_code == 200


def run_tick(
    database: Database,
    *,
    triggered_by: str | None,
    days: int | None = None,
    date: dt.date | None = None,
    account_ids: Sequence[uuid.UUID] | None = None,
) -> TickOutcome:
    """Run the engine once, map every failure to a status code, and log the tick and its account-days."""
    tick_id = uuid.uuid4().hex[:12]
    started = time.perf_counter()
    context = {"tick_id": tick_id, "triggered_by": triggered_by}
    try:
        result = tick(database, days=days, date=date, account_ids=account_ids)
    except InvalidTickRequest as error:
        message = shorten(str(error))
        emit("tick", logging.WARNING, **context, status="rejected", http_status=400, error=message)
        return TickOutcome(400, {"ok": False, "error": message})
    except SERVICE_ERRORS as error:
        return _failed(context, started, shorten(redact(str(error))))
    except psycopg.Error as error:
        return _failed(context, started, f"database error: {first_line(error)}")
    _log_account_days(database, result, context)
    reply = result.reply()
    status_code = 200 if result.ok else 500
    emit(
        "tick",
        logging.INFO if result.ok else logging.ERROR,
        **context,
        status="ok" if result.ok else "failed",
        http_status=status_code,
        simulated_date=reply["simulatedDate"],
        accounts_processed=reply["accountsProcessed"],
        days_simulated=reply["daysSimulated"],
        rows_appended=reply["rowsAppended"],
        scenarios=reply["scenariosTriggered"],
        accounts_by_status=_count_statuses(result),
        duration_ms=round((time.perf_counter() - started) * 1000),
        error=reply.get("error"),
    )
    return TickOutcome(status_code, reply, result)


def _failed(context: dict[str, Any], started: float, message: str) -> TickOutcome:
    emit(
        "tick",
        logging.ERROR,
        **context,
        status="error",
        http_status=500,
        error=message,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )
    return TickOutcome(500, {"ok": False, "error": message, "accounts": []})


def _count_statuses(result: TickResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for account in result.accounts:
        counts[account.status] = counts.get(account.status, 0) + 1
    return counts


def _log_account_days(database: Database, result: TickResult, context: dict[str, Any]) -> None:
    """One line per simulated account-day (from the ledger, which keeps each day's counts) and one per
    account that did not advance, with the reason."""
    advanced = [a for a in result.accounts if a.days_simulated and a.from_date and a.to_date]
    for account in result.accounts:
        if account.days_simulated == 0:
            emit(
                "account_day",
                logging.ERROR if account.status == "failed" else logging.INFO,
                **context,
                account_id=str(account.account_id),
                virtual_date=None,
                status=account.status,
                reason=account.reason,
                error=account.error,
            )
    if not advanced:
        return
    rows: list[dict[str, Any]] = []
    try:
        if result.abandoned:  # the database answers nothing: do not wait on it again
            raise DatabaseUnavailable("the tick was abandoned", "the database answers nothing")
        with database.connect(autocommit=True) as conn:
            rows = conn.execute(
                LEDGER_DAYS,
                ([a.account_id for a in advanced], [a.from_date for a in advanced], [a.to_date for a in advanced]),
            ).fetchall()
    except (psycopg.Error, DatabaseUnavailable) as error:
        emit("ledger_unreadable", logging.WARNING, **context, error=first_line(error))
    logged = {(row["account_id"], row["virtual_date"]) for row in rows}
    for row in rows:
        emit(
            "account_day",
            **context,
            account_id=str(row["account_id"]),
            virtual_date=str(row["virtual_date"]),
            status="simulated",
            rows_appended=row["rows_appended"],
            scenarios=row["scenarios"],
            duration_ms=row["duration_ms"],
        )
    for account in advanced:
        if not any((account.account_id, d) in logged for d in _days(account.from_date, account.to_date)):
            emit(  # the ledger could not be read: one line for the account's days instead
                "account_day",
                **context,
                account_id=str(account.account_id),
                virtual_date=str(account.to_date),
                from_date=str(account.from_date),
                status=account.status,
                days_simulated=account.days_simulated,
                rows_appended=account.rows_appended,
                scenarios=[s for _, s in account.scenarios],
                duration_ms=round(account.duration_ms),
            )
        if account.status == "failed":
            emit(
                "account_day",
                logging.ERROR,
                **context,
                account_id=str(account.account_id),
                virtual_date=None,
                status="failed",
                error=account.error,
            )


def _days(first: dt.date | None, last: dt.date | None) -> list[dt.date]:
    if first is None or last is None:
        return []
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
