"""The world's settings row (driftworld.world_settings): read by every tick, changed by `world set`."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from driftworld.model.state import WorldSettings

Conn = psycopg.Connection[dict[str, Any]]


class WorldNotSeeded(RuntimeError):
    """The database has the schema but no world settings yet."""


def read_settings(conn: Conn) -> WorldSettings:
    row = conn.execute(
        "select world_seed, clock_mode, seasonality, drift_intensity, difficulty from driftworld.world_settings"
    ).fetchone()
    if row is None:
        raise WorldNotSeeded("this database holds no world yet: run `driftworld seed` first")
    return WorldSettings(
        int(row["world_seed"]),
        str(row["clock_mode"]),
        bool(row["seasonality"]),
        dict(row["drift_intensity"]),
        str(row["difficulty"]),
    )


def set_difficulty(conn: Conn, name: str) -> None:
    conn.execute("update driftworld.world_settings set difficulty = %s, updated_at = now()", (name,))


def set_drift_intensity(conn: Conn, intensity: dict[str, Any]) -> None:
    """The scenarios' chances from the next tick on (model/intensity.py's settings form)."""
    conn.execute("update driftworld.world_settings set drift_intensity = %s, updated_at = now()", (Jsonb(intensity),))
