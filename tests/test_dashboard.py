"""The dashboard in a real browser: Debian's chromium, headless, driven by Playwright against the service that
`driftworld serve` runs. Each page must draw its charts with the world's data, log no console error and ask
nothing of any host but this one; a screenshot of each page is kept in test-artifacts/dashboard/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Route, ViewportSize, sync_playwright
from pydantic import SecretStr

import driftworld
from driftworld.service.app import create_app
from driftworld.store.cluster import LocalCluster, free_tcp_port
from driftworld.store.database import Database
from tests.conftest import clone

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("DRIFTWORLD_TEST_ARTIFACTS", REPO / "test-artifacts")) / "dashboard"
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
TOKEN = "dashboard-test-token"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
LAPTOP: ViewportSize = {"width": 1366, "height": 900}


def _one(db: Database, query: str, *params: Any) -> dict[str, Any]:
    with db.connect() as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None, query
    return row


@pytest.fixture(scope="module")
def world(cluster: LocalCluster, seeded_template: str) -> Database:
    """A seeded world where an agent fixed a piece of waste, broke a lock and stopped a busy instance."""
    db = clone(cluster, seeded_template)
    bucket = _one(
        db,
        "select b.id from s3_buckets b join driftworld.waste_ledger w on w.resource_id = b.id "
        "where w.scenario = 's3_bucket_without_lifecycle' order by b.id limit 1",
    )
    prod = _one(
        db, "select id, instance_id from instances where env = 'prod' and state = 'running' order by id limit 1"
    )
    busy = _one(
        db,
        "select i.id, i.instance_id from instances i join driftworld.workload_profiles p on p.resource_id = i.id "
        "where p.profile = 'nonprod' and i.state = 'running' and i.autoscaling_group_id is null "
        "and i.id not in (select resource_id from driftworld.waste_ledger) order by i.id limit 1",
    )
    rules = json.dumps(
        [{"id": "archive", "status": "Enabled", "transitions": [{"days": 30, "storage_class": "GLACIER"}]}]
    )
    audit = "insert into action_audit_log (action, resource_type, resource_id, success) values (%s, %s, %s, true)"
    with db.connect() as conn:
        conn.execute("update s3_buckets set lifecycle_rules = %s::jsonb where id = %s", (rules, bucket["id"]))
        conn.execute(audit, ("add_lifecycle", "s3_buckets", str(bucket["id"])))
        conn.execute('update instances set tags = tags || \'{"reviewed": "yes"}\' where id = %s', (prod["id"],))
        conn.execute(audit, ("tag", "instance", prod["instance_id"]))
        conn.execute("update instances set state = 'stopped' where id = %s", (busy["id"],))
        conn.execute(audit, ("stop", "instance", busy["instance_id"]))
        conn.commit()
    assert driftworld.tick(db, days=1).ok
    return db


def write_run(folder: Path, agent: str, capture: float) -> None:
    """A bench run folder as `driftworld bench run --out` leaves it, reduced to what the leaderboard reads."""
    folder.mkdir(parents=True)
    summary = {"suite": "smoke", "agent": agent, "pass_k": capture > 0.9, "k": 3, "capture_rate": capture}
    summary |= {"dollars_saved": 1234.5 * capture, "false_positives": 0, "violations": 0}
    record = {"summary": summary, "driftworld": {"commit": None}, "ended": "2026-12-03T10:00:00+00:00"}
    (folder / "run.json").write_text(json.dumps(record))


@pytest.fixture(scope="module")
def service(world: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service as `driftworld serve` builds it, on a port of this machine, with two bench runs to rank;
    yields its base URL."""
    runs = tmp_path_factory.mktemp("bench-runs")
    write_run(runs / "noop", "noop", 0.0)
    write_run(runs / "oracle", "oracle", 0.99)
    os.environ["DRIFTWORLD_BENCH_RUNS"] = str(runs)
    app = create_app(lambda: world, SecretStr(TOKEN), log_json=False)
    port = free_tcp_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    del os.environ["DRIFTWORLD_BENCH_RUNS"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("no chromium: apt-get install chromium (./scripts/test does it as root)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Watched:
    page: Page
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.outside, f"requests leaving this machine: {self.outside}"

    def traces(self, chart: str) -> list[dict[str, Any]]:
        """What Plotly drew in a chart: each trace's type, name and values."""
        found: list[dict[str, Any]] = self.page.evaluate(
            "id => document.getElementById(id).data.map(t => ({type: t.type, name: t.name, x: t.x, y: t.y}))", chart
        )
        return found

    def ready(self, chart: str) -> None:
        self.page.wait_for_selector(f'#{chart}[data-ready="1"]', timeout=30_000)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture()
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    watch = Watched(page)

    def route(route: Route) -> None:
        url = route.request.url
        watch.requests.append(url)
        host = urllib.parse.urlsplit(url).hostname
        if url.startswith("data:") or host in LOCAL_HOSTS:
            route.continue_()
        else:
            watch.outside.append(url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda message: watch.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield watch
    context.close()


def bill_by_day(db: Database, account: str | None = None) -> dict[str, Decimal]:
    with db.connect() as conn:
        rows = conn.execute(
            "select date::text as day, sum(cost) as cost from daily_bill "
            "where %(a)s::uuid is null or account_id = %(a)s::uuid group by 1",
            {"a": account},
        ).fetchall()
    return {str(r["day"]): Decimal(str(r["cost"])) for r in rows}


def stacked_totals(traces: list[dict[str, Any]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for trace in traces:
        if trace["type"] == "bar":
            for day, cost in zip(trace["x"], trace["y"], strict=True):
                totals[day] = totals.get(day, Decimal(0)) + Decimal(str(cost))
    return totals


def assert_close(found: dict[str, Decimal], expected: dict[str, Decimal]) -> None:
    assert set(found) == set(expected)
    # each service's daily cost is rounded to the cent, so a day's stack is within a cent per service
    assert all(abs(found[d] - expected[d]) < Decimal("0.15") for d in expected), (found, expected)


def test_the_public_page_charts_the_bill_by_service_with_a_forecast(
    world: Database, service: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(service + "/")
    watched.ready("cost-chart")

    traces = watched.traces("cost-chart")
    bars = [t for t in traces if t["type"] == "bar"]
    with world.connect() as conn:
        services = {r["service"] for r in conn.execute("select distinct service from daily_bill")}
    assert {t["name"] for t in bars} == services
    assert_close(stacked_totals(traces), bill_by_day(world))
    assert page.locator("#cost-chart g.trace.bars path").count() > 0  # drawn, not only given
    forecast = next(t for t in traces if t["type"] == "scatter")
    assert len(forecast["x"]) == 31 and min(forecast["y"]) > 0
    days = sorted(bill_by_day(world))
    rate = sum((bill_by_day(world)[d] for d in days[-7:]), Decimal(0)) / 7  # the newest week's mean
    assert forecast["y"][-1] == pytest.approx(float(rate), abs=0.15)
    shown = Decimal(page.locator("#forecast").inner_text().lstrip("$").replace(",", ""))
    assert abs(shown - 30 * rate) < Decimal("4.5")  # 30 days of a rate within 15 cents
    watched.screenshot("public.png")

    # filtered to one account: the stack is that account's bill
    account = page.locator("#account option").nth(1).get_attribute("value")
    assert account
    page.select_option("#account", account)
    page.wait_for_function(
        "a => location.search.includes(a) && document.getElementById('cost-chart').dataset.ready === '1'", arg=account
    )
    assert_close(stacked_totals(watched.traces("cost-chart")), bill_by_day(world, account))
    watched.screenshot("public-one-account.png")
    watched.clean()


def test_the_operator_pages_show_the_ground_truth_and_the_agents_work(
    world: Database, service: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(service + "/operator")
    page.wait_for_selector("#token-form:not([hidden])")
    assert page.locator("#operator").is_hidden()  # no token, no data
    page.fill("#token", TOKEN)
    page.click("#token-form button")
    for chart in ("waste-chart", "resolved-chart", "activity-chart"):
        watched.ready(chart)

    with world.connect() as conn:
        scenarios = {r["scenario"] for r in conn.execute("select distinct scenario from driftworld.waste_ledger")}
    waste = watched.traces("waste-chart")
    assert {t["name"] for t in waste} == scenarios
    assert sum(max(t["y"]) for t in waste) > 0
    resolved = {t["name"]: t["y"] for t in watched.traces("resolved-chart")}
    assert resolved["resolved by agents (to date)"][-1] >= 1
    activity = {t["name"]: sum(t["y"]) for t in watched.traces("activity-chart")}
    assert activity["agent changes"] >= 3 and activity["waste fixed"] >= 1
    assert activity["false positives"] >= 1 and activity["policy violations"] >= 1
    assert page.locator("#changes tbody tr").count() >= 3
    leaders = page.locator("#leaderboard tbody tr")
    assert leaders.count() == 2 and leaders.first.inner_text().split("\t")[:3] == ["smoke", "oracle", "yes"]
    assert page.locator("#activity-chart g.trace.bars path").count() > 0
    watched.screenshot("operator.png")
    watched.clean()

    # the token stays in this tab's session: a reload shows the data again
    page.reload()
    watched.ready("waste-chart")
    watched.clean()


def test_the_operator_data_needs_the_token_and_stays_out_of_the_service_contract(service: str) -> None:
    with httpx.Client(base_url=service, timeout=30) as client:
        assert client.get("/dashboard/api/costs").status_code == 200
        for path in ("/dashboard/api/waste", "/dashboard/api/activity"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert client.get("/dashboard/api/costs", params={"account": "nope"}).status_code == 400
        assert client.get("/dashboard/assets/../app.py").status_code == 404
        paths = client.get("/openapi.json").json()["paths"]
        assert not [p for p in paths if p == "/" or p.startswith("/dashboard") or p == "/operator"]


def test_the_dashboard_command_serves_the_world(world: Database) -> None:
    port = free_tcp_port()
    env = {**os.environ, "DATABASE_URL": world.url, "DRIFT_TICK_TOKEN": TOKEN}
    command = [str(Path(sys.executable).parent / "driftworld"), "dashboard", "--no-open", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/dashboard/api/scope", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "driftworld dashboard did not start"
                time.sleep(0.2)
        assert reply.status_code == 200 and reply.json()["organizations"]
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert 'id="cost-chart"' in page.text
        operator = httpx.get(
            f"http://127.0.0.1:{port}/dashboard/api/activity", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        )
        assert operator.status_code == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/operator (token: DRIFT_TICK_TOKEN)" in stderr
    assert TOKEN not in stderr  # a configured secret is never printed
