"""Each kind of ground-truth waste in one module: the seeder plants it through the same recipe the
engine injects it with, so both price a piece alike; resolution reads each kind's own rule. In memory."""

from __future__ import annotations

import datetime as dt

import pytest

from driftworld.model.clock import WorldClock
from driftworld.model.estate import EstateShape, build_estate
from driftworld.model.factory import Account, Builder
from driftworld.model.resolution import is_resolved
from driftworld.model.scenarios import REGISTRY, SCENARIOS, SEEDED_ONLY
from driftworld.model.scenarios.base import ScenarioContext
from driftworld.model.state import AccountState, DayChanges
from driftworld.model.streams import stream

DAY = dt.date(2026, 3, 14)
ACCOUNT = Account(
    "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", "123456789012", "us-east-1"
)
BOTH = [s.name for s in REGISTRY.values() if s.seed and s.inject]


def _builder(purpose: str) -> Builder:
    return Builder(
        ACCOUNT,
        WorldClock("virtual", dt.datetime(2026, 3, 14, tzinfo=dt.UTC), DAY),
        stream(7, ACCOUNT.id, DAY, purpose),
        DAY,
    )


def _injecting(builder: Builder) -> ScenarioContext:
    """A context that injects with the builder's own stream, as seeding draws, so both make the same piece."""
    state = AccountState(ACCOUNT, DAY, builder.created.rows, builder.profile_index, {}, {}, {})
    return ScenarioContext(state, DayChanges(ACCOUNT, DAY, builder.created), builder, builder.draws, day_off=False)


def test_the_registry_holds_every_kind_once_with_a_way_in() -> None:
    assert len(SCENARIOS) == 15 and len(REGISTRY) == len(SCENARIOS) + len(SEEDED_ONLY)
    assert all(s.inject and s.weight > 0 and s.number for s in SCENARIOS)
    assert all(s.seed and not s.inject and not s.weight for s in SEEDED_ONLY)
    assert sorted(s.number for s in SCENARIOS) == list(range(1, 16))


def test_the_estate_seeds_waste_only_through_the_recipes() -> None:
    builder = _builder("estate")
    created = build_estate(builder, DAY, EstateShape())
    seeded = {w.scenario for w in created.waste}
    assert seeded == {s.name for s in REGISTRY.values() if s.seed}
    for piece in created.waste:
        row = next(r for r in created.rows[piece.resource_table] if r["id"] == piece.resource_id)
        assert (row.get("env") or (row.get("tags") or {}).get("env")) != "prod"
        assert not is_resolved(piece.scenario, row), f"seeded {piece.scenario} is waste on day zero"


@pytest.mark.parametrize("name", BOTH)
def test_a_seeded_and_an_injected_piece_cost_the_same(name: str) -> None:
    scenario = REGISTRY[name]
    assert scenario.seed and scenario.inject
    seeding = _builder("same draws")
    scenario.seed(ScenarioContext.for_seeding(seeding, DAY))
    injecting = _builder("same draws")
    assert scenario.inject(_injecting(injecting))
    (seeded,), (injected,) = seeding.created.waste, injecting.created.waste
    assert seeded.scenario == injected.scenario == name
    assert seeded.resource_table == injected.resource_table
    assert seeded.daily_cost == injected.daily_cost > 0


def test_resolution_reads_each_kinds_own_rule() -> None:
    """Stopping resolves an idle instance but not a workstation its owner starts again; a rule names the fix."""
    stopped = {"state": "stopped", "tags": {}}
    assert is_resolved("idle_instance", stopped) and not is_resolved("dev_instance_off_hours", stopped)
    assert is_resolved("dev_instance_off_hours", {"state": "running", "tags": {"schedule": "office_hours"}})
    assert not is_resolved("gp2_volume", {"state": "in-use", "volume_type": "gp2"})
    assert is_resolved("gp2_volume", {"state": "in-use", "volume_type": "gp3"})
    assert not is_resolved("underused_commitment", {"hourly_commitment_amount": 1.0})
    assert is_resolved("anything", None)
