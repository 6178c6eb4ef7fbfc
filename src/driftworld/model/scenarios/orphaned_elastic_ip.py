"""8. An elastic IP allocated for something that never happened."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.scenarios.base import NONPROD, Scenario, ScenarioContext, hourly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    eip = ctx.builder.elastic_ip(ctx.draws.choice(NONPROD), None, ctx.day, wl.IDLE)
    ctx.waste(SCENARIO.name, "elastic_ips", eip, "release", hourly_daily_cost(eip))
    return True


SCENARIO = Scenario(8, "orphaned_elastic_ip", 5, inject)
