"""The example agents of examples/, each run as a user runs it (one command), against a seeded world:
both fix waste the next tick credits to them, with no violation and no false positive."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import driftworld
from driftworld.store.database import Database

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, db: Database, *args: str) -> list[dict[str, Any]]:
    env = {**os.environ, "DATABASE_URL": db.url}
    env.pop("DRIFTWORLD_AGENT", None)
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def scored(db: Database, agent: str) -> dict[str, Any]:
    with db.connect(autocommit=True) as conn:
        row = conn.execute(
            "select (select count(*) from driftworld.waste_ledger where resolved_by = 'agent') as resolved, "
            "(select count(*) from driftworld.scorecard_findings) as findings, "
            "(select count(*) from action_audit_log where executed_by = %s) as audited, "
            "(select count(*) from recommendations where created_by = %s) as recommended",
            (agent, agent),
        ).fetchone()
    assert row is not None
    return dict(row)


@pytest.mark.parametrize(
    ("script", "agent"), [("sql_agent.py", "example-sql-agent"), ("mcp_agent.py", "example-mcp-agent")]
)
def test_example_agent_fixes_waste_credited_to_it(seeded_db: Database, script: str, agent: str) -> None:
    planned = run_example(script, seeded_db, "--dry-run")
    assert planned[-1]["dry_run"] and planned[-1]["actions"] > 0
    assert scored(seeded_db, agent)["audited"] == 0  # a dry run changes nothing
    lines = run_example(script, seeded_db)
    assert lines[-1]["agent"] == agent and not lines[-1]["dry_run"]
    assert 0 < lines[-1]["actions"] <= planned[-1]["actions"]  # a deleted gp2 volume is not converted too
    driftworld.tick(seeded_db, days=1)
    score = scored(seeded_db, agent)
    assert score["audited"] > 0 and score["recommended"] > 0
    assert score["resolved"] >= 8  # idle instances, orphaned addresses, gp2 volumes, log retention...
    assert score["findings"] == 0  # no violation, no false positive
