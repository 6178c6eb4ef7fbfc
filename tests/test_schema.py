"""The migrated schema against the project's copy of the world contract (tests/world_tables.py)."""

from __future__ import annotations

import datetime as dt
import uuid

import psycopg
import pytest

from driftworld.model.kinds import AGENT_OWNED, KINDS, default_policy
from driftworld.store.database import Database
from tests.conftest import END_DATE
from tests.world_tables import WORLD_TABLES

Conn = psycopg.Connection[dict[str, object]]
HISTORY_TABLES = ("metrics_daily", "s3_bucket_usage_daily", "log_group_usage_daily", "data_transfer_daily")
ENGINE_TABLES = ("world_settings", "tick_ledger", "workload_profiles", "waste_ledger", "shadow_state")
# Unique keys the contract names (daily history and per-account tables).
UNIQUE_KEYS = {
    "metrics_daily": ("account_id", "resource_type", "resource_id", "date"),
    "s3_bucket_usage_daily": ("bucket_id", "date"),
    "log_group_usage_daily": ("log_group_id", "date"),
    "data_transfer_daily": ("account_id", "date", "source_region", "dest_region", "direction"),
    "commitment_utilization_daily": ("commitment_id", "date"),
    "resource_tags": ("resource_type", "resource_id", "key"),
}


def columns_of(conn: Conn, schema: str) -> dict[str, set[str]]:
    rows = conn.execute(
        "select table_name, column_name from information_schema.columns where table_schema = %s", (schema,)
    ).fetchall()
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(str(row["table_name"]), set()).add(str(row["column_name"]))
    return found


def base_tables(conn: Conn, schema: str) -> set[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'",
        (schema,),
    ).fetchall()
    return {str(r["table_name"]) for r in rows}


def new_account(conn: Conn) -> tuple[uuid.UUID, uuid.UUID]:
    """An organization and one account in it, as an agent's tooling would insert them."""
    org = conn.execute(
        "insert into organizations (name, slug) values ('Test Org', %s) returning id", (f"t-{uuid.uuid4().hex[:8]}",)
    ).fetchone()
    assert org is not None
    account = conn.execute(
        "insert into cloud_accounts (org_id, name, aws_account_number) values (%s, 'test', '123456789012') "
        "returning id",
        (org["id"],),
    ).fetchone()
    assert account is not None
    assert isinstance(org["id"], uuid.UUID) and isinstance(account["id"], uuid.UUID)
    return org["id"], account["id"]


def test_every_contract_table_and_column_exists(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        found = columns_of(conn, "public")
        tables = base_tables(conn, "public")
    missing_tables = sorted(set(WORLD_TABLES) - tables)
    assert missing_tables == [], f"contract tables missing from the database: {missing_tables}"
    missing = {t: sorted(set(cols) - found[t]) for t, cols in WORLD_TABLES.items() if set(cols) - found[t]}
    assert missing == {}, f"contract columns missing from the database: {missing}"


def test_each_kinds_digested_columns_are_its_agent_owned_columns_then_its_provider_id(
    migrated_db: Database,
) -> None:
    """A shadow digest reads its kind's own list (model/kinds.py): a column a migration adds to
    AGENT_OWNED's names must join its kind, or agents' changes to it would go unseen."""
    with migrated_db.connect() as conn:
        public = columns_of(conn, "public")
    for kind in KINDS:
        owned = tuple(name for name in AGENT_OWNED if name in public[kind.table])
        assert kind.agent_owned == owned, kind.table
        assert kind.digested == owned + ((kind.metrics_id,) if kind.metrics_id else ()), kind.table
        assert {kind.metrics_id, kind.bill_id, *kind.named_by} - {None} <= public[kind.table], kind.table


def test_each_kinds_default_policy_is_the_migrations_column_default(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        defaults = {
            str(r["table_name"]): str(r["column_default"])
            for r in conn.execute(
                "select table_name, column_default from information_schema.columns "
                "where table_schema = 'public' and column_name = 'optimization_policy'"
            ).fetchall()
        }
    for kind in KINDS:
        policy, locked = default_policy(kind.table, "dev")
        assert defaults[kind.table].startswith(f"'{policy}'"), (kind.table, defaults[kind.table])
        assert not locked


def test_each_kinds_running_and_retired_states_are_states_its_table_allows(migrated_db: Database) -> None:
    """A state the database never holds would leave a kind never running, or never retired."""
    with migrated_db.connect() as conn:
        for kind in KINDS:
            states = kind.running | ({kind.retired} if kind.retired else set())
            if not states:
                continue
            checks = " ".join(
                str(r["definition"])
                for r in conn.execute(
                    "select pg_get_constraintdef(oid) as definition from pg_constraint "
                    "where conrelid = %s::regclass and contype = 'c'",
                    (f"public.{kind.table}",),
                ).fetchall()
            )
            assert "(state = ANY" in checks, kind.table
            assert all(f"'{state}'::text" in checks for state in states), (kind.table, states, checks)


def test_the_contract_copy_is_not_trivially_small() -> None:
    assert len(WORLD_TABLES) >= 28
    assert all("id" in cols for cols in WORLD_TABLES.values())
    assert "resource_type" in WORLD_TABLES["metrics_daily"]


def test_row_level_security_is_enabled_on_every_public_table(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        rows = conn.execute(
            "select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'public' and c.relkind in ('r', 'p')"
        ).fetchall()
    assert {str(r["relname"]) for r in rows} >= set(WORLD_TABLES)
    without = sorted(str(r["relname"]) for r in rows if not r["relrowsecurity"])
    assert without == [], f"public tables without row-level security: {without}"


def test_the_engine_schema_holds_the_private_tables(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        engine = base_tables(conn, "driftworld")
        public = base_tables(conn, "public")
        columns = columns_of(conn, "driftworld")
        public_grant = conn.execute("select has_schema_privilege('public', 'driftworld', 'usage') as u").fetchone()
    assert set(ENGINE_TABLES) <= engine
    assert not set(ENGINE_TABLES) & public, "the engine's ground truth must not sit in the exposed schema"
    assert {"world_seed", "clock_mode", "seasonality", "drift_intensity"} <= columns["world_settings"]
    assert {"account_id", "virtual_date", "source", "rows_appended"} <= columns["tick_ledger"]
    assert {"resource_table", "resource_id", "profile"} <= columns["workload_profiles"]
    assert {"scenario", "resource_table", "resource_id", "injected_on", "expected_fix", "daily_cost"} <= columns[
        "waste_ledger"
    ]
    assert {"resolved_on", "resolved_by"} <= columns["waste_ledger"]
    assert {"resource_table", "resource_id", "fields"} <= columns["shadow_state"]
    assert public_grant is not None and public_grant["u"] is False


def test_world_settings_holds_exactly_one_row(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        conn.execute("insert into driftworld.world_settings (world_seed) values (1)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("insert into driftworld.world_settings (world_seed) values (2)")


def test_history_tables_have_their_unique_keys(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        rows = conn.execute(
            """
            select c.relname as t,
                   array(select a.attname::text from unnest(i.indkey) with ordinality k(n, o)
                         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.o) as cols
            from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace s on s.oid = c.relnamespace
            where s.nspname = 'public' and i.indisunique
            """
        ).fetchall()
    unique: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        cols = row["cols"]
        assert isinstance(cols, list)
        unique.setdefault(str(row["t"]), []).append(tuple(str(c) for c in cols))
    for table, key in UNIQUE_KEYS.items():
        assert any(set(k) == set(key) for k in unique.get(table, [])), f"{table} lacks unique {key}"


def test_account_owned_tables_are_indexed_by_account(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        rows = conn.execute(
            """
            select c.relname as t,
                   array(select a.attname::text from unnest(i.indkey) with ordinality k(n, o)
                         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.o) as cols
            from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace s on s.oid = c.relnamespace
            where s.nspname = 'public'
            """
        ).fetchall()
    leading: dict[str, list[list[str]]] = {}
    for row in rows:
        cols = row["cols"]
        assert isinstance(cols, list)
        leading.setdefault(str(row["t"]), []).append([str(c) for c in cols])
    owned = [t for t, cols in WORLD_TABLES.items() if "account_id" in cols and t != "action_audit_log"]
    unindexed = [t for t in owned if not any(cols[:1] == ["account_id"] for cols in leading.get(t, []))]
    assert unindexed == [], f"tables without an index led by account_id: {unindexed}"
    for table in HISTORY_TABLES:
        assert any(cols[:2] == ["account_id", "date"] for cols in leading[table]), f"{table}: no (account_id, date)"


def test_the_prod_trigger_forces_recommend_only_and_locked_on_insert(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        org_id, account_id = new_account(conn)
        for env, policy, locked in (("prod", "recommend_only", True), ("dev", "auto_safe", False)):
            row = conn.execute(
                "insert into instances (org_id, account_id, instance_id, instance_type, env, region, hourly_cost, "
                "optimization_policy, optimization_policy_locked) "
                "values (%s, %s, %s, 't3.large', %s, 'us-east-1', 0.0832, 'auto_safe', false) "
                "returning optimization_policy, optimization_policy_locked",
                (org_id, account_id, f"i-{uuid.uuid4().hex[:17]}", env),
            ).fetchone()
            assert row == {"optimization_policy": policy, "optimization_policy_locked": locked}, env
        group = conn.execute(
            "insert into autoscaling_groups (account_id, name, instance_type, env, optimization_policy) "
            "values (%s, 'prod-web-asg', 'm5.large', 'prod', 'ignore') "
            "returning optimization_policy, optimization_policy_locked",
            (account_id,),
        ).fetchone()
        assert group == {"optimization_policy": "recommend_only", "optimization_policy_locked": True}


def test_the_prod_trigger_holds_on_update_for_every_table_with_env(seeded_db: Database) -> None:
    """An agent that tries to unlock prod rows leaves them recommend_only and locked; non-prod rows change."""
    with seeded_db.connect() as conn:
        found = columns_of(conn, "public")
        tables = sorted(t for t, cols in found.items() if {"env", "optimization_policy"} <= cols)
        assert len(tables) >= 12
        covered = 0
        for table in tables:
            conn.execute(f"update {table} set optimization_policy = 'auto_safe', optimization_policy_locked = false")
            row = conn.execute(
                f"select count(*) filter (where env = 'prod') as prod, "
                f"count(*) filter (where env = 'prod' and (optimization_policy <> 'recommend_only' "
                f"or not optimization_policy_locked)) as bad, "
                f"count(*) filter (where env <> 'prod' and optimization_policy <> 'auto_safe') as other "
                f"from {table}"
            ).fetchone()
            assert row is not None
            assert row["bad"] == 0, f"{table}: a prod row escaped recommend_only/locked"
            assert row["other"] == 0, f"{table}: the trigger must leave non-prod rows alone"
            covered += 1 if isinstance(row["prod"], int) and row["prod"] > 0 else 0
        assert covered >= 8, "the seeded world should have prod rows in most tables with env"


def test_an_agent_insert_without_org_id_gets_its_accounts_org(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        org_id, account_id = new_account(conn)
        inserts = {
            "instances": (
                "insert into instances (account_id, instance_id, instance_type, region, hourly_cost) "
                "values (%(a)s, 'i-0123456789abcdef0', 't3.micro', 'us-east-1', 0.0104) returning org_id"
            ),
            "volumes": (
                "insert into volumes (account_id, volume_id, size_gib) "
                "values (%(a)s, 'vol-0123456789abcdef0', 20) returning org_id"
            ),
            "elastic_ips": (
                "insert into elastic_ips (account_id, allocation_id, public_ip) "
                "values (%(a)s, 'eipalloc-0123456789abcdef0', '203.0.113.7') returning org_id"
            ),
            "s3_buckets": ("insert into s3_buckets (account_id, name) values (%(a)s, 'agent-bucket') returning org_id"),
            "resource_tags": (
                "insert into resource_tags (account_id, resource_type, resource_id, key, value) "
                "values (%(a)s, 'instance', 'x', 'team', 'core') returning org_id"
            ),
            "resource_change_events": (
                "insert into resource_change_events (account_id, resource_type, resource_id, change_source, "
                "field_name) values (%(a)s, 'instance', 'x', 'manual', 'state') returning org_id"
            ),
        }
        for table, sql in inserts.items():
            row = conn.execute(sql, {"a": account_id}).fetchone()
            assert row is not None and row["org_id"] == org_id, table
        # agents log actions without account or org: only `action` is required
        logged = conn.execute("insert into action_audit_log (action) values ('stop_instance') returning id").fetchone()
        assert logged is not None


def test_every_resource_table_fills_org_id(migrated_db: Database) -> None:
    """Structural: every account-owned table but the engine-written history has the fill_org_id trigger."""
    with migrated_db.connect() as conn:
        rows = conn.execute(
            "select tgrelid::regclass::text as t from pg_trigger "
            "where tgfoid = 'public.fill_org_id()'::regprocedure and not tgisinternal"
        ).fetchall()
    with_trigger = {str(r["t"]).removeprefix("public.") for r in rows}
    owned = {
        t
        for t, cols in WORLD_TABLES.items()
        if {"org_id", "account_id"} <= set(cols) and t not in HISTORY_TABLES and t != "action_audit_log"
    }
    assert sorted(owned - with_trigger) == []


def test_rds_status_is_an_alias_of_state(migrated_db: Database) -> None:
    with migrated_db.connect() as conn:
        _, account_id = new_account(conn)

        def insert(db_id: str, **values: str) -> uuid.UUID:
            names = ", ".join(["account_id", "db_instance_id", *values])
            marks = ", ".join(["%s"] * (2 + len(values)))
            row = conn.execute(
                f"insert into rds_instances ({names}) values ({marks}) returning id",
                (account_id, db_id, *values.values()),
            ).fetchone()
            assert row is not None and isinstance(row["id"], uuid.UUID)
            return row["id"]

        def state(rds_id: uuid.UUID) -> tuple[object, object]:
            row = conn.execute("select state, status from rds_instances where id = %s", (rds_id,)).fetchone()
            assert row is not None
            return row["state"], row["status"]

        plain = insert("db-plain")
        assert state(plain) == ("available", "available")
        by_status = insert("db-by-status", status="stopped")
        assert state(by_status) == ("stopped", "stopped")
        conn.execute("update rds_instances set status = 'available' where id = %s", (by_status,))
        assert state(by_status) == ("available", "available")
        conn.execute("update rds_instances set state = 'stopped' where id = %s", (plain,))
        assert state(plain) == ("stopped", "stopped")
        # state is authoritative when both are written
        conn.execute("update rds_instances set state = 'available', status = 'deleting' where id = %s", (plain,))
        assert state(plain) == ("available", "available")
        # an unrelated update keeps them equal
        conn.execute("update rds_instances set multi_az = true where id = %s", (plain,))
        assert state(plain) == ("available", "available")


def test_the_virtual_clock_view(migrated_db: Database, seeded_db: Database) -> None:
    with migrated_db.connect() as conn:
        kind = conn.execute(
            "select c.relkind::text as k from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'public' and c.relname = 'virtual_clock'"
        ).fetchone()
        assert kind == {"k": "v"}
        assert columns_of(conn, "public")["virtual_clock"] == {"account_id", "org_id", "virtual_date"}
        _, account_id = new_account(conn)
        row = conn.execute("select virtual_date from virtual_clock where account_id = %s", (account_id,)).fetchone()
        assert row == {"virtual_date": None}, "an account with no history has no virtual day"
    with seeded_db.connect() as conn:
        rows = conn.execute("select account_id, org_id, virtual_date from virtual_clock").fetchall()
        accounts = conn.execute("select count(*) as n from cloud_accounts").fetchone()
        assert accounts is not None and len(rows) == accounts["n"] and rows
        assert {r["virtual_date"] for r in rows} == {END_DATE}
        # a world seeded by another tool (no ledger rows) falls back to its newest history day
        conn.execute("delete from driftworld.tick_ledger")
        conn.execute("delete from metrics_daily where date = %s", (END_DATE,))
        dates = {r["virtual_date"] for r in conn.execute("select virtual_date from virtual_clock").fetchall()}
        assert dates == {END_DATE}, "s3/log/transfer history still reaches END_DATE"
        for table in HISTORY_TABLES[1:]:
            conn.execute(f"delete from {table} where date = %s", (END_DATE,))
        dates = {r["virtual_date"] for r in conn.execute("select virtual_date from virtual_clock").fetchall()}
        assert dates == {END_DATE - dt.timedelta(days=1)}


def test_deleting_an_organization_deletes_its_accounts_history(seeded_db: Database) -> None:
    """History tables carry no per-row foreign key to the account; a trigger keeps the cascade."""
    with seeded_db.connect() as conn:
        org = conn.execute("select id from organizations order by id limit 1").fetchone()
        assert org is not None
        conn.execute("delete from organizations where id = %s", (org["id"],))
        counts = conn.execute(
            "select (select count(*) from metrics_daily) + (select count(*) from data_transfer_daily) "
            "+ (select count(*) from s3_bucket_usage_daily) + (select count(*) from log_group_usage_daily) as n"
        ).fetchone()
        conn.commit()
    assert counts == {"n": 0}
