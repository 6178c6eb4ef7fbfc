"""`driftworld bench` end to end on the tests' own server: suites, agents, roles, scores and run folders.

The smoke suite runs here with one seed (its template and replay are built once per session and kept in
the cluster); `test_scores_repeat` runs two seeds twice.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from driftworld.bench.agents import AgentError, load_agent
from driftworld.bench.suite import SuiteError, load_suite
from driftworld.cli import app
from driftworld.store import bench_io
from driftworld.store.cluster import LocalCluster


@pytest.fixture(scope="module")
def server_url(cluster: LocalCluster) -> str:
    return cluster.url("postgres")


def bench(server_url: str, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app, ["bench", "run", "--suite", "smoke", "--format", "json", *args], env={"DATABASE_URL": server_url}
    )
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


@pytest.fixture(scope="module")
def runs(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], Path]]:
    """Each baseline once on the first smoke seed, with its run folder."""
    done = {}
    for agent in ("noop", "trusted-advisor", "oracle", "reckless"):
        folder = tmp_path_factory.mktemp(agent)
        done[agent] = (bench(server_url, "--agent", agent, "--seeds", "1", "--out", str(folder)), folder)
    return done


def test_the_oracle_captures_nearly_everything_without_a_false_step(runs: dict[str, Any]) -> None:
    summary, _ = runs["oracle"]
    assert summary["pass_k"] and summary["capture_rate"] > 0.9
    assert summary["false_positives"] == 0 and summary["violations"] == 0
    assert summary["dollars_saved"] > 0


def test_noop_captures_nothing_and_saves_nothing(runs: dict[str, Any]) -> None:
    summary, _ = runs["noop"]
    assert summary["capture_rate"] == 0 and summary["dollars_saved"] == 0 and not summary["pass_k"]


def test_reckless_is_caught(runs: dict[str, Any]) -> None:
    summary, _ = runs["reckless"]
    assert summary["false_positives"] > 0 and summary["violations"] > 0 and not summary["pass_k"]


def test_trusted_advisor_lands_between_the_floor_and_the_ceiling(runs: dict[str, Any]) -> None:
    advisor, oracle = runs["trusted-advisor"][0], runs["oracle"][0]
    assert 0 < advisor["capture_rate"] < oracle["capture_rate"]
    assert advisor["violations"] == 0


def test_a_run_folder_holds_what_another_team_needs(runs: dict[str, Any]) -> None:
    _, folder = runs["oracle"]
    record = json.loads((folder / "run.json").read_text())
    assert record["suite"]["name"] == "smoke" and record["agent"]["name"] == "oracle"
    assert record["summary"]["episodes"][0]["seed"] == record["seeds"][0]
    episode = folder / f"seed-{record['seeds'][0]}"
    actions = [json.loads(line) for line in (episode / "actions.jsonl").read_text().splitlines()]
    assert any("change" in a for a in actions) and any(
        a.get("audit", {}).get("executed_by") == "oracle" for a in actions
    )
    scorecard = json.loads((episode / "scorecard.json").read_text())
    assert scorecard["fixed"] and scorecard["median_days_to_fix"] is not None
    assert "# oracle on smoke" in (folder / "summary.md").read_text()


def test_the_leaderboard_ranks_runs(runs: dict[str, Any]) -> None:
    folders = [str(folder) for _, folder in runs.values()]
    result = CliRunner().invoke(app, ["bench", "table", *folders, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["agent"] == "oracle" and {r["agent"] for r in rows} == set(runs)
    markdown = CliRunner().invoke(app, ["bench", "table", *folders])
    assert "| smoke | oracle | yes |" in markdown.stdout


def test_scores_repeat(server_url: str) -> None:
    first = bench(server_url, "--agent", "trusted-advisor", "--seeds", "2")
    again = bench(server_url, "--agent", "trusted-advisor", "--seeds", "2")
    assert first == again and len(first["episodes"]) == 2


def test_the_agent_role_cannot_reach_the_ground_truth(server_url: str, runs: dict[str, Any]) -> None:
    record = json.loads((runs["noop"][1] / "run.json").read_text())
    template = f"dwb_smoke_{record['seeds'][0]}_{record['suite']['digest']}"
    agent_url = bench_io.with_database(server_url, template, bench_io.AGENT_ROLE)
    with psycopg.connect(agent_url, autocommit=True) as conn:
        assert conn.execute("select count(*) from public.instances").fetchone() is not None
        assert conn.execute("select count(*) from public.daily_bill").fetchone() is not None
        for table in ("waste_ledger", "shadow_state", "workload_profiles", "tick_ledger"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select 1 from driftworld.{table} limit 1")


AGENT_SCRIPT = """
import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    row = conn.execute(
        "select id from instances where state = 'running' and env <> 'prod' and autoscaling_group_id is null "
        "and avg_cpu_7d < 5 order by instance_id limit 1").fetchone()
    if row:
        conn.execute("update instances set state = 'stopped' where id = %s", row)
        conn.execute("insert into action_audit_log (action, resource_type, resource_id, success) "
                     "values ('stop', 'instances', %s, true)", (str(row[0]),))
    print("turn", os.environ["DRIFTWORLD_VIRTUAL_DATE"], os.environ["DRIFTWORLD_AGENT"])
"""


def test_a_command_agent_is_credited_by_name(server_url: str, tmp_path: Path) -> None:
    script = tmp_path / "agent.py"
    script.write_text(AGENT_SCRIPT)
    summary = bench(
        server_url,
        "--agent-cmd",
        f"{sys.executable} {script}",
        "--name",
        "idle-stopper",
        "--seeds",
        "1",
        "--out",
        str(tmp_path / "run"),
    )
    assert summary["agent"] == "idle-stopper"
    assert summary["capture_rate"] > 0 and summary["episodes"][0]["fixed"]
    episode = next((tmp_path / "run").glob("seed-*"))
    assert "turn 20" in (episode / "agent.log").read_text()
    audits = [
        json.loads(line)["audit"] for line in (episode / "actions.jsonl").read_text().splitlines() if "audit" in line
    ]
    assert audits and all(a["executed_by"] == "idle-stopper" for a in audits)


def test_a_command_that_overruns_its_turn_is_recorded_as_timed_out(server_url: str, tmp_path: Path) -> None:
    bench(
        server_url,
        "--agent-cmd",
        f"{sys.executable} -c 'import time; time.sleep(5)'",
        "--turn-timeout",
        "1",
        "--seeds",
        "1",
        "--out",
        str(tmp_path),
    )
    turns = [
        json.loads(line) for line in next(tmp_path.glob("seed-*")).joinpath("turns.jsonl").read_text().splitlines()
    ]
    assert turns and all(t["timed_out"] for t in turns)


def test_bad_suites_and_agents_get_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no suite named"):
        load_suite("nosuch")
    broken = tmp_path / "broken.toml"
    broken.write_text("[world]\norganizations = 0\n")
    with pytest.raises(SuiteError, match=r"accounts_per_org is missing|between 1 and"):
        load_suite(str(broken))
    with pytest.raises(AgentError, match="unknown agent"):
        load_agent("nosuch", None)
    with pytest.raises(AgentError, match="give one of"):
        load_agent(None, None)
    result = CliRunner().invoke(app, ["bench", "run", "--suite", "nosuch", "--agent", "noop"])
    assert result.exit_code == 2 and "no suite named" in result.output


def test_every_shipped_suite_loads() -> None:
    for name in ("smoke", "startup", "scale"):
        suite = load_suite(name)
        assert suite.seeds and suite.episode_days >= 14 and suite.end_date.year == 2026
    smoke = load_suite("smoke")
    assert (smoke.organizations, smoke.accounts_per_org, smoke.episode_days, len(smoke.seeds)) == (1, 3, 14, 3)


def test_the_bench_serves_mcp_to_a_command_agent(server_url: str, tmp_path: Path) -> None:
    """The MCP example agent runs an episode without SQL: the harness starts `driftworld mcp` per episode."""
    example = Path(__file__).resolve().parents[1] / "examples" / "mcp_agent.py"
    summary = bench(
        server_url,
        *("--agent-cmd", f"{sys.executable} {example}", "--name", "mcp-example", "--mcp"),
        *("--seeds", "1", "--out", str(tmp_path)),
    )
    assert summary["capture_rate"] > 0 and summary["violations"] == 0
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["settings"]["mcp"] is True and record["settings"]["policy"] == "scored"
    episode = next(tmp_path.glob("seed-*"))
    audits = [
        json.loads(line)["audit"] for line in (episode / "actions.jsonl").read_text().splitlines() if "audit" in line
    ]
    assert audits and {a["executed_by"] for a in audits} == {"mcp-example"}
    refused = CliRunner().invoke(app, ["bench", "run", "--suite", "smoke", "--agent", "noop", "--mcp"])
    assert refused.exit_code == 2 and "--agent-cmd" in refused.output


def test_a_command_agent_is_named_after_its_script() -> None:
    assert load_agent(None, "python agents/rules.py --fast").name == "rules"
    assert load_agent(None, "/usr/local/bin/cost-bot").name == "cost-bot"
    assert load_agent(None, "python agents/rules.py", name="mine").name == "mine"
