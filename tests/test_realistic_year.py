"""A year of a realistic world, in memory: names carry no signal, decoys and world-set policies are everywhere."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest

from driftworld.engine.memory import MemoryWorld

NAMED_BY = ("name", "db_instance_id", "cluster_id", "lb_arn")  # what a person reads as a resource's name
RANDOM_PART = re.compile(r"\d+|(?=.*\d)[0-9a-f]{4,}")  # numbers and hex suffixes differ on every resource


def tokens(row: dict[str, Any]) -> set[str]:
    """The words of a resource's name and its tags (key=value)."""
    words = {
        f"name:{word}"
        for column in NAMED_BY
        if isinstance(row.get(column), str)
        for word in re.split(r"[-_/.:]+", row[column])
        if word and not RANDOM_PART.fullmatch(word)
    }
    return words | {f"tag:{key}={value}" for key, value in (row.get("tags") or {}).items()}


@pytest.fixture(scope="module")
def year() -> MemoryWorld:
    world = MemoryWorld.seeded(23, 1, 3, 7, dt.date(2026, 1, 31), "realistic")
    world.tick(365)
    return world


@pytest.mark.slow
def test_no_name_or_tag_token_marks_waste_over_a_year(year: MemoryWorld) -> None:
    world = year
    waste = {str(w["resource_id"]) for w in world.ledger.values()}
    on_waste: Counter[str] = Counter()
    elsewhere: set[str] = set()
    for (_, row_id), row in world.resources.items():
        if str(row_id) in waste:
            on_waste.update(tokens(row))
        else:
            elsewhere |= tokens(row)
    assert len(waste) > 50, "a year of three accounts brings plenty of waste"
    telltale = {token: n for token, n in on_waste.items() if n >= 3 and token not in elsewhere}
    assert telltale == {}


@pytest.mark.slow
def test_every_account_meets_world_set_policies_and_freezes(year: MemoryWorld) -> None:
    for account_id, held in year.accounts.items():
        policies = Counter(
            row["optimization_policy"]
            for table, rows in held.state.rows.items()
            if table != "commitments"
            for row in rows
        )
        assert policies["ignore"] > 0 and policies["recommend_only"] > 0
        frozen = {
            e["field_name"]
            for e in year.events
            if e["account_id"] == account_id and e["change_source"] == "drift_engine"
        }
        assert {"freeze_optimizations_until", "optimization_freeze_until"} <= frozen


@pytest.mark.slow
def test_decoys_of_six_kinds_are_never_waste(year: MemoryWorld) -> None:
    kinds = Counter(d["kind"] for d in year.decoys)
    assert len(kinds) >= 6, kinds
    waste = {str(w["resource_id"]) for w in year.ledger.values()}
    assert not waste & {str(d["resource_id"]) for d in year.decoys}


# The tags by which each kind of decoy tells a careful agent that it is in use (docs/difficulty.md).
DECOY_SIGNALS = ("role", "job", "retention", "maintenance_until", "compliance", "health_check_for", "allowlisted_by")


@pytest.mark.slow
def test_an_agent_that_reads_the_signals_can_avoid_every_decoy_and_miss_no_waste(year: MemoryWorld) -> None:
    def signalled(row: dict[str, Any]) -> bool:
        return any(key in (row.get("tags") or {}) for key in DECOY_SIGNALS)

    for decoy in year.decoys:
        assert signalled(year.resources[(decoy["resource_table"], decoy["resource_id"])]), decoy
    waste = {str(w["resource_id"]) for w in year.ledger.values()}
    assert not any(signalled(row) for (_, row_id), row in year.resources.items() if str(row_id) in waste)


def test_an_easy_world_keeps_its_telltale_names_and_sets_no_decoys_or_policies() -> None:
    world = MemoryWorld.seeded(23, 1, 2, 7, dt.date(2026, 1, 31), "easy", drift_intensity={"multiplier": 5.0})
    world.tick(30)
    waste = {str(w["resource_id"]) for w in world.ledger.values()}
    names = {str(row.get("name")) for (_, row_id), row in world.resources.items() if str(row_id) in waste}
    assert any(re.search(r"old|legacy|scratch|sessions|ci-runner|preview|pr-", name) for name in names)
    assert world.decoys == []
    assert not any(row["optimization_policy"] == "ignore" for row in world.resources.values())
    assert not any("freeze" in e["field_name"] for e in world.events)
