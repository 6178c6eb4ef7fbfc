"""A growing startup: besides its mess, it launches healthy services and scales busy groups up, so that
"the engine created it" or "the engine changed it" says nothing about waste.

A new service is an instance, a bucket with a lifecycle rule, a function and a log group with a retention,
all healthy, some with the tags waste also carries (a merged pull request, a completed job, weekday use).
A new CI runner or dev workstation is one instance, named and tagged as the idle ones of the mess are.
"""

from __future__ import annotations

from driftworld.model import workload as wl
from driftworld.model.factory import Builder
from driftworld.model.rules.s3_storage import CEILING_MULTIPLE, NEW_BUCKET_GB
from driftworld.model.state import AccountState, DayChanges
from driftworld.model.streams import Stream

LAUNCH_CHANCE = 0.066  # per account-day: about as often as new waste
SINGLE_SHARE = 0.3  # of launches: one busy instance (a CI runner, a workstation) rather than a service
RUNNER_TYPES = ("c5.large", "t3.large", "m5.large")  # what idle runners run on too (scenario idle_ci_runner)
WORKSTATION_TYPES = ("t3.large", "m5.xlarge")  # and workstations left on (scenario dev_instance_off_hours)
SINGLE_INSTANCES = (  # env, purpose, instance types, tags beyond the team's
    ("ci", "ci_runner", RUNNER_TYPES, {"job_status": "running"}),
    ("ci", "ci_runner", RUNNER_TYPES, {"job_status": "completed"}),
    ("dev", "workstation", WORKSTATION_TYPES, {"usage": "weekdays_only", "schedule": "office_hours"}),
)
SCALE_CHANCE = 0.03  # per account-day: a prod group scaled up for load
WASTE_LIKE_TAGS = (
    {"pr_status": "merged"},
    {"pr_status": "closed"},
    {"job_status": "completed"},
    {"usage": "weekdays_only", "schedule": "office_hours"},
    {"purpose": "ci_runner", "job_status": "completed"},
)
TIERING = [{"id": "tiering", "status": "Enabled", "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}]}]


def launch_service(state: AccountState, builder: Builder, draws: Stream) -> bool:
    """A new healthy service in one environment; False when the day's roll says no."""
    if not draws.chance(LAUNCH_CHANCE):
        return False
    day = state.day
    if draws.chance(SINGLE_SHARE):
        env, purpose, types, extra = draws.choice(SINGLE_INSTANCES)
        name = builder.healthy_name("instances", env)
        builder.instance(
            name, env, draws.choice(types), wl.HEALTHY_NONPROD, day, tags=builder.tags(env, purpose, extra)
        )
        return True
    env = draws.choice(("prod", "staging", "dev"))
    profile = wl.healthy_profile(env)
    kind = draws.choice(("m5.large", "c5.large", "t3.large"))
    instance = builder.instance(builder.healthy_name("instances", env), env, kind, profile, day)
    if env != "prod":
        instance["tags"] |= draws.choice(WASTE_LIKE_TAGS)
    start = draws.uniform(*NEW_BUCKET_GB)
    builder.bucket(
        builder.healthy_name("s3_buckets", env),
        env,
        TIERING,
        day,
        profile,
        start,
        start * draws.uniform(*CEILING_MULTIPLE),
    )
    builder.lambda_function(
        builder.healthy_name("lambda_functions", env), env, draws.choice((128, 256, 512)), day, profile
    )
    builder.log_group(builder.healthy_name("log_groups", env), env, draws.choice((7, 14, 30)), day, profile, 0.0)
    return True


def scale_for_load(state: AccountState, changes: DayChanges, builder: Builder, draws: Stream) -> bool:
    """A busy prod group gets one more member, logged as the engine's change like scenario 2's."""
    if not draws.chance(SCALE_CHANCE):
        return False
    groups = [
        g
        for g in state.table("autoscaling_groups")
        if g["env"] == "prod"
        and int(g["desired_capacity"]) < int(g["max_size"])
        and state.profiles[("autoscaling_groups", g["id"])].profile == wl.HEALTHY_PROD
    ]
    if not groups:
        return False
    group = draws.least(groups, key=lambda g: str(g["id"]))
    changes.change("autoscaling_groups", group, desired_capacity=int(group["desired_capacity"]) + 1)
    builder.members(group, 1, wl.HEALTHY_PROD, state.day)
    return True
