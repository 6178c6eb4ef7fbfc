"""What every tool replies: plain JSON values, and refusals that name why nothing changed."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from driftworld.store.agent_io import ChangeRefused


class Refused(Exception):
    """A request the server does not carry out: nothing changed. `code` is short and stable."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details

    @classmethod
    def of(cls, refused: ChangeRefused) -> Refused:
        """A change AWS refuses: for the resource's state, or for a value."""
        if refused.state is not None:
            return cls("incorrect_state", str(refused), state=refused.state)
        return cls("invalid_parameter", str(refused))

    def reply(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self), **plain(self.details)}


def plain(value: Any) -> Any:
    """A value as JSON holds it: numbers as numbers, times as ISO 8601, ids as text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def plain_dict(value: dict[str, Any]) -> dict[str, Any]:
    return {str(k): plain(v) for k, v in value.items()}


def parse_day(value: str | None, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise Refused("invalid_parameter", f"{name} must be a date YYYY-MM-DD, not {value!r}") from None
