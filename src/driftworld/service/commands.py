"""Service commands for the CLI (serve, worker, schedule)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the service's commands to the main CLI."""
