"""7. A feature branch's environment whose pull request was merged or closed weeks ago."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext, instance_daily_cost, scaled_to_zero

SLUGS = ("checkout-v2", "new-onboarding", "dark-mode", "search-rewrite", "billing-export", "sso", "rate-limits")


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    slug = f"{d.choice(SLUGS)}-{d.hex(4)}"
    created = ctx.back(10, 30)
    tags = ctx.tags("feature", "feature_env", pr_status=d.choice(("merged", "closed", "stale")))
    group = ctx.builder.autoscaling_group(f"feature-{slug}", "feature", "t3.medium", 0, 4, 2, wl.IDLE, created, tags)
    members = ctx.builder.members(group, 2, wl.IDLE, created)
    ctx.waste(SCENARIO.name, "autoscaling_groups", group, "delete", instance_daily_cost(members))
    return True


SCENARIO = Scenario("stale_feature_environment", Bill("members"), scaled_to_zero, inject, number=7, weight=4)
