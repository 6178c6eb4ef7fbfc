"""Steps 4 and 5 of a day: today's usage and live values drawn from each hidden profile, and the day's history rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from driftworld.model import workload as wl
from driftworld.model.calendar import is_day_off, is_month_end, is_weekend
from driftworld.model.catalogue import hourly_to_daily, lambda_daily, monthly_to_daily
from driftworld.model.clock import WorldClock
from driftworld.model.kinds import BY_TABLE, metrics_id
from driftworld.model.rules import capacity, commitments, data_transfer, instance_cost, log_storage, s3_storage
from driftworld.model.rules.seven_day import roll
from driftworld.model.state import AccountState, DayChanges, Row
from driftworld.model.streams import stream

BUSY_CPU = 5.0  # above this an instance counts as active (last_active_at)


class Day:
    """One account-day's draws and calendar, shared by every table's rule."""

    def __init__(
        self,
        state: AccountState,
        changes: DayChanges,
        world_seed: int,
        seasonality: bool,
        clock: WorldClock,
        narrow_margins: bool = False,
    ) -> None:
        self.state, self.changes, self.clock = state, changes, clock
        self.world_seed = world_seed
        self.narrow_margins = narrow_margins  # the hard difficulty's ranges
        self.day_off = is_day_off(state.day, seasonality)
        self.weekend = is_weekend(state.day)
        self.month_end = seasonality and is_month_end(state.day)
        self.today: dict[int, dict[str, Any]] = {}  # metrics payloads written today, by id() of their row

    def draws(self, purpose: str) -> Any:
        return stream(self.world_seed, self.state.account.id, self.state.day, purpose)

    def row_draws(self, purpose: str, rows: list[Row], per_row: int) -> list[list[float]]:
        """Each row's own uniforms, keyed by its id: an agent's change to one row moves no other row's numbers."""
        return self.draws(purpose).units_by_key([r["id"] for r in rows], per_row)  # type: ignore[no-any-return]

    def draw_usage(self, table: str, rows: list[Row]) -> list[dict[str, float]]:
        """Each row's numbers today, drawn inside its profile's ranges."""
        if not rows:
            return []
        # Python floats from here on: numpy scalars are slow to round, sum and serialise one by one.
        uniforms = self.row_draws(f"observe:{table}", rows, 4)
        profiles, today = self.state.profiles, self.state.day
        # (label, rest day, born today) -> each number's (name, low, width): a handful per table and day
        spans: dict[tuple[str, bool, bool], list[tuple[str, float, float]]] = {}
        observed = []
        for row, u in zip(rows, uniforms, strict=True):
            profile = profiles.get((table, row["id"]))
            env = row.get("env", "dev")
            label, born_on = (profile.profile, profile.born_on) if profile else (wl.healthy_profile(env), None)
            rest = wl.is_rest_day_for(env, label, self.day_off)
            key = (label, rest, born_on == today)
            spec = spans.get(key)
            if spec is None:
                ranges = wl.ranges_for(table, label, rest, born_on, today, self.narrow_margins)
                spec = spans[key] = [(k, lo, hi - lo) for k, (lo, hi) in ranges.items()]
            observed.append({k: lo + width * x for (k, lo, width), x in zip(spec, u, strict=False)})
        return observed

    def metric(self, table: str, row: Row, cost: float, payload: dict[str, Any]) -> None:
        account = self.state.account
        self.today[id(row)] = payload  # the row lives all day: its id() is a key, one int instead of (table, id)
        self.changes.append(
            "metrics_daily",
            {
                "account_id": account.id,
                "org_id": account.org_id,
                "resource_type": table,
                "resource_id": metrics_id(BY_TABLE[table], row),
                "date": self.state.day,
                "metric_payload": payload,
                "estimated_daily_cost": round(max(cost, 0.0), 4),
            },
        )

    def live(self, table: str, row: Row, **values: Any) -> None:
        """Today's live values and the 7-day columns rolled over today's observation (step 6)."""
        rolled_columns = BY_TABLE[table].rolled
        if rolled_columns:
            key = (table, row["id"])
            profile = self.state.profiles[key]
            rolled, profile.recent = roll(rolled_columns, profile.recent, self.state.day, self.today.get(id(row), {}))
            values.update(rolled)
            self.changes.profile_rolls[key] = profile
        self.changes.update(table, row, **values)


def simulate_usage(day: Day) -> None:
    instances(day)
    groups(day)
    flat_priced(day)
    databases(day)
    caches(day)
    load_balancers(day)
    lambdas(day)
    containers(day)
    managed_and_streaming(day)
    buckets(day)
    log_groups(day)
    transfers(day)
    commitment_days(day)


def _idle_live(day: Day, table: str, rows: list[Row], **zeros: Any) -> None:
    for row in rows:
        if any(row.get(k) != v for k, v in zeros.items()):
            day.changes.update(table, row, **zeros)


def instances(day: Day) -> None:
    rows, is_running = day.state.table("instances"), BY_TABLE["instances"].is_running
    running = [r for r in rows if is_running(r)]
    _idle_live(day, "instances", [r for r in rows if not is_running(r)], current_cpu=0, current_memory=0)
    if not running:
        return
    observed = day.draw_usage("instances", running)
    profiles = [day.state.profiles[("instances", r["id"])] for r in running]
    for obs, profile in zip(observed, profiles, strict=True):
        factor = profile.params.get("load_factor")
        if factor is not None:  # resized since: the same work on more or less capacity
            for key in ("cpu_avg", "memory_avg"):
                obs[key] = capacity.scaled(obs[key], factor)
    walk = np.array([float(p.walk_value or 0.0) for p in profiles])
    anchor = np.array([float(p.walk_anchor or 0.0) for p in profiles])
    prod = np.array([r["env"] == "prod" for r in running])
    draws = np.array(day.row_draws("cost:instances", running, 4)).T  # walk step, weekend factor, split, peak
    walk = instance_cost.next_walk(np.maximum(walk, 1e-6), np.maximum(anchor, 1e-6), prod, draws[0])
    rest = np.array(
        [wl.is_rest_day_for(r["env"], p.profile, day.day_off) for r, p in zip(running, profiles, strict=True)]
    )
    cost = instance_cost.reported_cost(walk, rest, prod & day.month_end, draws[1])
    split = (0.3 + 0.3 * draws[2]).tolist()
    peak = (1.2 + 0.6 * draws[3]).tolist()
    walks, costs = walk.tolist(), cost.tolist()
    for i, (row, obs, profile) in enumerate(zip(running, observed, profiles, strict=True)):
        profile.walk_value = round(walks[i], 6)  # written with the 7-day window, by live() below
        network = obs["network_mb"]
        payload = {
            "cpu_avg": round(obs["cpu_avg"], 2),
            "cpu_max": round(min(100.0, obs["cpu_avg"] * peak[i]), 2),
            "memory_avg": round(obs["memory_avg"], 2),
            "network_in_mb": round(network * split[i], 2),
            "network_out_mb": round(network * (1 - split[i]), 2),
            "instance_type": row["instance_type"],
            "env": row["env"],
        }
        day.metric("instances", row, costs[i], payload)
        values: dict[str, Any] = {"current_cpu": payload["cpu_avg"], "current_memory": payload["memory_avg"]}
        if obs["cpu_avg"] > BUSY_CPU:
            values["last_active_at"] = day.clock.at(day.state.day, 43_200)
        day.live("instances", row, **values)


def groups(day: Day) -> None:
    cpu: dict[Any, list[float]] = {}
    for instance in day.state.table("instances"):
        if instance.get("autoscaling_group_id") is not None and instance["state"] == "running":
            cpu.setdefault(instance["autoscaling_group_id"], []).append(float(instance["current_cpu"]))
    for group in day.state.table("autoscaling_groups"):
        members = cpu.get(group["id"])
        utilisation = round(sum(members) / len(members), 2) if members else 0
        if group.get("current_utilization") != utilisation:
            day.changes.update("autoscaling_groups", group, current_utilization=utilisation)


def flat_priced(day: Day) -> None:
    """Volumes (until deleted), snapshots and elastic IPs pay their list price every day."""
    for volume in day.state.table("volumes"):
        if volume["state"] != "deleted" and volume["monthly_cost"] is not None:
            day.metric(
                "volumes",
                volume,
                monthly_to_daily(float(volume["monthly_cost"])),
                {
                    "attached": volume["attached_instance_id"] is not None,
                    "size_gib": volume["size_gib"],
                    "volume_type": volume["volume_type"],
                    "state": volume["state"],
                },
            )
    for snapshot in day.state.table("snapshots"):
        if snapshot["monthly_cost"] is not None:
            day.metric(
                "snapshots",
                snapshot,
                monthly_to_daily(float(snapshot["monthly_cost"])),
                {"size_gib": snapshot["size_gib"]},
            )
    for eip in day.state.table("elastic_ips"):
        if eip["hourly_cost"] is not None:
            day.metric(
                "elastic_ips",
                eip,
                hourly_to_daily(float(eip["hourly_cost"])),
                {"associated": eip["state"] == "associated"},
            )


def databases(day: Day) -> None:
    rows = day.state.table("rds_instances")
    running = [r for r in rows if BY_TABLE["rds_instances"].is_running(r)]
    for row in rows:
        storage = monthly_to_daily(float(row["storage_monthly_cost"] or 0))
        if row not in running:
            day.metric("rds_instances", row, storage, {"state": row["state"]})
            if row.get("current_cpu") != 0 or row.get("current_connections") != 0:
                day.changes.update("rds_instances", row, current_cpu=0, current_connections=0)
    for row, obs in zip(running, day.draw_usage("rds_instances", running), strict=True):
        connections = round(obs["connections"])
        cost = hourly_to_daily(float(row["hourly_cost"] or 0)) + monthly_to_daily(
            float(row["storage_monthly_cost"] or 0)
        )
        day.metric(
            "rds_instances",
            row,
            cost,
            {"cpu_avg": round(obs["cpu_avg"], 2), "connections": connections, "state": row["state"]},
        )
        day.live("rds_instances", row, current_cpu=round(obs["cpu_avg"], 2), current_connections=connections)


def caches(day: Day) -> None:
    rows = day.state.table("cache_clusters")
    for row, obs in zip(rows, day.draw_usage("cache_clusters", rows), strict=True):
        connections = round(obs["connections"])
        day.metric(
            "cache_clusters",
            row,
            hourly_to_daily(float(row["hourly_cost"] or 0)),
            {
                "cpu_avg": round(obs["cpu_avg"], 2),
                "memory_avg": round(obs["memory_avg"], 2),
                "connections": connections,
            },
        )
        day.live("cache_clusters", row, current_cpu=round(obs["cpu_avg"], 2), current_connections=connections)


def load_balancers(day: Day) -> None:
    rows = day.state.table("load_balancers")
    for row, obs in zip(rows, day.draw_usage("load_balancers", rows), strict=True):
        requests = round(obs["requests"])
        profile = day.state.profiles.get(("load_balancers", row["id"]))
        healthy = 0 if profile and profile.profile == wl.IDLE else int(row["target_count"] or 0)
        day.metric(
            "load_balancers",
            row,
            hourly_to_daily(float(row["hourly_cost"] or 0)),
            {"requests": requests, "healthy_targets": healthy},
        )
        day.live(
            "load_balancers",
            row,
            current_request_count=requests,
            current_request_rate=round(requests / 86_400, 2),
            healthy_target_count=healthy,
        )


def lambdas(day: Day) -> None:
    rows = day.state.table("lambda_functions")
    for row, obs in zip(rows, day.draw_usage("lambda_functions", rows), strict=True):
        invocations = round(obs["invocations"])
        memory_mb = int(row["memory_mb"])
        used = obs["memory_mb"] if "memory_mb" in obs else obs["memory_share"] * memory_mb
        duration = obs["duration_ms"] if invocations else 0.0
        cost = lambda_daily(invocations, duration, memory_mb, int(row["provisioned_concurrency"] or 0))
        day.metric(
            "lambda_functions",
            row,
            cost,
            {
                "invocations": invocations,
                "duration_ms_avg": round(duration, 2),
                "memory_used_mb_avg": round(min(used, memory_mb) if invocations else 0.0, 2),
            },
        )
        day.live("lambda_functions", row, estimated_monthly_cost=round(cost * 30, 4))


def containers(day: Day) -> None:
    nodes = day.state.table("container_nodes")
    running = [n for n in nodes if BY_TABLE["container_nodes"].is_running(n)]
    node_cost: dict[Any, float] = {}
    for node, obs in zip(running, day.draw_usage("container_nodes", running), strict=True):
        hourly = float(node["hourly_cost"] or 0)
        node_cost[node["cluster_id"]] = node_cost.get(node["cluster_id"], 0.0) + hourly
        day.metric(
            "container_nodes",
            node,
            hourly_to_daily(hourly),
            {"cpu_avg": round(obs["cpu_avg"], 2), "memory_avg": round(obs["memory_avg"], 2)},
        )
        day.live("container_nodes", node)
    services = day.state.table("container_services")
    for service, obs in zip(services, day.draw_usage("container_services", services), strict=True):
        day.metric(
            "container_services",
            service,
            0.0,
            {"cpu_avg": round(obs["cpu_avg"], 2), "memory_avg": round(obs["memory_avg"], 2)},
        )
        day.live("container_services", service)
    for cluster in day.state.table("container_clusters"):
        hourly = round(node_cost.get(cluster["id"], 0.0), 4)
        if cluster.get("estimated_hourly_cost") is None or abs(float(cluster["estimated_hourly_cost"]) - hourly) > 1e-9:
            day.changes.update("container_clusters", cluster, estimated_hourly_cost=hourly)


def managed_and_streaming(day: Day) -> None:
    managed = day.state.table("managed_services")
    for row, obs in zip(managed, day.draw_usage("managed_services", managed), strict=True):
        day.metric(
            "managed_services",
            row,
            hourly_to_daily(float(row["hourly_cost"] or 0)),
            {"cpu_avg": round(obs["cpu_avg"], 2), "memory_avg": round(obs["memory_avg"], 2)},
        )
        day.live("managed_services", row)
    streams = day.state.table("streaming_clusters")
    for row, obs in zip(streams, day.draw_usage("streaming_clusters", streams), strict=True):
        usage = obs["usage_share"] * float(row["provisioned_throughput_mbps"] or row["shard_count"] or 1)
        day.metric(
            "streaming_clusters", row, hourly_to_daily(float(row["hourly_cost"] or 0)), {"usage_mbps": round(usage, 2)}
        )
        day.live("streaming_clusters", row)


def _growth(env: str, u: float) -> float:
    low, high = s3_storage.PROD_GROWTH if env == "prod" else s3_storage.NONPROD_GROWTH
    return low + (high - low) * u


def buckets(day: Day) -> None:
    rows = day.state.table("s3_buckets")
    if not rows:
        return
    draws = day.row_draws("s3", rows, 2)
    account = day.state.account
    for i, bucket in enumerate(rows):
        profile = day.state.profiles[("s3_buckets", bucket["id"])]
        previous = day.state.s3_previous.get(bucket["id"])
        start = float(profile.params.get("start_gb", 100.0))  # a bucket an agent made has no drawn size
        if previous is None:
            tiers = s3_storage.Tiers(start, 0.0, 0.0)
        else:
            moves = s3_storage.moves_of(s3_storage.enabled_rules(bucket["lifecycle_policy"], bucket["lifecycle_rules"]))
            tiers = s3_storage.next_tiers(
                s3_storage.Tiers(*previous),
                float(profile.params.get("ceiling_gb", start * s3_storage.CEILING_MULTIPLE[1])),
                _growth(bucket["env"], draws[i][0]),
                moves,
            )
        tiers = s3_storage.rounded(tiers)
        low, high = s3_storage.REQUESTS_PER_DAY
        requests = int(low + (high - low) * draws[i][1])
        day.changes.append(
            "s3_bucket_usage_daily",
            {
                "account_id": account.id,
                "org_id": account.org_id,
                "bucket_id": bucket["id"],
                "date": day.state.day,
                "storage_gb_standard": tiers.standard,
                "storage_gb_ia": tiers.ia,
                "storage_gb_glacier": tiers.glacier,
                "requests_count": requests,
                "estimated_storage_cost": round(s3_storage.storage_cost(tiers), 4),
                "estimated_request_cost": round(s3_storage.request_cost(requests), 4),
            },
        )


def log_groups(day: Day) -> None:
    rows = day.state.table("log_groups")
    if not rows:
        return
    u = [draw for (draw,) in day.row_draws("logs", rows, 1)]
    account = day.state.account
    for i, group in enumerate(rows):
        prod = group["env"] == "prod"
        low, high = log_storage.PROD_INGEST_GB if prod else log_storage.NONPROD_INGEST_GB
        quiet = day.weekend if prod else day.day_off
        ingest = (low + (high - low) * u[i]) * (1 - log_storage.WEEKEND_REDUCTION if quiet else 1.0)
        ingest = round(ingest, 4)
        profile = day.state.profiles.get(("log_groups", group["id"]))
        start = float(profile.params.get("start_stored_gb", 0.0)) if profile else 0.0
        previous_stored, window_before = day.state.log_previous.get(group["id"], (start, start))
        retention = log_storage.effective_retention(group["retention_days"], group["retention_in_days"])
        window = None if retention is None else window_before + ingest
        stored = log_storage.stored_today(previous_stored, ingest, window)
        day.changes.append(
            "log_group_usage_daily",
            {
                "account_id": account.id,
                "org_id": account.org_id,
                "log_group_id": group["id"],
                "date": day.state.day,
                "ingested_gb": ingest,
                "stored_gb": round(stored, 4),
                "estimated_ingestion_cost": round(log_storage.ingestion_cost(ingest), 4),
                "estimated_storage_cost": round(log_storage.storage_cost(stored), 4),
            },
        )


def transfers(day: Day) -> None:
    account = day.state.account
    regions = {r["region"] for rows in day.state.rows.values() for r in rows if r.get("region")}
    for flow in data_transfer.daily_flows(account.primary_region, regions, day.weekend, day.draws("transfer")):
        day.changes.append(
            "data_transfer_daily",
            {
                "account_id": account.id,
                "org_id": account.org_id,
                "date": day.state.day,
                "source_region": flow.source_region,
                "dest_region": flow.dest_region,
                "direction": flow.direction,
                "gb_transferred": flow.gb,
                "estimated_transfer_cost": round(flow.cost, 4),
            },
        )


def commitment_days(day: Day) -> None:
    active = [
        c
        for c in day.state.table("commitments")
        if (c["start_date"] is None or c["start_date"] <= day.state.day)
        and (c["end_date"] is None or day.state.day <= c["end_date"])
    ]
    account = day.state.account
    for row, obs in zip(active, day.draw_usage("commitments", active), strict=True):
        profile = day.state.profiles.get(("commitments", row["id"]))
        discount = float(profile.params.get("discount", 0.3)) if profile else 0.3
        result = commitments.commitment_day(float(row["hourly_commitment_amount"]), obs["utilization"], discount)
        day.changes.append(
            "commitment_utilization_daily",
            {
                "account_id": account.id,
                "org_id": account.org_id,
                "commitment_id": row["id"],
                "date": day.state.day,
                "actual_hourly_usage_equivalent": result.actual_hourly_usage_equivalent,
                "utilization_percent": result.utilization_percent,
                "estimated_savings_vs_ondemand": result.estimated_savings_vs_ondemand,
            },
        )
