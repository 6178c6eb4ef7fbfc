"""Servers the harness starts for one episode so that an agent needs no SQL: driftworld's MCP server (and
any other driftworld command that serves HTTP on localhost), each over the episode's own world."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

READY_TIMEOUT_S = 60.0


class ServiceFailed(RuntimeError):
    """A server the episode needs did not come up; the message says which and where its log is."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], name: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceFailed(f"{name} exited with status {process.returncode} before serving: see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ServiceFailed(f"{name} did not listen on port {port} within {READY_TIMEOUT_S:g} s: see {log}")


@contextmanager
def driftworld_server(
    name: str, arguments: list[str], database_url: str, extra_env: dict[str, str], port: int, log: Path
) -> Iterator[None]:
    """`driftworld <arguments>` in a child process over `database_url`, until the block ends."""
    env = {**os.environ, "DATABASE_URL": database_url, **extra_env}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from driftworld.cli import app; app()", *arguments],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_listening(port, process, name, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def mcp_for_episode(database_url: str, agent_name: str, enforce_policy: bool, log: Path) -> Iterator[dict[str, str]]:
    """The MCP server over streamable HTTP for one episode; yields the variables the agent gets."""
    port, token = free_port(), secrets.token_urlsafe(24)
    arguments = ["mcp", "--http", "--port", str(port), "--agent-name", agent_name]
    if enforce_policy:
        arguments.append("--enforce-policy")
    with driftworld_server("driftworld mcp", arguments, database_url, {"DRIFTWORLD_MCP_TOKEN": token}, port, log):
        yield {"DRIFTWORLD_MCP_URL": f"http://127.0.0.1:{port}/mcp", "DRIFTWORLD_MCP_TOKEN": token}
