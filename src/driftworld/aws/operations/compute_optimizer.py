"""Compute Optimizer: the world's own recommendations, from the last 14 days of history and the price
catalogue, by rules like AWS's: they see what the metrics show, so a decoy fools them as it would fool AWS."""

from __future__ import annotations

import datetime as dt
from typing import Any

from driftworld.aws.operations import Call, Paging, handles, paged
from driftworld.aws.protocol import ApiError
from driftworld.model import catalogue
from driftworld.store import aws_io

LOOK_BACK_DAYS = 14
MIN_DAYS = 2  # AWS asks for 30 hours of metrics before it recommends
HOURS_PER_MONTH = 730
SIZES = ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge")
OVER_CPU = 40.0  # a peak under this: half the size still peaks under 80%
UNDER_CPU = 90.0
GP3_BASELINE_IOPS = 3000


def _neighbour(instance_type: str, step: int) -> str | None:
    """The listed type of the same family `step` sizes away (each size has about twice the compute)."""
    family, _, size = instance_type.partition(".")
    if size not in SIZES:
        return None
    index = SIZES.index(size) + step
    while 0 <= index < len(SIZES):
        candidate = f"{family}.{SIZES[index]}"
        if candidate in catalogue.EC2_HOURLY:
            return candidate
        index += step
    return None


def _money(value: float) -> dict[str, Any]:
    return {"currency": "USD", "value": round(value, 2)}


def _instance_recommendation(row: dict[str, Any], region: str, refreshed: dt.datetime) -> dict[str, Any] | None:
    if row["days"] < MIN_DAYS or row["cpu_max"] is None:
        return None
    peak = float(row["cpu_max"])
    current = str(row["instance_type"])
    arn = f"arn:aws:ec2:{region}:{row['owner_id']}:instance/{row['instance_id']}"
    finding, reasons, target, projected = "Optimized", [], current, peak
    if peak < OVER_CPU and (smaller := _neighbour(current, -1)):
        finding, reasons, target, projected = "Overprovisioned", ["CPUOverprovisioned"], smaller, min(peak * 2, 100.0)
    elif peak > UNDER_CPU and (larger := _neighbour(current, 1)):
        finding, reasons, target, projected = "Underprovisioned", ["CPUUnderprovisioned"], larger, peak / 2
    price_now = catalogue.ec2_hourly_or_unlisted(current)
    price_then = catalogue.ec2_hourly_or_unlisted(target)
    saving = max(price_now - price_then, 0.0) * HOURS_PER_MONTH
    option = {
        "instanceType": target,
        "projectedUtilizationMetrics": [{"name": "CPU", "statistic": "MAXIMUM", "value": round(projected, 2)}],
        "performanceRisk": 1.0 if finding == "Overprovisioned" else 0.0,
        "rank": 1,
        "savingsOpportunity": {
            "savingsOpportunityPercentage": round(100 * saving / (price_now * HOURS_PER_MONTH), 2) if price_now else 0,
            "estimatedMonthlySavings": _money(saving),
        },
    }
    return {
        "instanceArn": arn,
        "accountId": row["owner_id"],
        "instanceName": row["name"] or "",
        "currentInstanceType": current,
        "finding": finding,
        "findingReasonCodes": reasons,
        "utilizationMetrics": [
            {"name": "CPU", "statistic": "MAXIMUM", "value": round(peak, 2)},
            {"name": "CPU", "statistic": "AVERAGE", "value": round(float(row["cpu_avg"] or 0), 2)},
        ],
        "lookBackPeriodInDays": float(LOOK_BACK_DAYS),
        "recommendationOptions": [option],
        "recommendationSources": [{"recommendationSourceArn": arn, "recommendationSourceType": "Ec2Instance"}],
        "lastRefreshTimestamp": refreshed,
        "currentPerformanceRisk": "High" if finding == "Underprovisioned" else "VeryLow",
        "instanceState": row["state"],
    }


def _filtered(items: list[dict[str, Any]], filters: list[dict[str, Any]], accounts: list[str]) -> list[dict[str, Any]]:
    for item in filters:
        name, values = str(item.get("name")), [str(v) for v in item.get("values") or []]
        if name == "Finding":
            items = [i for i in items if i["finding"].lower() in {v.lower() for v in values}]
        elif name == "FindingReasonCodes":
            items = [i for i in items if set(i.get("findingReasonCodes", [])) & set(values)]
        else:
            raise ApiError("InvalidParameterValueException", f"The filter {name} is not supported")
    if accounts:
        items = [i for i in items if i["accountId"] in accounts]
    return items


def _answer(call: Call, items: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """The recommendations the call asks for (`<kind>Arns`, `accountIds`, `filters`), one page of them."""
    arns = [str(a) for a in call.params.get(f"{kind}Arns") or []]
    items = [i for i in items if not arns or i[f"{kind}Arn"] in arns]
    items = _filtered(items, call.params.get("filters") or [], [str(a) for a in call.params.get("accountIds") or []])
    paging = Paging(f"{kind}Recommendations", "nextToken", "nextToken", "maxResults", 1000, 1000)
    return paged(call, items, paging, list) | {"errors": []}


@handles("compute-optimizer", "GetEC2InstanceRecommendations")
def get_ec2_instance_recommendations(call: Call) -> dict[str, Any]:
    today = call.today()
    refreshed = dt.datetime.combine(today, dt.time(), dt.UTC)
    history = aws_io.instance_history(call.conn, call.region, LOOK_BACK_DAYS, call.virtual_clock)
    items = [r for row in history if (r := _instance_recommendation(row, call.region, refreshed)) is not None]
    return _answer(call, items, "instance")


def _volume_recommendation(row: dict[str, Any], refreshed: dt.datetime) -> dict[str, Any]:
    current_type = str(row["volume_type"] or "gp3")
    size = int(row["size_gib"])
    iops = int(row["iops"] or GP3_BASELINE_IOPS)
    arn = f"arn:aws:ec2:{row['region_name']}:{row['owner_id']}:volume/{row['volume_id']}"
    cheaper = current_type in ("gp2", "io1", "io2") and iops <= 16000
    target = "gp3" if cheaper else current_type
    price_now = catalogue.ebs_monthly(current_type, size)
    price_then = catalogue.ebs_monthly(target, size)
    saving = max(price_now - price_then, 0.0)
    configuration = {"volumeType": current_type, "volumeSize": size, "volumeBaselineIOPS": iops}
    return {
        "volumeArn": arn,
        "accountId": row["owner_id"],
        "currentConfiguration": configuration,
        "finding": "NotOptimized" if cheaper else "Optimized",
        "utilizationMetrics": [],
        "lookBackPeriodInDays": float(LOOK_BACK_DAYS),
        "volumeRecommendationOptions": [
            {
                "configuration": {"volumeType": target, "volumeSize": size, "volumeBaselineIOPS": max(iops, 3000)},
                "performanceRisk": 0.0,
                "rank": 1,
                "savingsOpportunity": {
                    "savingsOpportunityPercentage": round(100 * saving / price_now, 2) if price_now else 0,
                    "estimatedMonthlySavings": _money(saving),
                },
            }
        ],
        "lastRefreshTimestamp": refreshed,
        "currentPerformanceRisk": "VeryLow",
    }


@handles("compute-optimizer", "GetEBSVolumeRecommendations")
def get_ebs_volume_recommendations(call: Call) -> dict[str, Any]:
    refreshed = dt.datetime.combine(call.today(), dt.time(), dt.UTC)
    rows = aws_io.resources(call.conn, "volumes", "volume", "volume_id", call.region)
    items = [_volume_recommendation(r, refreshed) for r in rows if r["state"] == "in-use"]
    return _answer(call, items, "volume")
