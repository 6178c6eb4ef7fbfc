"""One tick on a real database: what it appends, what it updates, what it never touches (contract sections 2-3, 6)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

import driftworld
from driftworld.engine.tick import InvalidTickRequest, TickResult
from driftworld.model.rules import instance_cost
from driftworld.seeder import seed_world
from driftworld.service.replies import tick_reply
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from driftworld.store.world_io import HISTORY_TABLES
from tests.conftest import END_DATE, SMALL_WORLD, clone
from tests.helpers import clocks, execute, one, rows

DAY1 = END_DATE + dt.timedelta(days=1)  # 2026-04-01, a Wednesday
HISTORY = HISTORY_TABLES
# Columns that record when something really happened (contract section 2): left out of world digests.
OPERATIONAL = ("updated_at", "changed_at", "taken_at", "started_at", "finished_at", "requested_at", "executed_at")
APPENDED_ON_THE_DAY = (*HISTORY, "resource_change_events", "tick_ledger", "waste_ledger", "action_audit_log")


def history_counts(db: Database) -> dict[str, int]:
    return {t: int(one(db, f"select count(*) from {t}")) for t in HISTORY}


def by_status(result: TickResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for account in result.accounts:
        counts[account.status] = counts.get(account.status, 0) + 1
    return counts


def past_checksums(db: Database, before: dt.date) -> dict[str, str]:
    """A digest of every daily row, event and ledger row dated before `before`."""
    dated = {t: "date" for t in HISTORY} | {"resource_change_events": "virtual_date"}
    sums = {
        table: one(
            db,
            f"select md5(coalesce(string_agg(t::text, '|' order by t.id), '')) from {table} t where {column} < %s",
            (before,),
        )
        for table, column in dated.items()
    }
    sums["tick_ledger"] = one(
        db,
        "select md5(coalesce(string_agg(t::text, '|' order by account_id, virtual_date), '')) "
        "from driftworld.tick_ledger t where virtual_date < %s",
        (before,),
    )
    return sums


def world_digest(db: Database, wall_clock: tuple[str, ...] = ()) -> dict[str, str]:
    """A digest per table of everything in the world, apart from operational timestamps (and the
    `wall_clock` columns)."""
    tables = rows(
        db,
        "select table_schema || '.' || table_name as name, table_name from information_schema.tables "
        "where table_schema in ('public', 'driftworld') and table_type = 'BASE TABLE' order by 1",
    )
    digest = {}
    for table in tables:
        left_out = [*OPERATIONAL, *wall_clock]
        if table["table_name"] in APPENDED_ON_THE_DAY:
            left_out += ["created_at", "duration_ms"]
        digest[table["name"]] = one(
            db,
            f"select count(*) || ':' || coalesce(md5(string_agg(x, '|' order by x)), '') "
            f"from (select (to_jsonb(t) - %s::text[])::text as x from {table['name']} t) s",
            (left_out,),
        )
    return digest


def disable_scenarios(db: Database) -> None:
    execute(db, "update driftworld.world_settings set drift_intensity = '{\"multiplier\": 0}'")


# -- one tick ----------------------------------------------------------------------------------


def test_one_tick_appends_one_row_per_costing_resource(seeded_db: Database) -> None:
    before = history_counts(seeded_db)
    result = driftworld.tick(seeded_db)
    assert result.ok and by_status(result) == {"simulated": 2}
    assert result.simulated_date == DAY1
    for account in result.accounts:
        assert (account.from_date, account.to_date, account.days_simulated) == (DAY1, DAY1, 1)
        a = account.account_id
        running = {
            r["instance_id"]
            for r in rows(
                seeded_db, "select instance_id from instances where account_id = %s and state = 'running'", (a,)
            )
        }
        metered = rows(
            seeded_db,
            "select resource_id from metrics_daily where account_id = %s and date = %s and resource_type = 'instances'",
            (a, DAY1),
        )
        assert running and sorted(r["resource_id"] for r in metered) == sorted(running)
        for table, key, daily in [
            ("s3_buckets", "bucket_id", "s3_bucket_usage_daily"),
            ("log_groups", "log_group_id", "log_group_usage_daily"),
        ]:
            ids = [r["id"] for r in rows(seeded_db, f"select id from {table} where account_id = %s", (a,))]
            appended = [
                r[key]
                for r in rows(seeded_db, f"select {key} from {daily} where account_id = %s and date = %s", (a, DAY1))
            ]
            assert ids and sorted(appended) == sorted(ids), table
        flows = rows(
            seeded_db,
            "select source_region, dest_region, direction from data_transfer_daily where account_id = %s and date = %s",
            (a, DAY1),
        )
        assert 2 <= len(flows) <= 3
        active = {
            r["id"]
            for r in rows(
                seeded_db,
                "select id from commitments where account_id = %s and (start_date is null or start_date <= %s) "
                "and (end_date is null or end_date >= %s)",
                (a, DAY1, DAY1),
            )
        }
        used = rows(
            seeded_db,
            "select commitment_id from commitment_utilization_daily where account_id = %s and date = %s",
            (a, DAY1),
        )
        assert active and sorted(r["commitment_id"] for r in used) == sorted(active)
        # what the result says it appended is what the tables hold for the day
        for table in HISTORY:
            on_day = one(seeded_db, f"select count(*) from {table} where account_id = %s and date = %s", (a, DAY1))
            assert account.rows_appended[table] == on_day, table
    after = history_counts(seeded_db)
    assert {t: after[t] - before[t] for t in HISTORY} == result.rows_appended


SEVEN_DAY_MEANS = (
    "select i.instance_id, i.avg_cpu_7d, avg((m.metric_payload->>'cpu_avg')::numeric) as mean "
    "from instances i join metrics_daily m on m.account_id = i.account_id and m.resource_type = 'instances' "
    "and m.resource_id = i.instance_id and m.date between %s::date - 6 and %s where i.state = 'running' "
    "group by i.instance_id, i.avg_cpu_7d"
)


def assert_seven_day_means(db: Database, day: dt.date) -> None:
    week = rows(db, SEVEN_DAY_MEANS, (day, day))
    assert week
    for w in week:
        assert float(w["avg_cpu_7d"]) == pytest.approx(float(w["mean"]), abs=0.006), w["instance_id"]


def test_seven_day_columns_follow_history_through_stops_and_without_kept_windows(seeded_db: Database) -> None:
    """The window kept with each profile rolls over days a resource was stopped, and a profile without
    one (an older world, another tool's) is read back from metrics_daily: both give the history's mean."""
    driftworld.tick(seeded_db)
    target = one(seeded_db, "select id from instances where state = 'running' and env <> 'prod' limit 1")
    execute(seeded_db, "update instances set state = 'stopped' where id = %s", (target,))
    driftworld.tick(seeded_db, days=2)
    execute(seeded_db, "update instances set state = 'running' where id = %s", (target,))
    driftworld.tick(seeded_db)
    assert_seven_day_means(seeded_db, DAY1 + dt.timedelta(days=3))
    execute(seeded_db, "update driftworld.workload_profiles set recent = null")
    driftworld.tick(seeded_db)
    assert_seven_day_means(seeded_db, DAY1 + dt.timedelta(days=4))
    assert one(seeded_db, "select count(*) from driftworld.workload_profiles where recent is not null") > 0


RUNNING_PROFILES = (
    "select p.resource_id, p.walk_value, p.recent->>'through' as through from driftworld.workload_profiles p "
    "join instances i on i.id = p.resource_id where i.state = 'running'"
)


def test_each_day_moves_and_keeps_every_running_instance_profile(seeded_db: Database) -> None:
    """The cost walk and the 7-day window of each running instance are written back every day."""
    disable_scenarios(seeded_db)
    before = {r["resource_id"]: r for r in rows(seeded_db, RUNNING_PROFILES)}
    driftworld.tick(seeded_db)
    after = {r["resource_id"]: r for r in rows(seeded_db, RUNNING_PROFILES)}
    assert after and after.keys() == before.keys()
    moved = [i for i in after if after[i]["walk_value"] != before[i]["walk_value"]]
    assert len(moved) >= 0.9 * len(after)  # a walk held at its bound may stay put
    assert {r["through"] for r in after.values()} == {DAY1.isoformat()}


def test_one_tick_updates_live_values_and_seven_day_columns(seeded_db: Database) -> None:
    driftworld.tick(seeded_db)
    instances = rows(
        seeded_db,
        "select i.*, m.metric_payload as p from instances i left join metrics_daily m on m.account_id = i.account_id "
        "and m.resource_type = 'instances' and m.resource_id = i.instance_id and m.date = %s",
        (DAY1,),
    )
    running = [i for i in instances if i["state"] == "running"]
    assert running
    for i in running:
        assert float(i["current_cpu"]) == pytest.approx(i["p"]["cpu_avg"], abs=0.006), i["name"]
        assert float(i["current_memory"]) == pytest.approx(i["p"]["memory_avg"], abs=0.006)
        assert float(i["current_cpu"]) > 0 and float(i["current_memory"]) > 0
        assert i["avg_cpu_7d"] is not None and i["avg_network_7d"] is not None
    for i in instances:
        if i["state"] != "running":
            assert float(i["current_cpu"]) == 0 and float(i["current_memory"]) == 0
            assert i["p"] is None
    # the 7-day average is the mean of the last seven days of metrics, today included
    week = rows(
        seeded_db,
        "select i.instance_id, i.avg_cpu_7d, avg((m.metric_payload->>'cpu_avg')::numeric) as mean, count(*) as n "
        "from instances i join metrics_daily m on m.account_id = i.account_id and m.resource_type = 'instances' "
        "and m.resource_id = i.instance_id and m.date between %s and %s where i.state = 'running' "
        "group by i.instance_id, i.avg_cpu_7d",
        (DAY1 - dt.timedelta(days=6), DAY1),
    )
    assert len(week) == len(running)
    for w in week:
        assert float(w["avg_cpu_7d"]) == pytest.approx(float(w["mean"]), abs=0.006)
    assert max(w["n"] for w in week) == 7
    # every running resource of every kind has live values and rolled 7-day columns
    checks = {
        "rds_instances": "state = 'available' and (current_cpu is null or avg_cpu_7d is null "
        "or avg_connections_7d is null)",
        "cache_clusters": "current_cpu is null or avg_cpu_7d is null or avg_memory_7d is null",
        "load_balancers": "current_request_count is null or avg_request_count_7d is null",
        "lambda_functions": "invocations_7d is null or avg_memory_used_mb_7d is null or estimated_monthly_cost is null",
        "container_nodes": "state = 'running' and (avg_cpu_7d is null or avg_memory_7d is null)",
        "container_services": "avg_cpu_7d is null",
        "managed_services": "avg_cpu_7d is null",
        "streaming_clusters": "avg_usage_mbps_7d is null",
        "autoscaling_groups": "current_utilization is null or (desired_capacity > 0 and current_utilization = 0)",
    }
    for table, missing in checks.items():
        assert one(seeded_db, f"select count(*) from {table} where {missing}") == 0, table
        assert one(seeded_db, f"select count(*) from {table}") > 0, table


def test_a_tick_modifies_no_past_row(seeded_db: Database) -> None:
    driftworld.tick(seeded_db)  # the engine's own history, not only the seeder's
    past = past_checksums(seeded_db, DAY1 + dt.timedelta(days=1))
    result = driftworld.tick(seeded_db, days=2)
    assert result.ok and result.simulated_date == DAY1 + dt.timedelta(days=2)
    assert past_checksums(seeded_db, DAY1 + dt.timedelta(days=1)) == past


def test_a_second_tick_for_the_same_day_is_already_simulated(seeded_db: Database) -> None:
    driftworld.tick(seeded_db)
    counts, digest = history_counts(seeded_db), world_digest(seeded_db)
    again = driftworld.tick(seeded_db, date=DAY1)
    assert again.ok and by_status(again) == {"already_simulated": 2}
    assert all(a.days_simulated == 0 and a.reason for a in again.accounts)
    assert again.rows_appended == dict.fromkeys(HISTORY, 0)
    assert tick_reply(again)["accountsProcessed"] == 0 and tick_reply(again)["simulatedDate"] is None
    assert history_counts(seeded_db) == counts
    assert world_digest(seeded_db) == digest
    earlier = driftworld.tick(seeded_db, date=END_DATE)  # a day before the clock: also nothing to do
    assert by_status(earlier) == {"already_simulated": 2}
    assert history_counts(seeded_db) == counts


def test_days_advances_exactly_that_many_days(seeded_db: Database) -> None:
    result = driftworld.tick(seeded_db, days=3)
    assert result.ok
    last = END_DATE + dt.timedelta(days=3)
    assert set(clocks(seeded_db).values()) == {last}
    for account in result.accounts:
        assert (account.status, account.from_date, account.to_date, account.days_simulated) == (
            "simulated",
            DAY1,
            last,
            3,
        )
        ledger = [
            r["virtual_date"]
            for r in rows(
                seeded_db,
                "select virtual_date from driftworld.tick_ledger where account_id = %s and virtual_date > %s "
                "order by 1",
                (account.account_id, END_DATE),
            )
        ]
        assert ledger == [END_DATE + dt.timedelta(days=i) for i in (1, 2, 3)]
    assert tick_reply(result)["daysSimulated"] == 6


def test_date_brings_every_account_to_that_date(seeded_db: Database) -> None:
    first, second = sorted(clocks(seeded_db))
    driftworld.tick(seeded_db, days=2, account_ids=[first])
    target = END_DATE + dt.timedelta(days=4)
    result = driftworld.tick(seeded_db, date=target)
    assert result.ok
    assert clocks(seeded_db) == {first: target, second: target}
    days = {a.account_id: a.days_simulated for a in result.accounts}
    assert days == {first: 2, second: 4}
    with pytest.raises(InvalidTickRequest):
        driftworld.tick(seeded_db, date=target + dt.timedelta(days=367))
    with pytest.raises(InvalidTickRequest):
        driftworld.tick(seeded_db, days=1, date=target)
    with pytest.raises(InvalidTickRequest):
        driftworld.tick(seeded_db, days=367)
    assert clocks(seeded_db) == {first: target, second: target}


def test_an_account_whose_instances_are_all_stopped_still_advances(seeded_db: Database) -> None:
    first, second = sorted(clocks(seeded_db))
    execute(
        seeded_db, "update autoscaling_groups set min_size = 0, desired_capacity = 0 where account_id = %s", (first,)
    )
    execute(seeded_db, "update instances set state = 'stopped' where account_id = %s", (first,))
    disable_scenarios(seeded_db)  # nothing may launch an instance behind our back
    result = driftworld.tick(seeded_db, days=2)
    assert result.ok and by_status(result) == {"simulated": 2}
    assert clocks(seeded_db) == {first: DAY1 + dt.timedelta(days=1), second: DAY1 + dt.timedelta(days=1)}
    assert (
        one(
            seeded_db,
            "select count(*) from metrics_daily where account_id = %s and date > %s and resource_type = 'instances'",
            (first, END_DATE),
        )
        == 0
    )
    assert one(seeded_db, "select count(*) from instances where account_id = %s and state = 'running'", (first,)) == 0
    # the rest of the account still has its history
    assert one(
        seeded_db, "select count(*) from s3_bucket_usage_daily where account_id = %s and date > %s", (first, END_DATE)
    )


def test_without_a_ledger_the_clock_comes_from_any_daily_table(seeded_db: Database) -> None:
    """A world seeded by another tool whose instances were all stopped lately: no metrics for three days."""
    first, _ = sorted(clocks(seeded_db))
    execute(seeded_db, "delete from driftworld.tick_ledger where account_id = %s", (first,))
    execute(
        seeded_db,
        "delete from metrics_daily where account_id = %s and date > %s",
        (first, END_DATE - dt.timedelta(days=3)),
    )
    assert clocks(seeded_db)[first] == END_DATE
    result = driftworld.tick(seeded_db, account_ids=[first])
    assert result.ok
    (account,) = result.accounts
    assert (account.status, account.from_date) == ("simulated", DAY1)
    assert clocks(seeded_db)[first] == DAY1


def test_an_account_without_history_is_skipped_with_a_reason(seeded_db: Database) -> None:
    org = one(seeded_db, "select id from organizations limit 1")
    empty = uuid.uuid4()
    execute(seeded_db, "insert into cloud_accounts (id, org_id, name) values (%s, %s, 'new-account')", (empty, org))
    execute(
        seeded_db,
        "insert into instances (account_id, instance_id, name, instance_type, region, hourly_cost) "
        "values (%s, 'i-0123456789abcdef0', 'agent-made', 't3.small', 'us-east-1', 0.0208)",
        (empty,),
    )
    result = driftworld.tick(seeded_db)
    assert result.ok
    statuses = {a.account_id: a for a in result.accounts}
    assert statuses[empty].status == "skipped" and statuses[empty].reason
    assert statuses[empty].days_simulated == 0
    assert sum(a.status == "simulated" for a in result.accounts) == 2
    assert one(seeded_db, "select count(*) from metrics_daily where account_id = %s", (empty,)) == 0
    reply = tick_reply(result)
    skipped = next(a for a in reply["accounts"] if a["account_id"] == str(empty))
    assert skipped["status"] == "skipped" and skipped["reason"]


def test_a_weekend_discount_is_never_carried_into_monday(seeded_db: Database) -> None:
    """Friday 3 April to Monday 6 April 2026: Sunday reports 0.70-0.85 of the walk, Monday continues the walk."""
    disable_scenarios(seeded_db)
    cost_sql = (
        "select m.resource_id, m.date, m.estimated_daily_cost as cost, p.walk_value, i.env "
        "from metrics_daily m join instances i on i.instance_id = m.resource_id "
        "join driftworld.workload_profiles p on p.resource_id = i.id and p.resource_table = 'instances' "
        "where m.resource_type = 'instances' and m.date = %s"
    )
    driftworld.tick(seeded_db, date=dt.date(2026, 4, 3))
    friday = {r["resource_id"]: r for r in rows(seeded_db, cost_sql, (dt.date(2026, 4, 3),))}
    driftworld.tick(seeded_db, date=dt.date(2026, 4, 5))
    sunday = {r["resource_id"]: r for r in rows(seeded_db, cost_sql, (dt.date(2026, 4, 5),))}
    driftworld.tick(seeded_db, date=dt.date(2026, 4, 6))
    monday = {r["resource_id"]: r for r in rows(seeded_db, cost_sql, (dt.date(2026, 4, 6),))}
    nonprod = [i for i in monday if monday[i]["env"] != "prod" and i in sunday and i in friday]
    assert len(nonprod) > 10
    low, high = instance_cost.WEEKEND_FACTOR
    for i in nonprod:
        walk = float(sunday[i]["walk_value"])
        assert low - 1e-3 <= float(sunday[i]["cost"]) / walk <= high + 1e-3, i
        assert 0.85 <= float(monday[i]["cost"]) / walk <= 1.10, i
    ratio = sum(float(monday[i]["cost"]) for i in nonprod) / sum(float(friday[i]["cost"]) for i in nonprod)
    assert 0.9 <= ratio <= 1.15


# -- determinism and ownership ------------------------------------------------------------------


def test_two_worlds_ticked_alike_are_identical(
    cluster: LocalCluster, seeded_template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same seed, same ticks (one in a single call in-process, one day by day, account by account in two
    worker processes): same rows, byte for byte."""
    left, right = clone(cluster, seeded_template), clone(cluster, seeded_template)
    monkeypatch.setenv("DRIFTWORLD_TICK_WORKERS", "1")
    assert driftworld.tick(left, days=5).ok
    monkeypatch.setenv("DRIFTWORLD_TICK_WORKERS", "2")
    for _ in range(5):
        assert driftworld.tick(right, days=1, batch_size=1).ok
    ours, theirs = world_digest(left), world_digest(right)
    assert ours["driftworld.tick_ledger"].startswith("30:")  # 2 accounts, 10 seeded and 5 ticked days each
    assert {t for t in ours if ours[t] != theirs[t]} == set()


def timestamp_columns(db: Database) -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                r["column_name"]
                for r in rows(
                    db,
                    "select column_name from information_schema.columns where table_schema in ('public', 'driftworld') "
                    "and data_type = 'timestamp with time zone'",
                )
            }
        )
    )


def test_two_wallclock_worlds_differ_only_in_wall_clock_timestamps(
    cluster: LocalCluster, migrated_template: str
) -> None:
    """In wallclock mode timestamps are real now back-dated by simulated age; everything else replays."""
    worlds = []
    for _ in range(2):
        db = clone(cluster, migrated_template)
        with db.connect() as conn:
            seed_world(conn, dataclasses.replace(SMALL_WORLD, clock_mode="wallclock"))
        assert driftworld.tick(db, days=3).ok
        worlds.append(db)
    wall_clock = timestamp_columns(worlds[0])
    assert {"created_at", "launch_time", "last_active_at"} <= set(wall_clock)
    ours, theirs = (world_digest(db, wall_clock) for db in worlds)
    assert ours["driftworld.tick_ledger"].startswith("26:")  # 2 accounts, 10 seeded and 3 ticked days each
    assert {t for t in ours if ours[t] != theirs[t]} == set()


def test_org_id_is_never_null_on_engine_created_rows(seeded_db: Database) -> None:
    execute(seeded_db, "update driftworld.world_settings set drift_intensity = '{\"multiplier\": 20}'")
    execute(
        seeded_db,
        "update autoscaling_groups set max_size = max_size + 2, desired_capacity = desired_capacity + 2 "
        "where env <> 'prod'",
    )
    result = driftworld.tick(seeded_db, days=4)
    assert result.ok
    created = one(
        seeded_db,
        "select count(*) from resource_change_events where change_source = 'drift_engine' "
        "and field_name = 'created' and virtual_date > %s",
        (END_DATE,),
    )
    assert created > 0
    tables = rows(
        seeded_db,
        "select table_schema || '.' || table_name as name from information_schema.columns "
        "where table_schema = 'public' and column_name = 'org_id' and table_name in "
        "(select table_name from information_schema.tables where table_schema = 'public' "
        "and table_type = 'BASE TABLE')",
    )
    assert len(tables) > 20
    for table in tables:
        assert one(seeded_db, f"select count(*) from {table['name']} where org_id is null") == 0, table["name"]
    wrong = one(
        seeded_db,
        "select count(*) from instances i join cloud_accounts a on a.id = i.account_id where i.org_id <> a.org_id",
    )
    assert wrong == 0


# -- the reply -----------------------------------------------------------------------------------

TOP_KEYS = {
    "ok",
    "simulatedDate",
    "accountsProcessed",
    "daysSimulated",
    "rowsAppended",
    "scenariosTriggered",
    "executionTimeMs",
    "accounts",
}
ACCOUNT_KEYS = {"account_id", "status", "fromDate", "toDate", "durationMs", "reason", "error"}


def check_reply(reply: dict[str, Any], accounts: int, days: int) -> None:
    assert set(reply) == TOP_KEYS
    assert reply["ok"] is True
    assert dt.date.fromisoformat(reply["simulatedDate"]) == END_DATE + dt.timedelta(days=days)
    assert reply["accountsProcessed"] == accounts and reply["daysSimulated"] == accounts * days
    assert set(reply["rowsAppended"]) == set(HISTORY)
    assert all(isinstance(v, int) and v > 0 for v in reply["rowsAppended"].values())
    assert isinstance(reply["executionTimeMs"], int | float) and reply["executionTimeMs"] >= 0
    for scenario in reply["scenariosTriggered"]:
        assert set(scenario) == {"account_id", "date", "scenario"}
        assert scenario["scenario"] == scenario["scenario"].lower() and " " not in scenario["scenario"]
    assert len(reply["accounts"]) == accounts
    for account in reply["accounts"]:
        assert set(account) >= ACCOUNT_KEYS
        assert account["status"] == "simulated" and account["error"] is None
        uuid.UUID(account["account_id"])
        assert dt.date.fromisoformat(account["fromDate"]) == DAY1
        assert dt.date.fromisoformat(account["toDate"]) == END_DATE + dt.timedelta(days=days)
        assert isinstance(account["durationMs"], int | float)
    json.dumps(reply)  # plain JSON all the way down


def test_reply_has_the_contract_shape(seeded_db: Database) -> None:
    result = driftworld.tick(seeded_db, days=2)
    check_reply(tick_reply(result), accounts=2, days=2)


def test_cli_tick_json_prints_the_same_reply(seeded_db: Database) -> None:
    cli = Path(sys.executable).with_name("driftworld")
    done = subprocess.run(
        [str(cli), "tick", "--days", "2", "--json"],
        env={**os.environ, "DATABASE_URL": seeded_db.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    check_reply(json.loads(done.stdout), accounts=2, days=2)
    assert set(clocks(seeded_db).values()) == {END_DATE + dt.timedelta(days=2)}


# -- pitfalls of contract section 7 ----------------------------------------------------------------


def test_a_gap_in_history_never_resets_a_bucket_or_a_log_group(seeded_db: Database) -> None:
    bucket = one(seeded_db, "select id from s3_buckets order by name limit 1")
    group = one(seeded_db, "select id from log_groups where retention_days is null order by name limit 1")
    execute(seeded_db, "delete from s3_bucket_usage_daily where bucket_id = %s and date = %s", (bucket, END_DATE))
    execute(seeded_db, "delete from log_group_usage_daily where log_group_id = %s and date = %s", (group, END_DATE))
    gap = END_DATE - dt.timedelta(days=1)
    total = "select storage_gb_standard + storage_gb_ia + storage_gb_glacier from s3_bucket_usage_daily "
    before = float(one(seeded_db, total + "where bucket_id = %s and date = %s", (bucket, gap)))
    stored = "select stored_gb from log_group_usage_daily where log_group_id = %s and date = %s"
    stored_before = float(one(seeded_db, stored, (group, gap)))
    assert driftworld.tick(seeded_db).ok
    after = float(one(seeded_db, total + "where bucket_id = %s and date = %s", (bucket, DAY1)))
    assert 1.0 <= after / before <= 1.031  # one day's growth on top of the last known day, not a fresh draw
    ingest = float(
        one(
            seeded_db,
            "select ingested_gb from log_group_usage_daily where log_group_id = %s and date = %s",
            (group, DAY1),
        )
    )
    assert float(one(seeded_db, stored, (group, DAY1))) == pytest.approx(stored_before + ingest, abs=1e-3)


def test_idle_resources_stay_idle_and_healthy_ones_stay_busy(seeded_db: Database) -> None:
    """Live values come from each resource's hidden profile, not from its environment's range."""
    driftworld.tick(seeded_db, days=2)
    instances = rows(
        seeded_db,
        "select i.name, i.env, i.current_cpu, i.avg_cpu_7d, i.avg_network_7d, p.profile from instances i "
        "join driftworld.workload_profiles p on p.resource_table = 'instances' and p.resource_id = i.id "
        "where i.state = 'running'",
    )
    idle = [i for i in instances if i["profile"] == "idle"]
    healthy = [i for i in instances if i["profile"] in ("prod", "nonprod")]
    assert idle and healthy
    for i in idle:
        assert float(i["current_cpu"]) < 5 and float(i["avg_cpu_7d"]) < 5 and float(i["avg_network_7d"]) < 5, i
    for i in healthy:
        assert float(i["current_cpu"]) >= 20 and float(i["avg_cpu_7d"]) >= 20, i  # far from any idle rule


def test_a_failing_account_is_reported_and_the_others_commit(seeded_db: Database) -> None:
    first, second = sorted(clocks(seeded_db))
    execute(
        seeded_db,
        "create function public.test_refuse() returns trigger language plpgsql as $$ begin "
        "if new.account_id = '" + str(first) + "' then raise exception 'disk on fire'; end if; return new; end $$",
    )
    execute(
        seeded_db,
        "create trigger test_refuse before insert on log_group_usage_daily for each row "
        "execute function public.test_refuse()",
    )
    counts = history_counts(seeded_db)
    result = driftworld.tick(seeded_db)
    statuses = {a.account_id: a for a in result.accounts}
    assert not result.ok
    assert statuses[first].status == "failed" and "disk on fire" in (statuses[first].error or "")
    assert statuses[second].status == "simulated"
    reply = tick_reply(result)
    assert reply["ok"] is False and "disk on fire" in reply["error"]
    assert clocks(seeded_db) == {first: END_DATE, second: DAY1}
    for table in HISTORY:  # nothing of the failed account-day was written
        assert one(seeded_db, f"select count(*) from {table} where account_id = %s and date = %s", (first, DAY1)) == 0
    assert history_counts(seeded_db)["metrics_daily"] > counts["metrics_daily"]
    execute(seeded_db, "drop trigger test_refuse on log_group_usage_daily")
    retried = driftworld.tick(seeded_db)
    assert retried.ok
    assert clocks(seeded_db) == {first: DAY1, second: DAY1 + dt.timedelta(days=1)}
