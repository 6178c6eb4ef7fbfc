"""Requests the drift-tick service must answer briefly and exactly, in-process against a real
PostgreSQL: bodies and id lists past their bounds, its schema, its messages and its status codes."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from driftworld.engine.tick import MAX_ACCOUNT_IDS
from driftworld.service.app import MAX_BODY_BYTES, TICK_PATH, create_app
from driftworld.store.database import Database
from tests.helpers import TOKEN, auth, text_clocks

pytestmark = pytest.mark.timeout(120)


@pytest.fixture()
def client(seeded_db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(lambda: seeded_db, SecretStr(TOKEN))) as test_client:
        yield test_client


def test_a_body_over_one_mebibyte_is_413_without_being_read(client: TestClient, seeded_db: Database) -> None:
    before = text_clocks(seeded_db)
    padding = json.dumps({"triggered_by": "x" * (MAX_BODY_BYTES + 10)}).encode()
    declared = client.post(TICK_PATH, content=padding, headers=auth())
    assert declared.status_code == 413
    assert declared.json()["ok"] is False and "1,048,576" in declared.json()["error"]
    assert declared.headers["access-control-allow-origin"] == "*"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what arrives
        for start in range(0, len(padding), 64 * 1024):
            yield padding[start : start + 64 * 1024]

    streamed = client.post(TICK_PATH, content=chunks(), headers=auth())
    assert streamed.status_code == 413 and streamed.json()["ok"] is False
    assert text_clocks(seeded_db) == before


def test_too_many_or_unknown_account_ids_get_a_short_reply_and_log_line(
    client: TestClient, json_log: io.StringIO
) -> None:
    too_many = [str(uuid.UUID(int=i)) for i in range(MAX_ACCOUNT_IDS + 1)]
    reply = client.post(TICK_PATH, json={"account_ids": too_many}, headers=auth())
    assert reply.status_code == 400
    assert len(reply.text) < 300, reply.text

    unknown = too_many[:MAX_ACCOUNT_IDS]
    reply = client.post(TICK_PATH, json={"account_ids": unknown}, headers=auth())
    assert reply.status_code == 400
    assert reply.json()["error"].startswith("unknown or inactive account ids: ")
    assert "and 9995 more" in reply.json()["error"]
    assert len(reply.text) < 600, reply.text

    bad_ids = ["not-a-uuid"] * 5000
    reply = client.post(TICK_PATH, json={"account_ids": bad_ids}, headers=auth())
    assert reply.status_code == 400 and len(reply.text) < 600, reply.text
    assert "more problems" in reply.json()["error"]
    assert all(len(line) < 1000 for line in json_log.getvalue().splitlines())


def test_the_schema_says_days_and_date_exclude_each_other(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["paths"][TICK_PATH]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["not"] == {"required": ["days", "date"]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"days": 1, "date": "2026-04-01"}, "give either days or date, not both"),
        ({"days": 0}, "days: Input should be greater than or equal to 1"),
        ({"nosuch": 1}, "unknown field 'nosuch'"),
    ],
)
def test_400_messages_are_plain_sentences(client: TestClient, body: dict[str, object], message: str) -> None:
    reply = client.post(TICK_PATH, json=body, headers=auth())
    assert reply.status_code == 400
    assert reply.json()["error"] == message
    assert "Value error" not in reply.text


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    reply = client.get(TICK_PATH)
    assert reply.status_code == 405
    assert reply.json()["ok"] is False
    assert reply.headers["allow"] == "POST"
    assert client.delete("/health").headers["allow"] == "GET"


def test_no_page_needs_the_internet(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404, path
    assert client.get("/openapi.json").status_code == 200
