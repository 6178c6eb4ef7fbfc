"""Applies supabase/migrations/*.sql and records them as the Supabase CLI does.

Each file runs in its own transaction and is recorded in supabase_migrations.schema_migrations
(version, name, statements), so the Supabase CLI and driftworld can take over from each other.
An advisory lock makes concurrent runs safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlparse

MIGRATION_LOCK_KEY = 0x64726966  # "drif": one lock for every migration runner of this database
FILENAME = re.compile(r"^(?P<version>\d{14})_(?P<name>.+)\.sql$")


class MigrationError(RuntimeError):
    """Migrations cannot be applied; the message says why and what to do."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    def statements(self) -> list[str]:
        """The file's statements, split and recorded as the Supabase CLI does (without the final semicolon)."""
        split = (s.strip().removesuffix(";").rstrip() for s in sqlparse.split(self.path.read_text()))
        return [s for s in split if s]


@dataclass(frozen=True)
class MigrationStatus:
    applied: list[str]
    pending: list[Migration]
    unknown: list[str]


def discover(directory: Path) -> list[Migration]:
    if not directory.is_dir():
        raise MigrationError(f"migrations directory {directory} not found (set DRIFTWORLD_MIGRATIONS_DIR)")
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = FILENAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name} is not named <14-digit version>_<name>.sql")
        found.append(Migration(match["version"], match["name"], path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version; each version must be unique")
    return found


def _ensure_history_table(conn: psycopg.Connection[dict[str, object]]) -> None:
    conn.execute("create schema if not exists supabase_migrations")
    conn.execute(
        "create table if not exists supabase_migrations.schema_migrations "
        "(version text not null primary key, statements text[], name text)"
    )


def _applied_versions(conn: psycopg.Connection[dict[str, object]]) -> list[str]:
    exists = conn.execute("select to_regclass('supabase_migrations.schema_migrations') as t").fetchone()
    if exists is None or exists["t"] is None:
        return []
    rows = conn.execute("select version from supabase_migrations.schema_migrations order by version")
    return [str(row["version"]) for row in rows]


def status(conn: psycopg.Connection[dict[str, object]], directory: Path) -> MigrationStatus:
    known = discover(directory)
    applied = _applied_versions(conn)
    applied_set = set(applied)
    known_versions = {m.version for m in known}
    return MigrationStatus(
        applied=applied,
        pending=[m for m in known if m.version not in applied_set],
        unknown=[v for v in applied if v not in known_versions],
    )


def migrate(conn: psycopg.Connection[dict[str, object]], directory: Path) -> list[Migration]:
    """Apply pending migrations in name order; return the ones applied by this call."""
    conn.autocommit = True
    conn.execute("set statement_timeout = 0")  # a schema change on a large world may take long; waiting is its point
    conn.execute("select pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        current = status(conn, directory)
        if current.unknown:
            raise MigrationError(
                "the database has applied migrations this driftworld does not know: "
                + ", ".join(current.unknown)
                + ". Update driftworld (or point DATABASE_URL at the right database) before migrating."
            )
        _ensure_history_table(conn)
        for migration in current.pending:
            try:
                with conn.transaction():
                    conn.execute(migration.path.read_text())
                    conn.execute(
                        "insert into supabase_migrations.schema_migrations (version, name, statements) "
                        "values (%s, %s, %s)",
                        (migration.version, migration.name, migration.statements()),
                    )
            except psycopg.Error as error:
                raise MigrationError(f"migration {migration.path.name} failed: {error}") from error
        return current.pending
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def require_current(conn: psycopg.Connection[dict[str, object]], directory: Path) -> None:
    """Refuse to touch a world whose schema is behind or ahead of this driftworld."""
    current = status(conn, directory)
    if current.pending:
        names = ", ".join(m.path.name for m in current.pending)
        raise MigrationError(f"the database lacks migrations {names}: run `driftworld db migrate` first")
    if current.unknown:
        raise MigrationError(f"the database has migrations driftworld does not know ({', '.join(current.unknown)})")
