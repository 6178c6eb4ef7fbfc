"""`driftworld dashboard`: the dashboard of the embedded world (or DATABASE_URL's), opened in the browser."""

from __future__ import annotations

import secrets
import threading
import webbrowser
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape

from driftworld.config import load_settings
from driftworld.store.cluster import ClusterError
from driftworld.store.database import Database, DatabaseUnavailable, resolve_database
from driftworld.store.migrations import MigrationError, require_current

console = Console(stderr=True)


def dashboard(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8050,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the operator's page.")] = True,
) -> None:
    """Serve the dashboard of this world and open it: the cost per day by service with a 30-day forecast at /,
    the ground-truth waste and agent activity at /operator. The operator's token is DRIFT_TICK_TOKEN, or a new
    one for this run; the link that opens it carries the token."""
    import uvicorn

    from driftworld.dashboard import create_dashboard_app

    settings = load_settings()
    try:
        database = resolve_database(settings)
        with database.connect(autocommit=True) as conn:
            require_current(conn, settings.migrations_dir)
    except (DatabaseUnavailable, MigrationError, ClusterError) as error:
        console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from None
    token = settings.tick_token
    base = f"http://{host}:{port}"
    if token is None or not token.get_secret_value():
        token = SecretStr(secrets.token_urlsafe(24))
        shown = f"{base}/operator#token={token.get_secret_value()}"  # made for this run: the link is the key
    else:
        shown = f"{base}/operator (token: DRIFT_TICK_TOKEN)"  # a configured secret is never printed
    operator = f"{base}/operator#token={token.get_secret_value()}"
    console.print(f"dashboard of the {database.origin} database: {base}/  operator: {shown}", soft_wrap=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(operator,)).start()

    def world() -> Database:
        return database

    uvicorn.run(create_dashboard_app(world, token), host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)
