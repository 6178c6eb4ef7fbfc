"""11. A snapshot months old whose source volume is long gone."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext, monthly_daily_cost


def piece(ctx: ScenarioContext) -> Row:
    d = ctx.draws
    snapshot = ctx.builder.snapshot(
        d.choice(NONPROD), ctx.builder.ec2_id("vol"), d.choice((50, 100, 200, 500)), None, ctx.back(120, 365), wl.IDLE
    )
    ctx.waste(SCENARIO.name, "snapshots", snapshot, "delete", monthly_daily_cost(snapshot))
    return snapshot


def inject(ctx: ScenarioContext) -> bool:
    piece(ctx)
    return True


SCENARIO = Scenario("old_snapshot", Bill("resource"), inject=inject, seed=piece, number=11, weight=5)
