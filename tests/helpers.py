"""What the tests share: small database readers, a real `driftworld serve` process, a TCP proxy that can
take the database away, the CLI in a subprocess. No tests here."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import psycopg

from driftworld.store.cluster import free_tcp_port
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


def execute(db: Database, query: str, params: Any = None) -> list[dict[str, Any]]:
    """Run a statement; the rows it returns, if any."""
    with db.connect(autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def clocks(db: Database) -> dict[uuid.UUID, dt.date]:
    """Each account's last simulated day, from the public view agents read."""
    return {r["account_id"]: r["virtual_date"] for r in rows(db, "select account_id, virtual_date from virtual_clock")}


def text_clocks(db: Database) -> dict[str, dt.date]:
    """The same, keyed by the account id as text (as the service's JSON replies give it)."""
    return {str(account): day for account, day in clocks(db).items()}


TOKEN = "test-token-0123456789abcdef"
CLI = "import sys; from driftworld.cli import app; sys.argv[0] = 'driftworld'; app()"


def cli_command(*args: str) -> list[str]:
    """`driftworld ARGS` with this interpreter (the console script may not be on PATH)."""
    return [sys.executable, "-c", CLI, *args]


def service_env(database_url: str | None, token: str | None = TOKEN, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DRIFT_TICK_TOKEN", "SUPABASE_SERVICE_ROLE_KEY")}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    if token is not None:
        env["DRIFT_TICK_TOKEN"] = token
    env.update(extra)
    return env


def run_cli(
    *args: str, database_url: str | None, timeout: float = 120, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args),
        env=service_env(database_url, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class ServerProcess:
    """`driftworld serve` in a subprocess on a free port; stderr (the JSON logs) goes to a file."""

    def __init__(
        self, database_url: str, log_dir: Path, *args: str, token: str | None = TOKEN, **extra_env: str
    ) -> None:
        self.port = free_tcp_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"serve-{self.port}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            cli_command("serve", "--port", str(self.port), *args),
            env=service_env(database_url, token, **extra_env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_ready(self, timeout: float = 30) -> ServerProcess:
        def answering() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}: {self.log_text()}")
            try:
                httpx.get(f"{self.url}/openapi.json", timeout=1)
                return True
            except httpx.TransportError:
                return False

        assert wait_until(answering, timeout), f"serve did not answer within {timeout}s: {self.log_text()}"
        return self

    def log_text(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON lines of the log (uvicorn's included)."""
        lines = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_tick(
    base_url: str, body: Any = None, raw: bytes | None = None, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    content = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    return httpx.post(
        f"{base_url}/functions/v1/drift-tick",
        content=content,
        headers={"Content-Type": "application/json", **(auth() if headers is None else headers)},
        timeout=120,
    )


def ledger(database: Database) -> dict[str, list[dt.date]]:
    """Tick-ledger days per account (seeded days excluded)."""
    with database.connect() as conn:
        rows = conn.execute(
            "select account_id::text as a, virtual_date as d from driftworld.tick_ledger "
            "where source = 'tick' order by 1, 2"
        ).fetchall()
    days: dict[str, list[dt.date]] = {}
    for row in rows:
        day = row["d"]
        assert isinstance(day, dt.date)
        days.setdefault(str(row["a"]), []).append(day)
    return days


class TcpProxy:
    """Forwards a local port to the database's; `down()` closes it and every connection through it, so
    the service sees the database go away (refused connections) while it keeps running."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_tcp_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the accepting thread; close() alone would not
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def tcp_url_via(port: int, dbname: str) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{dbname}?sslmode=disable"


def dbname(database: Database) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(database.url)["dbname"])
