"""4. A dev/staging bucket filling Standard storage with no lifecycle rule."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.catalogue import S3_GB_MONTH, monthly_to_daily
from driftworld.model.rules.s3_storage import CEILING_MULTIPLE
from driftworld.model.scenarios.base import NONPROD, Scenario, ScenarioContext


def inject(ctx: ScenarioContext) -> bool:
    d = ctx.draws
    env = d.choice(NONPROD)
    start = d.uniform(100.0, 500.0)
    bucket = ctx.builder.bucket(
        ctx.builder.waste_name("s3_buckets", env, f"{env}-exports-{d.hex(10)}"),
        env,
        None,
        ctx.day,
        wl.healthy_profile(env),
        start,
        start * d.uniform(*CEILING_MULTIPLE),
    )
    saving = monthly_to_daily(start * (S3_GB_MONTH["standard"] - S3_GB_MONTH["ia"]))
    ctx.waste(SCENARIO.name, "s3_buckets", bucket, "add lifecycle", saving)
    return True


SCENARIO = Scenario(4, "s3_bucket_without_lifecycle", 5, inject)
