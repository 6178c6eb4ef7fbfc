"""14. A load balancer with no healthy targets and next to no traffic."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext, hourly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    env = d.choice(NONPROD)
    name = ctx.builder.waste_name("load_balancers", env, f"{env}-old-{d.hex(4)}-lb")
    lb = ctx.builder.load_balancer(name, env, d.choice(("application", "network")), d.integer(0, 2), ctx.day, wl.IDLE)
    ctx.waste(SCENARIO.name, "load_balancers", lb, "delete", hourly_daily_cost(lb))
    return True


SCENARIO = Scenario("idle_load_balancer", Bill("resource"), inject=inject, number=14, weight=4)
