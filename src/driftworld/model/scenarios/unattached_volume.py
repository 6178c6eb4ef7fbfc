"""10. A volume left behind when its instance went away."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.scenarios.base import NONPROD, Scenario, ScenarioContext, monthly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    volume = ctx.builder.volume(
        d.choice(NONPROD),
        d.integer(50, 1000),
        d.choice(("gp2", "gp3", "io1")),
        None,
        ctx.back(60, 200),
        wl.IDLE,
        last_used_day=ctx.back(7, 60),
    )
    ctx.waste(SCENARIO.name, "volumes", volume, "snapshot and delete", monthly_daily_cost(volume))
    return True


SCENARIO = Scenario(10, "unattached_volume", 6, inject)
