"""The command line's answers to the inputs a newcomer tries: one line for a bad value, never a Python
`None`, refusals that name the problem, tables that fit 80 columns, and a reset that loses nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner, Result

from driftworld.cli import app
from driftworld.service.schedule import ScheduleError, locate_cron
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from tests.helpers import cli_command, dbname, execute, wait_until

pytestmark = pytest.mark.timeout(120)


def run(url: str, *args: str, columns: int = 200) -> Result:
    return CliRunner().invoke(app, list(args), env={"DATABASE_URL": url, "COLUMNS": str(columns)})


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.output}"
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return lines[0]


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e300", "-inf"])
def test_world_set_refuses_a_multiplier_out_of_bounds_in_one_line(seeded_db: Database, value: str) -> None:
    line = one_error_line(run(seeded_db.url, "world", "set", "--multiplier", value))
    assert "multiplier must be a number from 0 to 1000" in line


def test_world_set_refuses_unknown_names_to_enable_as_to_disable(seeded_db: Database) -> None:
    for switch in ("--enable", "--disable"):
        assert "unknown scenarios: nosuch" in one_error_line(run(seeded_db.url, "world", "set", switch, "nosuch"))
    assert "NAME=P" in one_error_line(run(seeded_db.url, "world", "set", "--probability", "idle_rds=often"))


@pytest.mark.parametrize("fmt", ["xml", "JSON", "Table"])
def test_report_checks_its_format(seeded_db: Database, fmt: str) -> None:
    result = run(seeded_db.url, "report", "--format", fmt)
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output


def test_report_refuses_an_unknown_account_and_reads_well(seeded_db: Database) -> None:
    line = one_error_line(run(seeded_db.url, "report", "--account", str(uuid.UUID(int=7))))
    assert "unknown account id" in line
    output = run(seeded_db.url, "report").output
    assert re.search(r"policy violations 0; false positives \d+", output), output


def test_no_python_none_reaches_a_user(seeded_db: Database, migrated_db: Database) -> None:
    past = run(seeded_db.url, "tick", "--date", "2020-01-01")
    assert past.exit_code == 0, past.output
    assert "None" not in past.output and "1/1" not in past.output
    assert "no virtual day simulated" in past.output and "already_simulated" in past.output
    empty = run(migrated_db.url, "summary")
    assert empty.exit_code == 0, empty.output
    assert "None" not in empty.output
    assert "0 organizations, 0 accounts, no history yet" in empty.output


def test_seed_refuses_a_world_past_the_documented_maximum(empty_db: Database) -> None:
    line = one_error_line(run(empty_db.url, "seed", "--orgs", "1000", "--accounts-per-org", "1000"))
    assert "1,000,000 accounts: at most 10,000 in one world" in line
    too_many = run(empty_db.url, "seed", "--orgs", "100000", "--accounts-per-org", "100000")
    assert too_many.exit_code == 2 and "Traceback" not in too_many.output


def test_the_tick_table_fits_80_columns(seeded_db: Database) -> None:
    output = run(seeded_db.url, "tick", "--days", "2", columns=80).output
    ids = [str(row["id"])[:8] for row in execute(seeded_db, "select id::text from cloud_accounts")]
    table = output[output.index("tick: newest virtual day") :]
    assert all(len(line) <= 80 for line in table.splitlines()), table
    rows = [line for line in table.splitlines() if line.split()[:1] and line.split()[0] in ids]
    assert len(rows) == len(ids) and all(" simulated " in row for row in rows), table


def test_db_start_never_cuts_its_uri_and_says_when_database_url_wins(
    seeded_db: Database, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    env = {"DATABASE_URL": seeded_db.url, "DRIFTWORLD_HOME": str(home), "COLUMNS": "40"}
    try:
        result = CliRunner().invoke(app, ["db", "start"], env=env)
        assert result.exit_code == 0, result.output
        assert re.search(r"embedded database up: postgresql://\S+$", result.output.splitlines()[0])
        assert "DATABASE_URL is set" in result.output
    finally:
        CliRunner().invoke(app, ["db", "stop"], env=env)
        state = home / "embedded.json"
        if state.exists():  # the data directory may live outside the home (README: DRIFTWORLD_HOME)
            shutil.rmtree(json.loads(state.read_text())["base_dir"], ignore_errors=True)


def test_schedule_on_the_embedded_database_points_at_serve_every(seeded_db: Database) -> None:
    with pytest.raises(ScheduleError, match=r"serve --every"):
        locate_cron(Database(seeded_db.url, "embedded"))


def test_a_reset_killed_midway_leaves_the_old_world(empty_db: Database) -> None:
    assert (
        run(empty_db.url, "seed", "--orgs", "1", "--accounts-per-org", "1", "--days", "2", "--seed", "1").exit_code == 0
    )
    before = execute(empty_db, "select id::text, name from cloud_accounts order by id")
    args = ["seed", "--reset", "--yes", "--orgs", "2", "--accounts-per-org", "20", "--days", "20", "--seed", "2"]
    env = {**os.environ, "DATABASE_URL": empty_db.url, "DRIFTWORLD_TICK_WORKERS": "1"}
    process = subprocess.Popen(cli_command(*args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # the reset holds its lock on organizations until it commits; seeding is well under way a moment later
        held = (
            "select 1 from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'organizations' "
            "and l.mode = 'AccessExclusiveLock' and l.pid <> pg_backend_pid()"
        )
        assert wait_until(lambda: bool(execute(empty_db, held)), 30), "the reset never started"
        time.sleep(1.5)
        assert process.poll() is None, "the reset finished before it could be killed: make it bigger"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert execute(empty_db, "select id::text, name from cloud_accounts order by id") == before
    assert execute(empty_db, "select world_seed from driftworld.world_settings") == [{"world_seed": 1}]


def test_ctrl_c_during_a_long_tick_says_how_many_days_committed(seeded_db: Database) -> None:
    env = {**os.environ, "DATABASE_URL": seeded_db.url, "DRIFTWORLD_TICK_WORKERS": "2"}
    before = execute(seeded_db, "select count(*) as n from driftworld.tick_ledger")[0]["n"]
    process = subprocess.Popen(
        cli_command("tick", "--days", "300"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as in a terminal
    )
    newer = "select count(*) as n from driftworld.tick_ledger"
    assert wait_until(lambda: execute(seeded_db, newer)[0]["n"] > before + 2, 60)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the workers too
    _, stderr = process.communicate(timeout=60)
    committed = execute(seeded_db, newer)[0]["n"] - before
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"interrupted: {committed:,} account-days committed" in stderr, stderr


@pytest.mark.parametrize(
    ("args", "every"),
    [
        (["--every"], "5m"),
        (["--every", "--port", "9"], "5m"),
        (["--every", "30s"], "30s"),
        (["--every=1h", "--no-auth"], "1h"),
        ([], None),
    ],
)
def test_serve_every_is_an_option_with_an_optional_value(args: list[str], every: str | None) -> None:
    serve = typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]
    assert serve.make_context("serve", list(args)).params["every"] == every
    shown = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "120"}).output
    assert re.search(r"│ --every\s+\[INTERVAL\]", shown), shown


def test_db_status_and_up_print_the_uri_agents_use_with_the_password_masked(
    cluster: LocalCluster, seeded_db: Database, tmp_path: Path
) -> None:
    """The URI is the agent role's (as `db url` prints it), its password masked unless asked for; the owner's
    password never shows."""
    url = cluster.tcp_url(dbname(seeded_db)).replace("postgres@", "postgres:Pw7secret@")  # trust: any password
    env = {"DATABASE_URL": url, "COLUMNS": "40", "DRIFTWORLD_HOME": str(tmp_path)}
    agent = f"postgresql://driftworld_agent:****@127.0.0.1:{cluster.port}/{dbname(seeded_db)}?sslmode=disable"
    status = CliRunner().invoke(app, ["db", "status"], env=env)
    assert status.exit_code == 0, status.output
    assert f"agents connect with: {agent}\n" in status.output and "Pw7secret" not in status.output
    password = (tmp_path / "agent_password").read_text().strip()
    shown = CliRunner().invoke(app, ["db", "status", "--show-password"], env=env)
    assert f"agents connect with: {agent.replace('****', password)}\n" in shown.output
    up = CliRunner().invoke(app, ["up", "--ticks", "0"], env=env)
    assert up.exit_code == 0, up.output
    assert f"agents connect with: {agent}" in up.output and "Pw7secret" not in up.output
