"""12. A database nobody connects to."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import GLOBAL_NAME_DIGITS
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext, hourly_daily_cost

IDLE_CLASSES = ("db.m5.large", "db.r5.large", "db.m5.xlarge", "db.r5.xlarge")  # a smaller class fixes it


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    env = d.choice(("dev", "staging", "preview"))
    db = ctx.builder.rds(
        ctx.builder.waste_name("rds_instances", env, f"{env}-scratch-{d.hex(GLOBAL_NAME_DIGITS)}-db"),
        env,
        d.choice(IDLE_CLASSES[:2]),
        False,
        d.choice((50, 100)),
        ctx.day,
        wl.IDLE,
    )
    ctx.waste(SCENARIO.name, "rds_instances", db, "stop or downsize", hourly_daily_cost(db))
    return True


SCENARIO = Scenario(
    "idle_rds",
    Bill("resource"),
    fixed=lambda r: r["instance_class"] not in IDLE_CLASSES,
    inject=inject,
    number=12,
    weight=4,
)
