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

from driftworld.engine.tick import InvalidTickRequest, TickResult, tick
from driftworld.redact import redact
from driftworld.service.logs import emit
from driftworld.service.replies import ErrorReply, tick_reply
from driftworld.store.cluster import ClusterError
from driftworld.store.database import Database, DatabaseUnavailable, first_line
from driftworld.store.migrations import MigrationError
from driftworld.store.world_settings import WorldNotSeeded

# Failures of the setting rather than of the request: the reply is a 500 and names the cause.
SERVICE_ERRORS = (DatabaseUnavailable, MigrationError, WorldNotSeeded, ClusterError)

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
        return TickOutcome(400, ErrorReply(error=message).body())
    except SERVICE_ERRORS as error:
        return _failed(context, started, shorten(redact(str(error))))
    except psycopg.Error as error:
        return _failed(context, started, f"database error: {first_line(error)}")
    _log_account_days(result, context)
    reply = tick_reply(result)
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
    return TickOutcome(500, ErrorReply(error=message, accounts=[]).body())


def _count_statuses(result: TickResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for account in result.accounts:
        counts[account.status] = counts.get(account.status, 0) + 1
    return counts


def _log_account_days(result: TickResult, context: dict[str, Any]) -> None:
    """One line per simulated account-day, with that day's counts, and one per account that did not
    advance or failed, with the reason."""
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
    for account in result.accounts:
        for day in account.days:
            emit(
                "account_day",
                **context,
                account_id=str(account.account_id),
                virtual_date=str(day.day),
                status="simulated",
                rows_appended=day.rows_appended,
                scenarios=day.scenarios,
                duration_ms=round(day.duration_ms),
            )
        if account.days and account.status == "failed":
            emit(
                "account_day",
                logging.ERROR,
                **context,
                account_id=str(account.account_id),
                virtual_date=None,
                status="failed",
                error=account.error,
            )
