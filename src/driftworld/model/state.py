"""What the engine knows about one account on the day it simulates, and what the day changes.

The store fills an AccountState with one read per table; the day's rules turn it into a
DayChanges that the store writes with one statement per table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from driftworld.model.factory import Account, Created, Id, Profile, Waste
from driftworld.model.kinds import BY_TABLE
from driftworld.model.rules.seven_day import Window
from driftworld.model.streams import stream

Row = dict[str, Any]
Key = tuple[str, Id]  # (table, row id)


@dataclass(frozen=True)
class WorldSettings:
    world_seed: int
    clock_mode: str
    seasonality: bool
    drift_intensity: dict[str, Any]
    difficulty: str = "easy"


@dataclass
class AccountState:
    account: Account
    day: dt.date
    rows: dict[str, list[Row]]
    profiles: dict[Key, Profile]
    s3_previous: dict[Id, tuple[float, float, float]]  # last day's (standard, ia, glacier) GB
    log_previous: dict[Id, tuple[float, float]]  # last day's stored GB, ingest of the window before today
    schedule_tags: dict[str, str]  # instance row id -> resource_tags 'schedule' value
    # (resource_type, metrics resource_id) -> 7-day window read from history, where the profile keeps none
    recent: dict[tuple[str, str], Window] = field(default_factory=dict)
    # What step 1 (observe) compares with, filled by the store's shadow reader: every shadow's digest
    # (None for one stored without), and the fields of those that differ from the rows as loaded.
    shadow_digests: dict[Key, int | None] = field(default_factory=dict)
    shadow: dict[Key, dict[str, Any]] = field(default_factory=dict)
    observe_tables: set[str] | None = None  # the tables with something for observe() to see; None: all
    # (resource_type, resource_id, executed_at, executed_by) of recent action_audit_log rows
    audit: list[tuple[str, str, dt.datetime, str]] = field(default_factory=list)
    open_waste: list[Row] = field(default_factory=list)
    decoy_ids: set[Id] = field(default_factory=set)  # resources that look idle and are in use
    account_frozen_from: dt.datetime | None = None  # an announced freeze window's start (None: in force now)
    account_frozen_until: dt.datetime | None = None
    observed_since: dt.datetime | None = None  # when the engine last closed a day of this account
    changed_by_others: set[str] = field(default_factory=set)  # row ids agents or people changed in 7 days
    # Only for days simulated back to back in memory (engine/carry.py): what the database would hold.
    log_ingest: dict[Id, list[tuple[dt.date, float]]] = field(default_factory=dict)

    def table(self, name: str) -> list[Row]:
        return self.rows.setdefault(name, [])


@dataclass
class DayChanges:
    """Everything one account-day writes, kept apart by kind of statement."""

    account: Account
    day: dt.date
    created: Created = field(default_factory=Created)
    updates: dict[str, dict[Id, dict[str, Any]]] = field(default_factory=dict)
    deletes: dict[str, list[Id]] = field(default_factory=dict)
    profile_updates: dict[Key, Profile] = field(default_factory=dict)
    # Profiles whose walk value or 7-day window alone moved today: the daily case, written as two columns.
    profile_rolls: dict[Key, Profile] = field(default_factory=dict)
    history: dict[str, list[Row]] = field(default_factory=dict)
    events: list[Row] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    waste_rows: list[tuple[str, Waste]] = field(default_factory=list)
    findings: list[Row] = field(default_factory=list)  # policy violations and false positives observed
    resolved: list[Row] = field(default_factory=list)  # ground-truth waste that went away: id, day, by
    # Rows whose shadow is taken as the day ends, with their digest when already known (None: taken then).
    shadow_writes: dict[Key, tuple[Row, int | None]] = field(default_factory=dict)
    shadow_deletes: list[Key] = field(default_factory=list)

    def update(self, table: str, row: Row, **values: Any) -> None:
        """Change a row in memory (later steps see it) and queue the write."""
        row.update(values)
        self.updates.setdefault(table, {}).setdefault(row["id"], {}).update(values)

    def append(self, table: str, row: Row) -> None:
        self.history.setdefault(table, []).append(row)

    def assign_ids(self, world_seed: int) -> None:
        """Ids of appended rows, events and ground truth come from the day's stream too (tables in name order)."""
        batches = [rows for _, rows in sorted(self.history.items())] + [self.events]
        count = sum(map(len, batches)) + len(self.created.waste)
        ids = iter(stream(world_seed, self.account.id, self.day, "ids").uuid_texts(count))
        for rows in batches:
            for row, row_id in zip(rows, ids, strict=False):
                row["id"] = row_id
        self.waste_rows = [(next(ids), waste) for waste in self.created.waste]

    def rows_appended(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.history.items()}

    def event(self, table: str, row: Row, field_name: str, old: Any, new: Any, source: str = "drift_engine") -> None:
        """Log a change the engine made (change_source drift_engine, on the virtual day)."""
        self.events.append(
            {
                "account_id": self.account.id,
                "org_id": self.account.org_id,
                "resource_type": BY_TABLE[table].singular if table in BY_TABLE else "cloud_account",
                "resource_id": str(row["id"]),
                "change_source": source,
                "field_name": field_name,
                "old_value": None if old is None else str(old),
                "new_value": None if new is None else str(new),
                "virtual_date": self.day,
            }
        )

    def change(self, table: str, row: Row, **values: Any) -> None:
        """An engine change to agent-owned fields: applied and logged field by field."""
        for name, value in values.items():
            if row.get(name) != value:
                self.event(table, row, name, row.get(name), value)
        self.update(table, row, **values)
