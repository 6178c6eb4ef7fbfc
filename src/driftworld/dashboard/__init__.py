"""The dashboard: the world's cost in the browser, and the operator's ground truth behind the service token."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import SecretStr

from driftworld.dashboard.routes import DatabaseFactory, dashboard_router


def create_dashboard_app(database_factory: DatabaseFactory, token: SecretStr | None) -> FastAPI:
    """The dashboard alone (what `driftworld dashboard` serves); `driftworld serve` mounts the same router."""
    app = FastAPI(title="driftworld dashboard", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(dashboard_router(database_factory, token))
    return app
