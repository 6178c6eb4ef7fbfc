"""Seeded only: a reservation or savings plan the estate uses about half of. No action removes it inside
its term; the fix is to buy less next time."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.catalogue import HOURS_PER_DAY
from driftworld.model.factory import Row
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext

COMMITMENT_TYPES = ("reserved_instance", "savings_plan")


def commitment(ctx: ScenarioContext, profile: str) -> Row:
    """A commitment of the account, healthy or under-used as `profile` says."""
    d = ctx.draws
    kind = d.choice(COMMITMENT_TYPES)
    scope = f"ec2:m5.large:{ctx.builder.account.primary_region}" if kind == "reserved_instance" else "compute"
    return ctx.builder.commitment(kind, scope, d.uniform(0.2, 2.0), ctx.back(30, 300), d.choice((12, 36)), profile)


def seed(ctx: ScenarioContext) -> Row:
    under = commitment(ctx, wl.UNDERUSED)
    cost = float(under["hourly_commitment_amount"]) * HOURS_PER_DAY * 0.5  # about half its hours go unused
    ctx.waste(SCENARIO.name, "commitments", under, "resize future purchases", cost)
    return under


SCENARIO = Scenario("underused_commitment", Bill("unused_commitment"), seed=seed)
