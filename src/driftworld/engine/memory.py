"""A world held in memory: the same founding, days and steps as a seeded database, without one.

A day of an account is a pure function of its state, the calendar and the keyed streams; this keeps
between days what the store would keep (history, events, ground truth, shadows, agents' audit rows),
so the day's rules can be run and checked in seconds. The database path stays the one that ticks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from driftworld.engine.carry import carry_forward
from driftworld.engine.day import simulate_account_day
from driftworld.model.clock import WorldClock
from driftworld.model.difficulty import difficulty
from driftworld.model.factory import Account, Id
from driftworld.model.founding import estate_day, found_organizations
from driftworld.model.kinds import BY_TABLE
from driftworld.model.shadow import shadow_digest, shadow_of, stale_shadows
from driftworld.model.state import AccountState, DayChanges, Key, Row, WorldSettings
from driftworld.store.world_io import LOADED_TABLES

CHANGED_BY_OTHERS_DAYS = 7  # how far back changes by agents or people make a resource "recently changed"


@dataclass
class MemoryAccount:
    """One account's state between days, with what its store would hold."""

    state: AccountState
    tags: list[Row] = field(default_factory=list)  # resource_tags rows, which the day does not load
    shadows: dict[Key, tuple[dict[str, Any], int]] = field(default_factory=dict)  # fields, digest
    open_waste: dict[Id, Row] = field(default_factory=dict)
    decoys: set[Id] = field(default_factory=set)


@dataclass
class MemoryWorld:
    """Accounts ticked day by day in memory; `history`, `events`, `ledger`, `decoys` and `findings` collect
    what the database's tables would, and `resources` every resource ever made, as it is or was last."""

    settings: WorldSettings
    clock: WorldClock
    accounts: dict[Id, MemoryAccount]
    history: dict[str, list[Row]] = field(default_factory=dict)
    events: list[Row] = field(default_factory=list)
    ledger: dict[Id, Row] = field(default_factory=dict)
    findings: list[Row] = field(default_factory=list)
    decoys: list[Row] = field(default_factory=list)
    resources: dict[Key, Row] = field(default_factory=dict)
    audit: list[tuple[str, str, dt.datetime, str]] = field(default_factory=list)

    @classmethod
    def seeded(
        cls,
        seed: int,
        orgs: int,
        accounts_per_org: int,
        days: int,
        end: dt.date,
        level: str = "realistic",
        seasonality: bool = True,
        drift_intensity: dict[str, Any] | None = None,
    ) -> MemoryWorld:
        """What `driftworld seed` makes in the virtual clock mode: the estates and `days` of history to `end`."""
        clock = WorldClock("virtual", dt.datetime.combine(end, dt.time(), dt.UTC), end)
        settings = WorldSettings(seed, "virtual", seasonality, drift_intensity or {}, level)
        first = end - dt.timedelta(days=days - 1)
        _, _, founded = found_organizations(seed, orgs, accounts_per_org, clock, first)
        world = cls(settings, clock, {})
        for account in founded:
            world._found(account, estate_day(seed, account, first, clock, difficulty(level)))
        while any(a.state.day <= end for a in world.accounts.values()):
            world._advance(seeding=True)
        return world

    def _found(self, account: Account, estate: DayChanges) -> None:
        created = estate.created
        state = AccountState(
            account=account,
            day=estate.day,
            rows={},
            profiles={(p.resource_table, p.resource_id): p for p in created.profiles},
            s3_previous={},
            log_previous={},
            schedule_tags={},
        )
        held = MemoryAccount(state)
        self.accounts[account.id] = held
        self._record(held, estate)
        _load(held, created.rows)

    @property
    def today(self) -> dt.date:
        """The last day every account has simulated."""
        return min(a.state.day for a in self.accounts.values()) - dt.timedelta(days=1)

    def tick(self, days: int = 1) -> list[DayChanges]:
        """Advance every account by `days` days, as `driftworld.tick` does; each account-day's changes."""
        done: list[DayChanges] = []
        for _ in range(days):
            self.clock = self.clock.on(self.today + dt.timedelta(days=1))
            done += self._advance(seeding=False)
        return done

    def act(self, account_id: Id, table: str, row_id: Id, executed_by: str | None = None, **values: Any) -> None:
        """Change a resource between days as an agent (with an audit row) or a person (without one) would."""
        row = next(r for r in self.accounts[account_id].state.table(table) if r["id"] == row_id)
        row.update(values)
        if executed_by is not None:
            at = self.clock.at(self.today, 86_399)
            self.audit.append((BY_TABLE[table].singular, str(row_id), at, executed_by))

    def _advance(self, seeding: bool) -> list[DayChanges]:
        done = []
        for held in self.accounts.values():
            state = held.state
            if seeding:
                if state.day > self.clock.today:
                    continue
            else:
                self._observations(held)
            changes = simulate_account_day(state, self.settings, self.clock, seeding=seeding)
            changes.assign_ids(self.settings.world_seed)
            self._record(held, changes)
            carry_forward(state, changes)
            done.append(changes)
        if not seeding:
            self.audit.clear()  # explained by now; the next day's observations look at newer rows only
        return done

    def _observations(self, held: MemoryAccount) -> None:
        """What the store's shadow reader fills in before a ticked day (store/shadow_io.py)."""
        state = held.state
        _load(held, state.rows)
        state.shadow_digests = {key: digest for key, (_, digest) in held.shadows.items()}
        state.shadow = {}
        state.observed_since = None
        state.audit = list(self.audit)
        state.open_waste = list(held.open_waste.values())
        state.decoy_ids = set(held.decoys)
        since = state.day - dt.timedelta(days=CHANGED_BY_OTHERS_DAYS)
        state.changed_by_others = {
            str(e["resource_id"])
            for e in self.events
            if e["account_id"] == state.account.id
            and e["change_source"] != "drift_engine"
            and e["virtual_date"] > since
        }
        for key in stale_shadows(state):
            if key in held.shadows:
                state.shadow[key] = held.shadows[key][0]

    def _record(self, held: MemoryAccount, changes: DayChanges) -> None:
        """Keep what the store would write for the day (store/world_io.py, store/shadow_io.py)."""
        held.tags += changes.created.rows.get("resource_tags", [])
        for table, rows in changes.history.items():
            self.history.setdefault(table, []).extend(rows)
        self.events += changes.events
        self.findings += changes.findings
        for waste_id, waste in changes.waste_rows:
            entry = {
                "id": waste_id,
                "account_id": changes.account.id,
                "scenario": waste.scenario,
                "resource_table": waste.resource_table,
                "resource_id": waste.resource_id,
                "injected_on": changes.day,
                "daily_cost": waste.daily_cost,
                "resolved_on": None,
            }
            self.ledger[waste_id] = entry
            held.open_waste[waste_id] = entry
        for resolved in changes.resolved:
            self.ledger[resolved["id"]].update(resolved)
            held.open_waste.pop(resolved["id"], None)
        held.decoys |= {d.resource_id for d in changes.created.decoys}
        self.decoys += [
            {"kind": d.kind, "resource_table": d.resource_table, "resource_id": d.resource_id, "since": changes.day}
            for d in changes.created.decoys
        ]
        for table, rows in changes.created.rows.items():
            if table in BY_TABLE:
                self.resources.update(((table, row["id"]), row) for row in rows)
        for (table, row_id), (row, digest) in changes.shadow_writes.items():
            fields = shadow_of(table, row)
            held.shadows[(table, row_id)] = (fields, shadow_digest(table, row) if digest is None else digest)
        for key in changes.shadow_deletes:
            held.shadows.pop(key, None)


def _load(held: MemoryAccount, rows: dict[str, list[Row]]) -> None:
    """The state's rows as the store reads them: the loaded tables in id order, without the retired rows
    the engine has forgotten, and the instances' schedule tags."""
    state = held.state
    state.rows = {}
    for table in LOADED_TABLES:
        retired = BY_TABLE[table].retired if table in BY_TABLE else None
        state.rows[table] = sorted(
            (
                r
                for r in rows.get(table, [])
                if retired is None or r["state"] != retired or (table, r["id"]) in held.shadows
            ),
            key=lambda r: str(r["id"]),
        )
    state.schedule_tags = {
        str(r["resource_id"]): str(r["value"])
        for r in held.tags
        if r["resource_type"] == "instance" and r["key"] == "schedule"
    }
