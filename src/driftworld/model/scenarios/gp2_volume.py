"""Seeded only: an attached non-prod volume still on gp2, which gp3 serves for less."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.catalogue import EBS_GB_MONTH
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext, monthly_daily_cost

SAVED_SHARE = 1 - EBS_GB_MONTH["gp3"] / EBS_GB_MONTH["gp2"]


def seed(ctx: ScenarioContext) -> Row:
    """Attached to one of the account's running standalone instances."""
    d = ctx.draws
    hosts = [i for i in ctx.state.table("instances") if i["state"] == "running" and not i["autoscaling_group_id"]]
    env = d.choice(NONPROD)
    gp2 = ctx.builder.volume(
        env, d.choice((50, 100, 200)), "gp2", d.choice(hosts), ctx.back(60, 500), wl.healthy_profile(env)
    )
    ctx.waste(SCENARIO.name, "volumes", gp2, "migrate to gp3", monthly_daily_cost(gp2) * SAVED_SHARE)
    return gp2


SCENARIO = Scenario("gp2_volume", Bill("resource", SAVED_SHARE), fixed=lambda r: r["volume_type"] != "gp2", seed=seed)
