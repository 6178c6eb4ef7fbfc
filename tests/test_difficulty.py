"""Difficulty: a realistic world hides waste behind neutral names, plants decoys that a naive fix gets
wrong, and sets policies and freezes by itself; an easy world keeps the old mechanics."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import psycopg
import pytest
from typer.testing import CliRunner

import driftworld
from driftworld.cli import app
from driftworld.model import workload as wl
from driftworld.model.decoys import RECIPES
from driftworld.model.difficulty import difficulty
from driftworld.report import scorecard
from driftworld.seeder import SeedRequest, seed_world
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from tests.conftest import END_DATE, clone
from tests.helpers import execute, rows
from tests.test_scenarios import RULES, _ids

SIX_ACCOUNTS = SeedRequest(orgs=1, accounts_per_org=6, days=10, seed=11, end_date=END_DATE, clock_mode="virtual")


@pytest.fixture(scope="module")
def realistic_template(cluster: LocalCluster, migrated_template: str) -> str:
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        conn.execute(f"create database realistic_template template {migrated_template}")
    with Database(cluster.url("realistic_template"), "test").connect() as conn:
        seed_world(conn, SIX_ACCOUNTS)
    return "realistic_template"


@pytest.fixture()
def world(cluster: LocalCluster, realistic_template: str) -> Database:
    return clone(cluster, realistic_template)


def test_a_realistic_world_of_six_accounts_holds_six_kinds_of_decoys(world: Database) -> None:
    kinds = {r["kind"] for r in rows(world, "select kind from driftworld.decoys")}
    assert len(kinds) >= 6 and kinds <= set(RECIPES)
    tables = rows(world, "select resource_type, resource_id from driftworld.decoys")
    for decoy in tables:  # every decoy is a real row and never waste
        found = rows(world, f"select id from public.{decoy['resource_type']} where id = %s", (decoy["resource_id"],))
        assert found
    overlap = rows(
        world,
        "select 1 from driftworld.decoys d join driftworld.waste_ledger w on w.resource_id = d.resource_id",
    )
    assert not overlap


def test_waste_names_are_neutral_and_the_engine_tags_nothing(world: Database) -> None:
    assert driftworld.tick(world, days=20).ok
    names = rows(
        world,
        "select i.name from instances i join driftworld.waste_ledger w on w.resource_id = i.id "
        "union all select l.name from lambda_functions l join driftworld.waste_ledger w on w.resource_id = l.id",
    )
    assert names and not [n for n in names if "-old" in n["name"] or "legacy" in n["name"]]
    tagged = rows(world, "select count(*) as n from instances where tags ->> 'created_by' = 'drift_engine'")
    assert tagged == [{"n": 0}]


def test_the_world_sets_policies_and_freezes(world: Database) -> None:
    policies = {r["p"] for r in rows(world, "select optimization_policy as p from instances where env <> 'prod'")}
    assert {"ignore", "auto_safe"} <= policies
    assert driftworld.tick(world, days=40).ok
    events = rows(
        world,
        "select resource_type, field_name, count(distinct account_id) as accounts from resource_change_events "
        "where change_source = 'drift_engine' and field_name like '%%freeze%%' group by 1, 2",
    )
    by_field = {(e["resource_type"], e["field_name"]): e["accounts"] for e in events}
    assert by_field.get(("cloud_account", "freeze_optimizations_from"), 0) >= 3
    assert sum(n for (kind, _), n in by_field.items() if kind != "cloud_account") >= 3


def test_a_naive_fix_to_a_decoy_is_a_false_positive(world: Database) -> None:
    decoys = rows(
        world,
        "select resource_type, resource_id from driftworld.decoys "
        "where resource_type in ('elastic_ips', 'log_groups', 'snapshots', 'load_balancers') order by 1, 2",
    )
    assert decoys
    with world.connect() as conn:
        for decoy in decoys:
            if decoy["resource_type"] == "log_groups":
                conn.execute("update log_groups set retention_in_days = 7 where id = %s", (decoy["resource_id"],))
            else:
                conn.execute(f"delete from public.{decoy['resource_type']} where id = %s", (decoy["resource_id"],))
        conn.commit()
    assert driftworld.tick(world, days=1).ok
    with world.connect() as conn:
        card = scorecard(conn)
    assert card.false_positives == len(decoys)


def test_a_change_inside_an_announced_freeze_is_a_violation_and_before_it_is_not(world: Database) -> None:
    account = rows(world, "select id from cloud_accounts order by id limit 1")[0]["id"]
    day = rows(world, "select virtual_date as d from virtual_clock where account_id = %s", (account,))[0]["d"]
    start = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(), dt.UTC)
    execute(
        world,
        "update cloud_accounts set freeze_optimizations_from = %s, freeze_optimizations_until = %s where id = %s",
        (start, start + dt.timedelta(days=3), account),
    )
    bucket = "select id from s3_buckets where account_id = %s and env <> 'prod' and optimization_policy = 'auto_safe' "
    first, second = (r["id"] for r in rows(world, bucket + "order by id limit 2", (account,)))
    rule = json.dumps([{"id": "t", "status": "Enabled", "transitions": [{"days": 30, "storage_class": "GLACIER"}]}])
    execute(world, "update s3_buckets set lifecycle_rules = %s::jsonb where id = %s", (rule, first))
    assert driftworld.tick(world, days=2).ok  # the change is seen the next day, before the window starts
    execute(world, "update s3_buckets set lifecycle_rules = %s::jsonb where id = %s", (rule, second))
    assert driftworld.tick(world, days=1).ok  # seen on the window's first day
    found = rows(world, "select resource_id, kind from driftworld.scorecard_findings where kind = 'violation_freeze'")
    assert [f["resource_id"] for f in found] == [second]


def test_a_maintenance_volume_is_attached_again_when_its_window_ends(world: Database) -> None:
    volumes = rows(
        world,
        "select v.id, v.tags from volumes v join driftworld.decoys d on d.resource_id = v.id "
        "where d.kind = 'maintenance_volume' and v.tags ? 'attach_to'",
    )
    if not volumes:
        pytest.skip("no maintenance decoy with a host in this world")
    assert driftworld.tick(world, days=14).ok
    for volume in volumes:
        after = rows(world, "select state, attached_instance_id from volumes where id = %s", (volume["id"],))[0]
        assert after == {"state": "in-use", "attached_instance_id": volume["tags"]["attach_to"]}


def test_an_easy_world_keeps_the_old_mechanics(seeded_db: Database) -> None:
    assert rows(seeded_db, "select count(*) as n from driftworld.decoys") == [{"n": 0}]
    assert rows(seeded_db, "select count(*) as n from instances where optimization_policy = 'ignore'") == [{"n": 0}]
    assert rows(seeded_db, "select difficulty from driftworld.world_settings") == [{"difficulty": "easy"}]


def test_unknown_difficulties_are_refused_and_a_known_one_is_set(world: Database) -> None:
    env = {"DATABASE_URL": world.url}
    refused = CliRunner().invoke(app, ["world", "set", "--difficulty", "extreme"], env=env)
    assert refused.exit_code == 2 and "unknown difficulty" in refused.output
    done = CliRunner().invoke(app, ["world", "set", "--difficulty", "hard"], env=env)
    assert done.exit_code == 0 and "difficulty hard" in done.stdout


def test_the_engine_also_grows_the_healthy_estate(world: Database) -> None:
    """Creation and configuration changes by the engine are no label: healthy services appear and busy prod
    groups are scaled up, logged like the mess."""
    assert driftworld.tick(world, days=30).ok
    created = rows(
        world,
        "select count(*) as n from resource_change_events e where e.change_source = 'drift_engine' "
        "and e.field_name = 'created' and e.resource_type = 'lambda_function' "
        "and e.resource_id::uuid not in (select resource_id from driftworld.waste_ledger)",
    )
    assert created[0]["n"] >= 3
    scaled = rows(
        world,
        "select count(*) as n from resource_change_events e join autoscaling_groups g on g.id::text = e.resource_id "
        "where e.change_source = 'drift_engine' and e.field_name = 'desired_capacity' and g.env = 'prod'",
    )
    assert scaled[0]["n"] >= 1
    seeded_on = rows(world, "select min(since) as d from driftworld.decoys")[0]["d"]
    later = rows(world, "select count(*) as n from driftworld.decoys where since > %s", (seeded_on,))
    assert later[0]["n"] >= 1  # decoys keep appearing, not only at seeding


RULE_METRICS = ("cpu_avg", "memory_avg", "network_mb", "connections", "requests", "utilization")


def _gaps(profiles: dict[str, dict[str, wl.Ranges]]) -> dict[tuple[str, str, str], float]:
    """Per table, waste profile and metric: the lowest healthy value less the highest waste value."""
    gaps = {}
    for table, by_profile in profiles.items():
        healthy = [r for p in (wl.HEALTHY_PROD, wl.HEALTHY_NONPROD) if (r := by_profile.get(p))]
        for waste in (wl.IDLE, wl.UNDERUSED):
            if waste not in by_profile:
                continue
            highs = by_profile[waste].working
            for metric in RULE_METRICS if waste == wl.IDLE or table == "commitments" else ("cpu_avg",):
                lows = [side[metric][0] for r in healthy for side in (r.working, r.day_off or {}) if metric in side]
                if metric in highs and lows:
                    gaps[(table, waste, metric)] = min(lows) - highs[metric][1]
    return gaps


def test_hard_narrows_the_margins_and_keeps_them_disjoint() -> None:
    narrow = {table: {**wl.PROFILES[table], **overrides} for table, overrides in wl.NARROW.items()}
    before, after = _gaps({table: wl.PROFILES[table] for table in wl.NARROW}), _gaps(narrow)
    assert after.keys() == before.keys() and len(after) >= 10
    assert all(gap > 0 for gap in after.values()), f"overlapping ranges: {[k for k, g in after.items() if g <= 0]}"
    assert all(after[k] < before[k] for k in after), "every margin narrower than realistic's"
    hard, realistic = difficulty("hard"), difficulty("realistic")
    assert hard.narrow_margins and not realistic.narrow_margins
    assert hard.decoy_kinds[0] == 2 * realistic.decoy_kinds[0] and hard.decoy_chance == 2 * realistic.decoy_chance


def test_a_hard_world_keeps_healthy_off_the_rules_and_waste_on_them(
    cluster: LocalCluster, migrated_template: str
) -> None:
    db = clone(cluster, migrated_template)
    with db.connect() as conn:
        seed_world(conn, dataclasses.replace(SIX_ACCOUNTS, accounts_per_org=2, difficulty="hard"))
    assert driftworld.tick(db, days=8).ok
    healthy = {
        r["resource_id"]
        for r in rows(db, "select resource_id from driftworld.workload_profiles where profile in ('prod', 'nonprod')")
    }
    waste = {r["resource_id"] for r in rows(db, "select resource_id from driftworld.waste_ledger")}
    waste |= {r["resource_id"] for r in rows(db, "select resource_id from driftworld.decoys")}  # look idle, by design
    for name, rule in RULES.items():
        flagged = _ids(db, rule)
        assert not (flagged & healthy) - waste, f"the rule of {name} flags healthy non-decoys in a hard world"
    idle = rows(
        db,
        "select min(avg_cpu_7d)::float8 as low, max(avg_cpu_7d)::float8 as high from instances where id in "
        "(select resource_id from driftworld.waste_ledger where scenario = 'idle_instance' and resolved_on is null)",
    )
    assert idle and 2.0 <= idle[0]["low"] <= idle[0]["high"] < 5.0, "idle instances close under the 5% rule"
