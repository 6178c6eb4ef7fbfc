"""2. A dev/staging group at its floor, untouched by agents for a week, is scaled up and left there
while its demand drops."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext, instance_daily_cost, pick


def inject(ctx: ScenarioContext) -> bool:
    group = pick(
        ctx.state.table("autoscaling_groups"),
        ctx.draws,
        lambda g: (
            g["env"] in NONPROD
            and g["desired_capacity"] == g["min_size"] >= 1
            and g["max_size"] >= g["min_size"] + 2
            and ctx.state.profiles[("autoscaling_groups", g["id"])].profile == wl.HEALTHY_NONPROD
            and str(g["id"]) not in ctx.state.changed_by_others
        ),
    )
    if group is None:
        return False
    raised = max(int(group["min_size"]) + ctx.draws.integer(1, 2), 2)
    added = raised - int(group["desired_capacity"])
    ctx.changes.change("autoscaling_groups", group, desired_capacity=raised)
    launched = ctx.builder.members(group, added, wl.UNDERUSED, ctx.day)
    members = [i for i in ctx.state.table("instances") if i.get("autoscaling_group_id") == group["id"]]
    for row in [group, *members]:
        table = "autoscaling_groups" if row is group else "instances"
        profile = ctx.state.profiles[(table, row["id"])]
        profile.profile = wl.UNDERUSED
        ctx.changes.profile_updates[(table, row["id"])] = profile
    ctx.waste(SCENARIO.name, "autoscaling_groups", group, "scale back to min_size", instance_daily_cost(launched))
    return True


SCENARIO = Scenario(
    "over_provisioned_asg",
    Bill("newest_members"),
    fixed=lambda r: int(r["desired_capacity"]) <= int(r["min_size"]),
    inject=inject,
    number=2,
    weight=8,
)
