"""The bench harness's overhead per turn (issue 15, item 7: "the benchmark script reports the harness's
overhead per turn (copy from template, agent turn, tick, scoring) so that its cost is known").

Starts its own throwaway PostgreSQL cluster (the tick benchmark's, `tick_benchmark.throwaway_cluster`),
builds the suite's template and no-agent replay for its first seed (timed: what a first run pays once),
then runs that seed with each agent (`--agents`, default `noop` and `trusted-advisor`) through the library
(`driftworld.bench.run.run_suite`), `--repeat` times, the agents alternating. From each run's `run.json`
(`overhead_seconds`) it prints, per turn (one virtual day): the copy from the template, the agent's turn,
the tick, the scoring, and what is left of the run's wall time (finding the cached template and replay,
the run folder, dropping the copy), medians over the repeats.

    .venv/bin/python benchmarks/bench_overhead.py [--suite smoke] [--agents noop trusted-advisor] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table
from tick_benchmark import MIGRATIONS, admin, console, throwaway_cluster

from driftworld.bench.agents import load_agent
from driftworld.bench.episode import Harness
from driftworld.bench.run import run_suite
from driftworld.bench.suite import Suite, load_suite
from driftworld.store.database import Database

PARTS = ("copy", "turns", "ticks", "scoring")  # run.json's overhead_seconds, in the order a run spends them


@dataclass
class Build:
    """What the first run of a suite seed pays once: the template world and the no-agent replay."""

    template_s: float
    replay_s: float


@dataclass
class Episode:
    """One run of the seed by one agent: run.json's overhead (seconds) and the run's wall time."""

    agent: str
    overhead: dict[str, float]
    wall_s: float
    load: float  # 1-min load average just before the run

    @property
    def other_s(self) -> float:
        return self.wall_s - sum(self.overhead[p] for p in PARTS)


def build(database: Database, suite: Suite, seed: int) -> Build:
    harness = Harness(database, MIGRATIONS)
    started = time.perf_counter()
    template = harness.template(suite, seed)
    built = time.perf_counter()
    harness.replay(suite, seed, template)
    return Build(built - started, time.perf_counter() - built)


def run_once(database: Database, suite: Suite, agent_name: str, out: Path) -> Episode:
    agent = load_agent(agent_name, None)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    run_suite(database, MIGRATIONS, suite, agent, out, seeds=1)
    wall_s = time.perf_counter() - started
    record = json.loads((out / "run.json").read_text())
    (overhead,) = record["overhead_seconds"]  # one seed
    return Episode(agent.name, {p: float(overhead[p]) for p in PARTS}, wall_s, load)


def ms_per_turn(seconds: float, suite: Suite) -> str:
    return f"{seconds * 1000 / suite.episode_days:,.0f}"


def report(suite: Suite, seed: int, first: Build, episodes: list[Episode], server_version: str) -> None:
    days = suite.episode_days
    table = Table(
        title=f"driftworld bench harness overhead: suite {suite.name}, seed {seed}, {days} turns",
        caption=(
            f"ms per turn (one virtual day), median of {len(episodes) // len({e.agent for e in episodes})} runs "
            "per agent; copy includes the agent's login and the episode's first reads; other = the run's wall "
            "time less the four parts (finding the cached template and replay, run-folder files, dropping the "
            "copy); seconds = the whole run (or build). "
            f"PostgreSQL {server_version}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
            "load = 1-min load average before the run"
        ),
    )
    for header in ("agent", "copy", "agent turn", "tick", "scoring", "other", "total", "seconds", "load"):
        table.add_column(header, justify="left" if header == "agent" else "right")
    for agent in dict.fromkeys(e.agent for e in episodes):
        mine = [e for e in episodes if e.agent == agent]
        parts = [statistics.median(e.overhead[p] for e in mine) for p in PARTS]
        other = statistics.median(e.other_s for e in mine)
        wall = statistics.median(e.wall_s for e in mine)
        table.add_row(
            agent,
            *(ms_per_turn(s, suite) for s in parts),
            ms_per_turn(other, suite),
            ms_per_turn(wall, suite),
            f"{wall:.2f}",
            f"{statistics.median(e.load for e in mine):.1f}",
        )
    table.add_section()
    blank = ("",) * 6  # copy to total
    table.add_row("template build (first run only)", *blank, f"{first.template_s:.2f}", "")
    replay = ("", "", ms_per_turn(first.replay_s, suite), "", "", "", f"{first.replay_s:.2f}", "")
    table.add_row("replay build, no agent (first run only)", *replay)
    console.print(table)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="smoke", help="a shipped suite or a TOML path; its first seed runs")
    parser.add_argument("--agents", nargs="+", default=["noop", "trusted-advisor"], help="baselines or module:attr")
    parser.add_argument("--repeat", type=int, default=3, help="runs per agent (alternating); medians are shown")
    parser.add_argument(
        "--pg-setting", action="append", default=[], metavar="KEY=VALUE", help="extra postgresql.conf setting"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("DRIFTWORLD_MIGRATIONS_DIR", str(MIGRATIONS))  # tick() checks the schema is current
    suite = load_suite(args.suite)
    seed = suite.seeds[0]
    extra = dict(setting.split("=", 1) for setting in args.pg_setting)
    started = time.perf_counter()
    with throwaway_cluster(extra) as cluster, tempfile.TemporaryDirectory(prefix="driftworld-overhead-") as tmp:
        with admin(cluster) as conn:
            row = conn.execute("show server_version").fetchone()
            version = str(row[0]) if row else "?"
        database = Database(cluster.url("postgres"), "benchmark")
        first = build(database, suite, seed)
        console.log(f"{suite.name} seed {seed}: template {first.template_s:.1f} s, replay {first.replay_s:.1f} s")
        episodes = []
        for round_ in range(args.repeat):
            agents = args.agents if round_ % 2 == 0 else list(reversed(args.agents))
            for agent in agents:
                episode = run_once(database, suite, agent, Path(tmp) / f"{round_}-{agent.replace(':', '_')}")
                console.log(
                    f"{episode.agent}: {episode.wall_s:.2f} s ("
                    + ", ".join(f"{p} {episode.overhead[p]:.2f}" for p in PARTS)
                    + f"), load {episode.load:.1f}"
                )
                episodes.append(episode)
    report(suite, seed, first, episodes, version)
    console.print(f"total run time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
