"""Ten virtual years of ticks on a tiny world: every invariant holds and nothing overflows (contract section 7)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

import driftworld
from driftworld.model import catalogue
from driftworld.model.kinds import RESOURCE_TABLES
from driftworld.model.rules import instance_cost
from driftworld.seeder import SeedRequest, seed_world
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from tests.conftest import END_DATE, clone
from tests.helpers import rows

TEN_YEARS = 3_650
TINY_WORLD = SeedRequest(orgs=1, accounts_per_org=1, days=3, seed=2026, end_date=END_DATE, clock_mode="virtual")
FIRST_DAY = END_DATE - dt.timedelta(days=TINY_WORLD.days - 1)
LAST_DAY = END_DATE + dt.timedelta(days=TEN_YEARS)
LOOSE = 1e-3  # numeric(12,4) rounding of the stored values


def value(db: Database, query: str, params: Any = None) -> Any:
    return next(iter(rows(db, query, params)[0].values()))


@pytest.fixture(scope="module")
def decade(cluster: LocalCluster, migrated_template: str) -> tuple[Database, float]:
    """The tiny world after ten virtual years, and the seconds the ticks took."""
    db = clone(cluster, migrated_template)
    with db.connect() as conn:
        seed_world(conn, TINY_WORLD)
        # low drift intensity: some injected stacks, without the world quadrupling over the decade
        conn.execute("""update driftworld.world_settings set drift_intensity = '{"multiplier": 0.1}'""")
        conn.commit()
    started = time.perf_counter()
    remaining = TEN_YEARS
    while remaining:
        days = min(remaining, 366)
        result = driftworld.tick(db, days=days)
        assert result.ok, result.failed  # an overflow fails the account-day and shows here
        assert [(a.status, a.days_simulated) for a in result.accounts] == [("simulated", days)]
        remaining -= days
    return db, time.perf_counter() - started


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_ten_years_run_in_time(decade: tuple[Database, float], record_property: Callable[[str, object], None]) -> None:
    db, seconds = decade
    per_day_ms = seconds / TEN_YEARS * 1000
    record_property("ten_year_seconds", round(seconds, 1))
    record_property("ms_per_account_day", round(per_day_ms, 1))
    print(f"\nten virtual years: {seconds:.1f} s, {per_day_ms:.1f} ms per account-day")
    days = [r["virtual_date"] for r in rows(db, "select virtual_date from driftworld.tick_ledger order by 1")]
    assert days == [FIRST_DAY + dt.timedelta(days=i) for i in range(TINY_WORLD.days + TEN_YEARS)]
    assert value(db, "select max(virtual_date) from virtual_clock") == LAST_DAY


@pytest.mark.slow
def test_instance_costs_stay_within_their_bounds(decade: tuple[Database, float]) -> None:
    db, _ = decade
    ratios = rows(
        db,
        "with prices as (select key as instance_type, value::numeric * 24 as anchor from jsonb_each_text(%s::jsonb)) "
        "select m.metric_payload->>'env' = 'prod' as prod, count(*) as n, "
        "min(m.estimated_daily_cost / p.anchor) as low, max(m.estimated_daily_cost / p.anchor) as high, "
        "avg(m.estimated_daily_cost / p.anchor) as mean, "
        "avg(m.estimated_daily_cost / p.anchor) filter (where m.date > %s) as last_year, "
        "count(*) filter (where m.estimated_daily_cost / p.anchor <= %s or m.estimated_daily_cost / p.anchor >= %s) "
        "as near_bound, count(*) filter (where p.anchor is null) as unpriced "
        "from metrics_daily m left join prices p on p.instance_type = m.metric_payload->>'instance_type' "
        "where m.resource_type = 'instances' group by 1",
        (
            json.dumps(catalogue.EC2_HOURLY),
            LAST_DAY - dt.timedelta(days=365),
            instance_cost.LOWER_BOUND * 1.02,
            instance_cost.UPPER_BOUND * 0.98,
        ),
    )
    by_env = {r["prod"]: r for r in ratios}
    assert set(by_env) == {True, False}
    for prod, r in by_env.items():
        assert r["unpriced"] == 0
        assert r["n"] > 10 * 365
        assert float(r["low"]) >= instance_cost.LOWER_BOUND - LOOSE, f"prod={prod} sank to {r['low']:.3f}x"
        assert float(r["high"]) <= instance_cost.UPPER_BOUND + LOOSE, f"prod={prod} rose to {r['high']:.3f}x"
        assert r["near_bound"] / r["n"] < 0.05, f"prod={prod} rests at a bound"
        assert float(r["last_year"]) > 0.8  # no slow sinking (a carried weekend factor) or pinning
    assert by_env[True]["mean"] > by_env[False]["mean"]


@pytest.mark.slow
def test_buckets_stay_under_their_ceilings_and_never_reset(decade: tuple[Database, float]) -> None:
    db, _ = decade
    buckets = rows(
        db,
        "select b.id, b.name, (p.params->>'ceiling_gb')::numeric as ceiling, "
        "(b::text like '%%expiration%%') as expires from s3_buckets b "
        "left join driftworld.workload_profiles p on p.resource_table = 's3_buckets' and p.resource_id = b.id",
    )
    assert buckets and all(b["ceiling"] for b in buckets), "every bucket has a ceiling"
    usage = rows(
        db,
        "select u.bucket_id, count(*) as n, min(least(storage_gb_standard, storage_gb_ia, storage_gb_glacier)) "
        "as lowest_tier, max(storage_gb_standard + storage_gb_ia + storage_gb_glacier) as highest, "
        "max(estimated_storage_cost + estimated_request_cost) as dearest, "
        "min(total - previous) as biggest_drop from ("
        "  select u.*, storage_gb_standard + storage_gb_ia + storage_gb_glacier as total,"
        "  lag(storage_gb_standard + storage_gb_ia + storage_gb_glacier) over (partition by bucket_id order by date)"
        "  as previous from s3_bucket_usage_daily u) u group by 1",
    )
    by_bucket = {u["bucket_id"]: u for u in usage}
    assert set(by_bucket) == {b["id"] for b in buckets}
    for bucket in buckets:
        u = by_bucket[bucket["id"]]
        assert float(u["lowest_tier"]) >= 0
        assert float(u["highest"]) <= float(bucket["ceiling"]) * (1 + 1e-6) + LOOSE, bucket["name"]
        assert float(u["dearest"]) < 1_000
        if not bucket["expires"] and u["n"] > 1:
            assert float(u["biggest_drop"]) >= -LOOSE, f"{bucket['name']} lost bytes without an expiration"


@pytest.mark.slow
def test_stored_logs_stay_within_their_retention_windows(decade: tuple[Database, float]) -> None:
    db, _ = decade
    retained = rows(
        db,
        "with c as (select u.*, g.name, least(nullif(g.retention_days, 0), nullif(g.retention_in_days, 0)) as r, "
        "  sum(u.ingested_gb) over (partition by u.log_group_id order by u.date) as cum "
        "  from log_group_usage_daily u join log_groups g on g.id = u.log_group_id) "
        "select c.name, c.date, c.r, c.stored_gb, c.cum - before.cum as window_gb "
        "from c join c as before on before.log_group_id = c.log_group_id and before.date = c.date - c.r "
        "where c.stored_gb > c.cum - before.cum + %s",
        (LOOSE,),
    )
    assert retained == [], "stored logs beyond the retention window"
    checked = value(db, "select count(*) from log_groups where coalesce(retention_days, retention_in_days) is not null")
    assert checked > 0
    unbounded = rows(
        db,
        "select g.name, u.date, u.stored_gb, lag(u.stored_gb) over w + u.ingested_gb as expected "
        "from log_group_usage_daily u join log_groups g on g.id = u.log_group_id "
        "where g.retention_days is null and g.retention_in_days is null "
        "window w as (partition by u.log_group_id order by u.date)",
    )
    assert unbounded, "a log group without retention to follow"
    for r in unbounded:
        if r["expected"] is not None:
            assert float(r["stored_gb"]) == pytest.approx(float(r["expected"]), abs=LOOSE), r["name"]
    assert float(value(db, "select max(stored_gb) from log_group_usage_daily")) < 20_000
    assert (
        float(value(db, "select max(estimated_ingestion_cost + estimated_storage_cost) from log_group_usage_daily"))
        < 100
    )


@pytest.mark.slow
def test_every_value_has_headroom_and_live_columns_still_roll(decade: tuple[Database, float]) -> None:
    db, _ = decade
    assert float(value(db, "select max(estimated_daily_cost) from metrics_daily")) < 10_000
    assert float(value(db, "select max(gb_transferred) from data_transfer_daily")) <= 500
    assert float(value(db, "select max(estimated_savings_vs_ondemand) from commitment_utilization_daily")) < 10_000
    assert value(db, "select count(*) from metrics_daily where date = %s", (LAST_DAY,)) > 0
    stale = value(
        db,
        "select count(*) from instances where state = 'running' and (avg_cpu_7d is null or current_cpu = 0)",
    )
    assert stale == 0
    orphans = value(
        db,
        "select count(*) from driftworld.workload_profiles p where not exists "
        "(select 1 from jsonb_each(%s::jsonb) as t(name, x) where t.name = p.resource_table) "
        "or (p.resource_table = 'snapshots' and not exists (select 1 from snapshots s where s.id = p.resource_id))",
        (json.dumps(dict.fromkeys((*RESOURCE_TABLES, "commitments"), 1)),),
    )
    assert orphans == 0, "hidden profiles of rows the engine deleted pile up"
