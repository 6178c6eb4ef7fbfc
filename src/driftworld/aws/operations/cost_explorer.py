"""Cost Explorer over the public daily_bill view, the one definition of the world's bill: every amount
is a sum of its rows, so GetCostAndUsage agrees with the bench's dollars and the exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

from driftworld.aws.operations import Call, handles, page
from driftworld.aws.protocol import ApiError
from driftworld.store import aws_io
from driftworld.store.aws_io import UnsupportedExpression

# driftworld's page sizes (AWS does not publish its own): groups (or ungrouped periods) per page of
# GetCostAndUsage, and values per page of GetDimensionValues (AWS's default and ceiling).
GROUPS_PER_PAGE = 1000
VALUES_PER_PAGE = 1000
COST_METRICS = {"AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "UnblendedCost"}
USAGE_METRICS = {"UsageQuantity", "NormalizedUsageAmount"}
T = TypeVar("T")


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
    today = call.today()
    results = []
    for key, first, after in _periods(start, end, granularity == "MONTHLY"):
        found = by_period.get(key, [])
        result: dict[str, Any] = {
            "TimePeriod": {"Start": first.isoformat(), "End": after.isoformat()},
            "Total": {},
            "Groups": [],
            "Estimated": after > today,
        }
        if groups:
            result["Groups"] = [{"Keys": list(r["keys"]), "Metrics": _metrics(names, r)} for r in found]
        else:
            result["Total"] = _metrics(names, found[0] if found else None)
        results.append(result)
    results, token = _page_of_results(call, results)
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
    if token:
        out["NextPageToken"] = token
    return out


def _page_of_results(call: Call, results: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """One page of ResultsByTime, at most GROUPS_PER_PAGE groups (a period without groups counts one): a
    period whose groups do not fit continues on the next page, so a period may appear on two pages."""
    units = [(n, group) for n, result in enumerate(results) for group in result["Groups"] or [None]]
    chunk, token = _page(call, units, None, GROUPS_PER_PAGE)
    paged: list[dict[str, Any]] = []
    last = -1
    for n, group in chunk:
        if n != last:
            paged.append({**results[n], "Groups": []})
            last = n
        if group is not None:
            paged[-1]["Groups"].append(group)
    return paged, token


def _page(call: Call, items: list[T], max_results: int | None, size: int) -> tuple[Sequence[T], str | None]:
    """Cost Explorer's paging: NextPageToken, bound to the call's other parameters."""
    request = {k: v for k, v in call.params.items() if k != "NextPageToken"}
    return page(
        items,
        call.params.get("NextPageToken"),
        max_results,
        size,
        size,
        "Cost Explorer",
        invalid_token="InvalidNextTokenException",
        request=request,
    )


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
    max_results = call.params.get("MaxResults")
    if max_results is not None and not 1 <= int(max_results) <= VALUES_PER_PAGE:
        raise ApiError("ValidationException", f"MaxResults must be between 1 and {VALUES_PER_PAGE}")
    chunk, token = _page(call, values, max_results, VALUES_PER_PAGE)
    described = aws_io.accounts(call.conn) if dimension == "LINKED_ACCOUNT" else {}
    out: dict[str, Any] = {
        "DimensionValues": [
            {"Value": v, "Attributes": {"description": described[v]} if v in described else {}} for v in chunk
        ],
        "ReturnSize": len(chunk),
        "TotalSize": len(values),
    }
    if token:
        out["NextPageToken"] = token
    return out


@handles("ce", "GetCostAndUsageWithResources")
def get_cost_and_usage_with_resources(call: Call) -> dict[str, Any]:
    """GetCostAndUsage that may group by RESOURCE_ID, over the last 14 days only, as AWS limits it."""
    start, _ = _period(call)
    oldest = call.today() - dt.timedelta(days=14)
    if start < oldest:
        raise ApiError(
            "ValidationException", f"Start date must be within the last 14 days: {oldest.isoformat()} or later"
        )
    if not call.params.get("Filter"):
        raise ApiError("ValidationException", "GetCostAndUsageWithResources requires a Filter")
    return get_cost_and_usage(call)


FORECAST_METRICS = {
    "AMORTIZED_COST": "cost",
    "BLENDED_COST": "cost",
    "NET_AMORTIZED_COST": "cost",
    "NET_UNBLENDED_COST": "cost",
    "UNBLENDED_COST": "cost",
    "USAGE_QUANTITY": "usage",
    "NORMALIZED_USAGE_AMOUNT": "usage",
}
TREND_DAYS = 28


@handles("ce", "GetCostForecast")
def get_cost_forecast(call: Call) -> dict[str, Any]:
    """A straight-line trend through the last four weeks of the bill (with the call's Filter), with a
    prediction interval from the spread of the days around it."""
    start, end = _period(call)
    today = call.today()
    if start < today:
        raise ApiError("ValidationException", f"Start date {start.isoformat()} is before the current date {today}")
    metric = str(call.params.get("Metric") or "")
    if metric not in FORECAST_METRICS:
        raise ApiError("ValidationException", f"Metric must be one of {sorted(FORECAST_METRICS)}")
    granularity = str(call.params.get("Granularity") or "")
    if granularity not in ("DAILY", "MONTHLY"):
        raise ApiError("ValidationException", "Granularity must be DAILY or MONTHLY")
    level = int(call.params.get("PredictionIntervalLevel") or 80)
    first = today - dt.timedelta(days=TREND_DAYS - 1)
    try:
        rows = aws_io.cost_and_usage(
            call.conn, first, today + dt.timedelta(days=1), False, [], call.params.get("Filter")
        )
    except UnsupportedExpression as error:
        raise ApiError("ValidationException", str(error)) from None
    column = FORECAST_METRICS[metric]
    history: list[tuple[float, float]] = [(float((r["period"] - today).days), float(r[column] or 0)) for r in rows]
    if len(history) < 2:
        raise ApiError("DataUnavailableException", "Insufficient amount of historical data to generate forecast.")
    n = len(history)
    mean_x = sum(x for x, _ in history) / n
    mean_y = sum(y for _, y in history) / n
    spread_x = sum((x - mean_x) ** 2 for x, _ in history) or 1.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in history) / spread_x
    residual = (sum((y - (mean_y + slope * (x - mean_x))) ** 2 for x, y in history) / max(n - 2, 1)) ** 0.5
    z = {51: 0.69, 60: 0.84, 70: 1.04, 80: 1.28, 90: 1.64, 95: 1.96, 99: 2.58}.get(level, 1.28)

    def day_value(day: dt.date) -> float:
        return max(mean_y + slope * ((day - today).days - mean_x), 0.0)

    results = []
    total = 0.0
    for _, first_day, after in _periods(start, end, granularity == "MONTHLY"):
        days = [first_day + dt.timedelta(days=k) for k in range((after - first_day).days)]
        mean = sum(day_value(d) for d in days)
        width = z * residual * len(days) ** 0.5
        total += mean
        results.append(
            {
                "TimePeriod": {"Start": first_day.isoformat(), "End": after.isoformat()},
                "MeanValue": _amount(Decimal(str(round(mean, 10)))),
                "PredictionIntervalLowerBound": _amount(Decimal(str(round(max(mean - width, 0.0), 10)))),
                "PredictionIntervalUpperBound": _amount(Decimal(str(round(mean + width, 10)))),
            }
        )
    unit = "USD" if column == "cost" else "N/A"
    return {
        "Total": {"Amount": _amount(Decimal(str(round(total, 10)))), "Unit": unit},
        "ForecastResultsByTime": results,
    }


@handles("ce", "GetTags")
def get_tags(call: Call) -> dict[str, Any]:
    """Tag keys of the resources billed in the period, or the values of one key (`TagKey`)."""
    start, end = _period(call)
    key = call.params.get("TagKey")
    tags = aws_io.tag_keys_or_values(call.conn, start, end, str(key) if key else None)
    search = str(call.params.get("SearchString") or "").lower()
    tags = [t for t in tags if search in t.lower()]
    return {"Tags": tags, "ReturnSize": len(tags), "TotalSize": len(tags)}
