"""The day in memory: the engine's rules run without PostgreSQL, and agree with the database path."""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from collections import Counter, defaultdict
from typing import Any

import driftworld
from driftworld.engine.memory import MemoryWorld
from driftworld.model.calendar import is_weekend
from driftworld.store.database import Database
from tests.conftest import END_DATE, SMALL_WORLD
from tests.helpers import rows

TICKS = 4


def small_world() -> MemoryWorld:
    """The tests' seeded database world (tests/conftest.py: SMALL_WORLD), in memory."""
    return MemoryWorld.seeded(
        SMALL_WORLD.seed,
        SMALL_WORLD.orgs,
        SMALL_WORLD.accounts_per_org,
        SMALL_WORLD.days,
        END_DATE,
        SMALL_WORLD.difficulty,
    )


@functools.cache
def month(seed: int = 11) -> MemoryWorld:
    """Three realistic accounts, a week seeded and a month ticked, shared by the read-only tests below."""
    world = MemoryWorld.seeded(seed, 1, 3, 7, dt.date(2026, 5, 31), "realistic", drift_intensity={"multiplier": 3.0})
    world.tick(30)
    return world


def metrics_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (str(row["account_id"]), row["resource_type"], str(row["resource_id"]), row["date"])


def test_a_world_in_memory_writes_what_the_database_path_writes(seeded_db: Database) -> None:
    """Seeding and ticking in memory give the rows the seeder and the tick commit, cent for cent."""
    memory = small_world()
    memory.tick(TICKS)
    for _ in range(TICKS):
        assert driftworld.tick(seeded_db, days=1).ok
    stored = {
        metrics_key(r): round(float(r["estimated_daily_cost"]), 4)
        for r in rows(seeded_db, "select * from metrics_daily")
    }
    held = {metrics_key(r): round(float(r["estimated_daily_cost"]), 4) for r in memory.history["metrics_daily"]}
    assert held == stored
    events = Counter(
        (str(e["resource_id"]), e["field_name"], e["change_source"], e["virtual_date"])
        for e in rows(seeded_db, "select * from resource_change_events")
    )
    assert (
        Counter((str(e["resource_id"]), e["field_name"], e["change_source"], e["virtual_date"]) for e in memory.events)
        == events
    )
    ledger = {
        (r["scenario"], str(r["resource_id"]), r["injected_on"])
        for r in rows(seeded_db, "select * from driftworld.waste_ledger")
    }
    assert {(w["scenario"], str(w["resource_id"]), w["injected_on"]) for w in memory.ledger.values()} == ledger


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    first, second = small_world(), small_world()
    first.tick(3)
    second.tick(3)
    assert first.history == second.history
    assert first.events == second.events
    other = MemoryWorld.seeded(8, 1, 2, 10, END_DATE, "easy")
    other.tick(3)
    assert other.history["metrics_daily"] != first.history["metrics_daily"]


def test_every_resource_day_is_written_once_and_every_day_is_there() -> None:
    world = month()
    days = defaultdict(list)
    for row in world.history["metrics_daily"]:
        days[(row["resource_type"], str(row["resource_id"]))].append(row["date"])
    for dates in days.values():
        assert len(dates) == len(set(dates))
        assert sorted(dates) == [min(dates) + dt.timedelta(days=n) for n in range(len(dates))]
    assert max(max(dates) for dates in days.values()) == world.today == dt.date(2026, 6, 30)


def test_non_prod_instances_dip_at_weekends_and_days_move_within_ten_percent() -> None:
    world = month()
    envs = {
        row["instance_id"]: row.get("env") for held in world.accounts.values() for row in held.state.table("instances")
    }
    by_instance: dict[str, dict[dt.date, float]] = defaultdict(dict)
    for row in world.history["metrics_daily"]:
        if row["resource_type"] == "instances" and envs.get(row["resource_id"]) in ("dev", "staging"):
            by_instance[row["resource_id"]][row["date"]] = float(row["metric_payload"]["cpu_avg"])
    weekend = [cpu for days in by_instance.values() for day, cpu in days.items() if is_weekend(day)]
    weekday = [cpu for days in by_instance.values() for day, cpu in days.items() if not is_weekend(day)]
    assert statistics.mean(weekend) < 0.9 * statistics.mean(weekday)
    costs: dict[str, dict[dt.date, float]] = defaultdict(dict)
    for row in world.history["metrics_daily"]:
        costs[str(row["resource_id"])][row["date"]] = float(row["estimated_daily_cost"])
    moves = [  # from one working day to the next: the weekend's own dip is the rule above
        series[day + dt.timedelta(days=1)] / cost
        for series in costs.values()
        for day, cost in series.items()
        if cost > 1 and day.weekday() < 4 and day + dt.timedelta(days=1) in series
    ]
    assert sum(0.9 <= m <= 1.1 for m in moves) / len(moves) > 0.9


def test_new_waste_appears_and_its_ledger_cost_is_positive() -> None:
    world = month()
    injected = [w for w in world.ledger.values() if w["injected_on"] > dt.date(2026, 5, 31)]
    assert injected, "a month at three times the default intensity injects waste"
    assert all(w["daily_cost"] > 0 for w in injected)


def test_an_agents_fix_resolves_the_waste_and_is_credited_to_it() -> None:
    world = small_world()
    held = next(iter(world.accounts.values()))
    waste = next(w for w in held.open_waste.values() if w["scenario"] == "gp2_volume")
    world.act(held.state.account.id, "volumes", waste["resource_id"], "careful-agent", volume_type="gp3")
    world.tick()
    assert world.ledger[waste["id"]]["resolved_by"] == "agent"
    assert world.ledger[waste["id"]]["resolved_by_name"] == "careful-agent"
    event = next(
        e for e in world.events if e["resource_id"] == str(waste["resource_id"]) and e["field_name"] == "volume_type"
    )
    assert (event["change_source"], event["new_value"]) == ("agent", "gp3")


def test_stopping_a_prod_instance_by_hand_is_a_locked_policy_violation() -> None:
    world = small_world()
    held = next(iter(world.accounts.values()))
    instance = next(r for r in held.state.table("instances") if r.get("env") == "prod" and r["state"] == "running")
    world.act(held.state.account.id, "instances", instance["id"], state="stopped")
    world.tick()
    findings = {(f["change_source"], f["kind"]) for f in world.findings if f["resource_id"] == instance["id"]}
    assert ("manual", "violation_locked") in findings
