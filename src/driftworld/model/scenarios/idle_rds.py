"""12. A database nobody connects to."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import GLOBAL_NAME_DIGITS
from driftworld.model.scenarios.base import Scenario, ScenarioContext, hourly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    env = d.choice(("dev", "staging", "preview"))
    db = ctx.builder.rds(
        ctx.builder.waste_name("rds_instances", env, f"{env}-scratch-{d.hex(GLOBAL_NAME_DIGITS)}-db"),
        env,
        d.choice(("db.m5.large", "db.r5.large")),
        False,
        d.choice((50, 100)),
        ctx.day,
        wl.IDLE,
    )
    ctx.waste(SCENARIO.name, "rds_instances", db, "stop or downsize", hourly_daily_cost(db))
    return True


SCENARIO = Scenario(12, "idle_rds", 4, inject)
