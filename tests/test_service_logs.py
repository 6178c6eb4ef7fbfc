"""The service's stderr is one JSON object per line through a tick, a lost database and a SIGTERM:
library warnings included, and no leaked-resource notice at shutdown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from driftworld.store.cluster import LocalCluster
from tests.conftest import clone
from tests.test_service_support import ServerProcess, TcpProxy, dbname, post_tick, tcp_url_via

pytestmark = pytest.mark.timeout(180)


def test_every_stderr_line_is_one_json_object(cluster: LocalCluster, seeded_template: str, tmp_path: Path) -> None:
    world = clone(cluster, seeded_template)
    proxy = TcpProxy(cluster.port)
    proxy.up()
    server = ServerProcess(tcp_url_via(proxy.port, dbname(world)), tmp_path, DRIFTWORLD_TICK_WORKERS="2")
    try:
        server.wait_ready()
        assert post_tick(server.url, {"days": 2}).status_code == 200
        proxy.down()  # every connection the service and its workers keep is cut
        assert post_tick(server.url, {}).status_code == 500
        proxy.up()
        assert post_tick(server.url, {}).status_code == 200
    finally:
        server.stop()  # SIGTERM
        proxy.down()
    lines = server.log_text().splitlines()
    assert lines
    for line in lines:
        record = json.loads(line)  # fails on any line that is not JSON
        assert isinstance(record, dict) and {"ts", "level", "event"} <= set(record), line
    assert any(json.loads(line)["event"] == "service_stopped" for line in lines)


LIBRARY_WARNINGS = """
import logging, logging.config, warnings
from driftworld.service.commands import uvicorn_log_config
from driftworld.service.logs import configure_logging
configure_logging(libraries=True)
logging.getLogger("psycopg").warning("error ignored terminating %r", "<psycopg.Pipeline [BAD]>")
warnings.warn("a library's warning")
logging.config.dictConfig(uvicorn_log_config())  # what uvicorn.run does next
logging.getLogger("psycopg.pool").warning("after uvicorn's configuration")
"""


def test_library_warnings_are_json_lines_too() -> None:
    done = subprocess.run([sys.executable, "-c", LIBRARY_WARNINGS], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(r["logger"], r["level"]) for r in records] == [
        ("psycopg", "warning"),
        ("py.warnings", "warning"),
        ("psycopg.pool", "warning"),
    ]
    assert "Pipeline [BAD]" in records[0]["event"]
