"""CloudWatch metrics from the world's daily observations (metrics_daily). The world keeps one value per
resource and day, so a day is served as 288 five-minute samples of that value (the day's maximum where the
world keeps one): periods of a day or more are exact aggregates, shorter periods are derived, flat within
the day (docs/aws-api.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from driftworld.aws.operations import Call, handles, page
from driftworld.aws.protocol import ApiError
from driftworld.store import aws_io

DAY = 86400
SAMPLES_PER_DAY = 288
MAX_DATAPOINTS = 1440


@dataclass(frozen=True)
class Metric:
    """Where a CloudWatch metric comes from: the resource kind (and the dimension that names one), the
    payload keys of the day's mean and maximum, a scale to CloudWatch's unit, and whether a sample is a
    share of the day's total (bytes, requests, invocations) rather than a level (percent, connections)."""

    resource_type: str
    target: str
    dimension: str
    mean_key: str
    max_key: str | None
    unit: str
    scale: float = 1.0
    per_sample_share: bool = False


EC2 = ("instances", "instance", "InstanceId")
RDS = ("rds_instances", "rds", "DBInstanceIdentifier")
ELB = ("load_balancers", "load_balancer", "LoadBalancer")
LAMBDA = ("lambda_functions", "lambda", "FunctionName")
METRICS: dict[tuple[str, str], Metric] = {
    ("AWS/EC2", "CPUUtilization"): Metric(*EC2, "cpu_avg", "cpu_max", "Percent"),
    ("AWS/EC2", "NetworkIn"): Metric(*EC2, "network_in_mb", None, "Bytes", 1e6, True),
    ("AWS/EC2", "NetworkOut"): Metric(*EC2, "network_out_mb", None, "Bytes", 1e6, True),
    ("AWS/RDS", "CPUUtilization"): Metric(*RDS, "cpu_avg", None, "Percent"),
    ("AWS/RDS", "DatabaseConnections"): Metric(*RDS, "connections", None, "Count"),
    ("AWS/ApplicationELB", "RequestCount"): Metric(*ELB, "requests", None, "Count", 1.0, True),
    ("AWS/NetworkELB", "RequestCount"): Metric(*ELB, "requests", None, "Count", 1.0, True),
    ("AWS/Lambda", "Invocations"): Metric(*LAMBDA, "invocations", None, "Count", 1.0, True),
    ("AWS/Lambda", "Duration"): Metric(*LAMBDA, "duration_ms_avg", None, "Milliseconds"),
}
STATISTICS = ("Average", "Maximum", "Minimum", "Sum", "SampleCount")


def _utc(value: Any, what: str) -> dt.datetime:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, dt.datetime):
        raise ApiError("MissingParameter", f"The parameter {what} is required.")
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _metric(call: Call, namespace: str, name: str, dimensions: Sequence[dict[str, Any]]) -> tuple[Metric, str] | None:
    """The metric and the resource_id of its history, or None for a metric the world does not keep."""
    metric = METRICS.get((namespace, name))
    if metric is None:
        return None
    values = [str(d.get("Value")) for d in dimensions if d.get("Name") == metric.dimension]
    if len(values) != 1 or len(dimensions) != 1:
        return None  # CloudWatch matches dimensions exactly: another combination is another (empty) metric
    found = aws_io.metric_targets(call.conn, metric.target, call.region, values[0])
    return (metric, found[0][1]) if found else None


def datapoints(
    call: Call, described: dict[str, Any], start: dt.datetime, end: dt.datetime, requested_period: Any
) -> list[dict[str, Any]]:
    """One dict per period that has data: its start and every statistic. `described` names the metric as
    both calls do (Namespace, MetricName, Dimensions)."""
    namespace, name = str(described.get("Namespace")), str(described.get("MetricName"))
    dimensions: Sequence[dict[str, Any]] = described.get("Dimensions") or []
    period = int(requested_period or 0)
    if period <= 0 or (period < 60 and period not in (1, 5, 10, 30)) or (period >= 60 and period % 60):
        raise ApiError("InvalidParameterValue", "The parameter Period must be a multiple of 60 (or 1, 5, 10, 30).")
    if start >= end:
        raise ApiError("InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
    found = _metric(call, namespace, name, dimensions)
    if found is None:
        return []
    metric, resource_id = found
    days = aws_io.metric_days(call.conn, metric.resource_type, resource_id, start.date(), end.date())
    per_day = {row["date"]: row["payload"] for row in days if row["payload"].get(metric.mean_key) is not None}
    buckets: dict[dt.datetime, list[tuple[float, float, int]]] = {}
    step = dt.timedelta(seconds=min(period, DAY))
    for day, payload in sorted(per_day.items()):
        total = float(payload[metric.mean_key]) * metric.scale
        sample = total / SAMPLES_PER_DAY if metric.per_sample_share else total
        peak_raw = payload.get(metric.max_key) if metric.max_key else None
        peak = float(peak_raw) * metric.scale if peak_raw is not None else sample
        at = dt.datetime.combine(day, dt.time(), dt.UTC)
        day_end = at + dt.timedelta(days=1)
        while at < day_end:
            if start <= at < end:
                epoch = int(at.timestamp())
                bucket = dt.datetime.fromtimestamp(epoch - epoch % period, dt.UTC)
                samples = max(int(step.total_seconds()) // 300, 1)
                buckets.setdefault(bucket, []).append((sample, peak, samples))
            at += step
    if len(buckets) > MAX_DATAPOINTS:
        raise ApiError(
            "InvalidParameterCombination",
            f"You have requested up to {len(buckets)} datapoints, which exceeds the limit of {MAX_DATAPOINTS}.",
        )
    out = []
    for bucket, parts in sorted(buckets.items()):
        count = sum(n for _, _, n in parts)
        total = sum(value * n for value, _, n in parts)
        out.append(
            {
                "Timestamp": bucket,
                "Average": total / count,
                "Maximum": max(peak for _, peak, _ in parts),
                "Minimum": min(value for value, _, _ in parts),
                "Sum": total,
                "SampleCount": float(count),
                "Unit": metric.unit,
            }
        )
    return out


@handles("cloudwatch", "GetMetricStatistics")
def get_metric_statistics(call: Call) -> dict[str, Any]:
    p = call.params
    statistics = [str(s) for s in p.get("Statistics") or []]
    if not statistics or any(s not in STATISTICS for s in statistics):
        raise ApiError("InvalidParameterValue", f"Statistics must be some of {', '.join(STATISTICS)}")
    start, end = _utc(p.get("StartTime"), "StartTime"), _utc(p.get("EndTime"), "EndTime")
    points = datapoints(call, p, start, end, p.get("Period"))
    return {
        "Label": str(p.get("MetricName")),
        "Datapoints": [
            {"Timestamp": d["Timestamp"], "Unit": d["Unit"], **{s: d[s] for s in statistics}} for d in points
        ],
    }


@handles("cloudwatch", "GetMetricData")
def get_metric_data(call: Call) -> dict[str, Any]:
    p = call.params
    start, end = _utc(p.get("StartTime"), "StartTime"), _utc(p.get("EndTime"), "EndTime")
    descending = (p.get("ScanBy") or "TimestampDescending") == "TimestampDescending"
    results = []
    for query in p.get("MetricDataQueries") or []:
        if query.get("Expression"):
            raise ApiError("ValidationError", "driftworld serves MetricStat queries only, not metric math Expressions")
        stat = query.get("MetricStat") or {}
        metric = stat.get("Metric") or {}
        statistic = str(stat.get("Stat") or "Average")
        if statistic not in STATISTICS:
            raise ApiError("ValidationError", f"Stat {statistic} is not served (use {', '.join(STATISTICS)})")
        points = datapoints(call, metric, start, end, stat.get("Period"))
        if descending:
            points.reverse()
        if query.get("ReturnData", True) is False:
            continue
        results.append(
            {
                "Id": query.get("Id"),
                "Label": query.get("Label") or str(metric.get("MetricName")),
                "Timestamps": [d["Timestamp"] for d in points],
                "Values": [d[statistic] for d in points],
                "StatusCode": "Complete",
            }
        )
    return {"MetricDataResults": results, "Messages": []}


@handles("cloudwatch", "ListMetrics")
def list_metrics(call: Call) -> dict[str, Any]:
    p = call.params
    wanted = {str(d.get("Name")): d.get("Value") for d in p.get("Dimensions") or []}
    metrics = []
    for (namespace, name), metric in METRICS.items():
        if p.get("Namespace") not in (None, namespace) or p.get("MetricName") not in (None, name):
            continue
        if any(key != metric.dimension for key in wanted):
            continue
        for value, _ in aws_io.metric_targets(call.conn, metric.target, call.region):
            if wanted.get(metric.dimension) not in (None, value):
                continue
            metrics.append(
                {"Namespace": namespace, "MetricName": name, "Dimensions": [{"Name": metric.dimension, "Value": value}]}
            )
    chunk, token = page(metrics, p.get("NextToken"), None, 500, 500, "metrics")
    out: dict[str, Any] = {"Metrics": list(chunk)}
    if token:
        out["NextToken"] = token
    return out
