"""3. A CI runner whose job finished long ago, still running."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.rules.growth import RUNNER_TYPES
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext, hourly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    runner = ctx.builder.instance(
        ctx.builder.waste_name("instances", "ci", f"ci-runner-{d.integer(100, 9999)}"),
        "ci",
        d.choice(RUNNER_TYPES),
        wl.IDLE,
        ctx.day,
        tags=ctx.tags("ci", "ci_runner", job_status="completed"),
    )
    ctx.waste(SCENARIO.name, "instances", runner, "terminate", hourly_daily_cost(runner))
    return True


SCENARIO = Scenario("idle_ci_runner", Bill("resource"), inject=inject, number=3, weight=6)
