"""The shadow: the agent-owned fields of every resource as the engine last left them, and their digest.

A row whose digest differs from its shadow's was changed by someone else since; step 1 (observe) then
compares the fields in full. Pure: the store reads and writes shadows, the engine compares them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import numpy as np
import orjson

from driftworld.model.kinds import BY_TABLE, RESOURCE_TABLES
from driftworld.model.state import AccountState, Key, Row

MISSING = object()  # no shadow at all (a shadow stored without a digest holds None)

_AS_IS = frozenset({str, int, bool, type(None), dict, list})


def _plain(value: Any) -> Any:
    """A field as its JSON shadow holds it."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def shadow_of(table: str, row: Row) -> dict[str, Any]:
    """The agent-owned fields of a row, plus its provider id (to match audit rows after a delete)."""
    return {name: _plain(row[name]) for name in BY_TABLE[table].digested if name in row}


def shadow_digest(table: str, row: Row) -> int:
    """A stable 64-bit fingerprint (a signed bigint) of a row's agent-owned fields and provider id, taken
    from the row as it is (orjson writes UUIDs and dates itself): equal fields give equal digests. A
    representation that differs (2 against 2.0) only costs a comparison in full, never a missed change."""
    encoded = canonical_json(list(map(row.get, BY_TABLE[table].digested)))
    return int.from_bytes(hashlib.blake2b(encoded, digest_size=8).digest(), "big", signed=True)


def stale_shadows(state: AccountState) -> list[Key]:
    """Shadows whose fields observe() needs: of rows gone, or of rows that no longer match them. Notes
    in the state which tables observe() has to look at: most days none or one."""
    stale: list[Key] = []
    digests = state.shadow_digests
    matched = 0
    state.observe_tables = set()
    for table in RESOURCE_TABLES:
        for row in state.table(table):
            key: Key = (table, row["id"])
            stored = digests.get(key, MISSING)
            if stored is MISSING:
                state.observe_tables.add(table)  # a row the engine never saw
                continue
            matched += 1
            if shadow_digest(table, row) != stored:
                stale.append(key)
                state.observe_tables.add(table)
    if matched < len(digests):  # some shadowed rows are gone (rare): find them
        gone = shadows_without_rows(state)
        state.observe_tables.update(table for table, _ in gone)
        stale += gone
    return stale


def shadows_without_rows(state: AccountState) -> list[Key]:
    """The shadows whose rows are no longer in the state (deleted since): a full pass, so only called
    when fewer shadows than rows matched."""
    present = {(table, row["id"]) for table in RESOURCE_TABLES for row in state.table(table)}
    return [key for key in state.shadow_digests if key not in present]


def json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot encode {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys: equal values give equal bytes (for fingerprints)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=json_default)
