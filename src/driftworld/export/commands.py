"""`driftworld export ...`: the world's bill in formats other tools read."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Annotated, Literal, cast

import psycopg
import typer
from rich.console import Console
from rich.markup import escape

from driftworld.config import load_settings
from driftworld.export.focus import ExportRequest, export_focus
from driftworld.store.cluster import ClusterError
from driftworld.store.database import DatabaseUnavailable, resolve_database
from driftworld.store.migrations import MigrationError, require_current

export_app = typer.Typer(help="Export the world's bill for other tools (FOCUS 1.2).", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


@export_app.command("focus")
def focus(
    first: Annotated[str, typer.Option("--from", help="First day, inclusive (YYYY-MM-DD).")],
    last: Annotated[str, typer.Option("--to", help="Last day, inclusive (YYYY-MM-DD).")],
    out_path: Annotated[Path, typer.Option("--out", help="The file to write.")],
    account: Annotated[str | None, typer.Option(help="Only this account id.")] = None,
    output: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    ground_truth: Annotated[
        bool,
        typer.Option(
            "--ground-truth",
            help="Add x_Waste, the waste scenarios open on each resource-day (the operator's export: it reveals "
            "the ground truth agents are scored against).",
        ),
    ] = False,
) -> None:
    """Write a FOCUS 1.2 cost and usage export of the bill (the daily_bill view), one row per resource, day and
    usage type, plus the commitments' purchase, used and unused rows. Streams: any size fits in memory."""
    try:
        request = ExportRequest(
            first=dt.date.fromisoformat(first),
            last=dt.date.fromisoformat(last),
            out=out_path,
            account=uuid.UUID(account) if account else None,
            format=cast(Literal["parquet", "csv"], output),
            ground_truth=ground_truth,
        )
        database = resolve_database(load_settings())
        with database.connect(autocommit=True) as conn:
            require_current(conn, load_settings().migrations_dir)
        summary = export_focus(database, request)
    except (ValueError, DatabaseUnavailable, MigrationError, ClusterError, psycopg.Error) as error:
        console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from None
    out.print(f"wrote {summary.rows:,} FOCUS rows (BilledCost {summary.billed_cost:,.2f} USD) to {summary.path}")
