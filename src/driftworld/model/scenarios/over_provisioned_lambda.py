"""15. A function given gigabytes of memory that uses a few hundred megabytes."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.scenarios.base import NONPROD, Scenario, ScenarioContext


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    env = d.choice(NONPROD)
    name = ctx.builder.waste_name("lambda_functions", env, f"{env}-resize-{d.hex(4)}")
    function = ctx.builder.lambda_function(name, env, d.choice((1024, 1536, 2048, 3008)), ctx.day, wl.OVERSIZED)
    ctx.waste(SCENARIO.name, "lambda_functions", function, "right-size memory", 0.0)
    return True


SCENARIO = Scenario(15, "over_provisioned_lambda", 5, inject)
