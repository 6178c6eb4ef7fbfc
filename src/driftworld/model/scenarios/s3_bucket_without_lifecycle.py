"""4. A dev/staging bucket filling Standard storage with no lifecycle rule."""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.catalogue import S3_GB_MONTH, monthly_to_daily
from driftworld.model.factory import Row
from driftworld.model.rules.s3_storage import CEILING_MULTIPLE, enabled_rules
from driftworld.model.scenarios.base import NONPROD, Bill, Scenario, ScenarioContext

SAVED_SHARE = 1 - S3_GB_MONTH["ia"] / S3_GB_MONTH["standard"]  # of Standard storage, once it tiers to IA


def piece(ctx: ScenarioContext) -> Row:
    """A 100-500 GB bucket; a seeded one is named like its healthy neighbours in every difficulty."""
    d = ctx.draws
    env = d.choice(NONPROD)
    start = d.uniform(100.0, 500.0)
    if ctx.seeding:
        name = ctx.builder.healthy_name("s3_buckets", env)
    else:
        name = ctx.builder.waste_name("s3_buckets", env, f"{env}-exports-{d.hex(10)}")
    bucket = ctx.builder.bucket(
        name,
        env,
        None,
        ctx.created(30, 900),
        wl.healthy_profile(env),
        start,
        start * d.uniform(*CEILING_MULTIPLE),
    )
    saving = monthly_to_daily(start * S3_GB_MONTH["standard"]) * SAVED_SHARE
    ctx.waste(SCENARIO.name, "s3_buckets", bucket, "add lifecycle", saving)
    return bucket


def inject(ctx: ScenarioContext) -> bool:
    piece(ctx)
    return True


SCENARIO = Scenario(
    "s3_bucket_without_lifecycle",
    Bill("bucket_storage", SAVED_SHARE),
    fixed=lambda r: bool(enabled_rules(r.get("lifecycle_policy"), r.get("lifecycle_rules"))),
    inject=inject,
    seed=piece,
    number=4,
    weight=5,
)
