"""The `driftworld mcp` command: one world served to MCP clients over stdio (default) or HTTP."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated

import psycopg
import typer
from rich.console import Console

from driftworld.config import load_settings
from driftworld.store.database import first_line, resolve_database

console = Console(stderr=True)
DEFAULT_PORT = 8765


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    app.command("mcp")(mcp_command)
    db_app.command("url")(db_url_command)


def db_url_command(
    owner: Annotated[bool, typer.Option("--owner", help="The owner's URI instead of the agent role's")] = False,
    show_password: Annotated[bool, typer.Option("--show-password", help="Print the password, not ****")] = False,
) -> None:
    """Print a connection URI for agents: the driftworld_agent role's (it may read and change the public
    world, not the engine's schema), logging in with a password kept in the driftworld home."""
    from driftworld.mcp_server.connect import AgentLoginUnavailable, agent_uri
    from driftworld.store.uris import as_uri

    try:
        settings = load_settings()
        database = resolve_database(settings)
        if owner:
            print(as_uri(database.url, masked=not show_password))
        else:
            print(agent_uri(database, settings.driftworld_home, masked=not show_password))
    except (AgentLoginUnavailable, RuntimeError, ValueError, psycopg.Error) as error:
        console.print(f"[bold red]error:[/] {first_line(error)}")
        raise typer.Exit(2) from None


def mcp_command(
    http: Annotated[
        bool, typer.Option("--http", help="Streamable HTTP on 127.0.0.1 (token from DRIFTWORLD_MCP_TOKEN)")
    ] = False,
    port: Annotated[int, typer.Option(help="The HTTP port")] = DEFAULT_PORT,
    enforce_policy: Annotated[
        bool,
        typer.Option(
            "--enforce-policy", help="Refuse acts that break a policy, lock or freeze (default: apply and warn)"
        ),
    ] = False,
    agent_name: Annotated[
        str | None,
        typer.Option(help="executed_by of every act (default: the MCP client's name); DRIFTWORLD_AGENT when set"),
    ] = None,
) -> None:
    """Serve the world to MCP clients (LLM agents): read tools, act tools and recommend, acting as the
    driftworld_agent role. Stdio by default: point a desktop LLM client's config at `driftworld mcp`."""
    from driftworld.mcp_server.http import TOKEN_VARIABLE, serve_http
    from driftworld.mcp_server.server import build_server
    from driftworld.mcp_server.world import AgentWorld

    token = os.environ.get(TOKEN_VARIABLE, "")
    if http and not token:
        console.print(f"[bold red]error:[/] --http needs a bearer token in {TOKEN_VARIABLE}")
        raise typer.Exit(2)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # over stdio, stdout carries the protocol alone
            name = agent_name or os.environ.get("DRIFTWORLD_AGENT") or None
            world = AgentWorld(resolve_database(load_settings()), enforce_policy, name).open()
    except (RuntimeError, ValueError, psycopg.Error) as error:
        console.print(f"[bold red]error:[/] {first_line(error)}")
        raise typer.Exit(2) from None
    try:
        server = build_server(world)
        if http:
            console.print(f"driftworld MCP server on http://127.0.0.1:{port}/mcp as role {world.role}")
            serve_http(server, token, port)
        else:
            server.run("stdio")
    finally:
        world.close()
