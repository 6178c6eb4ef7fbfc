"""The Supabase Edge Function forwarder (supabase/functions/drift-tick/index.ts): it type-checks with
`deno check` and, run by Deno, forwards a real tick to a real `driftworld serve`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from driftworld.service.app import CORS_HEADERS
from driftworld.store.cluster import LocalCluster, free_tcp_port
from driftworld.store.database import Database
from tests.conftest import clone
from tests.helpers import TOKEN, ServerProcess, auth, text_clocks, wait_until

FUNCTION = Path(__file__).resolve().parents[1] / "supabase" / "functions" / "drift-tick" / "index.ts"


def deno_binary() -> str | None:
    """Deno from PATH or from the venv (PyPI's `deno` package installs the binary next to python)."""
    beside = Path(sys.executable).parent / "deno"
    return str(beside) if beside.exists() else shutil.which("deno")


DENO = deno_binary()
needs_deno = pytest.mark.skipif(DENO is None, reason="deno is not installed (pip install deno, PyPI package 2.x)")


def test_the_function_has_no_imports_and_sends_supabase_cors() -> None:
    source = FUNCTION.read_text()
    assert "import " not in source and "Deno.serve(" in source
    for name, value in CORS_HEADERS.items():
        assert f'"{name}": "{value}"' in source


@needs_deno
def test_deno_check_passes() -> None:
    assert DENO is not None
    result = subprocess.run(
        [DENO, "check", "--quiet", str(FUNCTION)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "DENO_NO_UPDATE_CHECK": "1"},
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture()
def forwarder(cluster: LocalCluster, seeded_template: str, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """Deno running the function on a free port, forwarding to a real service on a fresh world."""
    assert DENO is not None
    world = clone(cluster, seeded_template)
    service = ServerProcess(world.url, tmp_path).wait_ready()
    port = free_tcp_port()
    env = {
        **os.environ,
        "DRIFTWORLD_URL": service.url + "/",
        "DENO_SERVE_ADDRESS": f"tcp:127.0.0.1:{port}",
        "NO_COLOR": "1",
        "DENO_NO_UPDATE_CHECK": "1",
    }
    log = (tmp_path / "deno.log").open("w")
    deno = subprocess.Popen(
        [DENO, "run", "--allow-net", "--allow-env", str(FUNCTION)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        try:
            return httpx.options(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        assert wait_until(answering, 60), (tmp_path / "deno.log").read_text()
        yield url, world
    finally:
        deno.terminate()
        deno.wait(timeout=15)
        log.close()
        service.stop()


@needs_deno
def test_deno_forwarder_passes_body_and_bearer_to_the_service(forwarder: tuple[str, Database]) -> None:
    url, world = forwarder
    before = text_clocks(world)

    preflight = httpx.options(f"{url}/functions/v1/drift-tick", headers={"Origin": "https://example.com"})
    assert preflight.status_code == 200
    assert all(preflight.headers[k] == v for k, v in CORS_HEADERS.items())

    refused = httpx.post(url, json={"triggered_by": "pg_cron"}, headers=auth("wrong"))
    assert refused.status_code == 401 and refused.json()["ok"] is False
    assert all(refused.headers[k] == v for k, v in CORS_HEADERS.items())

    bad = httpx.post(url, content=b'{"days": 0}', headers=auth(TOKEN))
    assert bad.status_code == 400

    ticked = httpx.post(url, json={"triggered_by": "pg_cron", "days": 2}, headers=auth(TOKEN), timeout=120)
    assert ticked.status_code == 200, ticked.text
    assert ticked.json()["daysSimulated"] == 2 * len(before)
    assert all(ticked.headers[k] == v for k, v in CORS_HEADERS.items())
    assert {a: (d - before[a]).days for a, d in text_clocks(world).items()} == dict.fromkeys(before, 2)

    health = httpx.get(url)
    assert health.status_code == 200 and health.json()["database"] == "up"
