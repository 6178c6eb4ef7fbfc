"""The migration runner against a real PostgreSQL: from empty, re-run, concurrent runs, refusals, failures."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from driftworld.store.database import Database
from driftworld.store.migrations import (
    MIGRATION_LOCK_KEY,
    Migration,
    MigrationError,
    discover,
    migrate,
    status,
)
from tests.conftest import MIGRATIONS

UNKNOWN_VERSION = "20991231235959"


def recorded(conn: psycopg.Connection[dict[str, object]]) -> list[dict[str, object]]:
    return conn.execute(
        "select version, name, statements from supabase_migrations.schema_migrations order by version"
    ).fetchall()


def public_tables(conn: psycopg.Connection[dict[str, object]]) -> set[str]:
    rows = conn.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
    return {str(row["tablename"]) for row in rows}


def catalogue_fingerprint(conn: psycopg.Connection[dict[str, object]]) -> list[tuple[object, ...]]:
    """Every relation, column, trigger and policy of the database: changes when any DDL runs."""
    rows = conn.execute(
        """
        select 'rel' as k, n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.oid::text as v
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
        union all
        select 'col', table_schema || '.' || table_name || '.' || column_name || ':' || data_type
        from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema')
        union all
        select 'trg', tgrelid::regclass::text || '.' || tgname || ':' || oid::text
        from pg_trigger where not tgisinternal
        union all
        select 'pol', schemaname || '.' || tablename || '.' || policyname from pg_policies
        order by 1, 2
        """
    ).fetchall()
    return [(row["k"], row["v"]) for row in rows]


def copy_migrations(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in MIGRATIONS.glob("*.sql"):
        shutil.copy(path, target / path.name)
    return target


def test_the_repository_has_migrations_with_unique_ordered_versions() -> None:
    found = discover(MIGRATIONS)
    assert len(found) >= 9
    versions = [m.version for m in found]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
    assert all(m.statements() for m in found)


def test_migrate_from_empty_records_every_version_with_name_and_statements(empty_db: Database) -> None:
    known = discover(MIGRATIONS)
    with empty_db.connect() as conn:
        before = status(conn, MIGRATIONS)
        assert before.applied == []
        assert [m.version for m in before.pending] == [m.version for m in known]
        # status is read-only: it must not create the history table
        row = conn.execute("select to_regclass('supabase_migrations.schema_migrations') as t").fetchone()
        assert row is not None and row["t"] is None
        conn.rollback()

        applied = migrate(conn, MIGRATIONS)
        assert [m.version for m in applied] == [m.version for m in known]
        rows = recorded(conn)
    assert [r["version"] for r in rows] == [m.version for m in known]
    for row, migration in zip(rows, known, strict=True):
        assert row["name"] == migration.name
        statements = row["statements"]
        assert isinstance(statements, list) and statements, f"{migration.version} recorded no statements"
        assert all(isinstance(s, str) and s.strip() for s in statements)
        assert statements == migration.statements()
    with empty_db.connect() as conn:
        after = status(conn, MIGRATIONS)
        assert after.pending == [] and after.unknown == []
        assert after.applied == [m.version for m in known]
        assert {"organizations", "cloud_accounts", "instances", "metrics_daily"} <= public_tables(conn)


def test_the_history_table_has_the_supabase_cli_shape(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        rows = conn.execute(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'supabase_migrations' and table_name = 'schema_migrations'"
        ).fetchall()
        primary = conn.execute(
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
            "and a.attnum = any(i.indkey) "
            "where i.indrelid = 'supabase_migrations.schema_migrations'::regclass and i.indisprimary"
        ).fetchall()
    columns = {str(r["column_name"]): str(r["data_type"]) for r in rows}
    assert columns == {"version": "text", "statements": "ARRAY", "name": "text"}
    assert [r["attname"] for r in primary] == ["version"]


def test_rerun_is_a_no_op(migrated_db: Database) -> None:
    with migrated_db.connect(autocommit=True) as conn:
        before_rows = recorded(conn)
        before = catalogue_fingerprint(conn)
        assert migrate(conn, MIGRATIONS) == []
        assert migrate(conn, MIGRATIONS) == []
        assert recorded(conn) == before_rows
        assert catalogue_fingerprint(conn) == before


def test_two_concurrent_runs_both_succeed_and_apply_each_migration_once(empty_db: Database) -> None:
    known = discover(MIGRATIONS)
    barrier = threading.Barrier(2)
    results: dict[int, list[Migration]] = {}
    errors: dict[int, BaseException] = {}

    def run(index: int) -> None:
        try:
            with empty_db.connect() as conn:
                barrier.wait(timeout=10)
                results[index] = migrate(conn, MIGRATIONS)
        except BaseException as error:  # reported below, with the thread's index
            errors[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a concurrent migrate hung"
    assert errors == {}
    applied = sorted(m.version for ms in results.values() for m in ms)
    assert applied == [m.version for m in known], "each migration must be applied by exactly one of the runs"
    with empty_db.connect() as conn:
        assert [r["version"] for r in recorded(conn)] == [m.version for m in known]
        assert status(conn, MIGRATIONS).pending == []


def test_the_advisory_lock_is_released_after_a_run(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        migrate(conn, MIGRATIONS)
        with migrated_db.connect(autocommit=True) as other:
            row = other.execute("select pg_try_advisory_lock(%s) as ok", (MIGRATION_LOCK_KEY,)).fetchone()
            assert row is not None and row["ok"] is True


def test_an_applied_version_unknown_to_the_directory_is_refused_and_nothing_is_applied(empty_db: Database) -> None:
    with empty_db.connect(autocommit=True) as conn:
        conn.execute("create schema supabase_migrations")
        conn.execute(
            "create table supabase_migrations.schema_migrations "
            "(version text not null primary key, statements text[], name text)"
        )
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name, statements) values (%s, %s, %s)",
            (UNKNOWN_VERSION, "from_the_future", ["select 1"]),
        )
    with empty_db.connect() as conn:
        assert status(conn, MIGRATIONS).unknown == [UNKNOWN_VERSION]
        conn.rollback()
        with pytest.raises(MigrationError) as refused:
            migrate(conn, MIGRATIONS)
        message = str(refused.value)
        assert UNKNOWN_VERSION in message
        assert "does not know" in message
        assert [r["version"] for r in recorded(conn)] == [UNKNOWN_VERSION]
        assert public_tables(conn) == set()
        # the lock is released even after a refusal
        with empty_db.connect(autocommit=True) as other:
            row = other.execute("select pg_try_advisory_lock(%s) as ok", (MIGRATION_LOCK_KEY,)).fetchone()
            assert row is not None and row["ok"] is True


def test_an_unknown_version_blocks_new_pending_migrations_too(migrated_db: Database, tmp_path: Path) -> None:
    directory = copy_migrations(tmp_path / "migrations")
    (directory / "20990101000000_add_gadgets.sql").write_text("create table public.gadgets (id int primary key);\n")
    with migrated_db.connect() as conn:
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name, statements) values (%s, %s, %s)",
            (UNKNOWN_VERSION, "from_the_future", ["select 1"]),
        )
        conn.commit()
        with pytest.raises(MigrationError, match=UNKNOWN_VERSION):
            migrate(conn, directory)
        assert "gadgets" not in public_tables(conn)
        assert "20990101000000" not in [r["version"] for r in recorded(conn)]


def test_a_migration_failing_half_way_is_rolled_back_and_unrecorded(migrated_db: Database, tmp_path: Path) -> None:
    directory = copy_migrations(tmp_path / "migrations")
    (directory / "20990101000000_add_gadgets.sql").write_text(
        "create table public.gadgets (id int primary key);\ninsert into public.gadgets values (1);\n"
    )
    broken = directory / "20990101000001_half_done.sql"
    broken.write_text(
        "create table public.half_done (id int primary key);\n"
        "insert into public.half_done values (1);\n"
        "alter table public.gadgets add column colour text;\n"
        "select 1 / 0;\n"
        "create table public.never_reached (id int);\n"
    )
    (directory / "20990101000002_after.sql").write_text("create table public.after_broken (id int);\n")
    with migrated_db.connect() as conn:
        with pytest.raises(MigrationError) as failed:
            migrate(conn, directory)
        assert broken.name in str(failed.value)
        assert "division by zero" in str(failed.value)
        tables = public_tables(conn)
        # the good migration before it stays applied; the broken one and those after it do not
        assert "gadgets" in tables
        assert not {"half_done", "never_reached", "after_broken"} & tables
        columns = conn.execute(
            "select column_name from information_schema.columns where table_name = 'gadgets'"
        ).fetchall()
        assert [c["column_name"] for c in columns] == ["id"]
        versions = [r["version"] for r in recorded(conn)]
        assert "20990101000000" in versions
        assert "20990101000001" not in versions and "20990101000002" not in versions
        current = status(conn, directory)
        assert [m.version for m in current.pending] == ["20990101000001", "20990101000002"]
        with migrated_db.connect(autocommit=True) as other:
            row = other.execute("select pg_try_advisory_lock(%s) as ok", (MIGRATION_LOCK_KEY,)).fetchone()
            assert row is not None and row["ok"] is True

        # once fixed, the next run applies exactly the remaining two
        broken.write_text("create table public.half_done (id int primary key);\n")
        assert [m.version for m in migrate(conn, directory)] == ["20990101000001", "20990101000002"]
        assert {"half_done", "after_broken"} <= public_tables(conn)
        assert status(conn, directory).pending == []


def test_discover_rejects_bad_names_and_duplicate_versions(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "create_things.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match=r"create_things\.sql"):
        discover(bad)
    duplicate = tmp_path / "duplicate"
    duplicate.mkdir()
    (duplicate / "20260101000000_one.sql").write_text("select 1;")
    (duplicate / "20260101000000_two.sql").write_text("select 2;")
    with pytest.raises(MigrationError, match="share a version"):
        discover(duplicate)
    with pytest.raises(MigrationError, match="not found"):
        discover(tmp_path / "missing")
