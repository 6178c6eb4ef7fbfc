"""8. An elastic IP allocated for something that never happened."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext, hourly_daily_cost


def piece(ctx: ScenarioContext) -> Row:
    eip = ctx.builder.elastic_ip(ctx.draws.choice(NONPROD), None, ctx.created(30, 300), wl.IDLE)
    ctx.waste(SCENARIO.name, "elastic_ips", eip, "release", hourly_daily_cost(eip))
    return eip


def inject(ctx: ScenarioContext) -> bool:
    piece(ctx)
    return True


SCENARIO = Scenario(
    "orphaned_elastic_ip", Bill("resource"), lambda r: r["state"] == "associated", inject, piece, number=8, weight=5
)
