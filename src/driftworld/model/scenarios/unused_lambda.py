"""Seeded only: a function nobody invokes any more. It costs nothing a day; deleting it is still right."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext


def seed(ctx: ScenarioContext) -> Row:
    d = ctx.draws
    env = d.choice(NONPROD)
    name = ctx.builder.waste_name("lambda_functions", env, f"{env}-legacy-{d.hex(6)}")
    unused = ctx.builder.lambda_function(name, env, d.choice((256, 512)), ctx.back(120, 700), wl.UNUSED)
    ctx.waste(SCENARIO.name, "lambda_functions", unused, "delete", 0.0)
    return unused


SCENARIO = Scenario("unused_lambda", Bill("resource"), seed=seed)
