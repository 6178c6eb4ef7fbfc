"""13. A cache cluster with nothing to cache."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import GLOBAL_NAME_DIGITS
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext, hourly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    env = d.choice(("dev", "staging", "preview"))
    cache = ctx.builder.cache(
        ctx.builder.waste_name("cache_clusters", env, f"{env}-sessions-{d.hex(GLOBAL_NAME_DIGITS)}"),
        env,
        d.choice(("cache.m5.large", "cache.r5.large")),
        d.integer(1, 3),
        ctx.day,
        wl.IDLE,
    )
    ctx.waste(SCENARIO.name, "cache_clusters", cache, "delete or downsize", hourly_daily_cost(cache))
    return True


SCENARIO = Scenario(
    "idle_cache_cluster",
    Bill("resource"),
    fixed=lambda r: r["node_type"] in ("cache.t3.micro", "cache.t3.small"),
    inject=inject,
    number=13,
    weight=3,
)
