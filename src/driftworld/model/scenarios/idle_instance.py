"""Seeded only: a standalone non-prod instance nobody has used for weeks."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import DEV_TYPES, SERVICES, Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext, hourly_daily_cost


def seed(ctx: ScenarioContext) -> Row:
    d, build = ctx.draws, ctx.builder
    env = d.choice(NONPROD)
    telltale = f"{env}-{d.choice(SERVICES)}-old-{d.hex(4)}"
    idle = build.instance(
        build.waste_name("instances", env, telltale), env, d.choice(DEV_TYPES), wl.IDLE, ctx.back(40, 400)
    )
    ctx.waste(SCENARIO.name, "instances", idle, "stop or terminate", hourly_daily_cost(idle))
    return idle


SCENARIO = Scenario("idle_instance", Bill("resource"), seed=seed)
