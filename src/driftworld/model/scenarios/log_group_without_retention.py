"""5. A log group that keeps everything forever."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.catalogue import LOG_STORAGE_GB_MONTH, monthly_to_daily
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext


def piece(ctx: ScenarioContext) -> Row:
    """A non-prod group holding 50-200 GB with no retention in either column; seeded ones are older and
    not preview."""
    d = ctx.draws
    env = d.choice(NONPROD if ctx.seeding else (*NONPROD, "preview"))
    stored = d.uniform(50.0, 200.0)
    if ctx.seeding:
        name = ctx.builder.healthy_name("log_groups", env)
    else:
        name = ctx.builder.waste_name("log_groups", env, f"/aws/{env}/debug-{d.hex(6)}")
    group = ctx.builder.log_group(name, env, None, ctx.created(200, 900), wl.healthy_profile(env), stored)
    ctx.waste(SCENARIO.name, "log_groups", group, "set retention", monthly_to_daily(stored * LOG_STORAGE_GB_MONTH))
    return group


def inject(ctx: ScenarioContext) -> bool:
    piece(ctx)
    return True


SCENARIO = Scenario(
    "log_group_without_retention",
    Bill("log_storage"),
    fixed=lambda r: r.get("retention_days") is not None or r.get("retention_in_days") is not None,
    inject=inject,
    seed=piece,
    number=5,
    weight=5,
)
