"""What an agent is to the bench, and how it takes its turn: a Python object or a command.

Either way the agent works as the `driftworld_agent` role on the episode's copy of the world, so the
ground truth, the ledger and the shadows stay out of its reach. Only the shipped oracle is handed the
ground truth, by the harness, to mark the ceiling a perfect agent reaches.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import psycopg

BASELINES = {
    "noop": "driftworld.bench.baselines.noop:AGENT",
    "trusted-advisor": "driftworld.bench.baselines.trusted_advisor:AGENT",
    "oracle": "driftworld.bench.baselines.oracle:AGENT",
    "reckless": "driftworld.bench.baselines.reckless:AGENT",
}
TURN_TIMEOUT_S = 120.0


class AgentError(ValueError):
    """An agent that cannot be loaded; the message says what to give instead."""


@dataclass
class Turn:
    """One virtual day's turn: the day the agent sees as today, the episode's accounts, a connection as
    the agent, and, for the oracle only, the open ground truth."""

    virtual_date: dt.date
    episode: str
    account_ids: list[str]
    conn: psycopg.Connection[dict[str, Any]]
    agent_name: str
    ground_truth: list[dict[str, Any]] = field(default_factory=list)


@runtime_checkable
class PythonAgent(Protocol):
    def act(self, turn: Turn) -> None: ...


@dataclass
class TurnOutcome:
    seconds: float
    timed_out: bool = False
    error: str | None = None


@dataclass
class LoadedAgent:
    """An agent ready to run: its name in scores, and how one turn runs."""

    name: str
    python: PythonAgent | None = None
    command: str | None = None
    sees_ground_truth: bool = False
    turn_timeout_s: float = TURN_TIMEOUT_S

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": "command" if self.command else "python", "command": self.command}

    def take_turn(self, turn: Turn, env: dict[str, str], log: Path) -> TurnOutcome:
        started = time.perf_counter()
        if self.python is not None:
            try:
                self.python.act(turn)
            except Exception as error:  # the agent's failure is recorded, the episode goes on
                with log.open("a") as out:
                    out.write(f"{turn.virtual_date}: {type(error).__name__}: {error}\n")
                return TurnOutcome(time.perf_counter() - started, error=f"{type(error).__name__}: {error}")
            return TurnOutcome(time.perf_counter() - started)
        assert self.command is not None
        with log.open("a") as out:
            out.write(f"--- turn {turn.virtual_date}\n")
            out.flush()
            try:
                done = subprocess.run(
                    self.command,
                    shell=True,
                    env={**os.environ, **env},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=self.turn_timeout_s,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                out.write(f"--- turn timed out after {self.turn_timeout_s:g} s\n")
                return TurnOutcome(time.perf_counter() - started, timed_out=True)
        failure = None if done.returncode == 0 else f"exit status {done.returncode}"
        return TurnOutcome(time.perf_counter() - started, error=failure)


SCRIPT_SUFFIXES = (".py", ".sh", ".js", ".ts", ".rb")


def _command_name(command: str) -> str:
    """The agent's name from its command: the script's stem (`python agents/rules.py` is `rules`), else the
    program's."""
    tokens = shlex.split(command)
    script = next((t for t in tokens if Path(t).suffix in SCRIPT_SUFFIXES), tokens[0])
    return Path(script).stem or "agent"


def load_agent(spec: str | None, command: str | None, name: str | None = None) -> LoadedAgent:
    """A baseline by name, a `module:attribute` object with act(turn), or a shell command."""
    if (spec is None) == (command is None):
        raise AgentError("give one of --agent (a baseline or module:attribute) or --agent-cmd")
    if command is not None:
        if not command.strip():
            raise AgentError("--agent-cmd is empty")
        return LoadedAgent(name or _command_name(command), command=command)
    assert spec is not None
    target = BASELINES.get(spec, spec)
    if ":" not in target:
        raise AgentError(f"unknown agent {spec!r}: a baseline ({', '.join(BASELINES)}) or module:attribute")
    module_name, attribute = target.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise AgentError(f"cannot import {module_name!r}: {error}") from error
    obj: Any = getattr(module, attribute, None)
    if obj is None:
        raise AgentError(f"{module_name} has no attribute {attribute!r}")
    if isinstance(obj, type):
        obj = obj()
    if not isinstance(obj, PythonAgent):
        raise AgentError(f"{target} has no act(turn) method")
    label = name or getattr(obj, "name", None) or (spec if spec in BASELINES else attribute)
    return LoadedAgent(str(label), python=obj, sees_ground_truth=bool(getattr(obj, "sees_ground_truth", False)))
