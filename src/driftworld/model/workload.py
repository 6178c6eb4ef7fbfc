"""Hidden workload profiles: what a resource's day looks like, healthy or wasteful.

A profile is a label stored in the engine schema per resource. Its ranges sit clearly inside
the healthy band or clearly past the waste rules agents use, so healthy never looks idle and
waste stays waste until an agent changes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from driftworld.model.calendar import is_month_end

Range = tuple[float, float]

HEALTHY_PROD = "prod"
HEALTHY_NONPROD = "nonprod"
IDLE = "idle"  # near-zero use: idle instances, RDS, caches, load balancers, CI runners
UNDERUSED = "underused"  # an over-provisioned ASG's members
WEEKDAYS_ONLY = "weekdays_only"  # a dev workstation nobody uses on days off
PREVIEW = "preview"  # busy on the day it appears, idle after
UNUSED = "unused"  # a Lambda nobody invokes
OVERSIZED = "oversized"  # a Lambda using a small part of its memory
QUIET = "quiet"  # a decoy in use at a trickle: a standby database, a health-check load balancer
MONTH_END_BATCH = "month_end_batch"  # a decoy: idle for weeks, busy on the last days of each month


@dataclass(frozen=True)
class Ranges:
    """Daily ranges on working days, and on days off where they differ."""

    working: dict[str, Range]
    day_off: dict[str, Range] | None = None

    def on(self, day_off: bool) -> dict[str, Range]:
        return self.day_off if day_off and self.day_off is not None else self.working


_IDLE_INSTANCE = Ranges({"cpu_avg": (0.5, 3.0), "memory_avg": (5.0, 15.0), "network_mb": (0.5, 4.5)})
_PROD_INSTANCE = Ranges({"cpu_avg": (40.0, 70.0), "memory_avg": (50.0, 80.0), "network_mb": (500.0, 5000.0)})
_DEV_INSTANCE = Ranges(
    {"cpu_avg": (32.0, 60.0), "memory_avg": (35.0, 65.0), "network_mb": (100.0, 2000.0)},
    {"cpu_avg": (22.0, 30.0), "memory_avg": (25.0, 40.0), "network_mb": (100.0, 2000.0)},
)

PROFILES: dict[str, dict[str, Ranges]] = {
    "instances": {
        HEALTHY_PROD: _PROD_INSTANCE,
        HEALTHY_NONPROD: _DEV_INSTANCE,
        IDLE: _IDLE_INSTANCE,
        PREVIEW: _IDLE_INSTANCE,
        UNDERUSED: Ranges({"cpu_avg": (8.0, 20.0), "memory_avg": (15.0, 30.0), "network_mb": (50.0, 400.0)}),
        WEEKDAYS_ONLY: Ranges(_DEV_INSTANCE.working, _IDLE_INSTANCE.working),
        MONTH_END_BATCH: _IDLE_INSTANCE,
    },
    "rds_instances": {
        HEALTHY_PROD: Ranges({"cpu_avg": (30.0, 65.0), "connections": (40, 300)}),
        HEALTHY_NONPROD: Ranges({"cpu_avg": (25.0, 50.0), "connections": (8, 40)}),
        IDLE: Ranges({"cpu_avg": (1.0, 5.0), "connections": (0, 0)}),
        QUIET: Ranges({"cpu_avg": (1.0, 5.0), "connections": (0, 0)}),
    },
    "cache_clusters": {
        HEALTHY_PROD: Ranges({"cpu_avg": (25.0, 60.0), "memory_avg": (40.0, 80.0), "connections": (20, 500)}),
        HEALTHY_NONPROD: Ranges({"cpu_avg": (25.0, 45.0), "memory_avg": (30.0, 60.0), "connections": (10, 100)}),
        IDLE: Ranges({"cpu_avg": (1.0, 5.0), "memory_avg": (5.0, 15.0), "connections": (0, 2)}),
    },
    "load_balancers": {
        HEALTHY_PROD: Ranges({"requests": (50_000, 5_000_000)}),
        HEALTHY_NONPROD: Ranges({"requests": (5_000, 200_000)}),
        IDLE: Ranges({"requests": (0, 50)}),
        QUIET: Ranges({"requests": (10, 80)}),
    },
    "lambda_functions": {
        # invocations per day (7-day totals 10k-5M prod, 1k-100k otherwise); memory as a share of memory_mb
        HEALTHY_PROD: Ranges({"invocations": (1_500, 700_000), "duration_ms": (40, 800), "memory_share": (0.55, 0.9)}),
        HEALTHY_NONPROD: Ranges({"invocations": (150, 14_000), "duration_ms": (40, 800), "memory_share": (0.55, 0.9)}),
        UNUSED: Ranges({"invocations": (0, 0), "duration_ms": (0, 0), "memory_share": (0, 0)}),
        OVERSIZED: Ranges({"invocations": (150, 14_000), "duration_ms": (40, 400), "memory_mb": (128, 256)}),
    },
    "container_nodes": {
        HEALTHY_PROD: Ranges({"cpu_avg": (30.0, 70.0), "memory_avg": (40.0, 80.0)}),
        HEALTHY_NONPROD: Ranges({"cpu_avg": (25.0, 50.0), "memory_avg": (30.0, 60.0)}),
    },
    "streaming_clusters": {
        HEALTHY_PROD: Ranges({"usage_share": (0.30, 0.80)}),
        HEALTHY_NONPROD: Ranges({"usage_share": (0.30, 0.80)}),
    },
    "commitments": {
        HEALTHY_PROD: Ranges({"utilization": (80.0, 98.0)}),
        UNDERUSED: Ranges({"utilization": (35.0, 60.0)}),
    },
}
PROFILES["container_services"] = PROFILES["container_nodes"]
PROFILES["managed_services"] = PROFILES["container_nodes"]

# The `hard` difficulty's ranges where they differ: healthy resources work closer to the rules agents use
# and waste sits closer to them from the other side. Every pair stays disjoint and on its side of the
# canonical rules (docs/difficulty.md lists both sets).
_NARROW_IDLE_INSTANCE = Ranges({"cpu_avg": (2.0, 4.5), "memory_avg": (10.0, 20.0), "network_mb": (2.0, 4.8)})
_NARROW_DEV_INSTANCE = Ranges(
    {"cpu_avg": (26.0, 50.0), "memory_avg": (30.0, 60.0), "network_mb": (50.0, 1500.0)},
    {"cpu_avg": (20.5, 26.0), "memory_avg": (22.0, 35.0), "network_mb": (50.0, 1500.0)},
)
NARROW: dict[str, dict[str, Ranges]] = {
    "instances": {
        HEALTHY_PROD: Ranges({"cpu_avg": (30.0, 65.0), "memory_avg": (40.0, 75.0), "network_mb": (300.0, 4000.0)}),
        HEALTHY_NONPROD: _NARROW_DEV_INSTANCE,
        IDLE: _NARROW_IDLE_INSTANCE,
        PREVIEW: _NARROW_IDLE_INSTANCE,
        UNDERUSED: Ranges({"cpu_avg": (12.0, 19.5), "memory_avg": (20.0, 32.0), "network_mb": (100.0, 600.0)}),
        WEEKDAYS_ONLY: Ranges(_NARROW_DEV_INSTANCE.working, _NARROW_IDLE_INSTANCE.working),
    },
    "rds_instances": {
        HEALTHY_PROD: Ranges({"cpu_avg": (20.0, 60.0), "connections": (20, 250)}),
        HEALTHY_NONPROD: Ranges({"cpu_avg": (14.0, 40.0), "connections": (2, 25)}),
        IDLE: Ranges({"cpu_avg": (3.0, 8.0), "connections": (0, 0)}),
    },
    "cache_clusters": {
        HEALTHY_PROD: Ranges({"cpu_avg": (18.0, 55.0), "memory_avg": (30.0, 75.0), "connections": (12, 400)}),
        HEALTHY_NONPROD: Ranges({"cpu_avg": (14.0, 40.0), "memory_avg": (22.0, 55.0), "connections": (5, 80)}),
        IDLE: Ranges({"cpu_avg": (3.0, 8.0), "memory_avg": (8.0, 18.0), "connections": (0, 3)}),
    },
    "load_balancers": {
        HEALTHY_PROD: Ranges({"requests": (20_000, 3_000_000)}),
        HEALTHY_NONPROD: Ranges({"requests": (400, 100_000)}),
        IDLE: Ranges({"requests": (20, 90)}),
    },
    "commitments": {
        HEALTHY_PROD: Ranges({"utilization": (72.0, 95.0)}),
        UNDERUSED: Ranges({"utilization": (45.0, 68.0)}),
    },
}


def healthy_profile(env: str) -> str:
    return HEALTHY_PROD if env == "prod" else HEALTHY_NONPROD


def ranges_for(
    table: str, profile: str, day_off: bool, born_on: dt.date | None, day: dt.date, narrow: bool = False
) -> dict[str, Range]:
    """The ranges that decide a resource's numbers on a virtual day; `narrow`: the hard difficulty's."""
    table_profiles = {**PROFILES[table], **NARROW.get(table, {})} if narrow else PROFILES[table]
    if profile == PREVIEW and born_on == day:
        return table_profiles[HEALTHY_PROD].working  # a fresh preview stack is busy on its first day
    if profile == MONTH_END_BATCH and is_month_end(day):
        return table_profiles[HEALTHY_PROD].working  # the month's closing run
    chosen = table_profiles.get(profile) or table_profiles.get(HEALTHY_NONPROD) or table_profiles[HEALTHY_PROD]
    return chosen.on(day_off)


def is_rest_day_for(env: str, profile: str, day_off: bool) -> bool:
    """Prod works every day; other environments (and weekday-only workstations) rest on days off."""
    return day_off and (env != "prod" or profile == WEEKDAYS_ONLY)
