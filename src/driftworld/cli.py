"""The `driftworld` command line: database, seeding, ticking (and the service, in service/)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import psycopg
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from driftworld.config import load_settings
from driftworld.engine.tick import InvalidTickRequest, TickResult, tick
from driftworld.engine.workers import shutdown_workers
from driftworld.model.difficulty import difficulty as level
from driftworld.model.intensity import MAX_MULTIPLIER, DriftIntensity, check_names, validate
from driftworld.model.scenarios import SCENARIOS
from driftworld.redact import redact
from driftworld.report import scorecard
from driftworld.seeder import (
    MAX_ACCOUNTS,
    SeedRequest,
    WorldExists,
    check_request,
    seed_world,
)
from driftworld.service.replies import tick_reply
from driftworld.store.bench_io import ServerRefused
from driftworld.store.cluster import ClusterError
from driftworld.store.database import Database, DatabaseUnavailable, resolve_database
from driftworld.store.embedded import embedded_database
from driftworld.store.migrations import MigrationError, migrate, require_current, status
from driftworld.store.queries import account_exists, ledger_days
from driftworld.store.seed_io import SeedSummary, summarize, world_exists
from driftworld.store.world_io import adapt_connection
from driftworld.store.world_settings import WorldNotSeeded, read_settings, set_difficulty, set_drift_intensity

app = typer.Typer(
    help="driftworld: a simulated AWS estate on PostgreSQL that keeps drifting, for "
    "cost-optimisation agents. With no DATABASE_URL it runs its own embedded PostgreSQL.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database: migrations and the embedded server.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console(stderr=True)
out = Console()
KNOWN_ERRORS = (
    DatabaseUnavailable,
    MigrationError,
    WorldExists,
    InvalidTickRequest,
    WorldNotSeeded,
    ClusterError,
    ServerRefused,
    FileNotFoundError,
    ValueError,
)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Known failures become one clear line and exit status 2, never a traceback."""
    try:
        yield
    except KNOWN_ERRORS as error:
        console.print(f"[bold red]error:[/] {escape(redact(str(error)))}", soft_wrap=True)
        raise typer.Exit(2) from None


def database() -> Database:
    return resolve_database(load_settings())


def print_connection(target: Database, show_password: bool = False) -> None:
    """The URI an agent connects with, whole on one line: the driftworld_agent role's where the server has it
    (as `db url` prints it), else the owner's; its password masked unless asked for."""
    from driftworld.mcp_server.connect import agent_uri

    try:
        uri = agent_uri(target, load_settings().driftworld_home, masked=not show_password)
    except (RuntimeError, psycopg.Error):  # no agent role here, or no right to give it a login
        uri = target.url if show_password else redact(target.url)
    out.print(f"agents connect with: {escape(uri)}", soft_wrap=True, highlight=False)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A bar started at the first report of progress, so that a request refused before any work (an
    unknown account, a bad date) prints its error alone, without even the blank line of an empty bar."""
    bar: Progress | None = None
    task: TaskID | None = None

    def advance(done: int, total: int) -> None:
        nonlocal bar, task
        if bar is None or task is None:
            bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done, total=total)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.stop()


# -- db -------------------------------------------------------------------------------------------


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations from supabase/migrations (safe to run twice, or twice at once)."""
    with friendly_errors(), database().connect() as conn:
        applied = migrate(conn, load_settings().migrations_dir)
        if applied:
            for migration in applied:
                out.print(f"applied {migration.path.name}")
        else:
            out.print("nothing to apply: the schema is current")


@db_app.command("status")
def db_status(
    show_password: Annotated[bool, typer.Option(help="Print the connection URI with its password.")] = False,
) -> None:
    """Show which database is used (embedded or DATABASE_URL), whether it is up, the URI agents connect
    with, and the migrations."""
    settings = load_settings()
    with friendly_errors():
        if settings.database_url is None:
            embedded = embedded_database(settings.driftworld_home)
            up = embedded.cluster.is_running()
            out.print(f"database: embedded, data in {embedded.cluster.data_dir}, {'up' if up else 'down'}")
            if not up:
                out.print("start it with `driftworld db start`")
                return
            target = Database(embedded.url, "embedded", settings.connect_timeout_s)
        else:
            target = Database(settings.database_url.get_secret_value(), "DATABASE_URL", settings.connect_timeout_s)
            out.print("database: DATABASE_URL")
        try:
            conn = target.connect()
        except DatabaseUnavailable as error:
            out.print(f"state: down ({escape(str(error))})")
            raise typer.Exit(1) from None
        with conn:
            out.print("state: up")
            print_connection(target, show_password)
            current = status(conn, settings.migrations_dir)
        table = Table("migration", "state")
        for version in current.applied:
            table.add_row(version, "applied" if version not in current.unknown else "[red]unknown to driftworld[/]")
        for migration in current.pending:
            table.add_row(migration.path.name, "[yellow]pending[/]")
        out.print(table)
        out.print(f"{len(current.applied)} applied, {len(current.pending)} pending")


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL (created on first use) and leave it running."""
    with friendly_errors():
        settings = load_settings()
        embedded = embedded_database(settings.driftworld_home)
        embedded.ensure_running()
        out.print(f"embedded database up: {embedded.url}", soft_wrap=True)  # a URI is never cut in two
        if settings.database_url is not None:
            out.print(
                "note: DATABASE_URL is set, so every other command uses that database, not this embedded one "
                "(unset DATABASE_URL to use it)",
                soft_wrap=True,
            )


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL."""
    with friendly_errors():
        embedded = embedded_database(load_settings().driftworld_home)
        out.print("embedded database stopped" if embedded.cluster.stop() else "embedded database was not running")


# -- seed -----------------------------------------------------------------------------------------


def print_summary(summary: SeedSummary) -> None:
    history = (
        f"history {summary.first_day} .. {summary.last_day}"
        if summary.first_day and summary.last_day
        else "no history yet (run `driftworld seed`)"
    )
    out.print(
        f"[bold]world[/]: {plural(summary.orgs, 'organization')}, {plural(summary.accounts, 'account')}, {history}"
    )
    table = Table("resource table", "rows", title="resources")
    for name, count in summary.resources.items():
        table.add_row(name, str(count))
    out.print(table)
    if summary.last_day:
        out.print(f"cost on {summary.last_day}: [bold]${summary.daily_cost:,.2f}/day[/]")


@app.command()
def seed(
    orgs: Annotated[int, typer.Option(min=1, max=MAX_ACCOUNTS, help="Organizations to create.")] = 1,
    accounts_per_org: Annotated[
        int, typer.Option(min=1, max=MAX_ACCOUNTS, help="Cloud accounts per organization.")
    ] = 3,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days of history, ending on --end-date.")] = 30,
    seed: Annotated[int, typer.Option(help="World seed: the same seed gives the same world.")] = 42,
    end_date: Annotated[str | None, typer.Option(help="Last day of history (YYYY-MM-DD, default today UTC).")] = None,
    clock_mode: Annotated[str, typer.Option(help="wallclock (timestamps from real now) or virtual.")] = "wallclock",
    difficulty: Annotated[
        str,
        typer.Option(
            help="easy (telltale waste, no decoys, no world-set policies), realistic (neutral names, decoys, "
            "policies and freezes set by the world) or hard (as realistic, with narrower margins between healthy "
            "and waste and twice the decoys)."
        ),
    ] = "realistic",
    reset: Annotated[bool, typer.Option(help="Replace an existing world (asks first unless --yes).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Answer yes to prompts.")] = False,
) -> None:
    """Create a realistic estate per account with its history (migrating the schema first).

    A world holds at most 10,000 accounts (--orgs times --accounts-per-org). --reset replaces the world in one
    transaction: if it fails or is stopped, the old world is still there."""
    with friendly_errors():
        request = SeedRequest(
            orgs=orgs,
            accounts_per_org=accounts_per_org,
            days=days,
            seed=seed,
            end_date=dt.date.fromisoformat(end_date) if end_date else None,
            clock_mode=clock_mode,
            difficulty=difficulty,
        )
        check_request(request)
    with friendly_errors(), database().connect() as conn:
        migrate(conn, load_settings().migrations_dir)
        if world_exists(conn) and not reset:
            raise WorldExists("this database already holds a world: use --reset to replace it")
        if reset and world_exists(conn) and not yes:
            typer.confirm("This deletes every organization, account and resource of the world. Continue?", abort=True)
        with progress_bar("seeding account-days") as advance:
            summary = seed_world(conn, request, reset=reset, progress=advance)
        print_summary(summary)


@app.command()
def summary() -> None:
    """Print the world's summary: organizations, accounts, resources by type, days and $/day."""
    with friendly_errors(), database().connect() as conn:
        require_current(conn, load_settings().migrations_dir)
        adapt_connection(conn)
        print_summary(summarize(conn))


@app.command()
def up(
    ticks: Annotated[int, typer.Option(min=0, max=366, help="Virtual days to simulate after seeding.")] = 7,
) -> None:
    """The main job: start the embedded database, migrate, seed a world if there is none, tick, summarize."""
    with friendly_errors():
        target = database()
        with target.connect() as conn:
            migrate(conn, load_settings().migrations_dir)
            if not world_exists(conn):
                with progress_bar("seeding account-days") as advance:
                    seed_world(conn, SeedRequest(), progress=advance)
        if ticks:
            with progress_bar("ticking virtual days") as advance:
                result = tick(target, days=ticks, progress=advance)
            print_tick(result)
        with target.connect() as conn:
            adapt_connection(conn)
            print_summary(summarize(conn))
        print_connection(target)


# -- world ----------------------------------------------------------------------------------------

world_app = typer.Typer(help="The world's settings: drift intensity and scenario switches.", no_args_is_help=True)
app.add_typer(world_app, name="world")


def _read_intensity(conn: Any) -> DriftIntensity:
    require_current(conn, load_settings().migrations_dir)
    return DriftIntensity.from_settings(read_settings(conn).drift_intensity)


@world_app.command("show")
def world_show() -> None:
    """Show the world seed, clock mode and each scenario's chance per account-day."""
    with friendly_errors(), database().connect() as conn:
        intensity = _read_intensity(conn)
        settings = read_settings(conn)
        out.print(
            f"world seed {settings.world_seed}, clock {settings.clock_mode}, "
            f"seasonality {'on' if settings.seasonality else 'off'}, multiplier {intensity.multiplier}, "
            f"preset {intensity.preset or 'none'}, difficulty {settings.difficulty}"
        )
        table = Table("#", "scenario", "weight", "chance per account-day", title="startup mess")
        for scenario in SCENARIOS:
            chance = intensity.probability(scenario)
            note = " (weekend days)" if scenario.weekend_only else ""
            table.add_row(str(scenario.number), scenario.name, str(scenario.weight), f"{chance:.4f}{note}")
        out.print(table)


@world_app.command("set")
def world_set(
    multiplier: Annotated[
        float | None, typer.Option(help=f"Scale every default chance (0 to {MAX_MULTIPLIER:g}).")
    ] = None,
    preset: Annotated[str | None, typer.Option(help="'original' (scenarios 1-2 at 5%), or 'none'.")] = None,
    probability: Annotated[list[str] | None, typer.Option(help="NAME=P: a fixed chance for one scenario.")] = None,
    disable: Annotated[list[str] | None, typer.Option(help="Switch a scenario off (repeatable).")] = None,
    enable: Annotated[list[str] | None, typer.Option(help="Switch a scenario back on (repeatable).")] = None,
    difficulty: Annotated[
        str | None, typer.Option(help="easy, realistic or hard: decoys and policies the world sets from now on.")
    ] = None,
) -> None:
    """Change the drift intensity (and difficulty) of this world (applies from the next tick)."""
    with friendly_errors(), database().connect() as conn:
        check_names([*(enable or []), *(disable or [])])
        if difficulty is not None:
            level(difficulty)  # an unknown name is refused before anything changes
            set_difficulty(conn, difficulty)
        current = _read_intensity(conn)
        overrides = dict(current.probabilities)
        for item in probability or []:
            name, equals, value = item.partition("=")
            try:
                overrides[name] = float(value)
            except ValueError:
                raise ValueError(f"--probability takes NAME=P with P a number, not {item!r}") from None
            if not equals:
                raise ValueError(f"--probability takes NAME=P, not {item!r}")
        updated = DriftIntensity(
            multiplier=current.multiplier if multiplier is None else multiplier,
            probabilities=overrides,
            disabled=(current.disabled | set(disable or [])) - set(enable or []),
            preset=current.preset if preset is None else (None if preset == "none" else preset),
        )
        validate(updated)
        set_drift_intensity(conn, updated.to_settings())
        conn.commit()
    world_show()


class ReportFormat(enum.StrEnum):
    table = "table"
    json = "json"


@app.command()
def report(
    account: Annotated[str | None, typer.Option(help="Only this account id.")] = None,
    since: Annotated[str | None, typer.Option(help="First virtual day of the window (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Last virtual day of the window (YYYY-MM-DD).")] = None,
    agent: Annotated[
        str | None, typer.Option(help="Only this agent's fixes and findings (the executed_by of its audit rows).")
    ] = None,
    output: Annotated[ReportFormat, typer.Option("--format", help="table or json.")] = ReportFormat.table,
) -> None:
    """The scorecard over a window of virtual days: waste injected in it by scenario and its cost, what is
    open at its end, what agents and people fixed in it (counted on the day the fix was seen, whenever the
    waste appeared), $/day saved by each, median days to fix, policy violations and false positives."""
    with friendly_errors(), database().connect() as conn:
        require_current(conn, load_settings().migrations_dir)
        try:
            account_id = uuid.UUID(account) if account else None
            first = dt.date.fromisoformat(since) if since else None
            last = dt.date.fromisoformat(until) if until else None
        except ValueError as error:
            raise InvalidTickRequest(f"bad account id or date: {error}") from None
        if account_id is not None and not account_exists(conn, account_id):
            raise InvalidTickRequest(f"unknown account id: {account_id}")
        card = scorecard(conn, account_id, first, last, agent)
    if output is ReportFormat.json:
        print(json.dumps(card.as_dict(), indent=2))
        return
    table = Table(
        "scenario",
        "injected",
        "$/day",
        "open",
        "by agent",
        "by hand",
        "saved by agent $/day",
        "saved by hand $/day",
        "median days",
        title="waste (ground truth)",
    )
    for s in card.scenarios:
        table.add_row(
            s.scenario,
            str(s.injected),
            f"{s.daily_cost:,.2f}",
            str(s.open),
            str(s.resolved_by_agent),
            str(s.resolved_manually),
            f"{s.daily_saved_by_agent:,.2f}",
            f"{s.daily_saved_manually:,.2f}",
            "" if s.median_days_to_fix is None else f"{s.median_days_to_fix:.1f}",
        )
    out.print(table)
    kinds = ", ".join(f"{kind.removeprefix('violation_')} {n}" for kind, n in sorted(card.violations.items()))
    out.print(
        f"injected {card.injected}, open {card.open}, saved ${card.daily_saved:,.2f}/day; "
        f"policy violations {sum(card.violations.values())}{f' ({kinds})' if kinds else ''}; "
        f"false positives {card.false_positives}"
    )


# -- tick -----------------------------------------------------------------------------------------


def print_tick(result: TickResult) -> None:
    """One row per account, laid out for 80 columns: ids, statuses, numbers and dates never wrap (the
    first day is the last day less the days simulated); only the last column, the words, folds."""
    newest = result.simulated_date
    table = Table(
        title=f"tick: newest virtual day {newest}" if newest else "tick: no virtual day simulated",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("account", no_wrap=True, min_width=8)
    table.add_column("status", no_wrap=True)
    table.add_column("days", no_wrap=True, justify="right")
    table.add_column("up to", no_wrap=True)
    table.add_column("rows", no_wrap=True, justify="right")
    table.add_column("ms", no_wrap=True, justify="right")
    table.add_column("scenarios / detail", overflow="fold")
    for account in result.accounts:
        words = [", ".join(s for _, s in account.scenarios), account.error or account.reason or ""]
        table.add_row(
            str(account.account_id)[:8],
            account.status,
            str(account.days_simulated),
            str(account.to_date or ""),
            str(sum(account.rows_appended.values())),
            f"{account.duration_ms:.0f}",
            "; ".join(w for w in words if w),
        )
    out.print(table)


@app.command("tick")
def tick_command(
    days: Annotated[int | None, typer.Option(min=1, max=366, help="Virtual days each account advances.")] = None,
    date: Annotated[str | None, typer.Option(help="Advance every account up to this day (YYYY-MM-DD).")] = None,
    account: Annotated[list[str] | None, typer.Option(help="Only this account id (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the service's JSON reply.")] = False,
) -> None:
    """Simulate the next virtual day (or --days N, or up to --date) of every active account."""
    with friendly_errors():
        try:
            ids = [uuid.UUID(a) for a in account] if account else None
            until = dt.date.fromisoformat(date) if date else None
        except ValueError as error:
            raise InvalidTickRequest(f"bad account id or date: {error}") from None
        target = database()
        with target.connect() as conn:  # an unreachable database is reported before any progress bar
            require_current(conn, load_settings().migrations_dir)
            committed_before = ledger_days(conn)
        try:
            if as_json:
                result = tick(target, days=days, date=until, account_ids=ids)
                print(json.dumps(tick_reply(result), indent=2))
            else:
                with progress_bar("ticking virtual days") as advance:
                    result = tick(target, days=days, date=until, account_ids=ids, progress=advance)
                print_tick(result)
            if result.abandoned:
                failed = next((a.error for a in result.accounts if a.status == "failed"), None)
                console.print(f"[bold red]error:[/] {escape(failed or 'the tick was abandoned')}", soft_wrap=True)
        except KeyboardInterrupt:
            shutdown_workers()  # the batches under way finish first: their days count, and stay
            with target.connect() as conn:
                committed = ledger_days(conn) - committed_before
            console.print(
                f"interrupted: {plural(committed, 'account-day')} committed (kept); the next tick continues from there",
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
        if not result.ok:
            raise typer.Exit(1)


def _register_service_commands() -> None:
    """The service's commands (serve, worker, schedule) live with the service."""
    from driftworld.service.commands import register

    register(app)


def _register_bench_commands() -> None:
    """The bench's commands (run, table) live with the bench."""
    from driftworld.bench.cli import register

    register(app, friendly_errors, console, out)


def _register_mcp_command() -> None:
    """`driftworld mcp` and `driftworld db url` live with the MCP server."""
    from driftworld.mcp_server.command import register

    register(app, db_app)


def _register_export_and_dashboard_commands() -> None:
    """`export` lives with the exports, `dashboard` with the dashboard."""
    from driftworld.dashboard.commands import register
    from driftworld.export.commands import export_app

    app.add_typer(export_app, name="export")
    register(app)


def _register_aws_commands() -> None:
    """The AWS API's commands (serve, credentials) live with the API."""
    from driftworld.aws.cli import register

    register(app, friendly_errors, console, out)


_register_service_commands()
_register_bench_commands()
_register_mcp_command()
_register_export_and_dashboard_commands()
_register_aws_commands()
