"""The tick's watchdog: a database that answers nothing (a frozen server whose kernel still accepts
connections, which neither timeouts nor keepalives notice) must not hang a tick. When no batch has
finished for `seconds`, the watchdog cuts the process's connections and ends the workers, so the
calls waiting on the server fail at once and the tick reports what it has."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType


def silence_message(seconds: float) -> str:
    """The error of each account an abandoned tick did not finish. A batch cut off while the server was
    committing it may have committed without its outcome reaching the tick: the next tick reads the
    ledger and goes on from there, never repeating a day."""
    return (
        f"the database answered nothing for {seconds:g} s: the tick was abandoned "
        "(committed days stay; the day under way may have committed too)"
    )


class Watchdog:
    """Calls `on_silence` once if `kick` is not called for `seconds` (never when `seconds` is 0)."""

    def __init__(self, seconds: float, on_silence: Callable[[], None]) -> None:
        self.seconds = seconds
        self.fired = False
        self._on_silence = on_silence
        self._deadline = time.monotonic() + seconds
        self._paused = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="driftworld-watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        if self.seconds > 0:
            self.kick()
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def kick(self) -> None:
        """The database answered: the silence starts again from now."""
        self._deadline = time.monotonic() + self.seconds

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Work that does not wait on the database (starting worker processes) is not silence."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1
            self.kick()

    def _watch(self) -> None:
        while not self._stopped.wait(max(0.05, self._deadline - time.monotonic())):
            if time.monotonic() >= self._deadline and not self._paused:
                self.fired = True
                self._on_silence()
                return
