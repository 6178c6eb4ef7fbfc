"""`driftworld db url`: the agent role's URI (password kept in the home, masked unless asked), or the owner's."""

from __future__ import annotations

import stat
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from typer.testing import CliRunner

from driftworld.cli import app
from driftworld.store.database import Database
from driftworld.store.uris import as_uri


def url(db: Database, home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["db", "url", *args], env={"DATABASE_URL": db.url, "DRIFTWORLD_HOME": str(home)})
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_the_agent_uri_logs_in_as_the_agent_role(migrated_db: Database, tmp_path: Path) -> None:
    masked = url(migrated_db, tmp_path)
    password = (tmp_path / "agent_password").read_text().strip()
    assert masked.startswith("postgresql://driftworld_agent:****@") and password not in masked
    assert stat.S_IMODE((tmp_path / "agent_password").stat().st_mode) == 0o600
    shown = url(migrated_db, tmp_path, "--show-password")
    assert f"driftworld_agent:{password}@" in shown
    with psycopg.connect(shown) as conn:
        assert conn.execute("select current_user").fetchone() == ("driftworld_agent",)
        assert conn.execute("select rolcanlogin from pg_roles where rolname = current_user").fetchone() == (True,)
    assert url(migrated_db, tmp_path, "--show-password") == shown  # the same password next time


def test_the_owner_uri_masks_its_password(migrated_db: Database, tmp_path: Path) -> None:
    with_password = Database(make_conninfo(migrated_db.url, password="s3cret/pw"), "test")
    assert url(migrated_db, tmp_path, "--owner") == as_uri(migrated_db.url)
    masked = url(with_password, tmp_path, "--owner")
    assert "s3cret" not in masked and ":****@" in masked
    shown = url(with_password, tmp_path, "--owner", "--show-password")
    assert ":s3cret%2Fpw@" in shown
    with psycopg.connect(shown) as conn:  # the URI round-trips (the test cluster trusts local logins)
        name = conninfo_to_dict(migrated_db.url)["dbname"]
        assert conn.execute("select current_database()").fetchone() == (name,)


def test_as_uri_of_a_tcp_server() -> None:
    conninfo = "host=db.example.com port=6543 dbname=postgres user=owner password=x sslmode=require"
    assert as_uri(conninfo, masked=False) == "postgresql://owner:x@db.example.com:6543/postgres?sslmode=require"
    assert (
        as_uri(conninfo, "driftworld_agent", "p")
        == "postgresql://driftworld_agent:****@db.example.com:6543/postgres?sslmode=require"
    )


@pytest.mark.parametrize("command", [["db", "url"], ["mcp"]])
def test_an_unreachable_database_is_one_line_and_exit_2(command: list[str], tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x?connect_timeout=1", "DRIFTWORLD_HOME": str(tmp_path)}
    result = CliRunner().invoke(app, command, env=env)
    assert result.exit_code == 2 and result.output.startswith("error: cannot connect")
    assert not (tmp_path / "agent_password").exists()


def test_the_embedded_server_takes_agents_over_tcp_with_a_password(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Agents in other languages or containers connect to 127.0.0.1 with the agent role's password; a wrong
    password is refused there (the private socket alone trusts its user)."""
    import json
    import shutil

    home = tmp_path_factory.mktemp("embedded-home")
    env = {"DRIFTWORLD_HOME": str(home)}
    try:
        for command in (["db", "start"], ["db", "migrate"]):
            result = CliRunner().invoke(app, command, env=env)
            assert result.exit_code == 0, result.output
        shown = CliRunner().invoke(app, ["db", "url", "--show-password"], env=env).output.strip()
        parts = conninfo_to_dict(shown)
        assert parts["host"] == "127.0.0.1" and parts["user"] == "driftworld_agent"
        with psycopg.connect(shown) as conn:
            assert conn.execute("select current_user").fetchone() == ("driftworld_agent",)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(make_conninfo(shown, password="wrong"))
    finally:
        CliRunner().invoke(app, ["db", "stop"], env=env)
        state = home / "embedded.json"
        if state.exists():
            shutil.rmtree(json.loads(state.read_text())["base_dir"], ignore_errors=True)
