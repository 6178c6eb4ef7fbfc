"""6. A dev workstation left running over the weekend (rolls on weekend days only)."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.rules.growth import WORKSTATION_TYPES
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext, hourly_daily_cost


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    owner = ctx.builder.draws.choice(("alice", "bob", "carol", "dave", "erin"))
    box = ctx.builder.instance(
        ctx.builder.waste_name("instances", "dev", f"dev-workstation-{owner}-{d.hex(4)}"),
        "dev",
        d.choice(WORKSTATION_TYPES),
        wl.WEEKDAYS_ONLY,
        ctx.day,
        tags=ctx.tags("dev", "workstation", usage="weekdays_only"),
    )
    ctx.waste(SCENARIO.name, "instances", box, "tag schedule: office_hours (or terminate)", hourly_daily_cost(box))
    return True


SCENARIO = Scenario(
    "dev_instance_off_hours",
    Bill("resource"),
    fixed=lambda r: (r.get("tags") or {}).get("schedule") == "office_hours",
    inject=inject,
    number=6,
    weight=6,
    weekend_only=True,
    stopping_fixes=False,
)
