"""The dashboard's pages and their data, as a router the service mounts at `/`.

`/` shows what any agent may see (the bill); `/operator` shows the ground truth and what agents did, and its
data needs the service's bearer token. Every asset is served from here: the charts come from plotly.js as
the `plotly` Python package ships it, so a page never asks the internet for anything.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import defaultdict
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import SecretStr

from driftworld.bearer import bearer_matches
from driftworld.bench.run import leaderboard
from driftworld.store import dashboard_io
from driftworld.store.database import Database

STATIC = Path(__file__).parent / "static"
FORECAST_DAYS = 30
RATE_WINDOW_DAYS = 7  # "the current rate": the mean daily cost of the newest week
ASSETS = {
    "dashboard.js": ("text/javascript", STATIC / "dashboard.js"),
    "dashboard.css": ("text/css", STATIC / "dashboard.css"),
}
DatabaseFactory = Callable[[], Database]
BENCH_RUNS_VARIABLE = "DRIFTWORLD_BENCH_RUNS"  # a folder of `driftworld bench run --out` folders


def plotly_js() -> Path:
    """plotly.min.js as the plotly package ships it (for its offline HTML)."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def forecast(days: list[dt.date], totals: list[float]) -> dict[str, Any]:
    """The next 30 days at the current rate: the mean of the newest week's daily totals, held flat."""
    if not days:
        return {"days": [], "daily": 0.0, "total": 0.0, "rate_window_days": RATE_WINDOW_DAYS}
    window = totals[-RATE_WINDOW_DAYS:]
    rate = sum(window) / len(window)
    ahead = [(days[-1] + dt.timedelta(days=i)).isoformat() for i in range(1, FORECAST_DAYS + 1)]
    return {
        "days": ahead,
        "daily": round(rate, 2),
        "total": round(rate * FORECAST_DAYS, 2),
        "rate_window_days": len(window),
    }


def cost_series(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Columns for a stacked chart: one series per service over every day of the history."""
    days = sorted({row["date"] for row in rows})
    index = {day: i for i, day in enumerate(days)}
    services: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(days))
    for row in rows:
        services[row["service"]][index[row["date"]]] = row["cost"]
    totals = [round(sum(series[i] for series in services.values()), 2) for i in range(len(days))]
    ordered = sorted(services.items(), key=lambda item: -sum(item[1]))
    return {
        "days": [day.isoformat() for day in days],
        "services": [{"name": name, "cost": series} for name, series in ordered],
        "totals": totals,
        "forecast": forecast(days, totals),
    }


def waste_series(rows: list[dict[str, Any]]) -> dict[str, Any]:
    days = sorted({row["day"] for row in rows})
    index = {day: i for i, day in enumerate(days)}
    keys = ("open", "open_cost", "resolved_by_agent", "resolved_otherwise")
    scenarios: dict[str, dict[str, list[float]]] = defaultdict(lambda: {k: [0.0] * len(days) for k in keys})
    for row in rows:
        for key in keys:
            scenarios[row["scenario"]][key][index[row["day"]]] = row[key]
    return {
        "days": [day.isoformat() for day in days],
        "scenarios": [{"name": name, **series} for name, series in sorted(scenarios.items())],
    }


def activity_series(rows: list[dict[str, Any]], changes: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("actions", "fixes", "false_positives", "violations")
    return {
        "days": [row["day"].isoformat() for row in rows],
        **{key: [row[key] for row in rows] for key in keys},
        "changes": changes,
    }


def _uuid(value: str | None, name: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise HTTPException(400, f"{name}: not a uuid") from None


def dashboard_router(database_factory: DatabaseFactory, token: SecretStr | None) -> APIRouter:
    """The pages, their assets and their JSON. `token` None leaves the operator's data open, as the service
    does with --no-auth."""
    router = APIRouter(include_in_schema=False)

    def authorize(request: Request) -> None:
        if token is not None and not bearer_matches(request.headers.get("authorization"), token.get_secret_value()):
            raise HTTPException(401, "the operator's pages need the service token (Authorization: Bearer ...)")

    def read(fetch: Callable[..., Any], *args: Any) -> Any:
        with database_factory().connect(autocommit=True) as conn:
            return fetch(conn, *args)

    @router.get("/", response_class=HTMLResponse)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @router.get("/operator", response_class=HTMLResponse)
    def operator() -> FileResponse:
        return FileResponse(STATIC / "operator.html", media_type="text/html")

    @router.get("/dashboard/assets/{name}")
    def asset(name: str) -> FileResponse:
        if name == "plotly.min.js":
            return FileResponse(plotly_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})
        if name not in ASSETS:
            raise HTTPException(404, f"no asset {name!r}")
        media_type, path = ASSETS[name]
        return FileResponse(path, media_type=media_type)

    @router.get("/dashboard/api/scope")
    def scope() -> JSONResponse:
        return JSONResponse({"organizations": read(dashboard_io.organizations)})

    @router.get("/dashboard/api/costs")
    def costs(org: str | None = None, account: str | None = None) -> JSONResponse:
        rows = read(dashboard_io.daily_costs, _uuid(org, "org"), _uuid(account, "account"))
        return JSONResponse(cost_series(rows))

    @router.get("/dashboard/api/waste")
    def waste(request: Request, org: str | None = None, account: str | None = None) -> JSONResponse:
        authorize(request)
        rows = read(dashboard_io.waste_by_day, _uuid(org, "org"), _uuid(account, "account"))
        return JSONResponse(waste_series(rows))

    @router.get("/dashboard/api/leaderboard")
    def bench_leaderboard(request: Request) -> JSONResponse:
        """The bench's leaderboard from the run folders under DRIFTWORLD_BENCH_RUNS (none when unset)."""
        authorize(request)
        root = os.environ.get(BENCH_RUNS_VARIABLE)
        if not root:
            return JSONResponse({"folder": None, "rows": []})
        folders = sorted(path.parent for path in Path(root).glob("*/run.json"))
        return JSONResponse({"folder": root, "rows": leaderboard(folders)})

    @router.get("/dashboard/api/activity")
    def activity(request: Request, org: str | None = None, account: str | None = None) -> JSONResponse:
        authorize(request)
        scope = (_uuid(org, "org"), _uuid(account, "account"))
        return JSONResponse(
            activity_series(read(dashboard_io.activity_by_day, *scope), read(dashboard_io.recent_changes, *scope))
        )

    return router
