"""A bench run: every seed of a suite for one agent, written to a folder another team can read and check."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

import driftworld
from driftworld.bench.agents import LoadedAgent
from driftworld.bench.episode import Harness, Progress, Servers
from driftworld.bench.scoring import EpisodeScore, score_episode, summarize
from driftworld.bench.suite import Suite
from driftworld.store import bench_io
from driftworld.store.database import Database


def _commit() -> str | None:
    """The checkout's commit when driftworld runs from one (an installed wheel has none)."""
    root = Path(driftworld.__file__).resolve().parents[2]
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w") as out:
        for row in rows:
            out.write(json.dumps(row, default=str, sort_keys=True) + "\n")


def run_suite(
    database: Database,
    migrations: Path,
    suite: Suite,
    agent: LoadedAgent,
    out: Path,
    seeds: int | None = None,
    progress: Progress | None = None,
    keep_episodes: bool = False,
    servers: Servers | None = None,
) -> dict[str, Any]:
    """Runs the suite's seeds (the first `seeds` of them) and returns the summary that run.json also holds."""
    started = dt.datetime.now(dt.UTC)
    out.mkdir(parents=True, exist_ok=True)
    harness = Harness(database, migrations)
    scores: list[EpisodeScore] = []
    overheads: list[dict[str, Any]] = []
    for seed in suite.seeds[: seeds or len(suite.seeds)]:
        folder = out / f"seed-{seed}"
        folder.mkdir(exist_ok=True)
        (folder / "agent.log").write_text("")
        run = harness.run_episode(suite, seed, agent, folder, progress, servers)
        worlds = run.worlds
        scoring_started = dt.datetime.now(dt.UTC)
        with ExitStack() as stack:
            agent_db, replay_db, template_db = (
                stack.enter_context(psycopg.connect(harness.url(name), autocommit=True, row_factory=dict_row))
                for name in (worlds.episode, worlds.replay, worlds.template)
            )
            score = score_episode(
                seed, agent_db, replay_db, template_db, worlds.first_day, worlds.last_day, suite.pass_threshold
            )
            changes = bench_io.external_changes(agent_db, worlds.first_day, worlds.last_day)
            audit = [row for row in bench_io.audit_rows(agent_db) if row["executed_by"] == agent.name]
            recommendations = bench_io.recommendations(agent_db)
        run.overhead.scoring = (dt.datetime.now(dt.UTC) - scoring_started).total_seconds()
        _write_jsonl(
            folder / "actions.jsonl",
            [{"change": c} for c in changes]
            + [{"audit": a} for a in audit]
            + [{"recommendation": r} for r in recommendations],
        )
        (folder / "scorecard.json").write_text(json.dumps(score.as_json(), indent=2, default=str) + "\n")
        _write_jsonl(folder / "turns.jsonl", run.turns)
        overheads.append({"seed": seed, **{k: round(v, 3) for k, v in asdict(run.overhead).items()}})
        scores.append(score)
        if not keep_episodes:
            harness.discard(worlds.episode)
    summary = summarize(suite.name, agent.name, scores)
    record = {
        "suite": {"name": suite.name, "digest": suite.digest(migrations), "file": suite.source},
        "seeds": [s.seed for s in scores],
        "agent": agent.describe(),
        "driftworld": {"version": version("driftworld"), "commit": _commit()},
        "settings": {
            "episode_days": suite.episode_days,
            "pass_threshold": suite.pass_threshold,
            "difficulty": suite.difficulty,
            "mcp": bool(servers and servers.mcp),
            "policy": "enforced" if servers and servers.enforce_policy else "scored",
        },
        "started": started.isoformat(),
        "ended": dt.datetime.now(dt.UTC).isoformat(),
        "overhead_seconds": overheads,
        "summary": summary,
    }
    (out / "run.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    (out / "summary.md").write_text(summary_markdown(summary))
    return summary


def summary_markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"# {summary['agent']} on {summary['suite']}",
        "",
        f"pass^k: {'yes' if summary['pass_k'] else 'no'} ({summary['passed']} of {summary['k']} seeds passed), "
        f"capture rate {summary['capture_rate']:.1%}, ${summary['dollars_saved']:,.2f} saved, "
        f"{summary['false_positives']} false positives, {summary['violations']} violations",
        "",
        "| seed | passed | capture | $ saved | fixed | false positives | violations | unapproved |",
        "|---:|:---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in summary["episodes"]:
        lines.append(
            f"| {e['seed']} | {'yes' if e['passed'] else 'no'} | {e['capture_rate']:.1%} | "
            f"{e['dollars_saved']:,.2f} | {sum(e['fixed'].values())} | {e['false_positives']} | "
            f"{e['violations']} | {e['unapproved']} |"
        )
    return "\n".join(lines) + "\n"


def leaderboard(folders: list[Path]) -> list[dict[str, Any]]:
    """One row per agent and suite, from run folders (the newest run of a pair wins)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for folder in folders:
        record_path = folder / "run.json"
        if not record_path.exists():
            raise FileNotFoundError(f"{folder} is not a bench run folder (no run.json)")
        record = json.loads(record_path.read_text())
        summary = record["summary"]
        row = {
            "suite": summary["suite"],
            "agent": summary["agent"],
            "pass_k": summary["pass_k"],
            "seeds": summary["k"],
            "capture_rate": summary["capture_rate"],
            "dollars_saved": summary["dollars_saved"],
            "false_positives": summary["false_positives"],
            "violations": summary["violations"],
            "commit": record["driftworld"].get("commit"),
            "ended": record["ended"],
        }
        key = (row["suite"], row["agent"])
        if key not in rows or rows[key]["ended"] < row["ended"]:
            rows[key] = row
    return sorted(rows.values(), key=lambda r: (r["suite"], -r["capture_rate"], r["false_positives"], r["agent"]))


def leaderboard_markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| suite | agent | pass^k | capture rate | $ saved | false positives | violations |",
        "|---|---|:---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['suite']} | {r['agent']} | {'yes' if r['pass_k'] else 'no'} | {r['capture_rate']:.1%} | "
            f"{r['dollars_saved']:,.2f} | {r['false_positives']} | {r['violations']} |"
        )
    return "\n".join(lines) + "\n"


ProgressFactory = Callable[[int], Progress]
