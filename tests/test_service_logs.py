"""Library warnings in the service's stderr are JSON lines like its own (the service's whole stderr through
a tick, a lost database and a SIGTERM is checked in test_service.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(180)


LIBRARY_WARNINGS = """
import logging, logging.config, warnings
from driftworld.service.logs import configure_logging, logging_config
configure_logging(libraries=True)
logging.getLogger("psycopg").warning("error ignored terminating %r", "<psycopg.Pipeline [BAD]>")
warnings.warn("a library's warning")
logging.config.dictConfig(logging_config())  # what uvicorn.run does next
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
