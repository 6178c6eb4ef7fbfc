"""A realistic world's names and tags carry no signal: every token waste shows, healthy resources show too."""

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


@pytest.mark.slow
def test_no_name_or_tag_token_marks_waste_over_a_year() -> None:
    world = MemoryWorld.seeded(23, 1, 3, 7, dt.date(2026, 1, 31), "realistic")
    world.tick(365)
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


def test_an_easy_world_keeps_its_telltale_names() -> None:
    world = MemoryWorld.seeded(23, 1, 2, 7, dt.date(2026, 1, 31), "easy", drift_intensity={"multiplier": 5.0})
    world.tick(30)
    waste = {str(w["resource_id"]) for w in world.ledger.values()}
    names = {str(row.get("name")) for (_, row_id), row in world.resources.items() if str(row_id) in waste}
    assert any(re.search(r"old|legacy|scratch|sessions|ci-runner|preview|pr-", name) for name in names)
