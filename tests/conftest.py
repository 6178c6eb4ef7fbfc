"""The test harness: a throwaway PostgreSQL cluster started by the tests themselves (never a mock).

One cluster per session (with pg_cron preloaded when the machine has it); a migrated template
database, and a seeded one, that tests clone in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from driftworld.seeder import SeedRequest, seed_world
from driftworld.service.logs import LOGGER_NAME, JsonFormatter
from driftworld.store.cluster import LocalCluster, find_server_binaries
from driftworld.store.database import Database
from driftworld.store.migrations import migrate

MIGRATIONS = Path(__file__).resolve().parents[1] / "supabase" / "migrations"
END_DATE = dt.date(2026, 3, 31)  # a fixed end date: seeded worlds are the same on every run
SMALL_WORLD = SeedRequest(
    orgs=1, accounts_per_org=2, days=10, seed=7, end_date=END_DATE, clock_mode="virtual", difficulty="easy"
)


def has_pg_cron(bin_dir: Path) -> bool:
    share = Path(str(bin_dir).replace("/usr/lib/postgresql", "/usr/share/postgresql")).parent / "extension"
    return (share / "pg_cron.control").exists()


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    bin_dir = find_server_binaries(prefer_system=True)
    settings = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "100"}
    if has_pg_cron(bin_dir):
        settings |= {"shared_preload_libraries": "pg_cron", "cron.database_name": "postgres"}
    local = LocalCluster.throwaway("driftworld-test", settings, bin_dir)
    local.start()
    os.environ["DRIFTWORLD_MIGRATIONS_DIR"] = str(MIGRATIONS)
    try:
        yield local
    finally:
        local.destroy()


def _admin(cluster: LocalCluster) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(cluster.url("postgres"), autocommit=True)


def clone(cluster: LocalCluster, template: str) -> Database:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with _admin(cluster) as conn:
        conn.execute(f'create database "{name}" template "{template}"')
    return Database(cluster.url(name), "test")


@pytest.fixture(scope="session")
def migrated_template(cluster: LocalCluster) -> str:
    with _admin(cluster) as conn:
        conn.execute("create database world_template")
    with Database(cluster.url("world_template"), "test").connect() as conn:
        migrate(conn, MIGRATIONS)
    return "world_template"


@pytest.fixture(scope="session")
def seeded_template(cluster: LocalCluster, migrated_template: str) -> str:
    with _admin(cluster) as conn:
        conn.execute(f"create database seeded_template template {migrated_template}")
    with Database(cluster.url("seeded_template"), "test").connect() as conn:
        seed_world(conn, SMALL_WORLD)
    return "seeded_template"


@pytest.fixture()
def empty_db(cluster: LocalCluster) -> Database:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with _admin(cluster) as conn:
        conn.execute(f'create database "{name}"')
    return Database(cluster.url(name), "test")


@pytest.fixture()
def migrated_db(cluster: LocalCluster, migrated_template: str) -> Database:
    return clone(cluster, migrated_template)


@pytest.fixture()
def seeded_db(cluster: LocalCluster, seeded_template: str) -> Database:
    return clone(cluster, seeded_template)


@pytest.fixture()
def json_log() -> Iterator[io.StringIO]:
    """The service's JSON log lines written while a test runs in-process."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
