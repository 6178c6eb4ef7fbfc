"""Which database driftworld talks to, and connections to it."""

from __future__ import annotations

import multiprocessing.util
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row

from driftworld.config import Settings
from driftworld.redact import redact, remember
from driftworld.store.embedded import embedded_database


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message says which one and what to check (passwords masked),
    `reason` says why in a few words, without any part of the connection string."""

    def __init__(self, message: str, reason: str = "the database cannot be reached") -> None:
        super().__init__(redact(message))
        self.reason = reason


def why_unreachable(error: psycopg.Error) -> str:
    """A few words on why a connection failed, for readers who must not see the connection string."""
    if isinstance(error, psycopg.ProgrammingError):
        return "the connection string cannot be parsed"
    text = str(error).lower()
    for clue, reason in (
        ("password authentication failed", "authentication failed"),
        ("authentication", "authentication failed"),
        ("no password supplied", "authentication failed"),
        ("does not exist", "the database or role does not exist"),
        ("could not translate host name", "the host name cannot be resolved"),
        ("name or service not known", "the host name cannot be resolved"),
        ("timeout", "the server did not answer in time"),
        ("connection refused", "the server refused the connection"),
        ("no such file or directory", "no server is listening there"),
        ("starting up", "the server is starting up"),
        ("shutting down", "the server is shutting down"),
        ("too many", "the server has too many connections"),
        ("ssl", "the SSL negotiation failed"),
        ("invalid", "the connection string is invalid"),
    ):
        if clue in text:
            return reason
    return "the server cannot be reached"


@dataclass(frozen=True)
class Database:
    """A connection target: a URL plus where it came from (for messages, never the password)."""

    url: str
    origin: str  # "DATABASE_URL" or "embedded"
    connect_timeout_s: int = 5
    statement_timeout_s: int = 600
    watchdog_s: float = 30.0

    def __post_init__(self) -> None:
        remember(self.url)

    def connect(self, autocommit: bool = False) -> psycopg.Connection[dict[str, object]]:
        """A new connection whose session runs in UTC: psycopg returns timestamps in the session's time
        zone, and any name but 'UTC' (even 'Etc/UTC', a server's usual default) costs a zoneinfo
        conversion per value read."""
        try:
            conn = psycopg.connect(
                self.url,
                autocommit=autocommit,
                row_factory=dict_row,
                connect_timeout=self.connect_timeout_s,
                application_name="driftworld",
                keepalives=1,  # a server whose host vanished is noticed within about a minute; a frozen
                keepalives_idle=30,  # server whose kernel still answers is not: the tick's watchdog is for that
                keepalives_interval=10,
                keepalives_count=3,
            )
        except (psycopg.OperationalError, psycopg.ProgrammingError) as error:  # unreachable, or a malformed URL
            remember(self.url)  # an unpickled Database (a worker's) skipped __post_init__
            reason = why_unreachable(error)
            detail = first_line(error)
            if isinstance(error, psycopg.ProgrammingError):
                detail = f"{reason} ({detail})"
            raise DatabaseUnavailable(
                f"cannot connect to the {self.origin} database: {detail}. "
                + (
                    "Check DATABASE_URL and that the server is up."
                    if self.origin == "DATABASE_URL"
                    else "Run `driftworld db start` or `driftworld db status`."
                ),
                reason,
            ) from error
        try:
            # one round trip: without parameters, psycopg sends both statements as one simple query
            conn.execute(f"set time zone 'UTC'; set statement_timeout = {int(self.statement_timeout_s) * 1000}")
            if not autocommit:
                conn.commit()
        except psycopg.Error:
            conn.close()
            raise
        return conn

    @contextmanager
    def session(self) -> Iterator[psycopg.Connection[dict[str, object]]]:
        """An autocommit connection kept open for the next call in this process (a tick's, a worker's
        batch): opening one costs milliseconds, and a new server process loads its catalog caches again
        for every first query. A kept connection is checked with one round trip before it is used again
        (the server may have restarted); one that failed or is left inside a transaction is closed
        instead of kept."""
        conn = _take_kept(self.url) or self.connect(autocommit=True)
        _in_use[id(conn)] = conn
        try:
            yield conn
        except BaseException:
            conn.close()
            raise
        finally:
            _in_use.pop(id(conn), None)
        _keep(self.url, conn)


# Connections this process is using for a session, by id: the watchdog cuts them when the server is silent.
_in_use: dict[int, psycopg.Connection[dict[str, object]]] = {}


def cut_connections() -> int:
    """Shut down the socket of every connection this process keeps or uses, from any thread: a call
    blocked on a silent server returns at once with an error, where closing the connection would wait
    for that call. Returns how many were cut."""
    with _kept_lock:
        conns = [conn for _, conn in _kept] + list(_in_use.copy().values())
    cut = 0
    for conn in conns:
        try:
            fd = conn.pgconn.socket
        except psycopg.Error:
            continue  # already closed
        try:
            with socket.socket(fileno=os.dup(fd)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
            cut += 1
        except OSError:
            pass
    return cut


# Connections kept per process, the newest last: a tick needs one; more would pile up, one per database
# a long-lived process (a test run) ever ticked.
# Kept by hand, not in psycopg_pool: a pool reports a refused server after its 30 s getconn timeout, without
# the reason, this cache in 1 ms with it (a kept connection's checkout: ~0.3 ms both).
KEPT_CONNECTIONS = 2
_kept: list[tuple[str, psycopg.Connection[dict[str, object]]]] = []
_kept_lock = threading.Lock()
_closing_registered_in: int | None = None  # the process whose exit closes the kept connections


def _take_kept(url: str) -> psycopg.Connection[dict[str, object]] | None:
    with _kept_lock:
        found = next((i for i in reversed(range(len(_kept))) if _kept[i][0] == url), None)
        if found is None:
            return None
        _, conn = _kept.pop(found)
    _in_use[id(conn)] = conn  # the check below is cut by the watchdog too
    try:
        conn.execute("select 1")
    except psycopg.Error:
        conn.close()
        return None
    finally:
        _in_use.pop(id(conn), None)
    return conn


def _keep(url: str, conn: psycopg.Connection[dict[str, object]]) -> None:
    if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
        conn.close()
        return
    global _closing_registered_in
    with _kept_lock:
        if _closing_registered_in != os.getpid():  # multiprocessing ends its workers without atexit
            multiprocessing.util.Finalize(None, _close_kept, exitpriority=10)
            _closing_registered_in = os.getpid()
        _kept.append((url, conn))
        evicted = _kept[:-KEPT_CONNECTIONS]
        del _kept[:-KEPT_CONNECTIONS]
    for _, old in evicted:
        old.close()


def _close_kept() -> None:
    with _kept_lock:
        closing = [conn for _, conn in _kept]
        _kept.clear()
    for conn in closing:
        conn.close()


def _forget_kept() -> None:
    """In a forked child: the parent's connections are the parent's (closing them here would end its
    sessions; psycopg never finishes a connection in a process that did not open it), and the lock may
    have been held by one of the parent's other threads."""
    global _kept_lock
    _kept_lock = threading.Lock()
    _kept.clear()
    _in_use.clear()


os.register_at_fork(after_in_child=_forget_kept)


def first_line(error: BaseException) -> str:
    """The first line of an error's message, secrets masked."""
    text = str(error).strip()
    return redact(text.splitlines()[0]) if text else type(error).__name__


def resolve_database(settings: Settings, start_embedded: bool = True) -> Database:
    """DATABASE_URL when set; otherwise the embedded database, started on demand."""
    timeouts = (settings.connect_timeout_s, settings.statement_timeout_s, settings.watchdog_s)
    if settings.database_url is not None:
        return Database(settings.database_url.get_secret_value(), "DATABASE_URL", *timeouts)
    embedded = embedded_database(settings.driftworld_home)
    url = embedded.ensure_running() if start_embedded else embedded.url
    return Database(url, "embedded", *timeouts)
