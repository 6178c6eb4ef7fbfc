"""1. A preview stack for a pull request, busy on its first day and forgotten after."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.rules.s3_storage import CEILING_MULTIPLE, NEW_BUCKET_GB
from driftworld.model.scenarios.base import Bill, Scenario, ScenarioContext, instance_daily_cost, scaled_to_zero


def inject(ctx: ScenarioContext) -> bool:
    d, build = ctx.draws, ctx.builder
    pr = d.integer(100, 9999)
    desired = d.integer(4, 8)
    tags = ctx.tags("preview", "preview", pr=str(pr))
    group = build.autoscaling_group(
        f"preview-pr-{pr}",
        "preview",
        d.choice(("t3.medium", "m5.large")),
        0,
        desired + 2,
        desired,
        wl.PREVIEW,
        ctx.day,
        tags,
    )
    members = build.members(group, desired, wl.PREVIEW, ctx.day)
    logs = build.log_group(f"/aws/preview/pr-{pr}", "preview", 7, ctx.day, wl.healthy_profile("preview"), 0.0, tags)
    related = [logs["name"]]
    if d.chance(0.5):
        bucket = build.bucket(
            f"preview-pr-{pr}-assets-{d.hex(6)}",
            "preview",
            None,
            ctx.day,
            wl.healthy_profile("preview"),
            (start := d.uniform(*NEW_BUCKET_GB)),
            start * d.uniform(*CEILING_MULTIPLE),
            tags=tags,
        )
        related.append(bucket["name"])
    ctx.waste(
        SCENARIO.name,
        "autoscaling_groups",
        group,
        "scale to 0 / delete the stack",
        instance_daily_cost(members),
        tuple(related),
    )
    return True


SCENARIO = Scenario("forgotten_preview_environment", Bill("members"), scaled_to_zero, inject, number=1, weight=8)
