"""One account-day, steps 1 to 7 of the contract, on in-memory state: pure apart from the clock it is given."""

from __future__ import annotations

import datetime as dt

from driftworld.engine.control_plane import reconcile
from driftworld.engine.mess import grow, inject_startup_mess
from driftworld.engine.observe import observe, refresh_shadow
from driftworld.engine.usage import Day, simulate_usage
from driftworld.model import workload as wl
from driftworld.model.calendar import is_day_off
from driftworld.model.clock import WorldClock
from driftworld.model.difficulty import difficulty
from driftworld.model.factory import Builder, Profile
from driftworld.model.intensity import DriftIntensity
from driftworld.model.kinds import ROLLED_KINDS, metrics_id, price_key
from driftworld.model.rules.policies import set_freezes
from driftworld.model.state import AccountState, DayChanges, WorldSettings
from driftworld.model.streams import stream


def adopt_unprofiled(state: AccountState, changes: DayChanges) -> None:
    """Resources an agent created get a healthy profile; a price they wrote is kept."""
    for table, rows in state.rows.items():
        if table in ("resource_tags", "api_clients"):
            continue
        for row in rows:
            if (table, row["id"]) in state.profiles:
                continue
            profile = Profile(table, row["id"], wl.healthy_profile(str(row.get("env") or "dev")), born_on=state.day)
            if table == "instances" and row.get("hourly_cost") is not None:
                profile.walk_anchor = profile.walk_value = float(row["hourly_cost"]) * 24
            key = price_key(table, row)
            if key is not None and all(row.get(c) is not None for c in ("hourly_cost", "monthly_cost") if c in row):
                profile.params["priced"] = key
            state.profiles[(table, row["id"])] = profile
            changes.created.profiles.append(profile)


def adopt_history_windows(state: AccountState, changes: DayChanges) -> None:
    """A profile without a 7-day window takes the one read back from history (empty if none), once."""
    for kind in ROLLED_KINDS:
        for row in state.table(kind.table):
            profile = state.profiles[(kind.table, row["id"])]
            if profile.recent is None:
                window = state.recent.get((kind.table, metrics_id(kind, row)))
                profile.recent = window or {"through": (state.day - dt.timedelta(days=1)).isoformat()}
                changes.profile_rolls[(kind.table, row["id"])] = profile


def simulate_account_day(
    state: AccountState, settings: WorldSettings, clock: WorldClock, seeding: bool = False
) -> DayChanges:
    """One account-day. While seeding there are no agents to observe and no mess beyond the seeded
    waste, and the shadow is taken once, on the last seeded day."""
    changes = DayChanges(state.account, state.day)
    builder = Builder(
        state.account, clock, stream(settings.world_seed, state.account.id, state.day, "create"), state.day
    )
    level = difficulty(settings.difficulty)
    builder.created = changes.created
    builder.extra_tags = {"created_by": "drift_engine"} if level.engine_tag else {}
    builder.profile_index = state.profiles
    builder.difficulty = level
    if not seeding:
        observe(state, changes, clock.at(state.day, 0))
    adopt_unprofiled(state, changes)
    adopt_history_windows(state, changes)
    reconcile(state, changes, builder, settings.seasonality)
    if not seeding:
        inject_startup_mess(
            state,
            changes,
            builder,
            settings.world_seed,
            DriftIntensity.from_settings(settings.drift_intensity),
            is_day_off(state.day, settings.seasonality),
        )
        if level.neutral_names:
            grow(state, changes, builder, settings.world_seed, level)
        if level.account_freeze_chance or level.resource_freeze_chance:
            set_freezes(
                state, changes, stream(settings.world_seed, state.account.id, state.day, "policies"), level, clock
            )
    simulate_usage(Day(state, changes, settings.world_seed, settings.seasonality, clock, level.narrow_margins))
    if not seeding or state.day == clock.today:
        refresh_shadow(state, changes)
    return changes
