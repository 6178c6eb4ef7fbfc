"""`driftworld aws`: the world behind the AWS API, and the one command that shows its key's secret."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated

import typer
from rich.console import Console

from driftworld.config import load_settings
from driftworld.store import aws_io
from driftworld.store.database import resolve_database
from driftworld.store.migrations import require_current

aws_app = typer.Typer(
    help="The world behind the AWS API: boto3, the AWS CLI and AWS's MCP servers talk to it by endpoint URL "
    "(docs/aws-api.md).",
    no_args_is_help=True,
)
DEFAULT_REGION = "us-east-1"


def register(
    app: typer.Typer, friendly_errors: Callable[[], AbstractContextManager[None]], console: Console, out: Console
) -> None:
    app.add_typer(aws_app, name="aws")

    @aws_app.command("serve")
    def aws_serve(
        port: Annotated[int, typer.Option(min=0, max=65535, help="the port on localhost")] = 4566,
        host: Annotated[str, typer.Option(help="the address to listen on")] = "127.0.0.1",
        as_today: Annotated[
            bool,
            typer.Option(
                "--as-today",
                help="show the world's newest simulated day as today: every time in a call moves by whole days, "
                "so agents that take 'now' from their own clock read the world's last days",
            ),
        ] = False,
    ) -> None:
        """Serve the AWS API over this world (embedded or DATABASE_URL) until interrupted. Calls must be signed
        with the world's key (`driftworld aws credentials`); they read and change the world as the
        driftworld_agent role, and each change writes an audit row in the key's name."""
        from driftworld.aws.server import make_api, start

        with friendly_errors():
            settings = load_settings()
            database = resolve_database(settings)
            with database.connect() as conn:
                require_current(conn, settings.migrations_dir)
            api = make_api(database, as_today=as_today)
            try:
                server, thread = start(api, host, port)
            except OSError as error:
                api.close()
                raise ValueError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        console.print(
            f"driftworld AWS API on http://{host}:{server.server_port} (key {api.key.access_key_id}, acting as "
            f"{api.key.name}); `driftworld aws credentials --format env` prints the credentials"
        )
        try:
            thread.join()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
            api.close()

    @aws_app.command("credentials")
    def aws_credentials(
        output: Annotated[
            str, typer.Option("--format", help="env (KEY=value lines), shell (export ...) or json")
        ] = "env",
        name: Annotated[
            str | None, typer.Option(help="rename the key: its calls' audit rows carry this executed_by")
        ] = None,
        region: Annotated[str, typer.Option(help="the AWS_DEFAULT_REGION line")] = DEFAULT_REGION,
    ) -> None:
        """Print the world's access key and secret (made on first use): the one place the secret is shown."""
        if output not in ("env", "shell", "json"):
            raise typer.BadParameter("must be env, shell or json", param_hint="--format")
        with friendly_errors():
            settings = load_settings()
            database = resolve_database(settings)
            with database.connect() as conn:
                require_current(conn, settings.migrations_dir)
                key = aws_io.ensure_api_key(conn, name)
        values = {
            "AWS_ACCESS_KEY_ID": key.access_key_id,
            "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
            "AWS_DEFAULT_REGION": region,
        }
        if output == "json":
            print(json.dumps(values | {"name": key.name}))
        else:
            prefix = "export " if output == "shell" else ""
            for variable, value in values.items():
                print(f"{prefix}{variable}={value}")
