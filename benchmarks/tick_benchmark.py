"""The tick benchmark (issue 3, item 6; contract section 3, "How speed is measured").

Starts its own throwaway PostgreSQL cluster (settings like the test harness), seeds one world per size
(`--accounts`, about 125 resources each, 8 days of history so the 7-day columns roll), and measures in
one run, per size:

(a) the tick's throughput in appended rows/s against the physical limit: a binary COPY of the very rows
    the tick appended (read back after the tick, deleted and copied back into the same tables) plus one
    `UPDATE ... FROM` per resource table of the live and 7-day columns of the same resources, in one
    transaction on the same server. The figure is limit time / tick time (target >= 0.5).
(b) time per resource per tick (target: flat within +-30% across sizes).
(c) one ~100-resource account's tick (target <= 100 ms).

The tick's time is the library call's (`driftworld.tick`), in-process, after a warm-up tick. The table
also shows the CPU seconds of the tick and of the limit (this process, the tick's workers and the server,
from /proc): the figure to compare two versions by when other work loads the machine.

    .venv/bin/python benchmarks/tick_benchmark.py [--accounts 10 100 1000] [--quick] [--profile 100]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from driftworld import tick
from driftworld.engine.tick import TickResult
from driftworld.model.kinds import KINDS, RESOURCE_TABLES, Kind
from driftworld.seeder import SeedRequest, seed_world
from driftworld.store.cluster import LocalCluster
from driftworld.store.database import Database
from driftworld.store.migrations import migrate
from driftworld.store.world_io import HISTORY_TABLES

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "supabase" / "migrations"

Conn = psycopg.Connection[tuple[Any, ...]]

END_DATE = dt.date(2026, 3, 31)  # fixed: the same worlds on every run
HISTORY_DAYS = 8  # enough history for the 7-day rolls
WORLD_SEED = 42
TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "100"}
# Each measurement starts from a vacuumed world (`settle`), so no autovacuum worker, started by the garbage
# of the measurement before, competes for the CPUs during the next one at a random moment.
BENCH_SETTINGS = {"autovacuum": "off"}
# Contract section 3: the live columns the engine writes; the 7-day columns come from each kind.
LIVE_COLUMNS = (
    "current_cpu",
    "current_memory",
    "current_connections",
    "current_request_rate",
    "current_request_count",
    "current_utilization",
)
SINGLE_ACCOUNT_RUNS = 3
SINGLE_ACCOUNT_RESOURCES = 100
TARGET_RATIO = 0.5
TARGET_FLATNESS = 0.30
TARGET_SINGLE_MS = 100.0

console = Console()
if not console.is_terminal:
    console.width = max(console.width, 200)  # the table stays readable when piped to a file


# -- the cluster ---------------------------------------------------------------------------------------


@contextmanager
def throwaway_cluster(extra_settings: dict[str, str]) -> Iterator[LocalCluster]:
    """A cluster under /tmp, run as a non-root user when we are root, destroyed on the way out."""
    cluster = LocalCluster.throwaway("driftworld-bench", TEST_SETTINGS | BENCH_SETTINGS | extra_settings)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(cluster.data_dir.parent, ignore_errors=True)  # the log and socket directory too


def admin(cluster: LocalCluster) -> Conn:
    return psycopg.connect(cluster.url("postgres"), autocommit=True)


def connect(database: Database) -> Conn:
    return psycopg.connect(database.url, autocommit=True)


# -- CPU time -------------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_stats() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, clock ticks of user and system CPU, its own and its reaped children's)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()  # from field 3 (state) on: the name may hold spaces
        stats[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))  # utime stime cutime cstime
    return stats


@dataclass
class CpuMeter:
    """CPU seconds used by this process, the cluster's server and all their descendants (the tick's worker
    processes, the server's backends), from /proc. Other work on the machine inflates a wall time by the
    time it takes the CPUs away; a CPU time far less. Linux only; 0 elsewhere."""

    roots: tuple[int, ...]

    @classmethod
    def of(cls, cluster: LocalCluster) -> CpuMeter:
        postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
        return cls((os.getpid(), postmaster))

    def read(self) -> float:
        if not Path("/proc/self/stat").exists():
            return 0.0
        stats = proc_stats()

        def ours(pid: int) -> bool:
            for _ in range(64):  # a parent chain is short; the bound only guards against a cycle
                if pid in self.roots:
                    return True
                if pid not in stats or pid <= 1:
                    return False
                pid = stats[pid][0]
            return False

        # A process that ends is counted in its parent's reaped-children time, so the sum over the living
        # descendants stays whole across a measurement.
        return sum(ticks for pid, (_, ticks) in stats.items() if ours(pid)) / CLOCK_TICKS


# -- one world per size --------------------------------------------------------------------------------


def org_split(accounts: int) -> tuple[int, int]:
    """(orgs, accounts per org): ten accounts an organization when the count allows it."""
    return (accounts // 10, 10) if accounts % 10 == 0 else (accounts, 1)


def seed(cluster: LocalCluster, accounts: int) -> tuple[Database, float]:
    """A migrated, seeded and analysed world of `accounts` accounts; returns it and the seeding time."""
    name = f"bench_{accounts}"
    with admin(cluster) as conn:
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    database = Database(cluster.url(name), "benchmark")
    orgs, per_org = org_split(accounts)
    request = SeedRequest(orgs, per_org, HISTORY_DAYS, WORLD_SEED, END_DATE, "virtual")
    with database.connect() as conn:
        migrate(conn, MIGRATIONS)
        with Progress(
            TextColumn(f"seeding {accounts} accounts x {HISTORY_DAYS} days"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("seed", total=accounts * HISTORY_DAYS)
            started = time.perf_counter()
            seed_world(conn, request, progress=lambda d, t: progress.update(task, completed=d, total=t))
            seeding_s = time.perf_counter() - started
    with connect(database) as conn:
        conn.execute("vacuum analyze")
    return database, seeding_s


def resources_per_account(conn: Conn) -> dict[uuid.UUID, int]:
    union = sql.SQL(" union all ").join(
        sql.SQL("select account_id from {}").format(sql.Identifier(table)) for table in RESOURCE_TABLES
    )
    query = sql.SQL("select account_id, count(*) from ({}) as r group by account_id").format(union)
    return {row[0]: int(row[1]) for row in conn.execute(query)}


# -- the physical limit --------------------------------------------------------------------------------


@dataclass
class Appended:
    """One history table's rows appended by the measured tick, as a binary COPY stream."""

    table: str
    columns: list[str]
    rows: int
    data: bytes


@dataclass
class LiveValues:
    """One resource table's live and 7-day columns of the resources the measured tick touched."""

    table: str
    columns: list[str]
    types: list[str]
    values: list[list[Any]]  # column-major, ids first

    @property
    def rows(self) -> int:
        return len(self.values[0])


@dataclass
class Limit:
    copy_s: float
    update_s: float
    total_s: float  # COPY + UPDATEs + commit
    rows_copied: int
    rows_updated: int
    cpu_s: float = 0.0  # CPU seconds of the COPY, the UPDATEs and the commit (client and server)


def account_days(result: TickResult) -> tuple[list[uuid.UUID], list[dt.date]]:
    pairs = [(a.account_id, a.to_date) for a in result.accounts if a.status == "simulated" and a.to_date]
    return [p[0] for p in pairs], [p[1] for p in pairs]


KEYS = sql.SQL("(account_id, date) in (select * from unnest({}::uuid[], {}::date[]))")


def keys_filter(ids: list[uuid.UUID], days: list[dt.date]) -> sql.Composed:
    return KEYS.format(sql.Literal([str(i) for i in ids]), sql.Literal([d.isoformat() for d in days]))


def columns_of(conn: Conn, table: str) -> dict[str, str]:
    """Writable columns (not generated) and their SQL types, in table order."""
    rows = conn.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute "
        "where attrelid = %s::regclass and attnum > 0 and not attisdropped and attgenerated = '' order by attnum",
        (f"public.{table}",),
    )
    return {str(r[0]): str(r[1]) for r in rows}


def read_appended(conn: Conn, ids: list[uuid.UUID], days: list[dt.date]) -> list[Appended]:
    appended = []
    for table in HISTORY_TABLES:
        columns = list(columns_of(conn, table))
        query = sql.SQL("copy (select {} from {} where {}) to stdout (format binary)").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table), keys_filter(ids, days)
        )
        buffer = bytearray()
        with conn.cursor().copy(query) as copy:
            for chunk in copy:
                buffer += chunk
        count = conn.execute(
            sql.SQL("select count(*) from {} where {}").format(sql.Identifier(table), keys_filter(ids, days))
        ).fetchone()
        appended.append(Appended(table, columns, int(count[0]) if count else 0, bytes(buffer)))
    return appended


def touched(kind: Kind) -> sql.Composable:
    """Rows of a kind the tick gives live values: those with a metrics row that day (every ASG)."""
    if not kind.has_metrics:
        return sql.SQL("true")
    metrics_id = sql.SQL("t.{}").format(sql.Identifier(kind.metrics_id)) if kind.metrics_id else sql.SQL("t.id::text")
    return sql.SQL(
        "exists (select 1 from metrics_daily m where m.account_id = t.account_id and m.resource_type = {} "
        "and m.resource_id = {} and m.date = k.date)"
    ).format(sql.Literal(kind.table), metrics_id)


def read_live(conn: Conn, ids: list[uuid.UUID], days: list[dt.date]) -> list[LiveValues]:
    live = []
    for kind in KINDS:
        types = columns_of(conn, kind.table)
        columns = [c for c in (*LIVE_COLUMNS, *kind.rolled) if c in types]
        if not columns:
            continue
        query = sql.SQL(
            "select t.id, {cols} from {table} as t "
            "join unnest({ids}::uuid[], {days}::date[]) as k(account_id, date) on k.account_id = t.account_id "
            "where {touched} order by t.id"
        ).format(
            cols=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in columns),
            table=sql.Identifier(kind.table),
            ids=sql.Literal([str(i) for i in ids]),
            days=sql.Literal([d.isoformat() for d in days]),
            touched=touched(kind),
        )
        rows = conn.execute(query).fetchall()
        if rows:
            values = [list(column) for column in zip(*rows, strict=True)]
            live.append(LiveValues(kind.table, columns, [types[c] for c in columns], values))
    return live


def update_statement(live: LiveValues) -> sql.Composed:
    # The types come from pg_attribute (format_type), never from input.
    arrays = sql.SQL(", ").join(sql.SQL("%s::{}[]").format(sql.SQL(t)) for t in ("uuid", *live.types))
    return sql.SQL("update {t} as t set {sets} from unnest({arrays}) as v(id, {names}) where t.id = v.id").format(
        t=sql.Identifier(live.table),
        sets=sql.SQL(", ").join(sql.SQL("{c} = v.{c}").format(c=sql.Identifier(c)) for c in live.columns),
        arrays=arrays,
        names=sql.SQL(", ").join(map(sql.Identifier, live.columns)),
    )


def settle(database: Database) -> None:
    """The dead rows of what ran before cleaned up, and the planner's statistics fresh, before a measurement."""
    with connect(database) as conn:
        conn.execute("vacuum analyze")


def measure_limit(database: Database, result: TickResult, meter: CpuMeter) -> Limit:
    """Delete the tick's appended rows, then time their binary COPY back plus the UPDATEs, one transaction."""
    ids, days = account_days(result)
    with connect(database) as conn:
        appended = read_appended(conn, ids, days)
        live = read_live(conn, ids, days)
        updates = [(update_statement(v), v.values) for v in live]
        settle(database)
        with conn.transaction():
            for table in appended:
                delete = sql.SQL("delete from {} where {}")
                conn.execute(delete.format(sql.Identifier(table.table), keys_filter(ids, days)))
            cpu_started = meter.read()
            started = time.perf_counter()
            cursor = conn.cursor()
            for table in appended:
                statement = sql.SQL("copy {} ({}) from stdin (format binary)").format(
                    sql.Identifier(table.table), sql.SQL(", ").join(map(sql.Identifier, table.columns))
                )
                with cursor.copy(statement) as copy:
                    copy.write(table.data)
            copied = time.perf_counter()
            for statement, values in updates:
                cursor.execute(statement, values)
            updated = time.perf_counter()
        committed = time.perf_counter()
        cpu_s = meter.read() - cpu_started
    return Limit(
        copied - started,
        updated - copied,
        committed - started,
        sum(t.rows for t in appended),
        sum(v.rows for v in live),
        cpu_s,
    )


# -- one size --------------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    accounts: int
    resources: int
    seeding_s: float
    rows_appended: int
    tick_s: float
    limit: Limit
    load: float  # 1-min load average just before the measured tick: other work on the machine skews timings
    single_resources: int
    single_ms: list[float] = field(default_factory=list)
    tick_cpu_s: float = 0.0  # CPU seconds of the measured tick: this process, its workers, the server

    @property
    def ratio(self) -> float:
        return self.limit.total_s / self.tick_s

    @property
    def ms_per_resource(self) -> float:
        return self.tick_s * 1000 / self.resources


def checked_tick(database: Database, batch_size: int, account_ids: Sequence[uuid.UUID] | None = None) -> TickResult:
    result = tick(database, days=1, account_ids=account_ids, batch_size=batch_size)
    bad = [a for a in result.accounts if a.status != "simulated"]
    if bad:
        raise RuntimeError(f"{len(bad)} account(s) not simulated: {bad[0].status} {bad[0].reason or bad[0].error}")
    return result


def timed_tick(
    database: Database, batch_size: int, account_ids: Sequence[uuid.UUID] | None = None
) -> tuple[TickResult, float]:
    started = time.perf_counter()
    result = checked_tick(database, batch_size, account_ids)
    return result, time.perf_counter() - started


def measure_size(cluster: LocalCluster, accounts: int, batch_size: int, repeat: int) -> tuple[SizeResult, Database]:
    database, seeding_s = seed(cluster, accounts)
    console.log(f"{accounts} accounts: seeded in {seeding_s:.1f} s")
    meter = CpuMeter.of(cluster)
    with connect(database) as conn:
        counts = resources_per_account(conn)
    checked_tick(database, batch_size)  # warm-up: imports, caches, plans, first-tick effects
    runs = []
    for _ in range(repeat):
        settle(database)
        load = os.getloadavg()[0]
        cpu_started = meter.read()
        result, tick_s = timed_tick(database, batch_size)
        tick_cpu_s = meter.read() - cpu_started
        rows = sum(result.rows_appended.values())
        limit = measure_limit(database, result, meter)
        if limit.rows_copied != rows:
            console.log(f"[yellow]warning: the tick reported {rows} rows but {limit.rows_copied} were read back")
        console.log(
            f"{accounts} accounts: tick {tick_s:.2f} s (CPU {tick_cpu_s:.2f} s), {rows:,} rows appended; "
            f"limit {limit.total_s:.2f} s (CPU {limit.cpu_s:.2f} s, {limit.rows_updated:,} resources updated)"
        )
        runs.append((tick_s, rows, limit, load, tick_cpu_s))
    # the run with the median ratio
    tick_s, rows, limit, load, tick_cpu_s = sorted(runs, key=lambda run: run[2].total_s / run[0])[len(runs) // 2]
    # (c): the account closest to ~100 resources, ticked alone a few times (each a new virtual day).
    single = min(counts, key=lambda a: (abs(counts[a] - SINGLE_ACCOUNT_RESOURCES), str(a)))
    settle(database)
    single_ms = [timed_tick(database, batch_size, [single])[1] * 1000 for _ in range(SINGLE_ACCOUNT_RUNS)]
    size = SizeResult(
        accounts, sum(counts.values()), seeding_s, rows, tick_s, limit, load, counts[single], single_ms, tick_cpu_s
    )
    return size, database


def profile_tick(database: Database, batch_size: int, top: int, out: Path | None) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    checked_tick(database, batch_size)
    profiler.disable()
    if out is not None:
        profiler.dump_stats(out)
        console.log(f"profile written to {out} (snakeviz / python -m pstats)")
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(order).print_stats(top)
        console.print(f"[bold]cProfile of one tick, by {order}[/bold]")
        console.print(text.getvalue(), markup=False, highlight=False)


# -- report ----------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "[green]pass[/green]" if ok else "[red]fail[/red]"


def report(results: list[SizeResult], server_version: str, batch_size: int) -> None:
    mean_per_resource = statistics.fmean(r.ms_per_resource for r in results)
    table = Table(
        title="driftworld tick benchmark",
        caption=(
            f"PostgreSQL {server_version}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"batch_size {batch_size}, {HISTORY_DAYS} days seeded. limit = binary COPY of the appended rows "
            "+ one UPDATE ... FROM per resource table, one transaction; load = 1-min load average before the tick; "
            "CPU s = CPU seconds of this process, its workers and the server (less skewed by other work than wall time)"
        ),
    )
    headers = (
        "accounts",
        "resources",
        "seed s",
        "rows appended",
        "tick s",
        "tick rows/s",
        "limit s",
        "copy s",
        "update s",
        "limit rows/s",
        "(a) limit/tick",
        "(b) ms/resource",
        "(b) vs mean",
        "(c) 1 account ms",
        "(c) its resources",
        "load",
        "tick CPU s",
        "limit CPU s",
    )
    for header in headers:
        table.add_column(header, justify="right")
    for r in results:
        table.add_row(
            f"{r.accounts:,}",
            f"{r.resources:,}",
            f"{r.seeding_s:.1f}",
            f"{r.rows_appended:,}",
            f"{r.tick_s:.3f}",
            f"{r.rows_appended / r.tick_s:,.0f}",
            f"{r.limit.total_s:.3f}",
            f"{r.limit.copy_s:.3f}",
            f"{r.limit.update_s:.3f}",
            f"{r.rows_appended / r.limit.total_s:,.0f}",
            f"{r.ratio:.3f}",
            f"{r.ms_per_resource:.3f}",
            f"{r.ms_per_resource / mean_per_resource - 1:+.0%}",
            f"{statistics.median(r.single_ms):.0f}",
            f"{r.single_resources}",
            f"{r.load:.1f}",
            f"{r.tick_cpu_s:.2f}",
            f"{r.limit.cpu_s:.2f}",
        )
    console.print(table)
    largest = max(results, key=lambda r: r.accounts)
    flat = all(abs(r.ms_per_resource / mean_per_resource - 1) <= TARGET_FLATNESS for r in results)
    worst = max(results, key=lambda r: statistics.median(r.single_ms))
    single = statistics.median(worst.single_ms)
    targets = Table(title="targets", show_header=True)
    for header in ("figure", "target", "measured", ""):
        targets.add_column(header)
    targets.add_row(
        f"(a) limit / tick at {largest.accounts:,} accounts",
        f">= {TARGET_RATIO}",
        f"{largest.ratio:.3f}",
        verdict(largest.ratio >= TARGET_RATIO),
    )
    spread = ", ".join(f"{r.ms_per_resource / mean_per_resource - 1:+.0%}" for r in results)
    targets.add_row("(b) ms/resource vs their mean", f"within +-{TARGET_FLATNESS:.0%}", spread, verdict(flat))
    targets.add_row(
        f"(c) one ~100-resource account's tick (median; worst world: {worst.accounts:,} accounts)",
        f"<= {TARGET_SINGLE_MS:.0f} ms",
        f"{single:.0f} ms",
        verdict(single <= TARGET_SINGLE_MS),
    )
    console.print(targets)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[10, 100, 1000], help="world sizes, in accounts")
    parser.add_argument("--quick", action="store_true", help="10 and 100 accounts only (for development)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="measured ticks per size (each with its limit); the median ratio is shown"
    )
    parser.add_argument("--batch-size", type=int, default=25, help="tick batch_size (account-days per transaction)")
    parser.add_argument("--profile", type=int, metavar="ACCOUNTS", help="cProfile one more tick at this size")
    parser.add_argument("--profile-out", type=Path, help="write the profile's pstats there")
    parser.add_argument("--profile-top", type=int, default=30, help="profile lines to print")
    parser.add_argument(
        "--pg-setting", action="append", default=[], metavar="KEY=VALUE", help="extra postgresql.conf setting"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.accounts = [10, 100]
    args.accounts = sorted(set(args.accounts))
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if any(n < 1 for n in args.accounts):
        parser.error("--accounts must be positive")
    if args.profile is not None and args.profile not in args.accounts:
        parser.error("--profile must be one of the --accounts sizes")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("DRIFTWORLD_MIGRATIONS_DIR", str(MIGRATIONS))  # tick() checks the schema is current
    extra = dict(setting.split("=", 1) for setting in args.pg_setting)
    started = time.perf_counter()
    with throwaway_cluster(extra) as cluster:
        with admin(cluster) as conn:
            row = conn.execute("show server_version").fetchone()
            version = str(row[0]) if row else "?"
        results = []
        for accounts in args.accounts:
            size, database = measure_size(cluster, accounts, args.batch_size, args.repeat)
            results.append(size)
            if args.profile == accounts:
                profile_tick(database, args.batch_size, args.profile_top, args.profile_out)
            with admin(cluster) as conn:
                # force: the tick's worker processes keep their connection to the last world they ticked
                conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(f"bench_{accounts}")))
    report(results, version, args.batch_size)
    console.print(f"total run time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
