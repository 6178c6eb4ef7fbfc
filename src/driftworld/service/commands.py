"""Service commands for the CLI: serve, worker and schedule (sql, install, status, remove)."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated, Any

import psycopg
import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand

from driftworld.config import load_settings
from driftworld.redact import redact
from driftworld.service.intervals import DEFAULT_EVERY, IntervalError, cron_schedule, parse_interval
from driftworld.service.schedule import JOB_NAME, ScheduleError, install, job_status, remove, supabase_sql
from driftworld.store.cluster import ClusterError
from driftworld.store.database import Database, DatabaseUnavailable, resolve_database
from driftworld.store.migrations import MigrationError, require_current

console = Console(stderr=True)
out = Console()
SERVICE_ERRORS = (DatabaseUnavailable, MigrationError, ClusterError, ScheduleError, IntervalError, psycopg.Error)
EVERY_HELP = (
    f"Tick with the service's own scheduler (30s, 5m, 1h...; {DEFAULT_EVERY} when the value is "
    "omitted). The first tick comes one interval after start, and never two run at once."
)

schedule_app = typer.Typer(
    help="Schedule ticks from the database with pg_cron (Supabase: pg_net; plain PostgreSQL: the worker).",
    no_args_is_help=True,
)


@contextmanager
def service_errors() -> Iterator[None]:
    """Known failures become one clear line and exit status 2, never a traceback."""
    try:
        yield
    except SERVICE_ERRORS as error:
        console.print(f"[bold red]error:[/] {escape(redact(str(error)))}", soft_wrap=True)
        raise typer.Exit(2) from None


def with_every_value(args: list[str]) -> list[str]:
    """The arguments with DEFAULT_EVERY after a bare `--every`: the contract wants `--every` alone to mean
    5 minutes, and Typer's options refuse a missing value (click's optional value, `flag_value`, does not
    pass through Typer 0.29)."""
    filled: list[str] = []
    for index, arg in enumerate(args):
        following = args[index + 1] if index + 1 < len(args) else None
        if arg == "--every=":
            arg = f"--every={DEFAULT_EVERY}"
        filled.append(arg)
        if arg == "--every" and (following is None or following.startswith("-")):
            filled.append(DEFAULT_EVERY)
    return filled


class ServeCommand(TyperCommand):
    """`serve`, whose --every may come without a value."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer types it with its private click
        return super().parse_args(ctx, with_every_value(args))


def world_database() -> Database:
    return resolve_database(load_settings())


def require_migrated(database: Database) -> None:
    with database.connect(autocommit=True) as conn:
        require_current(conn, load_settings().migrations_dir)


def serve(
    every: Annotated[str | None, typer.Option("--every", metavar="[INTERVAL]", help=EVERY_HELP)] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Accept ticks without a bearer token (local experiments only).")
    ] = False,
) -> None:
    """Run the drift-tick HTTP function (POST /functions/v1/drift-tick, GET /health, /openapi.json).

    The bearer token is DRIFT_TICK_TOKEN (or SUPABASE_SERVICE_ROLE_KEY); without one the service refuses to start
    unless --no-auth is given.
    """
    import uvicorn

    from driftworld.service.app import create_app
    from driftworld.service.logs import configure_logging, emit, logging_config

    with service_errors():
        try:
            every_s = parse_interval(every) if every is not None else None
        except IntervalError as error:
            raise typer.BadParameter(str(error), param_hint="--every") from None
        token = load_settings().tick_token
        if no_auth:
            token = None
            console.print(
                "[bold red on white] WARNING: authentication is OFF (--no-auth): anyone who can reach "
                f"{host}:{port} can advance the world. [/]"
            )
        elif token is None or not token.get_secret_value():
            console.print(
                "[bold red]error:[/] no token: set DRIFT_TICK_TOKEN (or SUPABASE_SERVICE_ROLE_KEY) to the bearer "
                "clients must send, or pass --no-auth to run without authentication"
            )
            raise typer.Exit(2)
        database = world_database()
        configure_logging(libraries=True)
        app = create_app(lambda: database, token, every_s=every_s, require_token=not no_auth)
        emit("serve", host=host, port=port, database=database.origin, every_s=every_s)
        uvicorn.run(app, host=host, port=port, log_config=logging_config())


def worker(
    once: Annotated[bool, typer.Option("--once", help="Execute the pending requests, then exit.")] = False,
    poll: Annotated[float, typer.Option(min=0.1, help="Seconds between polls when no notification comes.")] = 30.0,
    keep_days: Annotated[int, typer.Option(min=1, help="Days finished requests are kept in the queue.")] = 30,
) -> None:
    """Execute tick requests queued in the database (by pg_cron or driftworld.request_tick()).

    Listens on channel driftworld_tick and polls as a fallback; each request is executed once, even with several
    workers. Stops cleanly on SIGTERM or Ctrl-C, after the request it is running.
    """
    from driftworld.service.logs import configure_logging
    from driftworld.service.worker import Worker

    with service_errors():
        configure_logging(libraries=True)
        database = world_database()
        require_migrated(database)
        runner = Worker(database, poll_s=poll, keep_days=keep_days)
        if once:
            executed = runner.run_pending()
            out.print(f"executed {executed} tick request(s)")
            return

        def stop(signum: int, _: FrameType | None) -> None:
            runner.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        runner.run_forever()


@schedule_app.command("sql")
def schedule_sql(
    url: Annotated[str, typer.Option(help="The project's (or the driftworld service's) base URL.")],
    every: Annotated[str, typer.Option(help="Interval ('5 minutes') or a cron expression.")] = "5 minutes",
    job_name: Annotated[str, typer.Option(help="pg_cron job name.")] = JOB_NAME,
) -> None:
    """Print the Supabase SQL: a pg_cron job that posts to URL/functions/v1/drift-tick with pg_net,
    the bearer read from vault secret service_role_key."""
    with service_errors():
        print(supabase_sql(url, cron_schedule(every), job_name), end="")


@schedule_app.command("install")
def schedule_install(
    every: Annotated[str, typer.Option(help="Whole minutes or hours ('5 minutes', '1 hour') or a cron expression.")],
    job_name: Annotated[str, typer.Option(help="pg_cron job name.")] = JOB_NAME,
) -> None:
    """Create or update the pg_cron job that queues a tick request (run `driftworld worker` to execute them)."""
    with service_errors():
        job = install(world_database(), every, job_name)
        out.print(
            f"pg_cron job [bold]{job['jobname']}[/] (id {job['jobid']}) runs `{job['command']}` "
            f"on '{job['schedule']}' in database {job['database']}"
        )
        out.print("requests are executed by `driftworld worker` (keep one running)")


@schedule_app.command("status")
def schedule_status(
    job_name: Annotated[str, typer.Option(help="pg_cron job name.")] = JOB_NAME,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the pg_cron job, its last runs and the queue of tick requests."""
    with service_errors():
        report = job_status(world_database(), job_name)
        if as_json:
            print(json.dumps(report, default=str, indent=2))
            return
        job = report["job"]
        if job is None:
            out.print(f"no pg_cron job named {job_name} ({report.get('note') or 'run `driftworld schedule install`'})")
        else:
            out.print(
                f"job {job['jobname']} (id {job['jobid']}): '{job['schedule']}' in {job['database']}, "
                f"{'active' if job['active'] else 'inactive'}: {job['command']}"
            )
            for run in report["runs"]:
                out.print(f"  run {run['runid']}: {run['status']} at {run['start_time']} {run['return_message'] or ''}")
        queue = report.get("queue") or {}
        out.print(
            f"tick requests: {queue.get('pending', 0)} pending, {queue.get('finished', 0)} finished "
            f"(last {queue.get('last_finished_at')})"
        )


@schedule_app.command("remove")
def schedule_remove(job_name: Annotated[str, typer.Option(help="pg_cron job name.")] = JOB_NAME) -> None:
    """Remove the pg_cron job (queued requests stay for the worker)."""
    with service_errors():
        removed = remove(world_database(), job_name)
        out.print(f"removed pg_cron job {job_name}" if removed else f"no pg_cron job named {job_name}")


def register(app: typer.Typer) -> None:
    """Add the service's commands to the main CLI."""
    app.command(cls=ServeCommand)(serve)
    app.command()(worker)
    app.add_typer(schedule_app, name="schedule")
