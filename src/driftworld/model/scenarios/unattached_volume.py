"""10. A volume left behind when its instance went away."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext, monthly_daily_cost


def piece(ctx: ScenarioContext) -> Row:
    """An available volume last used 7-60 days back; a seeded one may be older."""
    d = ctx.draws
    volume = ctx.builder.volume(
        d.choice(NONPROD),
        d.integer(50, 1000),
        d.choice(("gp2", "gp3", "io1")),
        None,
        ctx.back(60, 400 if ctx.seeding else 200),
        wl.IDLE,
        last_used_day=ctx.back(7, 60),
    )
    ctx.waste(SCENARIO.name, "volumes", volume, "snapshot and delete", monthly_daily_cost(volume))
    return volume


def inject(ctx: ScenarioContext) -> bool:
    piece(ctx)
    return True


SCENARIO = Scenario(
    "unattached_volume",
    Bill("resource"),
    fixed=lambda r: r["state"] == "in-use",
    inject=inject,
    seed=piece,
    number=10,
    weight=6,
)
