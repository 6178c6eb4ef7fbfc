"""9. Someone terminates a non-prod instance that held an elastic IP; the address stays allocated."""

from __future__ import annotations

from driftworld.model.rules.termination import release_what_terminated_instances_held
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext, hourly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    held = {e["associated_instance_id"]: e for e in ctx.state.table("elastic_ips") if e["associated_instance_id"]}
    candidates = [
        i
        for i in ctx.state.table("instances")
        if i["env"] != "prod"
        and i.get("autoscaling_group_id") is None
        and i["state"] == "running"
        and i["instance_id"] in held
    ]
    if not candidates:
        return False
    victim = ctx.draws.least(candidates, key=lambda r: str(r["id"]))
    eip = held[victim["instance_id"]]
    ctx.changes.change("instances", victim, state="terminated")
    release_what_terminated_instances_held(ctx.state, ctx.changes)
    ctx.waste(SCENARIO.name, "elastic_ips", eip, "release", hourly_daily_cost(eip), (victim["instance_id"],))
    return True


SCENARIO = Scenario(
    "eip_orphaned_by_terminated_instance",
    Bill("resource"),
    fixed=lambda r: r["state"] == "associated",
    inject=inject,
    number=9,
    weight=4,
)
