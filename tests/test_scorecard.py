"""External changes, ground truth and the scorecard: a scripted agent's fixes, mistakes and violations
are counted exactly; the cadence of new waste is the contract's; scenarios replay under the world seed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from driftworld import tick
from driftworld.bench.scoring import count_changes
from driftworld.model.intensity import DriftIntensity
from driftworld.report import scorecard
from driftworld.store.database import Database
from tests.conftest import clone


def _one(db: Database, query: str, *params: Any) -> dict[str, Any]:
    with db.connect() as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None, query
    return row


def _run(db: Database, *statements: tuple[str, tuple[Any, ...]]) -> None:
    with db.connect() as conn:
        for sql, params in statements:
            conn.execute(sql, params)
        conn.commit()


def test_scripted_agent_is_scored_exactly(seeded_db: Database) -> None:
    bucket = _one(
        seeded_db,
        "select b.id from s3_buckets b join driftworld.waste_ledger w on w.resource_id = b.id "
        "where w.scenario = 's3_bucket_without_lifecycle' order by b.id limit 1",
    )
    eip = _one(
        seeded_db,
        "select e.id, e.allocation_id from elastic_ips e join driftworld.waste_ledger w "
        "on w.resource_id = e.id where w.scenario = 'orphaned_elastic_ip' order by e.id limit 1",
    )
    prod = _one(seeded_db, "select id from instances where env = 'prod' and state = 'running' order by id limit 1")
    busy = _one(
        seeded_db,
        "select i.id from instances i join driftworld.workload_profiles p on p.resource_id = i.id "
        "where p.profile = 'nonprod' and i.state = 'running' and i.autoscaling_group_id is null "
        "and i.id not in (select resource_id from driftworld.waste_ledger) order by i.id limit 1",
    )
    rules = json.dumps(
        [{"id": "archive", "status": "Enabled", "transitions": [{"days": 30, "storage_class": "GLACIER"}]}]
    )
    _run(
        seeded_db,
        # a fix by an agent that logs what it did (by table name and row id)
        ("update s3_buckets set lifecycle_rules = %s::jsonb where id = %s", (rules, bucket["id"])),
        (
            "insert into action_audit_log (action, resource_type, resource_id, success) values "
            "('add_lifecycle', 's3_buckets', %s, true)",
            (str(bucket["id"]),),
        ),
        # a fix by hand: the orphaned address is released, no audit row
        ("delete from elastic_ips where id = %s", (eip["id"],)),
        # a policy violation: a locked prod instance retagged by an agent (singular type, provider id)
        ('update instances set tags = tags || \'{"reviewed": "yes"}\' where id = %s', (prod["id"],)),
        (
            "insert into action_audit_log (action, resource_type, resource_id, success) "
            "select 'tag', 'instance', instance_id, true from instances where id = %s",
            (prod["id"],),
        ),
        # a false positive: a busy dev instance stopped
        ("update instances set state = 'stopped' where id = %s", (busy["id"],)),
    )

    result = tick(seeded_db, days=1)
    assert result.ok

    with seeded_db.connect() as conn:
        card = scorecard(conn)
        events = {
            (r["resource_id"], r["field_name"]): r["change_source"]
            for r in conn.execute(
                "select resource_id, field_name, change_source from resource_change_events "
                "where change_source <> 'drift_engine'"
            )
        }
    by_scenario = {s.scenario: s for s in card.scenarios}
    assert by_scenario["s3_bucket_without_lifecycle"].resolved_by_agent == 1
    assert by_scenario["orphaned_elastic_ip"].resolved_manually == 1
    assert sum(s.resolved_by_agent for s in card.scenarios) == 1
    assert sum(s.resolved_manually for s in card.scenarios) == 1
    assert card.violations == {"violation_locked": 1}
    assert card.false_positives == 1
    assert card.daily_saved > 0
    with seeded_db.connect() as conn:
        ledger: dict[Any, dict[str, Any]] = {
            r["id"]: r
            for r in conn.execute(
                "select resource_id as id, current_daily_cost::float8 as now, resolved_on from driftworld.waste_ledger"
            )
        }
    # a fix is worth what the piece cost on its last open day; what stays open, what it costs today
    assert by_scenario["s3_bucket_without_lifecycle"].daily_saved_by_agent == pytest.approx(ledger[bucket["id"]]["now"])
    assert sum(s.open_daily_cost for s in card.scenarios) == pytest.approx(
        sum(float(r["now"]) for r in ledger.values() if r["resolved_on"] is None)
    )
    assert events[(str(bucket["id"]), "lifecycle_rules")] == "agent"
    assert events[(str(eip["id"]), "deleted")] == "manual"
    assert events[(str(prod["id"]), "tags")] == "agent"
    assert events[(str(busy["id"]), "state")] == "manual"

    # a second tick sees no new external change and keeps the counts
    assert tick(seeded_db, days=1).ok
    with seeded_db.connect() as conn:
        again = scorecard(conn)
    assert again.violations == card.violations and again.false_positives == card.false_positives


def _scenario_digest(db: Database) -> str:
    with db.connect() as conn:
        rows = conn.execute(
            "select w.scenario, w.resource_table, w.resource_id, w.injected_on, w.daily_cost, i.name, i.instance_id "
            "from driftworld.waste_ledger w left join instances i on i.autoscaling_group_id = w.resource_id "
            "or i.id = w.resource_id order by w.id, i.id"
        ).fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_scenarios_replay_under_the_world_seed(cluster: Any, seeded_template: str) -> None:
    worlds = [clone(cluster, seeded_template) for _ in range(2)]
    for world in worlds:
        _run(
            world,
            (
                "update driftworld.world_settings set drift_intensity = %s::jsonb",
                (json.dumps(DriftIntensity(multiplier=40).to_settings()),),
            ),
        )
        assert tick(world, days=4).ok
    assert _scenario_digest(worlds[0]) == _scenario_digest(worlds[1])


@pytest.mark.slow
def test_cadence_over_a_year_is_one_new_waste_every_10_to_20_days(seeded_db: Database) -> None:
    result = tick(seeded_db, days=365)
    assert result.ok
    injected = sum(len(a.scenarios) for a in result.accounts)
    account_days = 365 * len(result.accounts)
    assert account_days / 20 <= injected <= account_days / 10, injected


def test_a_world_nobody_touches_shows_no_external_change(cluster: Any, seeded_template: str) -> None:
    """What the engine creates (seeded snapshots, launched members, injected stacks) is never mistaken
    for an agent's or a person's change the next day."""
    world = clone(cluster, seeded_template)
    _run(
        world,
        (
            "update driftworld.world_settings set drift_intensity = %s::jsonb",
            (json.dumps(DriftIntensity(multiplier=40).to_settings()),),
        ),
    )
    assert tick(world, days=3).ok
    external = _one(world, "select count(*) as n from resource_change_events where change_source <> 'drift_engine'")
    findings = _one(world, "select count(*) as n from driftworld.scorecard_findings")
    assert external == {"n": 0} and findings == {"n": 0}


def test_the_report_counts_a_window_by_resolution_day_and_tells_agents_apart(seeded_db: Database) -> None:
    """Seeded waste fixed inside a window counts in it; each fix goes to the agent whose audit row explains
    it; a window that ends before the fix shows none."""
    eips = [
        r["id"]
        for r in _rows(
            seeded_db,
            "select e.id from elastic_ips e join driftworld.waste_ledger w on w.resource_id = e.id "
            "where w.scenario = 'orphaned_elastic_ip' order by e.id limit 2",
        )
    ]
    assert len(eips) == 2
    before = _one(seeded_db, "select max(virtual_date) as day from virtual_clock")["day"]
    _run(
        seeded_db,
        *[
            (
                "with gone as (delete from elastic_ips where id = %s returning id) "
                "insert into action_audit_log (action, resource_type, resource_id, success, executed_by) "
                "select 'release', 'elastic_ips', id::text, true, %s from gone",
                (eip, name),
            )
            for eip, name in zip(eips, ("alpha", "beta"), strict=True)
        ],
    )
    assert tick(seeded_db, days=2).ok
    fixed_on = _one(
        seeded_db, "select min(resolved_on) as day from driftworld.waste_ledger where resolved_by = 'agent'"
    )["day"]
    with seeded_db.connect() as conn:
        window = scorecard(conn, since=fixed_on, until=fixed_on)
        alpha = scorecard(conn, since=fixed_on, agent="alpha")
        nobody = scorecard(conn, agent="gamma")
        earlier = scorecard(conn, until=before)
    by_agent = {s.scenario: s.resolved_by_agent for s in window.scenarios}
    assert by_agent["orphaned_elastic_ip"] == 2 and window.injected == 0  # seeded before the window
    assert {s.scenario: s.resolved_by_agent for s in alpha.scenarios}["orphaned_elastic_ip"] == 1
    assert all(s.resolved_by_agent == 0 for s in nobody.scenarios)
    assert all(s.resolved_by_agent == 0 for s in earlier.scenarios)
    assert alpha.as_dict()["daily_saved_by_agent"] > 0 and alpha.as_dict()["daily_saved_manually"] == 0
    names = _rows(
        seeded_db, "select distinct resolved_by_name as n from driftworld.waste_ledger where resolved_by = 'agent'"
    )
    assert {r["n"] for r in names} == {"alpha", "beta"}


def _rows(db: Database, query: str) -> list[dict[str, Any]]:
    with db.connect() as conn:
        return list(conn.execute(query).fetchall())


def test_one_change_to_two_columns_is_one_false_step(seeded_db: Database) -> None:
    """Stopping a busy dev instance and shrinking its type the same day is one false positive, as the
    scorecard and the bench count it, though the engine records a finding per column."""
    busy = _one(
        seeded_db,
        "select i.id from instances i join driftworld.workload_profiles p on p.resource_id = i.id "
        "where p.profile = 'nonprod' and i.state = 'running' and i.autoscaling_group_id is null "
        "and i.instance_type <> 't3.micro' "
        "and i.id not in (select resource_id from driftworld.waste_ledger) order by i.id limit 1",
    )
    _run(
        seeded_db,
        ("update instances set state = 'stopped', instance_type = 't3.micro' where id = %s", (busy["id"],)),
    )
    assert tick(seeded_db, days=1).ok
    findings = _one(
        seeded_db,
        "select count(*) as n from driftworld.scorecard_findings where kind = 'false_positive' and resource_id = %s",
        busy["id"],
    )
    assert findings["n"] == 2
    with seeded_db.connect() as conn:
        assert scorecard(conn).false_positives == 1
    same_change = {"virtual_date": 1, "resource_table": "instances", "resource_id": "a", "kind": "false_positive"}
    assert count_changes([same_change, same_change]) == 1
