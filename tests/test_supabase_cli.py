"""The Supabase CLI (npm `supabase`, pinned in tools/supabase) and driftworld take over from each other.

Without Docker the CLI still applies and lists migrations of any PostgreSQL given by --db-url (a TCP URL
with sslmode=disable for a server without SSL), so the test runs it against the test cluster.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from driftworld.store.migrations import discover, migrate, status
from tests.conftest import MIGRATIONS
from tests.world_tables import WORLD_TABLES

SUPABASE = Path(__file__).resolve().parents[1] / "tools" / "supabase" / "node_modules" / ".bin" / "supabase"

pytestmark = pytest.mark.skipif(
    not SUPABASE.exists(), reason="Supabase CLI not installed: run `npm ci --prefix tools/supabase`"
)


def database_name(db: Database) -> str:
    return db.url.split("/", 3)[3].split("?", 1)[0]


def supabase(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a throwaway project directory holding a copy of the repository's migrations."""
    workdir = tmp_path / "project"
    if not workdir.exists():
        shutil.copytree(MIGRATIONS, workdir / "supabase" / "migrations")
    env = {**os.environ, "HOME": str(tmp_path), "DO_NOT_TRACK": "1", "SUPABASE_TELEMETRY_DISABLED": "1"}
    done = subprocess.run(
        [str(SUPABASE), *args, "--workdir", str(workdir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert done.returncode == 0, f"supabase {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_the_pinned_cli_is_the_expected_version(tmp_path: Path) -> None:
    # cwd: the CLI caches its update check in ./supabase/.temp, which must not land in the repository
    done = subprocess.run([str(SUPABASE), "--version"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.stdout.strip() == "2.117.0"


def test_supabase_db_push_then_driftworld_sees_a_current_schema(
    cluster: LocalCluster, empty_db: Database, tmp_path: Path
) -> None:
    url = cluster.tcp_url(database_name(empty_db))
    pushed = supabase(tmp_path, "db", "push", "--db-url", url, "--include-all", "--yes")
    known = discover(MIGRATIONS)
    for migration in known:
        assert migration.path.name in pushed.stderr + pushed.stdout

    with empty_db.connect(autocommit=True) as conn:
        current = status(conn, MIGRATIONS)
        assert current.pending == [] and current.unknown == []
        assert current.applied == [m.version for m in known]
        assert migrate(conn, MIGRATIONS) == [], "driftworld must take over without re-applying anything"
        rows = conn.execute(
            "select version, name, statements from supabase_migrations.schema_migrations order by version"
        ).fetchall()
        columns = conn.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'public'"
        ).fetchall()
        rls = conn.execute(
            "select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity"
        ).fetchone()
    found: dict[str, set[str]] = {}
    for row in columns:
        found.setdefault(str(row["table_name"]), set()).add(str(row["column_name"]))
    missing = {t: sorted(set(cols) - found.get(t, set())) for t, cols in WORLD_TABLES.items()}
    assert {t: m for t, m in missing.items() if m} == {}
    assert rls == {"n": 0}
    assert [r["name"] for r in rows] == [m.name for m in known]
    for row, migration in zip(rows, known, strict=True):
        # the two tools record the same statements, so either may take over from the other
        assert row["statements"] == migration.statements(), f"{migration.path.name}: statements differ"


def test_driftworld_migrate_then_supabase_lists_every_version_as_applied(
    cluster: LocalCluster, empty_db: Database, tmp_path: Path
) -> None:
    with empty_db.connect() as conn:
        migrate(conn, MIGRATIONS)
    url = cluster.tcp_url(database_name(empty_db))
    listed = supabase(tmp_path, "migration", "list", "--db-url", url)
    pairs = re.findall(r"`?(\d{14})`?\s*\|\s*`?(\d{14})?`?\s*\|", listed.stdout)
    versions = [m.version for m in discover(MIGRATIONS)]
    assert [local for local, _ in pairs] == versions, listed.stdout
    assert [remote for _, remote in pairs] == versions, "every version must show as applied on the remote"

    pushed = supabase(tmp_path, "db", "push", "--db-url", url, "--include-all", "--yes")
    assert "up to date" in (pushed.stdout + pushed.stderr).lower()
    with empty_db.connect() as conn:
        count = conn.execute("select count(*) as n from supabase_migrations.schema_migrations").fetchone()
    assert count == {"n": len(versions)}
