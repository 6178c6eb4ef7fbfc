"""Step 3 of a day: each enabled scenario rolls once, and the ones that fire inject their mess."""

from __future__ import annotations

from driftworld.model.calendar import is_weekend
from driftworld.model.decoys import seed_decoys
from driftworld.model.difficulty import Difficulty
from driftworld.model.factory import Builder
from driftworld.model.intensity import DriftIntensity
from driftworld.model.kinds import BY_TABLE
from driftworld.model.rules.growth import launch_service, scale_for_load
from driftworld.model.scenarios import SCENARIOS, ScenarioContext
from driftworld.model.state import AccountState, DayChanges
from driftworld.model.streams import stream

NAME_COLUMNS = (
    "instance_id",
    "volume_id",
    "snapshot_id",
    "allocation_id",
    "lb_arn",
    "db_instance_id",
    "cluster_id",
    "name",
)


def inject_startup_mess(
    state: AccountState,
    changes: DayChanges,
    builder: Builder,
    world_seed: int,
    intensity: DriftIntensity,
    day_off: bool,
) -> None:
    rolls = stream(world_seed, state.account.id, state.day, "scenario rolls").uniforms(0.0, 1.0, len(SCENARIOS))
    for scenario, roll in zip(SCENARIOS, rolls, strict=True):  # one roll per scenario, drawn in one go
        if scenario.weekend_only and not is_weekend(state.day):
            continue
        if not roll < intensity.probability(scenario):
            continue
        draws = stream(world_seed, state.account.id, state.day, f"scenario:{scenario.name}")
        before = {table: len(rows) for table, rows in changes.created.rows.items()}
        context = ScenarioContext(state, changes, builder.keyed(f"scenario:{scenario.name}"), draws, day_off)
        if scenario.inject is None or not scenario.inject(context):
            continue
        changes.scenarios.append(scenario.name)
        _register_created(state, changes, before)


def grow(state: AccountState, changes: DayChanges, builder: Builder, world_seed: int, level: Difficulty) -> None:
    """Step 3 too, outside easy worlds: the startup launches healthy services, scales busy groups, and now
    and then puts up something that looks idle and is in use (a decoy)."""
    before = {table: len(rows) for table, rows in changes.created.rows.items()}
    draws = stream(world_seed, state.account.id, state.day, "growth")
    launch_service(state, builder.keyed("growth:launch"), draws)
    scale_for_load(state, changes, builder.keyed("growth:scale"), draws)
    if draws.chance(level.decoy_chance):
        seed_decoys(builder.keyed("growth:decoy"), state.day, 1, state.table("instances"))
    _register_created(state, changes, before)


def _register_created(state: AccountState, changes: DayChanges, before: dict[str, int]) -> None:
    """Rows made since `before` join the day's state (later steps see them) and are logged as created."""
    for table, rows in changes.created.rows.items():
        for row in rows[before.get(table, 0) :]:
            state.table(table).append(row)
            if table in BY_TABLE:
                label = next((row[c] for c in NAME_COLUMNS if row.get(c)), None)
                changes.event(table, row, "created", None, label)
