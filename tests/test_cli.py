"""The `driftworld` command line against a real PostgreSQL (DATABASE_URL), in-process and as a real process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner, Result

from driftworld.cli import app
from driftworld.store.cluster import LocalCluster, free_tcp_port
from driftworld.store.database import Database
from driftworld.store.migrations import discover
from tests.conftest import MIGRATIONS

DRIFTWORLD = Path(sys.executable).parent / "driftworld"
SEED_ARGS = ["seed", "--orgs", "1", "--accounts-per-org", "1", "--days", "3", "--seed", "1"]


HOME = Path(tempfile.mkdtemp(prefix="driftworld-test-home-"))  # db status and up keep the agent's password there


def run(url: str, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env={"DATABASE_URL": url, "DRIFTWORLD_HOME": str(HOME)}, input=input)


def ok(result: Result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}\n{result.exception!r}"
    return result.output


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}: {text!r}"
    return lines[0]


def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, [*path, name])


COMMANDS = [path for path, _ in walk(typer.main.get_command(app), [])]


def test_seed_summary_tick_and_status(empty_db: Database) -> None:
    url = empty_db.url
    seeded = ok(run(url, *SEED_ARGS))
    assert "1 organization, 1 account," in seeded
    assert "/day" in seeded

    summary = ok(run(url, "summary"))
    assert "1 organization, 1 account," in summary
    assert "instances" in summary and "metrics_daily" not in summary.split("resources")[0]

    with empty_db.connect() as conn:
        before = conn.execute("select max(virtual_date) as d from driftworld.tick_ledger").fetchone()
        days = conn.execute("select count(distinct date) as n from metrics_daily").fetchone()
    assert before is not None and isinstance(before["d"], dt.date)
    assert days == {"n": 3}

    ticked = run(url, "tick", "--json")
    reply = json.loads(ticked.stdout)
    assert ticked.exit_code == 0, ticked.output
    assert reply["ok"] is True
    assert reply["accountsProcessed"] == 1
    assert reply["daysSimulated"] == 1
    assert reply["simulatedDate"] == (before["d"] + dt.timedelta(days=1)).isoformat()
    assert [a["status"] for a in reply["accounts"]] == ["simulated"]
    assert reply["rowsAppended"]["metrics_daily"] > 0
    assert reply["rowsAppended"]["data_transfer_daily"] in (2, 3)

    status = ok(run(url, "db", "status"))
    applied = len(discover(MIGRATIONS))
    assert "database: DATABASE_URL" in status
    assert "state: up" in status
    assert f"{applied} applied, 0 pending" in status

    assert "nothing to apply" in ok(run(url, "db", "migrate"))


def test_reseeding_needs_reset_and_reset_asks_first(empty_db: Database) -> None:
    url = empty_db.url
    ok(run(url, *SEED_ARGS))
    refused = run(url, *SEED_ARGS)
    assert refused.exit_code == 2
    assert "error: this database already holds a world: use --reset" in refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)

    declined = run(url, *SEED_ARGS, "--reset", input="n\n")
    assert declined.exit_code != 0
    assert "Continue?" in declined.output
    with empty_db.connect() as conn:
        settings = conn.execute("select world_seed from driftworld.world_settings").fetchone()
    assert settings == {"world_seed": 1}, "a declined reset must leave the world alone"

    ok(run(url, "seed", "--orgs", "1", "--accounts-per-org", "1", "--days", "2", "--seed", "5", "--reset", "--yes"))
    with empty_db.connect() as conn:
        settings = conn.execute("select world_seed from driftworld.world_settings").fetchone()
        days = conn.execute("select count(distinct date) as n from metrics_daily").fetchone()
    assert settings == {"world_seed": 5}
    assert days == {"n": 2}


def test_commands_on_an_unmigrated_database_say_so(empty_db: Database) -> None:
    result = run(empty_db.url, "summary")
    assert result.exit_code == 2
    assert "driftworld db migrate" in one_line(result.output)


def bad_urls(cluster: LocalCluster) -> dict[str, str]:
    return {
        "closed port": f"postgresql://postgres@127.0.0.1:{free_tcp_port()}/world?sslmode=disable",
        "missing database": cluster.tcp_url("no_such_database"),
        "not a URL": "this is not a connection string",
    }


BAD_CASES = ["closed port", "missing database", "not a URL"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_a_bad_database_url_fails_fast_with_one_line_and_exit_2(cluster: LocalCluster, case: str) -> None:
    """A real process: exit status, stderr and time as a user sees them."""
    env = {**os.environ, "DATABASE_URL": bad_urls(cluster)[case], "COLUMNS": "80"}
    started = time.monotonic()
    done = subprocess.run([str(DRIFTWORLD), "summary"], env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert done.returncode == 2, f"{case}: exit {done.returncode}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    line = one_line(done.stderr)
    assert line.startswith("error:") and "DATABASE_URL" in line
    assert done.stdout == ""
    assert elapsed < 10, f"{case}: took {elapsed:.1f}s"


def test_a_bad_environment_setting_is_one_line_naming_the_variable(seeded_db: Database) -> None:
    result = CliRunner().invoke(
        app, ["tick"], env={"DATABASE_URL": seeded_db.url, "DRIFTWORLD_TICK_WORKERS": "-1", "COLUMNS": "200"}
    )
    assert result.exit_code == 2, result.output
    line = one_line(result.output)
    assert line.startswith("error: bad environment setting: DRIFTWORLD_TICK_WORKERS")
    assert seeded_db.url not in line  # values are never echoed: one of them may be a secret


def test_an_unknown_account_is_one_error_line_without_a_progress_bar(seeded_db: Database) -> None:
    result = CliRunner().invoke(
        app,
        ["tick", "--days", "3", "--account", str(uuid.UUID(int=7))],
        env={"DATABASE_URL": seeded_db.url, "COLUMNS": "200"},
    )
    assert result.exit_code == 2, result.output
    assert one_line(result.output).startswith("error:")  # one line: no bar drawn before it
    assert result.output.startswith("error: unknown or inactive account ids")  # not even an empty bar's line


def test_a_multi_day_tick_draws_its_progress_bar(seeded_db: Database) -> None:
    output = ok(run(seeded_db.url, "tick", "--days", "2"))
    assert "ticking virtual days" in output and "2/2" in output


@pytest.mark.parametrize("case", BAD_CASES)
@pytest.mark.parametrize(
    "command", [["db", "migrate"], ["tick", "--json"], SEED_ARGS], ids=lambda c: c[0 if c[0] != "db" else 1]
)
def test_every_command_reports_a_bad_database_url_the_same_way(
    cluster: LocalCluster, case: str, command: list[str]
) -> None:
    result = run(bad_urls(cluster)[case], *command)
    assert result.exit_code == 2, f"{case}: exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    line = one_line(result.stderr)
    assert line.startswith("error:") and "DATABASE_URL" in line


def test_db_status_reports_a_down_database(cluster: LocalCluster) -> None:
    result = run(bad_urls(cluster)["closed port"], "db", "status")
    assert result.exit_code == 1
    assert "state: down" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "driftworld")
def test_help_works_for_every_command(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert " ".join(["driftworld", *path]) in result.output or " ".join(path) in result.output
    # every command explains itself
    body = result.output.split("Usage:", 1)[1].splitlines()[1:]
    assert any(line.strip() and not line.strip().startswith(("╭", "│ --", "╰")) for line in body)


def test_the_installed_console_script_runs() -> None:
    done = subprocess.run([str(DRIFTWORLD), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("seed", "summary", "tick", "db", "up"):
        assert command in done.stdout
