"""Writes to the world's settings row (driftworld.world_settings)."""

from __future__ import annotations

from typing import Any

import psycopg

Conn = psycopg.Connection[dict[str, Any]]


def set_difficulty(conn: Conn, name: str) -> None:
    conn.execute("update driftworld.world_settings set difficulty = %s, updated_at = now()", (name,))
