"""The operations the AWS API serves, one module per service; each handler takes the parsed parameters and
the agent-role connection and returns the output shape as a dict (the protocol layer serializes it)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fnmatch
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from driftworld.aws.protocol import ApiError
from driftworld.store import agent_io, aws_io
from driftworld.store.agent_io import ChangeRefused
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
    items: Sequence[T],
    token: str | None,
    max_results: int | None,
    default: int,
    ceiling: int,
    what: str,
    *,
    invalid_token: str = "InvalidParameterValue",
    request: dict[str, Any] | None = None,
) -> tuple[Sequence[T], str | None]:
    """One page of a stable list and the token of the next (an opaque offset, as AWS's tokens are opaque).
    With `request` (the call's other parameters) the token is bound to them: used with changed parameters
    it is refused with RequestChangedException, as Cost Explorer does."""
    fingerprint = _fingerprint(request) if request is not None else None
    start = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            start = int(decoded["offset"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise ApiError(invalid_token, f"Invalid NextToken for {what}") from None
        if decoded.get("request") != fingerprint:
            raise ApiError(
                "RequestChangedException",
                "Your request parameters changed between pages. Try again with the old parameters "
                "or without a pagination token.",
            )
    size = min(max(max_results or default, 1), ceiling)
    chunk = items[start : start + size]
    more = start + size < len(items)
    following = {"offset": start + size, "request": fingerprint}
    next_token = base64.urlsafe_b64encode(json.dumps(following).encode()).decode() if more else None
    return chunk, next_token


def _fingerprint(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Paging:
    """How one operation pages, in its own names: the list it answers, the token's name in the request and
    in the reply, the parameter that sizes a page, its default and ceiling, and the sizes it accepts
    (`accepted`; None: any, cut to the ceiling)."""

    result: str
    token_in: str
    token_out: str
    size: str
    default: int
    ceiling: int
    accepted: tuple[int, int] | None = None
    refusal: str = "InvalidParameterValue"


def paged(call: Call, items: Sequence[T], paging: Paging, render: Callable[[Sequence[T]], list[Any]]) -> dict[str, Any]:
    """The reply's page of `items` (rendered) and, when more follow, the token of the next page."""
    size = call.params.get(paging.size)
    if size is not None and paging.accepted is not None and not paging.accepted[0] <= int(size) <= paging.accepted[1]:
        low, high = paging.accepted
        raise ApiError(paging.refusal, f"Value ( {size} ) for parameter {paging.size} is invalid: {low} to {high}.")
    chunk, token = page(items, call.params.get(paging.token_in), size, paging.default, paging.ceiling, paging.result)
    out: dict[str, Any] = {paging.result: render(chunk)}
    if token:
        out[paging.token_out] = token
    return out


def selected(
    rows: Sequence[dict[str, Any]], column: str, wanted: Sequence[str], missing: ApiError
) -> list[dict[str, Any]]:
    """The rows whose `column` is one of `wanted` (every row when nothing is wanted); a wanted value that no
    row has is AWS's not-found error, whose message names it through `{}`."""
    if not wanted:
        return list(rows)
    known = {r[column] for r in rows}
    absent = [w for w in wanted if w not in known]
    if absent:
        raise ApiError(missing.code, missing.message.format(absent[0]), missing.status)
    return [r for r in rows if r[column] in wanted]


def change_each(
    call: Call, table: str, rows: Sequence[dict[str, Any]], values: dict[str, Any] | None, action: str
) -> None:
    """The change (None: a delete) on every row, each audited in the key's name."""
    for row in rows:
        aws_io.change(call.conn, call.agent, table, row["row_id"], values, action)


Assignments = dict[str, tuple[str, Callable[[Any], Any]]]


def assigned(call: Call, assignments: Assignments, missing: ApiError | None = None) -> dict[str, Any]:
    """The columns a Modify/Update call sets: for each parameter it gives, its column and its value as the
    conversion makes it (which may refuse it); `missing` is the error when it gives none."""
    values = {
        column: convert(call.params[parameter])
        for parameter, (column, convert) in assignments.items()
        if call.params.get(parameter) is not None
    }
    if not values and missing is not None:
        raise missing
    return values


def catalogue_value(what: str, code: str) -> Callable[[Any], str]:
    """A conversion that takes only the catalogue's values (agent_io.require_known), else answers `code`."""

    def convert(value: Any) -> str:
        with refused_as(code):
            return agent_io.require_known(str(value), what)

    return convert


@contextmanager
def refused_as(code: str, status: int = 400) -> Iterator[None]:
    """The shared rules of what AWS refuses (agent_io.require_*) answered with this operation's error code."""
    try:
        yield
    except ChangeRefused as refused:
        raise ApiError(code, str(refused), status) from None


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
