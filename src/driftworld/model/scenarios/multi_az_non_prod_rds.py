"""Seeded only: a dev/staging database paying for a standby in a second availability zone."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext, hourly_daily_cost

SAVED_SHARE = 0.5  # multi-AZ doubles the instance price (catalogue.rds_hourly)


def seed(ctx: ScenarioContext) -> Row:
    d = ctx.draws
    env = d.choice(NONPROD)
    multi = ctx.builder.rds(
        ctx.builder.healthy_name("rds_instances", env),
        env,
        d.choice(("db.t3.medium", "db.m5.large")),
        True,
        d.choice((20, 50)),
        ctx.back(60, 400),
        wl.healthy_profile(env),
    )
    ctx.waste(SCENARIO.name, "rds_instances", multi, "disable multi_az", hourly_daily_cost(multi) * SAVED_SHARE)
    return multi


SCENARIO = Scenario(
    "multi_az_non_prod_rds", Bill("rds_compute", SAVED_SHARE), fixed=lambda r: not r["multi_az"], seed=seed
)
