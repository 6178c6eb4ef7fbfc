"""The drift-tick HTTP function (contract section 6) against a real `driftworld serve` process and a
real PostgreSQL: every status code, body and token edge cases, CORS, /health, concurrency, the
database going away and coming back, the own scheduler and the refusal to run without a token."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from driftworld.service.app import CORS_HEADERS
from driftworld.service.commands import with_every_value
from driftworld.service.intervals import DEFAULT_EVERY, parse_interval
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from tests.conftest import clone
from tests.helpers import (
    TOKEN,
    ServerProcess,
    TcpProxy,
    auth,
    dbname,
    execute,
    ledger,
    post_tick,
    run_cli,
    tcp_url_via,
    text_clocks,
    wait_until,
)

HISTORY = ("metrics_daily", "s3_bucket_usage_daily", "log_group_usage_daily", "data_transfer_daily")


def assert_cors(response: httpx.Response) -> None:
    for name, value in CORS_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.method} {response.status_code}"


@pytest.fixture(scope="module")
def world(cluster: LocalCluster, seeded_template: str) -> Database:
    return clone(cluster, seeded_template)


@pytest.fixture(scope="module")
def server(world: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(world.url, tmp_path_factory.mktemp("serve"))
    try:
        yield process.wait_ready()
    finally:
        process.stop()


# -- 401, 400: nothing simulated -------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
        {"Authorization": TOKEN},
    ],
    ids=["missing", "wrong", "longer", "basic-scheme", "empty", "no-scheme"],
)
def test_missing_or_wrong_token_is_401_and_simulates_nothing(
    server: ServerProcess, world: Database, headers: dict[str, str]
) -> None:
    before = ledger(world)
    response = post_tick(server.url, {"days": 1}, headers=headers)
    assert response.status_code == 401
    assert response.json()["ok"] is False
    assert "token" in response.json()["error"]
    assert_cors(response)
    assert ledger(world) == before


BAD_BODIES: list[tuple[bytes, str]] = [
    (b"{", "invalid JSON"),
    (b"{'days': 1}", "invalid JSON"),
    (b"[]", "JSON object"),
    (b"null", "JSON object"),
    (b'"days"', "JSON object"),
    (b'{"foo": 1}', "unknown field 'foo'"),
    (b'{"days": 1, "dryRun": true}', "unknown field 'dryRun'"),
    (b'{"days": 0}', "days"),
    (b'{"days": 367}', "days"),
    (b'{"days": -5}', "days"),
    (b'{"days": "2"}', "days"),
    (b'{"days": 1.5}', "days"),
    (b'{"days": true}', "days"),
    (b'{"days": 1, "date": "2026-04-05"}', "not both"),
    (b'{"date": "2026-02-30"}', "date"),
    (b'{"date": "04/05/2026"}', "date"),
    (b'{"date": 20260405}', "date"),
    (b'{"account_ids": "not-a-list"}', "account_ids"),
    (b'{"account_ids": ["not-a-uuid"]}', "account_ids"),
    (b'{"triggered_by": 5}', "triggered_by"),
    (b'{"account_ids": ["00000000-0000-4000-8000-000000000000"]}', "unknown or inactive account"),
    (b'{"date": "2031-01-01"}', "more than 366 days"),
    (b"\xff\xfe", "invalid JSON"),
]


@pytest.mark.parametrize(("body", "fragment"), BAD_BODIES, ids=[b.decode("latin-1") for b, _ in BAD_BODIES])
def test_malformed_or_impossible_body_is_400_and_simulates_nothing(
    server: ServerProcess, world: Database, body: bytes, fragment: str
) -> None:
    before = ledger(world)
    response = post_tick(server.url, raw=body)
    assert response.status_code == 400, response.text
    reply = response.json()
    assert reply["ok"] is False
    assert fragment in reply["error"]
    assert_cors(response)
    assert ledger(world) == before


# -- 200 ------------------------------------------------------------------------------------------


def test_tick_advances_every_account_one_day_and_replies_as_the_contract_says(
    server: ServerProcess, world: Database
) -> None:
    before = text_clocks(world)
    response = post_tick(server.url, raw=b"")  # an empty body means {}
    assert response.status_code == 200, response.text
    assert_cors(response)
    reply = response.json()
    assert reply["ok"] is True
    assert set(reply) >= {
        "simulatedDate",
        "accountsProcessed",
        "daysSimulated",
        "rowsAppended",
        "scenariosTriggered",
        "executionTimeMs",
        "accounts",
    }
    assert reply["accountsProcessed"] == len(before) == reply["daysSimulated"]
    assert set(reply["rowsAppended"]) == {*HISTORY, "commitment_utilization_daily"}
    assert reply["rowsAppended"]["metrics_daily"] > 0
    after = text_clocks(world)
    assert {a: d - before[a] for a, d in after.items()} == dict.fromkeys(before, dt.timedelta(days=1))
    assert reply["simulatedDate"] == max(after.values()).isoformat()
    for account in reply["accounts"]:
        assert account["status"] == "simulated"
        assert account["fromDate"] == account["toDate"] == after[account["account_id"]].isoformat()

    response = post_tick(server.url, {"days": 2, "triggered_by": "test"})
    assert response.status_code == 200
    assert response.json()["daysSimulated"] == 2 * len(before)
    assert {a: d - after[a] for a, d in text_clocks(world).items()} == dict.fromkeys(before, dt.timedelta(days=2))


def test_date_request_leaves_every_account_at_that_date(server: ServerProcess, world: Database) -> None:
    target = max(text_clocks(world).values()) + dt.timedelta(days=2)
    response = post_tick(server.url, {"date": target.isoformat()})
    assert response.status_code == 200, response.text
    assert set(text_clocks(world).values()) == {target}
    again = post_tick(server.url, {"date": target.isoformat()})
    assert again.status_code == 200
    assert {a["status"] for a in again.json()["accounts"]} == {"already_simulated"}
    assert again.json()["daysSimulated"] == 0


def test_account_ids_limit_the_tick(server: ServerProcess, world: Database) -> None:
    before = text_clocks(world)
    chosen = sorted(before)[0]
    response = post_tick(server.url, {"account_ids": [chosen]})
    assert response.status_code == 200
    after = text_clocks(world)
    assert after[chosen] == before[chosen] + dt.timedelta(days=1)
    assert all(after[a] == before[a] for a in before if a != chosen)


def test_logs_are_json_lines_per_tick_and_account_day_and_never_hold_the_token(
    server: ServerProcess, world: Database
) -> None:
    post_tick(server.url, {"triggered_by": "log-test"})
    assert wait_until(lambda: any(r.get("triggered_by") == "log-test" for r in server.log_lines()), 5)
    lines = [r for r in server.log_lines() if r.get("triggered_by") == "log-test"]
    ticks = [r for r in lines if r["event"] == "tick"]
    days = [r for r in lines if r["event"] == "account_day"]
    assert len(ticks) == 1
    assert ticks[0]["status"] == "ok" and ticks[0]["http_status"] == 200
    assert set(ticks[0]["rows_appended"]) >= set(HISTORY)
    assert "duration_ms" in ticks[0] and "scenarios" in ticks[0]
    assert len(days) == len(text_clocks(world))
    for day in days:
        assert day["status"] == "simulated"
        dt.date.fromisoformat(day["virtual_date"])
        assert set(day["rows_appended"]) >= set(HISTORY)
        assert isinstance(day["scenarios"], list) and isinstance(day["duration_ms"], int)
    text = server.log_text()
    assert TOKEN not in text
    assert "authorization" not in text.lower()


def test_credentials_in_a_query_string_never_reach_the_access_log(server: ServerProcess) -> None:
    secret = "Qx7credential"
    for name in ("apikey", "token", "access_token", "key"):
        response = httpx.post(f"{server.url}/functions/v1/drift-tick?{name}={secret}&n=1", content=b"")
        assert response.status_code == 401
    httpx.get(f"{server.url}/health?apikey={secret}")
    assert wait_until(lambda: "/health?apikey=" in server.log_text(), 5)
    text = server.log_text()
    assert secret not in text
    assert "/functions/v1/drift-tick?access_token=***&n=1" in text


def test_an_account_that_fails_gives_500_with_detail_and_catches_up_next_tick(
    server: ServerProcess, world: Database
) -> None:
    before = text_clocks(world)
    victim, other = sorted(before)
    execute(
        world,
        "create function public.test_fail_tick() returns trigger language plpgsql as $$ begin "
        "raise exception 'injected failure for the test'; end $$",
    )
    execute(
        world,
        f"create trigger fail_one before insert on driftworld.tick_ledger for each row "
        f"when (new.account_id = '{victim}') execute function public.test_fail_tick()",
    )
    try:
        response = post_tick(server.url, {})
    finally:
        execute(world, "drop trigger fail_one on driftworld.tick_ledger")
        execute(world, "drop function public.test_fail_tick()")
    assert response.status_code == 500
    assert_cors(response)
    reply = response.json()
    assert reply["ok"] is False and "injected failure" in reply["error"]
    statuses = {a["account_id"]: a for a in reply["accounts"]}
    assert statuses[victim]["status"] == "failed" and "injected failure" in statuses[victim]["error"]
    assert statuses[other]["status"] == "simulated"
    middle = text_clocks(world)
    assert middle[victim] == before[victim]  # did not advance, nothing half-written
    assert middle[other] == before[other] + dt.timedelta(days=1)
    for table in HISTORY:
        newer = f"select 1 from {table} where account_id = %s and date > %s limit 1"
        assert execute(world, newer, (victim, before[victim])) == [], table

    response = post_tick(server.url, {})
    assert response.status_code == 200
    after = text_clocks(world)
    assert after[victim] == before[victim] + dt.timedelta(days=1)
    assert after[other] == before[other] + dt.timedelta(days=2)


# -- CORS, OPTIONS, health, OpenAPI ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/functions/v1/drift-tick", "/health", "/nowhere"])
@pytest.mark.parametrize("origin", [None, "https://example.com"])
def test_options_is_200_with_cors_without_auth(server: ServerProcess, path: str, origin: str | None) -> None:
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"} if origin else {}
    response = httpx.options(f"{server.url}{path}", headers=headers)
    assert response.status_code == 200
    assert_cors(response)


def test_every_response_carries_cors(server: ServerProcess) -> None:
    for response in (
        httpx.get(f"{server.url}/health"),
        httpx.get(f"{server.url}/nowhere"),
        httpx.get(f"{server.url}/functions/v1/drift-tick"),
        httpx.get(f"{server.url}/openapi.json"),
        post_tick(server.url, raw=b"{"),
        post_tick(server.url, {}, headers={}),
    ):
        assert_cors(response)
    assert httpx.get(f"{server.url}/nowhere").status_code == 404
    assert httpx.get(f"{server.url}/functions/v1/drift-tick").status_code == 405


def test_health_reports_service_database_and_newest_day(server: ServerProcess, world: Database) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200
    health = response.json()
    assert health["ok"] is True and health["service"] == "up" and health["database"] == "up"
    assert health["schema"] == "current" and health["auth"] == "bearer" and health["scheduler"] is None
    newest = execute(world, "select max(virtual_date)::text as d from driftworld.tick_ledger")[0]["d"]
    assert health["newestVirtualDay"] == newest


def test_openapi_is_published_with_the_request_schema(server: ServerProcess) -> None:
    schema = httpx.get(f"{server.url}/openapi.json").json()
    operation = schema["paths"]["/functions/v1/drift-tick"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False
    assert set(body["properties"]) == {"triggered_by", "days", "date", "account_ids"}
    assert {"200", "400", "401", "500"} <= set(operation["responses"])
    assert "/health" in schema["paths"]


# -- concurrency ----------------------------------------------------------------------------------


def test_parallel_posts_never_duplicate_or_skip_a_day(server: ServerProcess, world: Database) -> None:
    before = text_clocks(world)
    ledger_before = ledger(world)
    callers = 6
    with ThreadPoolExecutor(callers) as pool:
        replies = list(pool.map(lambda _: post_tick(server.url, {"triggered_by": "parallel"}), range(callers)))
    assert [r.status_code for r in replies] == [200] * callers
    simulated = sum(r.json()["daysSimulated"] for r in replies)
    statuses = {a["status"] for r in replies for a in r.json()["accounts"]}
    assert statuses <= {"simulated", "busy"}
    after = text_clocks(world)
    added = {a: [d for d in days if d not in ledger_before.get(a, [])] for a, days in ledger(world).items()}
    assert sum(len(days) for days in added.values()) == simulated
    for account, first in before.items():
        moved = (after[account] - first).days
        assert 1 <= moved <= callers
        expected = [first + dt.timedelta(days=i + 1) for i in range(moved)]
        assert added[account] == expected  # no duplicate, no gap
    for table in HISTORY:
        key = "resource_type, resource_id" if table == "metrics_daily" else "source_region, dest_region, direction"
        if table in ("s3_bucket_usage_daily", "log_group_usage_daily"):
            key = "bucket_id" if table.startswith("s3") else "log_group_id"
        duplicates = execute(
            world, f"select account_id, {key}, date from {table} group by account_id, {key}, date having count(*) > 1"
        )
        assert duplicates == [], table


# -- the database goes away and comes back -------------------------------------------------------


def test_database_unreachable_is_a_quick_500_and_the_next_tick_catches_up(
    cluster: LocalCluster, seeded_template: str, tmp_path: Path
) -> None:
    world = clone(cluster, seeded_template)
    proxy = TcpProxy(cluster.port)
    proxy.up()
    server = ServerProcess(tcp_url_via(proxy.port, dbname(world)), tmp_path)
    try:
        server.wait_ready()
        assert post_tick(server.url, {}).status_code == 200
        before = text_clocks(world)
        proxy.down()
        started = time.monotonic()
        response = post_tick(server.url, {})
        assert time.monotonic() - started < 5
        assert response.status_code == 500
        assert_cors(response)
        reply = response.json()
        assert reply["ok"] is False and "cannot connect" in reply["error"] and reply["accounts"] == []
        health = httpx.get(f"{server.url}/health", timeout=10)
        assert health.status_code == 503 and health.json()["database"] == "down"
        assert text_clocks(world) == before  # nothing half-written

        proxy.up()
        response = post_tick(server.url, {})
        assert response.status_code == 200, response.text
        assert text_clocks(world) == {a: d + dt.timedelta(days=1) for a, d in before.items()}
        assert httpx.get(f"{server.url}/health").json()["database"] == "up"
    finally:
        server.stop()  # SIGTERM
        proxy.down()
    # through it all, stderr held one JSON object per line: libraries' warnings included, and no notice
    # of resources the workers leaked at shutdown (which multiprocessing's resource tracker, a process of
    # its own, would write just after the service exits)
    time.sleep(1)
    lines = server.log_text().splitlines()
    for line in lines:
        record = json.loads(line)
        assert isinstance(record, dict) and {"ts", "level", "event"} <= set(record), line
    assert json.loads(lines[-1])["event"] == f"Finished server process [{server.process.pid}]"


# -- serve: the token, --no-auth, --every ---------------------------------------------------------


def test_serve_refuses_to_start_without_a_token(world: Database) -> None:
    result = run_cli("serve", "--port", "9", database_url=world.url, timeout=60, DRIFT_TICK_TOKEN="")
    assert result.returncode == 2
    assert "DRIFT_TICK_TOKEN" in result.stderr and "--no-auth" in result.stderr


def test_serve_no_auth_warns_loudly_and_accepts_ticks(
    cluster: LocalCluster, seeded_template: str, tmp_path: Path
) -> None:
    world = clone(cluster, seeded_template)
    server = ServerProcess(world.url, tmp_path, "--no-auth", token=None)
    try:
        server.wait_ready()
        assert "authentication is OFF" in server.log_text()
        assert httpx.get(f"{server.url}/health").json()["auth"] == "disabled"
        assert post_tick(server.url, {}, headers={}).status_code == 200
    finally:
        server.stop()


def test_service_role_key_is_accepted_as_the_token(cluster: LocalCluster, seeded_template: str, tmp_path: Path) -> None:
    world = clone(cluster, seeded_template)
    key = "service-role-" + uuid.uuid4().hex
    server = ServerProcess(world.url, tmp_path, token=None, SUPABASE_SERVICE_ROLE_KEY=key)
    try:
        server.wait_ready()
        assert post_tick(server.url, {}, headers=auth(TOKEN)).status_code == 401
        assert post_tick(server.url, {}, headers=auth(key)).status_code == 200
    finally:
        server.stop()
    assert key not in server.log_text()


def test_every_option_reads_intervals_and_defaults_to_five_minutes() -> None:
    assert with_every_value(["--port", "9"]) == ["--port", "9"]
    assert with_every_value(["--every"]) == ["--every", DEFAULT_EVERY]
    assert with_every_value(["--every", "--no-auth"]) == ["--every", DEFAULT_EVERY, "--no-auth"]
    assert with_every_value(["--every="]) == [f"--every={DEFAULT_EVERY}"]
    assert with_every_value(["--every", "30s"]) == ["--every", "30s"]
    assert parse_interval(DEFAULT_EVERY) == parse_interval("5 minutes") == 300
    assert parse_interval("1h") == 3600 and parse_interval("30s") == 30


def test_own_scheduler_ticks_every_interval_one_at_a_time(
    cluster: LocalCluster, seeded_template: str, tmp_path: Path
) -> None:
    world = clone(cluster, seeded_template)
    before = text_clocks(world)
    server = ServerProcess(world.url, tmp_path, "--every", "1s")
    try:
        server.wait_ready()
        started = time.monotonic()

        def scheduled() -> list[dict[str, Any]]:
            return [r for r in server.log_lines() if r["event"] == "tick" and r.get("triggered_by") == "scheduler"]

        assert wait_until(lambda: len(scheduled()) >= 3, 20)
        elapsed = time.monotonic() - started
        health = httpx.get(f"{server.url}/health").json()
    finally:
        server.stop()
    lines = server.log_lines()
    runs = [r for r in lines if r["event"] == "scheduler_run"]
    scheduled_ticks = [r for r in lines if r["event"] == "tick" and r.get("triggered_by") == "scheduler"]
    assert len(scheduled_ticks) >= 3 and all(r["status"] == "ok" for r in scheduled_ticks)
    first = dt.datetime.fromisoformat(runs[0]["ts"])
    service_started = dt.datetime.fromisoformat(next(r["ts"] for r in lines if r["event"] == "service_started"))
    assert (first - service_started).total_seconds() >= 0.9  # one interval after start, not at start
    assert health["scheduler"]["every_s"] == 1 and health["scheduler"]["runs"] >= 2
    moved = {a: (d - before[a]).days for a, d in text_clocks(world).items()}
    assert min(moved.values()) >= 3
    assert max(moved.values()) <= elapsed + 5
    assert all(r["accounts_by_status"].get("busy", 0) == 0 for r in scheduled_ticks)  # never two of its own
