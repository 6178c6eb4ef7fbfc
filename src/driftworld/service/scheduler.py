"""The service's own scheduler (`serve --every`): a tick every interval, never two of its own at once.

Ticks run one after the other in a worker thread; when a tick outlasts the interval, the slots it
covered are skipped (and logged) rather than queued, so a slow world never builds a backlog.
Overlap with other triggers (HTTP, pg_cron) is safe anyway: the engine locks each account.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from driftworld.service.logs import emit
from driftworld.service.ticking import TickOutcome


class IntervalScheduler:
    def __init__(self, every_s: float, run_tick: Callable[[], TickOutcome]) -> None:
        if every_s <= 0:
            raise ValueError("the scheduler's interval must be positive")
        self.every_s = every_s
        self.run_tick = run_tick
        self.runs = 0
        self.failures = 0
        self.skipped_slots = 0
        self.running = False
        self.last_run: dict[str, Any] | None = None
        self.next_run_at: dt.datetime | None = None

    def state(self) -> dict[str, Any]:
        """What /health shows about the scheduler."""
        return {
            "every_s": self.every_s,
            "runs": self.runs,
            "failures": self.failures,
            "skipped_slots": self.skipped_slots,
            "running": self.running,
            "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
            "last_run": self.last_run,
        }

    async def run(self) -> None:
        """Tick one interval after start, then every interval, until cancelled."""
        due = time.monotonic() + self.every_s
        while True:
            self.next_run_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=max(0.0, due - time.monotonic()))
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await self._run_once()
            due += self.every_s
            now = time.monotonic()
            if due <= now:
                missed = int((now - due) // self.every_s) + 1
                self.skipped_slots += missed
                due += missed * self.every_s
                emit("scheduler_skipped", logging.WARNING, slots=missed, reason="the previous tick outlasted them")

    async def _run_once(self) -> None:
        self.running = True
        started = dt.datetime.now(dt.UTC)
        emit("scheduler_run", run=self.runs + 1, started_at=started.isoformat())
        try:
            outcome = await run_in_threadpool(self.run_tick)
            ok, status_code, error = outcome.ok, outcome.status_code, outcome.reply.get("error")
        except Exception as exc:  # the scheduler must survive anything a tick throws; it is logged
            ok, status_code, error = False, 500, f"{type(exc).__name__}: {exc}"
            emit("scheduler_error", logging.ERROR, error=error)
        finally:
            self.running = False
        self.runs += 1
        self.failures += 0 if ok else 1
        self.last_run = {"started_at": started.isoformat(), "status": status_code, "ok": ok, "error": error}
