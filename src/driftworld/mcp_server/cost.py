"""get_cost_and_usage in Cost Explorer's shape (GetCostAndUsage), computed from the world's daily_bill.

Agents written against AWS's cost-explorer tools send the same request and read the same reply:
`end` is exclusive, dimensions SERVICE, LINKED_ACCOUNT, REGION and USAGE_TYPE, tags as `key$value`,
metrics UnblendedCost and UsageQuantity, amounts as decimal strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from driftworld.mcp_server.replies import Refused, parse_day
from driftworld.store.aws_io import DIMENSION_COLUMNS

METRICS = {"unblendedcost": "UnblendedCost", "usagequantity": "UsageQuantity"}
# The bill's dimensions the AWS API answers for, but RESOURCE_ID, which Cost Explorer offers only per resource.
DIMENSIONS = tuple(name for name in DIMENSION_COLUMNS if name != "RESOURCE_ID")
MAX_DAYS = 400
MAX_GROUPS = 2  # as in Cost Explorer


@dataclass
class CostRequest:
    start: dt.date
    end: dt.date
    monthly: bool
    metrics: list[str]
    definitions: list[dict[str, str]] = field(default_factory=list)
    group_by: list[tuple[str, str]] = field(default_factory=list)  # (DIMENSION or TAG, key)
    expression: dict[str, Any] | None = None  # the filter, in Cost Explorer's own spelling


def _lower_keys(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Refused("invalid_parameter", f"expected an object, got {value!r}")
    return {str(k).lower(): v for k, v in value.items()}


def _dimension(name: Any) -> str:
    found = str(name).upper()
    if found not in DIMENSIONS:
        raise Refused("invalid_parameter", f"unknown dimension {name!r}: use one of {', '.join(DIMENSIONS)}")
    return found


def _expression(expression: Any) -> dict[str, Any]:
    """An Expression (Dimensions, Tags, And, Or, Not) checked and spelled as Cost Explorer spells it, whatever
    the case an LLM wrote its keys in."""
    parts = _lower_keys(expression)
    if len(parts) != 1:
        raise Refused("invalid_parameter", "a filter expression holds exactly one of Dimensions, Tags, And, Or, Not")
    ((name, value),) = parts.items()
    if name in ("and", "or"):
        if not isinstance(value, list) or not value:
            raise Refused("invalid_parameter", f"{name.title()} takes a non-empty list of expressions")
        return {name.title(): [_expression(v) for v in value]}
    if name == "not":
        return {"Not": _expression(value)}
    if name in ("dimensions", "tags"):
        spec = _lower_keys(value)
        key, values = spec.get("key"), spec.get("values")
        if not key:
            raise Refused("invalid_parameter", f"{name.title()} needs a Key")
        if values is not None and (not isinstance(values, list) or not all(isinstance(v, str) for v in values)):
            raise Refused("invalid_parameter", f"{name.title()}.Values must be a list of strings")
        if name == "dimensions":
            if not values:
                raise Refused("invalid_parameter", "Dimensions needs Values")
            return {"Dimensions": {"Key": _dimension(key), "Values": values}}
        return {"Tags": {"Key": str(key), **({"Values": values} if values else {})}}
    raise Refused("invalid_parameter", f"unsupported filter {name!r}: use Dimensions, Tags, And, Or or Not")


def parse_request(
    start: str,
    end: str,
    granularity: str,
    metrics: list[str] | None,
    group_by: list[dict[str, str]] | None,
    filter_: dict[str, Any] | None,
) -> CostRequest:
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if first is None or last is None:
        raise Refused("invalid_parameter", "start and end are required (YYYY-MM-DD, end exclusive)")
    if first >= last:
        raise Refused("invalid_parameter", "start must be before end (end is exclusive, as in Cost Explorer)")
    if (last - first).days > MAX_DAYS:
        raise Refused("invalid_parameter", f"at most {MAX_DAYS} days per request")
    if granularity.upper() not in ("DAILY", "MONTHLY"):
        raise Refused("invalid_parameter", "granularity is DAILY or MONTHLY")
    names = []
    for metric in metrics or ["UnblendedCost"]:
        name = METRICS.get(str(metric).lower())
        if name is None:
            raise Refused("invalid_parameter", f"unknown metric {metric!r}: use UnblendedCost or UsageQuantity")
        names.append(name)
    request = CostRequest(first, last, granularity.upper() == "MONTHLY", list(dict.fromkeys(names)))
    if len(group_by or []) > MAX_GROUPS:
        raise Refused("invalid_parameter", f"at most {MAX_GROUPS} group-bys, as in Cost Explorer")
    for group in group_by or []:
        spec = _lower_keys(group)
        kind, key = str(spec.get("type", "DIMENSION")).upper(), spec.get("key")
        if not key:
            raise Refused("invalid_parameter", "each group-by needs a Key")
        if kind == "DIMENSION":
            key = _dimension(key)
        elif kind != "TAG":
            raise Refused("invalid_parameter", f"group-by Type is DIMENSION or TAG, not {kind!r}")
        request.group_by.append((kind, str(key)))
        request.definitions.append({"Type": kind, "Key": str(key)})
    if filter_:
        request.expression = _expression(filter_)
    return request


def periods(request: CostRequest) -> list[tuple[dt.date, dt.date]]:
    """Each day, or each calendar month cut to the request, from start to end (exclusive)."""
    spans = []
    day = request.start
    while day < request.end:
        if request.monthly:
            following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        else:
            following = day + dt.timedelta(days=1)
        spans.append((day, min(following, request.end)))
        day = following
    return spans


def _metrics(request: CostRequest, row: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    values: dict[str, dict[str, str]] = {}
    for name in request.metrics:
        if name == "UnblendedCost":
            values[name] = {"Amount": str(row["cost"] if row else Decimal(0)), "Unit": "USD"}
        else:
            units = [u for u in (row["units"] if row else []) if u]
            values[name] = {
                "Amount": str(row["usage"] if row else Decimal(0)),
                "Unit": units[0] if len(units) == 1 else "N/A",
            }
    return values


def shape(request: CostRequest, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The reply: one ResultsByTime entry per period, with Total (no group-by) or Groups."""
    by_period: dict[dt.date, list[dict[str, Any]]] = {}
    for row in rows:
        by_period.setdefault(row["period"], []).append(row)
    results = []
    for first, following in periods(request):
        # a monthly row's period is the month's first day, which may lie before a request starting mid-month
        found = by_period.get(first.replace(day=1) if request.monthly else first, [])
        entry: dict[str, Any] = {
            "TimePeriod": {"Start": first.isoformat(), "End": following.isoformat()},
            "Estimated": False,
        }
        if request.definitions:
            entry["Total"] = {}
            entry["Groups"] = [
                {
                    "Keys": [str(key) for key in row["keys"]],
                    "Metrics": _metrics(request, row),
                }
                for row in found
            ]
        else:
            entry["Total"] = _metrics(request, found[0] if found else None)
            entry["Groups"] = []
        results.append(entry)
    return {"GroupDefinitions": request.definitions, "ResultsByTime": results, "DimensionValueAttributes": []}
