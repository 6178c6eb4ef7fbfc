"""15. A function given gigabytes of memory that uses a few hundred megabytes."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.catalogue import lambda_daily
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext

RIGHT_SIZE_MB = int(wl.PROFILES["lambda_functions"][wl.OVERSIZED].working["memory_mb"][1])  # the most it uses


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    env = d.choice(NONPROD)
    name = ctx.builder.waste_name("lambda_functions", env, f"{env}-resize-{d.hex(4)}")
    function = ctx.builder.lambda_function(name, env, d.choice((1024, 1536, 2048, 3008)), ctx.day, wl.OVERSIZED)
    ctx.waste(SCENARIO.name, "lambda_functions", function, "right-size memory", excess_daily_cost(function))
    return True


def excess_daily_cost(function: Row) -> float:
    """What the function pays a day for memory it does not use: its typical day at its memory, less the same
    day at a right size (the most it uses), from its profile's middle values."""
    ranges = wl.PROFILES["lambda_functions"][wl.OVERSIZED].working
    invocations = round(sum(ranges["invocations"]) / 2)
    duration = sum(ranges["duration_ms"]) / 2
    return lambda_daily(invocations, duration, int(function["memory_mb"]), 0) - lambda_daily(
        invocations, duration, RIGHT_SIZE_MB, 0
    )


SCENARIO = Scenario(
    "over_provisioned_lambda",
    Bill("lambda_compute", right_size_mb=RIGHT_SIZE_MB),
    fixed=lambda r: int(r["memory_mb"]) <= 2 * RIGHT_SIZE_MB,
    inject=inject,
    number=15,
    weight=5,
)
