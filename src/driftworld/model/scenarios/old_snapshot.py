"""11. A snapshot months old whose source volume is long gone."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.scenarios.base import NONPROD, Scenario, ScenarioContext, monthly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    snapshot = ctx.builder.snapshot(
        d.choice(NONPROD), ctx.builder.ec2_id("vol"), d.choice((50, 100, 200, 500)), None, ctx.back(120, 365), wl.IDLE
    )
    ctx.waste(SCENARIO.name, "snapshots", snapshot, "delete", monthly_daily_cost(snapshot))
    return True


SCENARIO = Scenario(11, "old_snapshot", 5, inject)
