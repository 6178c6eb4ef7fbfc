"""The drift-tick HTTP function (contract section 6), as a FastAPI app.

It answers on the Supabase Edge Function path so that a pg_net job only changes the host, sends the
CORS headers a Supabase function sends, and answers 400 (not FastAPI's 422) to any malformed body.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from driftworld.bearer import bearer_matches
from driftworld.config import load_settings
from driftworld.dashboard.routes import dashboard_router
from driftworld.engine.tick import MAX_ACCOUNT_IDS, MAX_DAYS
from driftworld.engine.workers import shutdown_workers
from driftworld.redact import redact
from driftworld.service.logs import configure_logging, emit
from driftworld.service.replies import AccountReply, ErrorReply, TickReply
from driftworld.service.scheduler import IntervalScheduler
from driftworld.service.ticking import SERVICE_ERRORS, TickOutcome, run_tick, shorten
from driftworld.store.cluster import ClusterError
from driftworld.store.database import Database, DatabaseUnavailable, first_line, why_unreachable
from driftworld.store.migrations import MigrationError, status
from driftworld.store.tick_io import newest_virtual_day

TICK_PATH = "/functions/v1/drift-tick"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "authorization, x-client-info, apikey, content-type",
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
}
HEALTH_TIMEOUT_S = 3
MAX_BODY_BYTES = 1 << 20  # a tick's body is a few bytes; its longest (every account id named) is under 0.5 MiB
PROBLEMS_NAMED = 3  # validation problems a 400 lists before it only counts the rest
DatabaseFactory = Callable[[], Database]


class TickRequest(BaseModel):
    """The optional JSON body of a tick; anything not listed here is refused, so typos are not ignored."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "not": {"required": ["days", "date"]},
            "description": "Every field is optional; `days` and `date` exclude each other.",
        },
    )

    triggered_by: str | None = Field(default=None, max_length=200, description="Who asked: logged with the tick.")
    days: int | None = Field(default=None, ge=1, le=MAX_DAYS, description="Virtual days every account advances.")
    date: dt.date | None = Field(default=None, description="Advance every account up to and including this day.")
    account_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_ACCOUNT_IDS, description="Only these accounts."
    )

    @model_validator(mode="after")
    def _days_or_date(self) -> TickRequest:
        if self.days is not None and self.date is not None:
            raise ValueError("give either days or date, not both")
        return self


class HealthReply(BaseModel):
    ok: bool
    service: str
    database: str = Field(description="up or down")
    databaseOrigin: str | None
    schema_: str | None = Field(alias="schema", description="current, or what is missing")
    newestVirtualDay: str | None
    auth: str = Field(description="bearer, or disabled (serve --no-auth)")
    scheduler: dict[str, Any] | None
    error: str | None = None


def error_reply(
    status_code: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    accounts: list[AccountReply] | None = None,
) -> JSONResponse:
    """The JSON error every failure gets: secrets masked, short enough for a log line."""
    return JSONResponse(
        ErrorReply(error=shorten(redact(message)), accounts=accounts).body(),
        status_code=status_code,
        headers={**CORS_HEADERS, **(headers or {})},
    )


def describe_validation_error(error: ValidationError | RequestValidationError) -> str:
    """One readable sentence per problem, naming the field, e.g. "unknown field 'foo'"."""
    problems = []
    for item in error.errors():
        kind = item.get("type", "")
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
        message = str(item.get("msg", "invalid"))
        if kind == "json_invalid":
            problems.append(f"invalid JSON: {item.get('ctx', {}).get('error', message)}")
        elif kind == "extra_forbidden":
            problems.append(f"unknown field {where!r}")
        elif kind in ("model_type", "model_attributes_type", "dict_type") and not where:
            problems.append("the body must be a JSON object")
        else:
            message = message.removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
    if len(problems) > PROBLEMS_NAMED:
        problems = [*problems[:PROBLEMS_NAMED], f"and {len(problems) - PROBLEMS_NAMED} more problems"]
    return "; ".join(problems) or "invalid request body"


def parse_body(raw: bytes) -> TickRequest:
    """Any JSON content type is accepted (curl -d sends a form type); an empty body means {}."""
    if not raw.strip():
        return TickRequest()
    return TickRequest.model_validate_json(raw)


class BodyTooLarge(StarletteHTTPException):
    def __init__(self) -> None:
        super().__init__(413, f"the body is larger than {MAX_BODY_BYTES:,} bytes")


class BodyLimitMiddleware:
    """Refuses a body over MAX_BODY_BYTES with a 413 before reading it when its length is declared,
    and as soon as it grows past the limit when it is sent in chunks, so a huge body costs no memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            refused = BodyTooLarge()
            await error_reply(refused.status_code, refused.detail, {"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited_receive, send)


class CorsMiddleware:
    """Supabase functions' CORS headers on every response (errors included); OPTIONS is answered here,
    before authentication, with or without an Origin header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await Response("ok", status_code=200, headers=CORS_HEADERS, media_type="text/plain")(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() not in _CORS_LOWER
                ]
                headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in CORS_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)


_CORS_LOWER = {k.lower() for k in CORS_HEADERS}


def create_app(
    database_factory: DatabaseFactory,
    token: SecretStr | None,
    *,
    every_s: float | None = None,
    require_token: bool = True,
    log_json: bool = True,
) -> FastAPI:
    """The service. `token` None disables authentication, which must be asked for (require_token=False);
    `every_s` starts the service's own scheduler (first tick one interval after start)."""
    if token is None and require_token:
        raise ValueError("no token: set DRIFT_TICK_TOKEN (or SUPABASE_SERVICE_ROLE_KEY), or disable auth explicitly")
    if token is not None and not token.get_secret_value():
        raise ValueError("the token is empty: set DRIFT_TICK_TOKEN to a non-empty secret")
    if log_json:
        configure_logging()

    def scheduled_tick() -> TickOutcome:
        return run_tick(database_factory(), triggered_by="scheduler")

    scheduler = IntervalScheduler(every_s, scheduled_tick) if every_s else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        emit("service_started", auth="bearer" if token else "disabled", every_s=every_s)
        if token is None:
            emit("auth_disabled", logging.WARNING, warning="authentication is OFF: anyone who can reach it can tick")
        task = asyncio.create_task(scheduler.run()) if scheduler else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            await run_in_threadpool(shutdown_workers)
            emit("service_stopped")

    app = FastAPI(
        title="driftworld drift-tick",
        version="1",
        summary="Advances the virtual clock of a driftworld world (contract section 6).",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their assets from a CDN: not offered, /openapi.json is
        redoc_url=None,
    )
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(CorsMiddleware)  # added last: outermost, so the limit's 413 carries CORS too
    app.include_router(dashboard_router(database_factory, token))  # the dashboard at / (dashboard/routes.py)

    @app.exception_handler(RequestValidationError)
    async def validation_failed(_: Request, error: RequestValidationError) -> JSONResponse:
        return error_reply(400, describe_validation_error(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return error_reply(error.status_code, str(error.detail), error.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        emit("unexpected_error", logging.ERROR, error=f"{type(error).__name__}: {first_line(error)}")
        return error_reply(500, f"internal error: {type(error).__name__}: {first_line(error)}", accounts=[])

    @app.post(
        TICK_PATH,
        summary="Simulate the next virtual day (or `days`, or up to `date`) of every active account",
        response_model=TickReply,
        responses={
            400: {"model": ErrorReply, "description": "Malformed body or impossible request; nothing simulated."},
            401: {"model": ErrorReply, "description": "Missing or wrong bearer token; nothing simulated."},
            500: {"model": ErrorReply, "description": "An account failed, or the database is unreachable."},
        },
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": TickRequest.model_json_schema()}},
            },
            "security": [{"bearer": []}],
        },
    )
    async def drift_tick(request: Request) -> Response:
        if token is not None and not bearer_matches(request.headers.get("authorization"), token.get_secret_value()):
            emit("tick_unauthorized", logging.WARNING, client=request.client.host if request.client else None)
            return error_reply(401, "missing or wrong bearer token (Authorization: Bearer <DRIFT_TICK_TOKEN>)")
        try:
            body = parse_body(await request.body())
        except ValidationError as error:
            return error_reply(400, describe_validation_error(error))
        try:
            database = database_factory()
        except SERVICE_ERRORS as error:
            return error_reply(500, str(error), accounts=[])
        outcome = await run_in_threadpool(
            lambda: run_tick(
                database,
                triggered_by=body.triggered_by or "http",
                days=body.days,
                date=body.date,
                account_ids=body.account_ids,
            )
        )
        return JSONResponse(outcome.reply, status_code=outcome.status_code, headers=CORS_HEADERS)

    @app.get(
        "/health",
        summary="Service and database state, and the newest virtual day",
        response_model=HealthReply,
        responses={503: {"model": HealthReply, "description": "The database is down or its schema is not current."}},
    )
    async def health() -> JSONResponse:
        reply = await run_in_threadpool(check_health, database_factory)
        reply["auth"] = "bearer" if token is not None else "disabled"
        reply["scheduler"] = scheduler.state() if scheduler else None
        return JSONResponse(reply, status_code=200 if reply["ok"] else 503, headers=CORS_HEADERS)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes, openapi_version="3.1.0"
            )
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "description": "DRIFT_TICK_TOKEN"}
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.scheduler = scheduler
    return app


def check_health(database_factory: DatabaseFactory) -> dict[str, Any]:
    """Is the database reachable and current, and how far has the world got? Quick even when it is down."""
    reply: dict[str, Any] = {
        "ok": False,
        "service": "up",
        "database": "down",
        "databaseOrigin": None,
        "schema": None,
        "newestVirtualDay": None,
    }
    try:
        database = database_factory()
        reply["databaseOrigin"] = database.origin
        quick = dataclasses.replace(database, connect_timeout_s=min(database.connect_timeout_s, HEALTH_TIMEOUT_S))
        with quick.connect(autocommit=True) as conn:
            reply["database"] = "up"
            current = status(conn, load_settings().migrations_dir)
            problems = [f"pending {m.path.name}" for m in current.pending] + [f"unknown {v}" for v in current.unknown]
            reply["schema"] = "; ".join(problems) or "current"
            newest = newest_virtual_day(conn)
            reply["newestVirtualDay"] = newest.isoformat() if newest else None
            reply["ok"] = reply["schema"] == "current"
    except DatabaseUnavailable as error:
        reply["database"], reply["error"] = "down", f"database down: {error.reason}"
    except psycopg.OperationalError as error:
        reply["database"], reply["error"] = "down", f"database down: {why_unreachable(error)}"
    except MigrationError as error:
        reply["error"] = redact(str(error))
    except ClusterError:
        reply["database"], reply["error"] = "down", "database down: the embedded database cannot be started"
    except (*SERVICE_ERRORS, psycopg.Error) as error:
        reply["error"] = f"database error: {type(error).__name__}"
    return reply
