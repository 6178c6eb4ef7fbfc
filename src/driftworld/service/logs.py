"""Structured logs: one JSON object per line on stderr, so log shippers need no parsing rules.

Only what a caller puts in `extra={"fields": {...}}` is written, never request headers: the token
cannot end up in a log line by accident.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
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


HANDLER_NAME = "driftworld-json"


def logging_config(stream: TextIO | None = None) -> dict[str, Any]:
    """The logging of a process that owns its stderr (serve, worker; uvicorn applies it again at start):
    the service's records, uvicorn's lines (its access log never includes headers) and every other
    logger's warnings (psycopg's, say), all through one JSON handler, so no line of stderr is plain text."""
    handler = {"handlers": [HANDLER_NAME], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            HANDLER_NAME: {"class": "logging.StreamHandler", "formatter": "json", "stream": stream or sys.stderr}
        },
        "loggers": {
            name: {**handler, "level": "INFO"} for name in (LOGGER_NAME, "uvicorn", "uvicorn.error", "uvicorn.access")
        },
        "root": {"handlers": [HANDLER_NAME], "level": "WARNING"},
    }


def configure_logging(stream: TextIO | None = None, level: int = logging.INFO, libraries: bool = False) -> None:
    """Send the service's records to stderr as JSON (idempotent: one handler however often called).
    With `libraries`, the whole process's logging and Python's warnings too (`logging_config`)."""
    if libraries:
        logging.config.dictConfig(logging_config(stream))
        logging.captureWarnings(True)
    elif not any(handler.get_name() == HANDLER_NAME for handler in log.handlers):
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(level)
        log.propagate = False


def emit(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured line."""
    log.log(level, event, extra={"fields": fields})
