"""One episode: a fresh copy of the suite's world for one seed, the agent's turn each virtual day, then a
tick of one day. The template and the no-agent replay are built once per suite digest and kept."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

import driftworld
from driftworld.bench.agents import LoadedAgent, Turn
from driftworld.bench.services import mcp_for_episode
from driftworld.bench.suite import Suite
from driftworld.seeder import SeedRequest, seed_world
from driftworld.store import bench_io
from driftworld.store.database import Database
from driftworld.store.migrations import migrate
from driftworld.store.uris import as_uri

Progress = Callable[[str], None]  # called with a short label after each step


@dataclass
class Overhead:
    """Where an episode's time goes, in seconds, so that the harness's cost is known."""

    copy: float = 0.0
    turns: float = 0.0
    ticks: float = 0.0
    scoring: float = 0.0


@dataclass(frozen=True)
class Servers:
    """What the harness serves a command agent besides SQL: the MCP server, in which policy mode."""

    mcp: bool = False
    enforce_policy: bool = False


@dataclass
class EpisodeWorlds:
    """The databases an episode reads: its own, the replay without an agent, and the template."""

    episode: str
    replay: str
    template: str
    first_day: dt.date
    last_day: dt.date


@dataclass
class EpisodeRun:
    seed: int
    worlds: EpisodeWorlds
    turns: list[dict[str, Any]] = field(default_factory=list)
    overhead: Overhead = field(default_factory=Overhead)


class Harness:
    """Builds templates and replays on one server and runs episodes against copies of them."""

    def __init__(self, database: Database, migrations: Path) -> None:
        self.database = database
        self.migrations = migrations
        self.password = secrets.token_urlsafe(24)  # this run's agent login; never printed
        self.agent_login_ready = False

    def url(self, name: str) -> str:
        return bench_io.with_database(self.database.url, name)

    def agent_url(self, name: str) -> str:
        return bench_io.with_database(self.database.url, name, bench_io.AGENT_ROLE, self.password)

    def template(self, suite: Suite, seed: int) -> str:
        """The suite's world for the seed, seeded once and kept under a name carrying the digest."""
        name = f"dwb_{suite.name[:20]}_{seed}_{suite.digest(self.migrations)}"
        with bench_io.server(self.database.url) as admin:
            if bench_io.database_exists(admin, name):
                return name
            building = name + "_building"
            bench_io.drop_database(admin, building)
            bench_io.create_database(admin, building)
        with psycopg.connect(self.url(building), autocommit=True, row_factory=dict_row) as conn:
            migrate(conn, self.migrations)
            request = SeedRequest(
                orgs=suite.organizations,
                accounts_per_org=suite.accounts_per_org,
                days=suite.history_days,
                seed=seed,
                end_date=suite.end_date,
                clock_mode="virtual",
                difficulty=suite.difficulty,
            )
            seed_world(conn, request)
            bench_io.set_world_intensity(conn, suite.intensity)
        with bench_io.server(self.database.url) as admin:
            bench_io.drop_connections_and_rename(admin, building, name)
        return name

    def replay(self, suite: Suite, seed: int, template: str) -> str:
        """The episode without an agent, ticked once and kept: every agent is graded against it."""
        name = template.replace("dwb_", "dwr_", 1)
        with bench_io.server(self.database.url) as admin:
            if bench_io.database_exists(admin, name):
                return name
            building = name + "_building"
            bench_io.drop_database(admin, building)
            bench_io.create_database(admin, building, template)
        for _ in range(suite.episode_days):
            self._tick(building)
        with bench_io.server(self.database.url) as admin:
            bench_io.drop_connections_and_rename(admin, building, name)
        return name

    def _tick(self, name: str) -> None:
        result = driftworld.tick(Database(self.url(name), "bench"), days=1)
        if not result.ok:
            failed = [a.error for a in result.accounts if a.error]
            raise RuntimeError(f"a tick of the episode failed: {failed[0] if failed else 'unknown error'}")

    def run_episode(
        self,
        suite: Suite,
        seed: int,
        agent: LoadedAgent,
        folder: Path,
        progress: Progress | None = None,
        servers: Servers | None = None,
    ) -> EpisodeRun:
        template = self.template(suite, seed)
        replay = self.replay(suite, seed, template)
        episode = f"dwe_{secrets.token_hex(6)}"
        overhead = Overhead()
        started = time.perf_counter()
        with bench_io.server(self.database.url) as admin:
            if not self.agent_login_ready:  # the template's migrations made the role
                bench_io.enable_agent_login(admin, self.password)
                self.agent_login_ready = True
            bench_io.create_database(admin, episode, template)
        with psycopg.connect(self.url(episode), autocommit=True, row_factory=dict_row) as owner:
            bench_io.credit_audit_rows_to(owner, agent.name)
            accounts = bench_io.account_ids(owner)
            first_day = bench_io.newest_day(owner) + dt.timedelta(days=1)
        overhead.copy = time.perf_counter() - started
        worlds = EpisodeWorlds(episode, replay, template, first_day, first_day + dt.timedelta(suite.episode_days - 1))
        run = EpisodeRun(seed, worlds, overhead=overhead)
        log = folder / "agent.log"
        env = {
            "DATABASE_URL": as_uri(self.agent_url(episode), masked=False),
            "DRIFTWORLD_EPISODE": f"{suite.name}-{seed}",
            "DRIFTWORLD_AGENT": agent.name,
        }
        with ExitStack() as stack:
            stack.enter_context(self._aws_api(episode, agent, env))
            if servers is not None and servers.mcp:
                owner_uri = as_uri(self.url(episode), masked=False)
                env |= stack.enter_context(
                    mcp_for_episode(owner_uri, agent.name, servers.enforce_policy, folder / "mcp.log")
                )
            as_agent = stack.enter_context(
                psycopg.connect(self.agent_url(episode), autocommit=True, row_factory=dict_row)
            )
            for index in range(suite.episode_days):
                today = first_day + dt.timedelta(days=index - 1)  # the newest simulated day: the agent's today
                ground_truth: list[dict[str, Any]] = []
                if agent.sees_ground_truth:
                    with psycopg.connect(self.url(episode), autocommit=True, row_factory=dict_row) as owner:
                        ground_truth = bench_io.waste_ledger(owner, open_only=True)
                turn = Turn(today, env["DRIFTWORLD_EPISODE"], accounts, as_agent, agent.name, ground_truth)
                outcome = agent.take_turn(turn, env | {"DRIFTWORLD_VIRTUAL_DATE": today.isoformat()}, log)
                overhead.turns += outcome.seconds
                run.turns.append(
                    {
                        "virtual_date": today.isoformat(),
                        "seconds": round(outcome.seconds, 3),
                        "timed_out": outcome.timed_out,
                        "error": outcome.error,
                    }
                )
                started = time.perf_counter()
                self._tick(episode)
                overhead.ticks += time.perf_counter() - started
                if progress:
                    progress(f"seed {seed} day {index + 1}/{suite.episode_days}")
        return run

    @contextlib.contextmanager
    def _aws_api(self, episode: str, agent: LoadedAgent, env: dict[str, str]) -> Iterator[None]:
        """For a command agent, the episode's world behind the AWS API for the episode's length, and the
        standard AWS variables in `env`, so that an agent written for an AWS SDK runs unchanged."""
        if agent.command is None:
            yield
            return
        from driftworld.aws.server import serve_in_background  # the protocol layer loads in about a second

        running = serve_in_background(Database(self.url(episode), "bench"), agent.name)
        env |= running.environment()
        try:
            yield
        finally:
            running.stop()

    def discard(self, name: str) -> None:
        with bench_io.server(self.database.url) as admin:
            bench_io.drop_database(admin, name)
