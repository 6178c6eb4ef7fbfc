"""5. A log group that keeps everything forever."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.catalogue import LOG_STORAGE_GB_MONTH, monthly_to_daily
from driftworld.model.scenarios.base import Scenario, ScenarioContext


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    env = d.choice(("dev", "staging", "preview"))
    stored = d.uniform(50.0, 200.0)
    name = ctx.builder.waste_name("log_groups", env, f"/aws/{env}/debug-{d.hex(6)}")
    group = ctx.builder.log_group(name, env, None, ctx.day, wl.healthy_profile(env), stored)
    ctx.waste(SCENARIO.name, "log_groups", group, "set retention", monthly_to_daily(stored * LOG_STORAGE_GB_MONTH))
    return True


SCENARIO = Scenario(5, "log_group_without_retention", 5, inject)
