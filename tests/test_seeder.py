"""The seeder against a real PostgreSQL: determinism (digest of every row) and the invariants of a seeded world."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import psycopg
import pytest

from driftworld.model import catalogue
from driftworld.model.kinds import RESOURCE_TABLES
from driftworld.seeder import SeedRequest, WorldExists, seed_world
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from driftworld.store.seed_io import summarize
from tests.conftest import END_DATE, SMALL_WORLD, clone
from tests.world_tables import WORLD_TABLES

Conn = psycopg.Connection[dict[str, object]]
HISTORY_TABLES = ("metrics_daily", "s3_bucket_usage_daily", "log_group_usage_daily", "data_transfer_daily")
ENGINE_TABLES = ("world_settings", "tick_ledger", "workload_profiles", "waste_ledger", "shadow_state")
# Columns that record when something really happened: excluded from the digest (contract section 2:
# updated_at, changed_at, the ledgers' run times and insertion times). Everything else must replay.
OPERATIONAL = {
    **{table: ("created_at",) for table in (*HISTORY_TABLES, "commitment_utilization_daily")},
    "resource_change_events": ("changed_at",),
    "driftworld.tick_ledger": ("started_at", "finished_at", "duration_ms", "created_at"),
    "driftworld.shadow_state": ("taken_at",),
    "driftworld.waste_ledger": ("created_at",),
    "driftworld.world_settings": ("created_at",),
}
FIRST_DAY = END_DATE - dt.timedelta(days=SMALL_WORLD.days - 1)
SEEDED_WASTE = (
    "idle_instance",
    "gp2_volume",
    "unattached_volume",
    "old_snapshot",
    "s3_bucket_without_lifecycle",
    "multi_az_non_prod_rds",
    "orphaned_elastic_ip",
    "unused_lambda",
    "log_group_without_retention",
    "underused_commitment",
)


def digest_tables(conn: Conn) -> list[str]:
    public = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'"
    ).fetchall()
    return sorted(str(r["table_name"]) for r in public) + [f"driftworld.{t}" for t in ENGINE_TABLES]


def primary_key(conn: Conn, table: str) -> list[str]:
    rows = conn.execute(
        "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
        "where i.indrelid = %s::regclass and i.indisprimary order by array_position(i.indkey, a.attnum)",
        (table,),
    ).fetchall()
    return [str(r["attname"]) for r in rows]


def world_digest(db: Database) -> dict[str, str]:
    """A digest of every column of every table ("table.column"), rows in primary-key order, plus row counts
    ("table#rows"); operational columns are left out."""
    digests: dict[str, str] = {}
    with db.connect() as conn:
        for table in digest_tables(conn):
            excluded = {"updated_at", *OPERATIONAL.get(table, ())}
            columns = [
                str(r["attname"])
                for r in conn.execute(
                    "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 "
                    "and not attisdropped order by attnum",
                    (table,),
                ).fetchall()
                if r["attname"] not in excluded
            ]
            order = ", ".join(primary_key(conn, table)) or ", ".join(columns)
            parts = ", ".join(
                f"md5(coalesce(string_agg(coalesce({sql_name(c)}::text, '<null>'), E'\\n' order by {order}), '')) "
                f"as {sql_name(c)}"
                for c in columns
            )
            row = conn.execute(f'select count(*) as "#rows", {parts} from {table}').fetchone()
            assert row is not None
            digests[f"{table}#rows"] = str(row.pop("#rows"))
            digests.update({f"{table}.{column}": str(value) for column, value in row.items()})
    return digests


def sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def differences(left: dict[str, str], right: dict[str, str]) -> list[str]:
    return sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))


def seeded_copy(cluster: LocalCluster, migrated_template: str, request: SeedRequest) -> Database:
    db = clone(cluster, migrated_template)
    with db.connect() as conn:
        seed_world(conn, request)
    return db


def scalar(conn: Conn, sql: str, *params: object) -> object:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return next(iter(row.values()))


# -- determinism ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_digest(cluster: LocalCluster, migrated_template: str) -> dict[str, str]:
    return world_digest(seeded_copy(cluster, migrated_template, SMALL_WORLD))


def test_the_same_seed_gives_identical_rows_in_two_databases(
    cluster: LocalCluster, migrated_template: str, reference_digest: dict[str, str]
) -> None:
    calls: list[tuple[int, int]] = []
    second = clone(cluster, migrated_template)
    with second.connect() as conn:
        seed_world(conn, SMALL_WORLD, progress=lambda done, total: calls.append((done, total)))
    digest = world_digest(second)
    differing = differences(digest, reference_digest)
    assert differing == [], f"columns that differ between two seedings with the same seed: {differing}"
    empty = [k for k, n in digest.items() if k.endswith("#rows") and n == "0"]
    assert empty == ["action_audit_log#rows", "recommendations#rows"], "only the agents' own tables are empty"
    accounts = SMALL_WORLD.orgs * SMALL_WORLD.accounts_per_org
    assert calls and calls[-1] == (accounts * SMALL_WORLD.days, accounts * SMALL_WORLD.days)


def test_batching_does_not_change_the_world(
    cluster: LocalCluster, migrated_template: str, reference_digest: dict[str, str]
) -> None:
    one_by_one = seeded_copy(cluster, migrated_template, dataclasses.replace(SMALL_WORLD, batch_size=1))
    differing = differences(world_digest(one_by_one), reference_digest)
    # seed_parameters records the request, batch_size included; nothing else may differ
    assert differing == ["driftworld.world_settings.seed_parameters"], f"columns that differ: {differing}"


def test_another_seed_gives_another_world(
    cluster: LocalCluster, migrated_template: str, reference_digest: dict[str, str]
) -> None:
    other = world_digest(seeded_copy(cluster, migrated_template, dataclasses.replace(SMALL_WORLD, seed=8)))
    changed = set(differences(other, reference_digest))
    for column in ("organizations.id", "cloud_accounts.id", "instances.instance_id", "metrics_daily.metric_payload"):
        assert column in changed, column
    assert "driftworld.waste_ledger.resource_id" in changed


def test_reseeding_needs_reset_and_reset_gives_the_same_world(
    seeded_db: Database, reference_digest: dict[str, str]
) -> None:
    before = world_digest(seeded_db)
    with seeded_db.connect() as conn:
        with pytest.raises(WorldExists):
            seed_world(conn, SMALL_WORLD)
        with pytest.raises(WorldExists):
            seed_world(conn, dataclasses.replace(SMALL_WORLD, seed=8))
    assert world_digest(seeded_db) == before, "a refused reseed must change nothing"
    with seeded_db.connect() as conn:
        conn.execute("insert into action_audit_log (action) values ('stop_instance')")
        conn.commit()
        summary = seed_world(conn, SMALL_WORLD, reset=True)
        assert summary.accounts == SMALL_WORLD.orgs * SMALL_WORLD.accounts_per_org
        assert (summary.first_day, summary.last_day) == (FIRST_DAY, END_DATE)
    differing = differences(world_digest(seeded_db), reference_digest)
    assert differing == [], f"reset then seed must give the same world; columns that differ: {differing}"


# -- invariants of the seeded world ----------------------------------------------------------------


@pytest.fixture(scope="module")
def world(cluster: LocalCluster, seeded_template: str) -> Database:
    """The seeded template itself, read only (cheaper than a clone per test)."""
    return Database(cluster.url(seeded_template), "test")


def test_settings_and_summary(world: Database) -> None:
    with world.connect() as conn:
        settings = conn.execute(
            "select world_seed, clock_mode, seed_parameters from driftworld.world_settings"
        ).fetchall()
        assert len(settings) == 1
        assert settings[0]["world_seed"] == SMALL_WORLD.seed
        assert settings[0]["clock_mode"] == SMALL_WORLD.clock_mode
        parameters = settings[0]["seed_parameters"]
        assert isinstance(parameters, dict) and parameters["end_date"] == END_DATE.isoformat()
        summary = summarize(conn)
    assert summary.orgs == SMALL_WORLD.orgs
    assert summary.accounts == SMALL_WORLD.orgs * SMALL_WORLD.accounts_per_org
    assert (summary.first_day, summary.last_day) == (FIRST_DAY, END_DATE)
    assert set(summary.resources) == set(RESOURCE_TABLES)
    assert all(n > 0 for n in summary.resources.values())
    assert summary.daily_cost > 0


def test_account_estates_have_the_default_shape(world: Database) -> None:
    with world.connect() as conn:
        accounts = [r["id"] for r in conn.execute("select id from cloud_accounts").fetchall()]
        for account in accounts:

            def count(table: str, where: str = "true", account: object = account) -> int:
                value = scalar(conn, f"select count(*) from {table} where account_id = %s and {where}", account)
                assert isinstance(value, int)
                return value

            assert 3 <= count("autoscaling_groups") <= 5
            assert count("instances", "autoscaling_group_id is null and state = 'running'") >= 10
            assert count("instances", "state = 'stopped'") >= 1
            assert count("rds_instances") >= 3
            assert 2 <= count("cache_clusters") <= 4
            assert 2 <= count("load_balancers") <= 5
            assert 3 <= count("elastic_ips") <= 8
            assert count("lambda_functions") >= 8
            assert count("log_groups") >= 8
            assert 2 <= count("commitments") <= 3
            assert count("container_clusters") >= 1 and count("container_nodes") >= 1
            assert count("container_services") >= 1
            assert count("managed_services") >= 1 and count("streaming_clusters") >= 1
            assert count("resource_tags") >= 1 and count("api_clients") >= 1
            assert count("s3_buckets", "lifecycle_policy is not null or lifecycle_rules is not null") > count(
                "s3_buckets", "lifecycle_policy is null and lifecycle_rules is null"
            ), "most buckets have lifecycle rules"
        envs = {r["env"] for r in conn.execute("select distinct env from instances").fetchall()}
        assert envs == {"prod", "staging", "dev"}
        secrets = conn.execute("select access_key_id, secret_key_hash from api_clients").fetchall()
        for row in secrets:
            assert str(row["access_key_id"]).startswith("AKIA") and len(str(row["access_key_id"])) == 20
            assert len(str(row["secret_key_hash"])) >= 40


def test_asg_members_match_their_group_and_run_desired_capacity(world: Database) -> None:
    with world.connect() as conn:
        mismatched = conn.execute(
            "select i.instance_id, i.env, i.instance_type, g.env as group_env, g.instance_type as group_type "
            "from instances i join autoscaling_groups g on g.id = i.autoscaling_group_id "
            "where i.env <> g.env or i.instance_type <> g.instance_type or i.account_id <> g.account_id"
        ).fetchall()
        assert mismatched == []
        groups = conn.execute(
            "select g.name, g.min_size, g.max_size, g.desired_capacity, "
            "(select count(*) from instances i where i.autoscaling_group_id = g.id and i.state = 'running') as running "
            "from autoscaling_groups g"
        ).fetchall()
    assert groups
    for group in groups:
        low, high, desired = (int(str(group[k])) for k in ("min_size", "max_size", "desired_capacity"))
        assert low <= desired <= high, group
        assert group["running"] == max(low, min(high, desired)), group
        assert 2 <= desired <= 5, group


def test_attached_volumes_point_at_existing_instances(world: Database) -> None:
    with world.connect() as conn:
        dangling = conn.execute(
            "select v.volume_id, v.attached_instance_id from volumes v where v.attached_instance_id is not null "
            "and not exists (select 1 from instances i where i.instance_id = v.attached_instance_id "
            "and i.account_id = v.account_id)"
        ).fetchall()
        assert dangling == []
        states = conn.execute(
            "select state, attached_instance_id is not null as attached, count(*) as n from volumes group by 1, 2"
        ).fetchall()
        by_state = {(r["state"], r["attached"]): int(str(r["n"])) for r in states}
        assert set(by_state) == {("in-use", True), ("available", False)}, by_state
        assert by_state[("in-use", True)] > by_state[("available", False)], "most volumes are in use"
        eips = conn.execute(
            "select e.allocation_id from elastic_ips e where e.associated_instance_id is not null "
            "and not exists (select 1 from instances i where i.instance_id = e.associated_instance_id "
            "and i.state = 'running')"
        ).fetchall()
        assert eips == [], "associated elastic IPs point at running instances"
        snapshots = conn.execute(
            "select s.snapshot_id from snapshots s where s.retention_policy is not null "
            "and not exists (select 1 from volumes v where v.volume_id = s.source_volume_id)"
        ).fetchall()
        assert snapshots == [], "snapshots under a retention policy come from real volumes"


def test_every_account_has_every_day_in_every_daily_table(world: Database) -> None:
    with world.connect() as conn:
        accounts = {r["id"] for r in conn.execute("select id from cloud_accounts").fetchall()}
        assert len(accounts) == SMALL_WORLD.orgs * SMALL_WORLD.accounts_per_org
        for table in HISTORY_TABLES:
            rows = conn.execute(
                f"select account_id, count(distinct date) as days, min(date) as first, max(date) as last "
                f"from {table} group by account_id"
            ).fetchall()
            assert {r["account_id"] for r in rows} == accounts, table
            for row in rows:
                assert (row["days"], row["first"], row["last"]) == (SMALL_WORLD.days, FIRST_DAY, END_DATE), table
        flows = conn.execute(
            "select account_id, date, count(*) as n from data_transfer_daily group by account_id, date"
        ).fetchall()
        assert len(flows) == len(accounts) * SMALL_WORLD.days
        assert {int(str(r["n"])) for r in flows} <= {2, 3}
        directions = conn.execute("select distinct direction from data_transfer_daily").fetchall()
        assert {"cross-region", "egress"} <= {r["direction"] for r in directions}
        # every bucket and log group has a row per day; every running instance too
        for table, key, parent in (
            ("s3_bucket_usage_daily", "bucket_id", "s3_buckets"),
            ("log_group_usage_daily", "log_group_id", "log_groups"),
        ):
            missing = scalar(
                conn,
                f"select count(*) from {parent} p cross join generate_series(%s::date, %s::date, '1 day') d "
                f"where not exists (select 1 from {table} h where h.{key} = p.id and h.date = d::date)",
                FIRST_DAY,
                END_DATE,
            )
            assert missing == 0, table
        per_day = conn.execute(
            "select i.instance_id, count(m.*) as n from instances i left join metrics_daily m "
            "on m.resource_type = 'instances' and m.resource_id = i.instance_id where i.state = 'running' "
            "group by i.instance_id"
        ).fetchall()
        assert {r["n"] for r in per_day} == {SMALL_WORLD.days}


def test_metrics_use_the_plural_table_names(world: Database) -> None:
    with world.connect() as conn:
        types = {r["resource_type"] for r in conn.execute("select distinct resource_type from metrics_daily")}
        payload_keys = conn.execute(
            "select distinct jsonb_object_keys(metric_payload) as k from metrics_daily "
            "where resource_type = 'instances'"
        ).fetchall()
    assert "instances" in types
    assert "instance" not in types
    assert types <= set(RESOURCE_TABLES), types - set(RESOURCE_TABLES)
    assert {"cpu_avg", "cpu_max", "memory_avg", "network_in_mb", "network_out_mb", "instance_type", "env"} <= {
        r["k"] for r in payload_keys
    }


def test_instance_costs_stay_within_the_walk_bounds(world: Database) -> None:
    with world.connect() as conn:
        rows = conn.execute(
            "select i.instance_type, i.hourly_cost, m.estimated_daily_cost as cost from metrics_daily m "
            "join instances i on i.instance_id = m.resource_id and i.account_id = m.account_id "
            "where m.resource_type = 'instances'"
        ).fetchall()
        stopped = scalar(
            conn,
            "select count(*) from metrics_daily m join instances i on i.instance_id = m.resource_id "
            "where m.resource_type = 'instances' and i.state <> 'running'",
        )
    assert rows
    assert stopped == 0, "a stopped instance gets no cost row"
    for row in rows:
        hourly = float(str(row["hourly_cost"]))
        assert hourly == pytest.approx(catalogue.ec2_hourly(str(row["instance_type"])))
        anchor = hourly * 24
        assert 0.5 * anchor - 1e-4 <= float(str(row["cost"])) <= 3.0 * anchor + 1e-4, row


def test_other_costs_follow_the_list_prices(world: Database) -> None:
    with world.connect() as conn:

        def metric_rows(table: str, key: str) -> list[dict[str, object]]:
            return conn.execute(
                f"select r.*, m.estimated_daily_cost as cost from metrics_daily m join {table} r "
                f"on r.{key}::text = m.resource_id and r.account_id = m.account_id where m.resource_type = %s",
                (table,),
            ).fetchall()

        def f(value: object) -> float:
            return float(str(value))

        eips = metric_rows("elastic_ips", "allocation_id")
        assert eips and {f(r["cost"]) for r in eips} == {0.12}
        volumes = metric_rows("volumes", "volume_id")
        assert volumes
        for r in volumes:
            assert f(r["monthly_cost"]) == pytest.approx(
                catalogue.ebs_monthly(str(r["volume_type"]), int(str(r["size_gib"])))
            )
            assert f(r["cost"]) == pytest.approx(round(f(r["monthly_cost"]) / 30, 4), abs=1e-4)
        snapshots = metric_rows("snapshots", "snapshot_id")
        assert snapshots
        for r in snapshots:
            assert f(r["monthly_cost"]) == pytest.approx(catalogue.snapshot_monthly(int(str(r["size_gib"]))))
            assert f(r["cost"]) == pytest.approx(f(r["monthly_cost"]) / 30, abs=1e-4)
        rds = metric_rows("rds_instances", "db_instance_id")
        assert rds
        for r in rds:
            assert f(r["hourly_cost"]) == pytest.approx(
                catalogue.rds_hourly(str(r["instance_class"]), bool(r["multi_az"]))
            )
            assert f(r["storage_monthly_cost"]) == pytest.approx(
                catalogue.rds_storage_monthly(int(str(r["allocated_storage_gib"])))
            )
            expected = f(r["storage_monthly_cost"]) / 30 + (
                f(r["hourly_cost"]) * 24 if r["state"] == "available" else 0
            )
            assert f(r["cost"]) == pytest.approx(expected, abs=1e-4)
        caches = metric_rows("cache_clusters", "cluster_id")
        assert caches
        for r in caches:
            assert f(r["hourly_cost"]) == pytest.approx(
                catalogue.cache_hourly(str(r["node_type"]), int(str(r["num_nodes"])))
            )
            assert f(r["cost"]) == pytest.approx(f(r["hourly_cost"]) * 24, abs=1e-4)
        lbs = metric_rows("load_balancers", "lb_arn")
        assert lbs
        for r in lbs:
            assert f(r["hourly_cost"]) == pytest.approx(catalogue.lb_hourly(str(r["type"])))
            assert f(r["cost"]) == pytest.approx(f(r["hourly_cost"]) * 24, abs=1e-4)
        for table in ("container_nodes", "managed_services", "streaming_clusters"):
            rows = metric_rows(table, "id")
            assert rows, table
            for r in rows:
                assert f(r["cost"]) == pytest.approx(f(r["hourly_cost"]) * 24, abs=1e-4), table
        for r in metric_rows("managed_services", "id"):
            assert f(r["hourly_cost"]) == pytest.approx(
                catalogue.managed_hourly(str(r["instance_type"]), int(str(r["node_count"])))
            )
        lambdas = conn.execute(
            "select (m.metric_payload->>'invocations')::bigint as inv, (m.metric_payload->>'duration_ms_avg')::float "
            "as ms, l.memory_mb, l.provisioned_concurrency as pc, m.estimated_daily_cost as cost "
            "from metrics_daily m join lambda_functions l on l.id::text = m.resource_id "
            "where m.resource_type = 'lambda_functions'"
        ).fetchall()
        assert lambdas
        for r in lambdas:
            expected = catalogue.lambda_daily(
                int(str(r["inv"])), float(str(r["ms"])), int(str(r["memory_mb"])), int(str(r["pc"] or 0))
            )
            assert f(r["cost"]) == pytest.approx(expected, abs=2e-4)
        transfers = conn.execute("select direction, gb_transferred, estimated_transfer_cost from data_transfer_daily")
        for r in transfers:
            expected = f(r["gb_transferred"]) * catalogue.TRANSFER_GB[str(r["direction"])]
            assert f(r["estimated_transfer_cost"]) == pytest.approx(expected, abs=1e-4)
        buckets = conn.execute("select * from s3_bucket_usage_daily").fetchall()
        for r in buckets:
            storage = (
                f(r["storage_gb_standard"]) * catalogue.S3_GB_MONTH["standard"]
                + f(r["storage_gb_ia"]) * catalogue.S3_GB_MONTH["ia"]
                + f(r["storage_gb_glacier"]) * catalogue.S3_GB_MONTH["glacier"]
            ) / 30
            assert f(r["estimated_storage_cost"]) == pytest.approx(storage, abs=2e-4)
            requests = f(r["requests_count"]) / 1000 * catalogue.S3_PER_THOUSAND_REQUESTS
            assert f(r["estimated_request_cost"]) == pytest.approx(requests, abs=1e-4)
        logs = conn.execute("select * from log_group_usage_daily").fetchall()
        for r in logs:
            assert f(r["estimated_ingestion_cost"]) == pytest.approx(f(r["ingested_gb"]) * 0.50, abs=1e-4)
            assert f(r["estimated_storage_cost"]) == pytest.approx(f(r["stored_gb"]) * 0.03 / 30, abs=1e-4)


HEALTHY_AVERAGES = {
    "instances": ("state = 'running'", ("avg_cpu_7d", "avg_network_7d", "current_cpu", "current_memory")),
    "rds_instances": ("state = 'available'", ("avg_cpu_7d", "avg_connections_7d", "current_cpu")),
    "cache_clusters": ("true", ("avg_cpu_7d", "avg_memory_7d", "avg_connections_7d", "current_cpu")),
    "load_balancers": ("true", ("avg_request_count_7d", "current_request_count", "healthy_target_count")),
    "lambda_functions": ("true", ("invocations_7d", "avg_duration_ms_7d", "avg_memory_used_mb_7d")),
    "container_nodes": ("state = 'running'", ("avg_cpu_7d", "avg_memory_7d")),
    "container_services": ("true", ("avg_cpu_7d", "avg_memory_7d")),
    "managed_services": ("true", ("avg_cpu_7d", "avg_memory_7d")),
    "streaming_clusters": ("true", ("avg_usage_mbps_7d",)),
    "autoscaling_groups": ("desired_capacity > 0", ("current_utilization",)),
}


@pytest.mark.parametrize("table", sorted(HEALTHY_AVERAGES))
def test_no_healthy_running_resource_has_a_zero_or_null_average(world: Database, table: str) -> None:
    where, columns = HEALTHY_AVERAGES[table]
    bad = " or ".join(f"coalesce(r.{c}, 0) <= 0" for c in columns)
    with world.connect() as conn:
        healthy = scalar(
            conn,
            f"select count(*) from {table} r join driftworld.workload_profiles p "
            f"on p.resource_table = %s and p.resource_id = r.id where p.profile in ('prod', 'nonprod') and {where}",
            table,
        )
        offenders = conn.execute(
            f"select r.id, {', '.join('r.' + c for c in columns)} from {table} r join driftworld.workload_profiles p "
            f"on p.resource_table = %s and p.resource_id = r.id "
            f"where p.profile in ('prod', 'nonprod') and {where} and ({bad})",
            (table,),
        ).fetchall()
        unprofiled = scalar(
            conn,
            f"select count(*) from {table} r where not exists (select 1 from driftworld.workload_profiles p "
            f"where p.resource_table = %s and p.resource_id = r.id)",
            table,
        )
    assert isinstance(healthy, int) and healthy > 0, f"no healthy {table} to check"
    assert offenders == [], f"healthy {table} with a zero or null average: {offenders[:3]}"
    if table != "autoscaling_groups":
        assert unprofiled == 0, f"{table} rows without a workload profile"


def test_healthy_instances_look_healthy(world: Database) -> None:
    with world.connect() as conn:
        rows = conn.execute(
            "select i.env, p.profile, i.avg_cpu_7d from instances i join driftworld.workload_profiles p "
            "on p.resource_table = 'instances' and p.resource_id = i.id "
            "where i.state = 'running' and p.profile in ('prod', 'nonprod')"
        ).fetchall()
    assert rows
    for row in rows:
        cpu = float(str(row["avg_cpu_7d"]))
        if row["env"] == "prod":
            assert 40.0 <= cpu <= 70.0, row
        else:
            assert cpu >= 27.0, row


def test_seeded_waste_is_in_the_ground_truth_and_all_non_prod(world: Database) -> None:
    with world.connect() as conn:
        waste = conn.execute(
            "select account_id, scenario, resource_table, resource_id, injected_on, daily_cost, resolved_on "
            "from driftworld.waste_ledger"
        ).fetchall()
        accounts = [r["id"] for r in conn.execute("select id from cloud_accounts").fetchall()]
        assert waste
        per_account = Counter((r["account_id"], r["scenario"]) for r in waste)
        for account in accounts:
            for scenario in SEEDED_WASTE:
                assert 1 <= per_account[(account, scenario)] <= 3, (account, scenario)
        for row in waste:
            table = str(row["resource_table"])
            assert row["resolved_on"] is None
            assert isinstance(row["injected_on"], dt.date) and row["injected_on"] <= FIRST_DAY
            resource = conn.execute(
                f"select to_jsonb(r) as j from {table} r where r.id = %s and r.account_id = %s",
                (row["resource_id"], row["account_id"]),
            ).fetchone()
            assert resource is not None, f"waste points at a missing {table} row"
            data = resource["j"]
            assert isinstance(data, dict)
            env = data.get("env") or (data.get("tags") or {}).get("env")
            assert env != "prod", f"seeded waste in prod: {row['scenario']} {data}"
            if table != "commitments":
                assert env in ("dev", "staging"), (row["scenario"], env)
            profile = scalar(
                conn,
                "select profile from driftworld.workload_profiles where resource_table = %s and resource_id = %s",
                table,
                row["resource_id"],
            )
            assert profile != "prod"
        unexpected = {r["scenario"] for r in waste} - set(SEEDED_WASTE)
        assert unexpected == set()


def test_seeded_waste_looks_like_waste(world: Database) -> None:
    checks = {
        "idle_instance": "select count(*) from instances r where r.id = %s and r.avg_cpu_7d < 5",
        "unattached_volume": "select count(*) from volumes r where r.id = %s and r.state = 'available' "
        "and r.attached_instance_id is null",
        "gp2_volume": "select count(*) from volumes r where r.id = %s and r.volume_type = 'gp2'",
        "old_snapshot": "select count(*) from snapshots r where r.id = %s and r.retention_policy is null "
        "and not exists (select 1 from volumes v where v.volume_id = r.source_volume_id)",
        "orphaned_elastic_ip": "select count(*) from elastic_ips r where r.id = %s and r.state = 'unassociated'",
        "s3_bucket_without_lifecycle": "select count(*) from s3_buckets r where r.id = %s "
        "and r.lifecycle_policy is null and r.lifecycle_rules is null",
        "log_group_without_retention": "select count(*) from log_groups r where r.id = %s "
        "and r.retention_days is null and r.retention_in_days is null",
        "multi_az_non_prod_rds": "select count(*) from rds_instances r where r.id = %s and r.multi_az",
        "unused_lambda": "select count(*) from lambda_functions r where r.id = %s and r.invocations_7d = 0",
        "underused_commitment": "select (max(r.utilization_percent) < 60 and count(*) = "
        f"{SMALL_WORLD.days})::int from commitment_utilization_daily r where r.commitment_id = %s",
    }
    with world.connect() as conn:
        waste = conn.execute("select scenario, resource_id from driftworld.waste_ledger").fetchall()
        for row in waste:
            assert scalar(conn, checks[str(row["scenario"])], row["resource_id"]) == 1, row


def test_the_tick_ledger_has_one_seed_row_per_account_and_day(world: Database) -> None:
    with world.connect() as conn:
        rows = conn.execute(
            "select account_id, virtual_date, source, rows_appended from driftworld.tick_ledger"
        ).fetchall()
        accounts = {r["id"] for r in conn.execute("select id from cloud_accounts").fetchall()}
    assert {r["source"] for r in rows} == {"seed"}
    keys = Counter((r["account_id"], r["virtual_date"]) for r in rows)
    expected = {(a, FIRST_DAY + dt.timedelta(days=d)) for a in accounts for d in range(SMALL_WORLD.days)}
    assert set(keys) == expected
    assert set(keys.values()) == {1}
    assert all(isinstance(r["rows_appended"], dict) and r["rows_appended"].get("metrics_daily", 0) > 0 for r in rows)


def test_org_id_is_never_null_and_always_the_accounts_org(world: Database) -> None:
    with world.connect() as conn:
        tables = [
            str(r["table_name"])
            for r in conn.execute(
                "select table_name from information_schema.columns where table_schema = 'public' "
                "and column_name = 'org_id' and table_name in "
                "(select table_name from information_schema.tables where table_schema = 'public' "
                "and table_type = 'BASE TABLE')"
            ).fetchall()
        ]
        assert len(tables) >= 25
        for table in tables:
            nulls = scalar(conn, f"select count(*) from {table} where org_id is null")
            assert nulls == 0, table
            if table not in ("cloud_accounts",):
                wrong = scalar(
                    conn,
                    f"select count(*) from {table} t join cloud_accounts a on a.id = t.account_id "
                    f"where t.org_id <> a.org_id",
                )
                assert wrong == 0, table


def test_prod_rows_are_recommend_only_and_locked(world: Database) -> None:
    with world.connect() as conn:
        for table, cols in WORLD_TABLES.items():
            if {"env", "optimization_policy"} <= set(cols):
                bad = scalar(
                    conn,
                    f"select count(*) from {table} where env = 'prod' "
                    f"and (optimization_policy <> 'recommend_only' or not optimization_policy_locked)",
                )
                assert bad == 0, table
