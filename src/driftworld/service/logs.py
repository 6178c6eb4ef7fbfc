"""Structured logs: one JSON object per line on stderr, so log shippers need no parsing rules.

Only what a caller puts in `extra={"fields": {...}}` is written, never request headers: the token
cannot end up in a log line by accident.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, TextIO

from driftworld.redact import redact

LOGGER_NAME = "driftworld.service"
log = logging.getLogger(LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, event and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(_masked(line), default=str, separators=(",", ":"))


def _masked(value: Any) -> Any:
    """The value with secrets masked in every string it holds (a request path's query included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def configure_logging(stream: TextIO | None = None, level: int = logging.INFO, libraries: bool = False) -> None:
    """Send the service's records to stderr as JSON (idempotent: one handler however often called).
    With `libraries`, a process that owns its stderr (serve, worker) also sends every other logger's
    warnings (psycopg's, say) and Python's warnings there as JSON, so no line of stderr is plain text."""
    handler_name = "driftworld-json"
    if not any(handler.get_name() == handler_name for handler in log.handlers):
        log.addHandler(_json_handler(handler_name, stream))
        log.setLevel(level)
        log.propagate = False
    if libraries:
        root = logging.getLogger()
        if not any(handler.get_name() == handler_name for handler in root.handlers):
            for handler in root.handlers[:]:
                root.removeHandler(handler)
            root.addHandler(_json_handler(handler_name, stream))
            root.setLevel(logging.WARNING)
        logging.captureWarnings(True)


def _json_handler(name: str, stream: TextIO | None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(name)
    handler.setFormatter(JsonFormatter())
    return handler


def emit(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured line."""
    log.log(level, event, extra={"fields": fields})
