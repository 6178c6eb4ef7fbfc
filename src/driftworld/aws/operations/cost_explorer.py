"""Cost Explorer over the public daily_bill view, the one definition of the world's bill: every amount
is a sum of its rows, so GetCostAndUsage agrees with the bench's dollars and the exports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from driftworld.aws.operations import Call, handles
from driftworld.aws.protocol import ApiError
from driftworld.store import aws_io
from driftworld.store.aws_io import UnsupportedExpression

COST_METRICS = {"AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "UnblendedCost"}
USAGE_METRICS = {"UsageQuantity", "NormalizedUsageAmount"}


def _date(value: Any, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ApiError("ValidationException", f"{what} '{value}' is not a date in the format YYYY-MM-DD") from None


def _period(call: Call) -> tuple[dt.date, dt.date]:
    period = call.params.get("TimePeriod") or {}
    start, end = _date(period.get("Start"), "Start"), _date(period.get("End"), "End")
    if start >= end:
        raise ApiError("ValidationException", "Start date (and hour) should be before end date (and hour)")
    return start, end


def _amount(value: Decimal | int | None) -> str:
    number = Decimal(value or 0).normalize()
    text = format(number, "f")
    return "0" if text in ("-0", "") else text


def _periods(start: dt.date, end: dt.date, monthly: bool) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(key, start, end) of each result period: days, or calendar months cut to the requested window."""
    out = []
    day = start
    while day < end:
        if monthly:
            month = day.replace(day=1)
            following = (month + dt.timedelta(days=32)).replace(day=1)
            out.append((month, day, min(following, end)))
            day = following
        else:
            out.append((day, day, day + dt.timedelta(days=1)))
            day += dt.timedelta(days=1)
    return out


def _metrics(names: list[str], row: dict[str, Any] | None) -> dict[str, Any]:
    metrics = {}
    for name in names:
        if name in COST_METRICS:
            metrics[name] = {"Amount": _amount(row["cost"] if row else 0), "Unit": "USD"}
        else:
            units = [u for u in (row["units"] if row else []) if u]
            metrics[name] = {
                "Amount": _amount(row["usage"] if row else 0),
                "Unit": units[0] if len(units) == 1 else "N/A",
            }
    return metrics


@handles("ce", "GetCostAndUsage")
def get_cost_and_usage(call: Call) -> dict[str, Any]:
    start, end = _period(call)
    granularity = str(call.params.get("Granularity") or "")
    if granularity not in ("DAILY", "MONTHLY"):
        raise ApiError(
            "ValidationException",
            f"Granularity {granularity or '(none)'}: driftworld keeps daily history, use DAILY or MONTHLY",
        )
    names = [str(m) for m in call.params.get("Metrics") or []]
    unknown = [m for m in names if m not in COST_METRICS | USAGE_METRICS]
    if not names or unknown:
        raise ApiError("ValidationException", f"Metrics must be some of {sorted(COST_METRICS | USAGE_METRICS)}")
    groups = [(str(g.get("Type")), str(g.get("Key"))) for g in call.params.get("GroupBy") or []]
    if len(groups) > 2:
        raise ApiError("ValidationException", "GroupBy takes at most two groups")
    try:
        rows = aws_io.cost_and_usage(call.conn, start, end, granularity == "MONTHLY", groups, call.params.get("Filter"))
    except UnsupportedExpression as error:
        raise ApiError("ValidationException", str(error)) from None
    by_period: dict[dt.date, list[dict[str, Any]]] = {}
    for row in rows:
        by_period.setdefault(row["period"], []).append(row)
    today = aws_io.virtual_today(call.conn)
    results = []
    for key, first, after in _periods(start, end, granularity == "MONTHLY"):
        found = by_period.get(key, [])
        result: dict[str, Any] = {
            "TimePeriod": {"Start": first.isoformat(), "End": after.isoformat()},
            "Total": {},
            "Groups": [],
            "Estimated": today is None or after > today,
        }
        if groups:
            result["Groups"] = [{"Keys": list(r["keys"]), "Metrics": _metrics(names, r)} for r in found]
        else:
            result["Total"] = _metrics(names, found[0] if found else None)
        results.append(result)
    out: dict[str, Any] = {
        "ResultsByTime": results,
        "GroupDefinitions": [{"Type": kind, "Key": key} for kind, key in groups],
        "DimensionValueAttributes": [],
    }
    if ("DIMENSION", "LINKED_ACCOUNT") in groups:
        names_by_account = aws_io.accounts(call.conn)
        out["DimensionValueAttributes"] = [
            {"Value": number, "Attributes": {"description": name}} for number, name in names_by_account.items()
        ]
    return out


@handles("ce", "GetDimensionValues")
def get_dimension_values(call: Call) -> dict[str, Any]:
    start, end = _period(call)
    dimension = str(call.params.get("Dimension") or "")
    try:
        values = aws_io.dimension_values(call.conn, start, end, dimension)
    except UnsupportedExpression as error:
        raise ApiError("ValidationException", str(error)) from None
    search = str(call.params.get("SearchString") or "").lower()
    values = [v for v in values if search in v.lower()]
    described = aws_io.accounts(call.conn) if dimension == "LINKED_ACCOUNT" else {}
    return {
        "DimensionValues": [
            {"Value": v, "Attributes": {"description": described[v]} if v in described else {}} for v in values
        ],
        "ReturnSize": len(values),
        "TotalSize": len(values),
    }
