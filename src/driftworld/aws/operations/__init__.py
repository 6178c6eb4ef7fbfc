"""The operations the AWS API serves, one module per service; each handler takes the parsed parameters and
the agent-role connection and returns the output shape as a dict (the protocol layer serializes it)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from driftworld.aws.protocol import ApiError
from driftworld.store import aws_io
from driftworld.store.aws_io import Conn


@dataclass(frozen=True)
class Call:
    """One call: the connection (inside a transaction as the agent role), the region it was signed for,
    the key's name (the executed_by of its audit rows), the parsed parameters, and whether the world runs
    on the virtual clock."""

    conn: Conn
    region: str
    agent: str
    params: dict[str, Any]
    virtual_clock: bool = False

    def today(self) -> dt.date:
        """The API's 'now': the world's newest simulated day on the virtual clock, the real date otherwise."""
        if self.virtual_clock:
            return aws_io.virtual_today(self.conn) or dt.datetime.now(dt.UTC).date()
        return dt.datetime.now(dt.UTC).date()


Handler = Callable[[Call], dict[str, Any]]
HANDLERS: dict[tuple[str, str], Handler] = {}
T = TypeVar("T")


def handles(service: str, operation: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[(service, operation)] = function
        return function

    return register


def page(
    items: Sequence[T], token: str | None, max_results: int | None, default: int, ceiling: int, what: str
) -> tuple[Sequence[T], str | None]:
    """One page of a stable list and the token of the next (an opaque offset, as AWS's tokens are opaque)."""
    start = 0
    if token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise ApiError("InvalidParameterValue", f"Invalid NextToken for {what}") from None
    size = min(max(max_results or default, 1), ceiling)
    chunk = items[start : start + size]
    more = start + size < len(items)
    next_token = base64.urlsafe_b64encode(json.dumps({"offset": start + size}).encode()).decode() if more else None
    return chunk, next_token


def tag_list(tags: dict[str, Any] | None) -> list[dict[str, str]]:
    return [{"Key": str(k), "Value": "" if v is None else str(v)} for k, v in sorted((tags or {}).items())]


def matches_filters(filters: Sequence[dict[str, Any]], fields: Callable[[str], Sequence[str] | None]) -> bool:
    """EC2's filter semantics: every filter must match, any of its values may; '*' and '?' are wildcards;
    a filter name the resource does not know is an error."""
    for item in filters:
        name = str(item.get("Name", ""))
        values = [str(v) for v in item.get("Values") or []]
        have = fields(name)
        if have is None:
            raise ApiError("InvalidParameterValue", f"The filter '{name}' is invalid")
        if not any(_wildcard(pattern, value) for pattern in values for value in have):
            return False
    return True


def _wildcard(pattern: str, value: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


from driftworld.aws.operations import (  # noqa: E402  (each registers its handlers)
    autoscaling,
    cloudwatch,
    compute_optimizer,
    cost_explorer,
    ec2,
    elbv2,
    lambda_functions,
    logs,
    rds,
    s3,
    sts,
)

__all__ = [
    "HANDLERS",
    "Call",
    "autoscaling",
    "cloudwatch",
    "compute_optimizer",
    "cost_explorer",
    "ec2",
    "elbv2",
    "lambda_functions",
    "logs",
    "rds",
    "s3",
    "sts",
]
