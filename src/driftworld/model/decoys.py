"""Decoys: resources that trip a common naive rule (idle, unattached, unassociated, old, no retention) but
are in use, each with a signal a careful agent can read. They are never waste; a naive fix to one (a stop,
a delete, a resize, a retention, a lifecycle rule) is a false positive.

Each recipe makes one decoy with the builder and returns its table, row and signal; the ground truth goes
to `driftworld.decoys`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from driftworld.model import workload as wl
from driftworld.model.factory import NONPROD, SERVICES, Builder, Decoy, Row

PARTNERS = ("acme-payments", "globex-edi", "initech-sftp", "umbrella-api")
COMPLIANCE = ("sox", "pci-dss", "hipaa")


Recipe = Callable[[Builder, dt.date, list[Row]], tuple[str, Row, str]]


def _back(builder: Builder, day: dt.date, low: int, high: int) -> dt.date:
    return day - dt.timedelta(days=builder.draws.integer(low, high))


def dr_standby_database(builder: Builder, day: dt.date, instances: list[Row]) -> tuple[str, Row, str]:
    env = builder.draws.choice(NONPROD)
    row = builder.rds(
        builder.healthy_name("rds_instances", env),
        env,
        builder.draws.choice(("db.m5.large", "db.r5.large")),
        False,
        builder.draws.choice((50, 100)),
        _back(builder, day, 60, 400),
        wl.QUIET,
    )
    row["tags"] |= {"role": "dr-standby", "replica_of": f"prod-{builder.draws.choice(SERVICES)}-db"}
    return "rds_instances", row, "tag role=dr-standby: a disaster-recovery standby takes no connections until failover"


def month_end_batch(builder: Builder, day: dt.date, instances: list[Row]) -> tuple[str, Row, str]:
    env = builder.draws.choice(NONPROD)
    row = builder.instance(
        builder.healthy_name("instances", env), env, "m5.large", wl.MONTH_END_BATCH, _back(builder, day, 90, 500)
    )
    row["tags"] |= {"job": "month-end-close"}
    return "instances", row, "its history spikes on the last days of every month; tag job=month-end-close"


def legal_hold_snapshot(builder: Builder, day: dt.date, instances: list[Row]) -> tuple[str, Row, str]:
    env = builder.draws.choice(NONPROD)
    row = builder.snapshot(
        env, builder.ec2_id("vol"), builder.draws.choice((50, 100, 200)), None, _back(builder, day, 120, 400), wl.IDLE
    )
    row["tags"] |= {"retention": "legal-hold"}
    return "snapshots", row, "tag retention=legal-hold: kept for litigation, whatever its age"


def maintenance_volume(builder: Builder, day: dt.date, instances: list[Row]) -> tuple[str, Row, str]:
    """Detached for a maintenance window; the engine attaches it again when the window ends."""
    env = builder.draws.choice(NONPROD)
    hosts = [i for i in instances if i.get("env") != "prod" and i.get("state") == "running"]
    row = builder.volume(
        env,
        builder.draws.choice((100, 200, 500)),
        "gp3",
        None,
        _back(builder, day, 60, 300),
        wl.IDLE,
        last_used_day=day - dt.timedelta(days=builder.draws.integer(1, 3)),
    )
    until = day + dt.timedelta(days=builder.draws.integer(3, 12))
    row["tags"] |= {"maintenance_until": until.isoformat()}
    if hosts:
        row["tags"]["attach_to"] = builder.draws.least(hosts, key=lambda h: str(h["id"]))["instance_id"]
    return "volumes", row, "tags maintenance_until and attach_to: it is attached again when the window ends"


def audit_log_group(builder: Builder, day: dt.date, instances: list[Row]) -> tuple[str, Row, str]:
    env = builder.draws.choice(NONPROD)
    row = builder.log_group(
        builder.healthy_name("log_groups", env),
        env,
        None,
        _back(builder, day, 200, 800),
        wl.healthy_profile(env),
        builder.draws.uniform(20.0, 120.0),
    )
    row["tags"] |= {"compliance": builder.draws.choice(COMPLIANCE)}
    return "log_groups", row, "tag compliance: an auditor requires the logs kept without expiry"


def health_check_load_balancer(builder: Builder, day: dt.date, instances: list[Row]) -> tuple[str, Row, str]:
    env = builder.draws.choice(NONPROD)
    row = builder.load_balancer(
        builder.healthy_name("load_balancers", env), env, "network", 1, _back(builder, day, 60, 500), wl.QUIET
    )
    row["tags"] |= {"health_check_for": f"prod-{builder.draws.choice(SERVICES)}"}
    return "load_balancers", row, "tag health_check_for: a prod service's health check depends on it (a healthy target)"


def partner_allowlisted_address(builder: Builder, day: dt.date, instances: list[Row]) -> tuple[str, Row, str]:
    env = builder.draws.choice(NONPROD)
    row = builder.elastic_ip(env, None, _back(builder, day, 60, 500), wl.IDLE)
    row["tags"] |= {"allowlisted_by": builder.draws.choice(PARTNERS)}
    return "elastic_ips", row, "tag allowlisted_by: a partner's firewall allows this address; releasing it loses it"


RECIPES: dict[str, Recipe] = {
    "dr_standby_database": dr_standby_database,
    "month_end_batch": month_end_batch,
    "legal_hold_snapshot": legal_hold_snapshot,
    "maintenance_volume": maintenance_volume,
    "audit_log_group": audit_log_group,
    "health_check_load_balancer": health_check_load_balancer,
    "partner_allowlisted_address": partner_allowlisted_address,
}


def seed_decoys(builder: Builder, day: dt.date, kinds: int, instances: list[Row]) -> None:
    """`kinds` different decoy kinds for one account, one decoy each, as of `day`."""
    for kind in builder.draws.sample(sorted(RECIPES), kinds):
        table, row, signal = RECIPES[kind](builder, day, instances)
        builder.created.decoys.append(Decoy(kind, table, row["id"], signal))
