"""Secrets never echoed: a connection string's password in no message (CLI, /health, the tick's reply,
the JSON log), a token in the query string of no logged URL."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from driftworld.cli import app as cli_app
from driftworld.redact import redact, remember
from driftworld.service.app import create_app
from driftworld.store.database import Database

pytestmark = pytest.mark.timeout(60)

SECRET = "Zq9Secret"
TOKEN = "test-token-0123456789abcdef"
# Strings libpq cannot parse (it quotes them, or a piece of them, in its error) and one it can.
LEAKY_URLS = {
    "percent in password": f"postgresql://u:{SECRET}%zz@127.0.0.1:5432/db",
    "space in password": f"postgresql://u:{SECRET} x@127.0.0.1:5432/db",
    "sqlalchemy scheme": f"postgresql+psycopg://u:{SECRET}@127.0.0.1:5432/db",
    "mysql scheme": f"mysql://u:{SECRET}@127.0.0.1/db",
    "bad host": f"postgresql://u:{SECRET}@[bad/db",
    "keyword form": f"host=127.0.0.1 port=5432 password={SECRET} dbname",
    "closed port": f"postgresql://u:{SECRET}@127.0.0.1:1/db?connect_timeout=2",
}


@pytest.mark.parametrize("case", LEAKY_URLS)
def test_cli_stderr_never_holds_the_password(case: str) -> None:
    for command in (["tick"], ["db", "status"], ["db", "migrate"]):
        result = CliRunner().invoke(
            cli_app, command, env={"DATABASE_URL": LEAKY_URLS[case], "DRIFT_TICK_TOKEN": TOKEN, "COLUMNS": "200"}
        )
        assert result.exit_code != 0, f"{command}: {result.output}"
        assert SECRET not in result.output, f"{command}: {result.output}"
        assert "Traceback" not in result.output


@pytest.mark.parametrize("case", LEAKY_URLS)
def test_health_tick_reply_and_log_never_hold_the_password(case: str, json_log: io.StringIO) -> None:
    url = LEAKY_URLS[case]
    service = create_app(lambda: Database(url, "DATABASE_URL", 2), SecretStr(TOKEN))
    with TestClient(service) as client:
        health = client.get("/health")
        tick = client.post("/functions/v1/drift-tick", json={}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert health.status_code == 503
    reply = health.json()
    assert reply["database"] == "down"
    assert reply["error"].startswith("database down: ")
    assert "://" not in health.text and "@" not in health.text and SECRET not in health.text
    assert tick.status_code == 500
    assert SECRET not in tick.text and "DATABASE_URL" in tick.json()["error"]
    log = json_log.getvalue()
    assert '"tick"' in log
    assert SECRET not in log


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql://me:pw@host/db", "postgresql://me:***@host/db"),
        ("host=h password='a b' user=me", "host=h password=*** user=me"),
        ("postgresql://me@host/db?sslmode=disable&password=pw", "postgresql://me@host/db?sslmode=disable&password=***"),
        ("POST /functions/v1/drift-tick?apikey=t0k&x=1", "POST /functions/v1/drift-tick?apikey=***&x=1"),
        ("GET /health?token=a&access_token=b&key=c", "GET /health?token=***&access_token=***&key=***"),
        ("postgresql://postgres:@/postgres?host=/tmp", "postgresql://postgres:@/postgres?host=/tmp"),
    ],
)
def test_redact_masks_credentials_by_their_shape(text: str, masked: str) -> None:
    assert redact(text) == masked


def test_redact_masks_a_known_password_however_it_is_quoted() -> None:
    remember("postgresql://u:Yk7%41bc@h/db")  # %41 is A
    assert redact('invalid token: "Yk7%41bc", or Yk7Abc') == 'invalid token: "***", or ***'
