"""The HTTP server of `driftworld aws serve`: check the signature, parse the call from the service model,
run it on the world as the agent role, and answer in the service's own protocol."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request as WsgiRequest

from driftworld.aws import protocol, timeshift
from driftworld.aws.operations import HANDLERS, Call
from driftworld.aws.protocol import ApiError, Parsed, Request, Response
from driftworld.aws.sigv4 import SignatureError, parse_authorization, verify
from driftworld.store import agent_io, aws_io
from driftworld.store.aws_io import ApiKey, Conn
from driftworld.store.database import Database

log = logging.getLogger("driftworld.aws")

# AWS's own error codes for a request without a valid signature, by the service's protocol family.
AUTH_ERRORS: dict[str, dict[str, tuple[str, int]]] = {
    "ec2": {"unknown-key": ("AuthFailure", 401), "mismatch": ("AuthFailure", 401), "expired": ("AuthFailure", 401)},
    "query": {
        "unknown-key": ("InvalidClientTokenId", 403),
        "mismatch": ("SignatureDoesNotMatch", 403),
        "expired": ("SignatureDoesNotMatch", 403),
    },
    "json": {
        "unknown-key": ("UnrecognizedClientException", 400),
        "mismatch": ("InvalidSignatureException", 400),
        "expired": ("InvalidSignatureException", 400),
    },
    "rest": {
        "unknown-key": ("InvalidAccessKeyId", 403),
        "mismatch": ("SignatureDoesNotMatch", 403),
        "expired": ("RequestTimeTooSkewed", 403),
    },
}
MISSING = {"ec2": "AuthFailure", "query": "MissingAuthenticationToken", "json": "MissingAuthenticationTokenException"}


def _family(model_protocol: str) -> str:
    if model_protocol in ("ec2", "query"):
        return model_protocol
    return "rest" if model_protocol == "rest-xml" else "json"


@dataclass
class AwsApi:
    """A WSGI application over one world. Every call is one transaction as the agent role."""

    database: Database = field(repr=False)  # its URL may hold a password
    key: ApiKey
    virtual_clock: bool = False
    as_today: bool = False  # show the world's newest simulated day as the real date (docs/aws-api.md)
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    pool: ConnectionPool[Conn] = field(init=False)

    def __post_init__(self) -> None:
        self.pool = ConnectionPool(
            self.database.url,
            min_size=1,
            max_size=4,
            kwargs={"row_factory": dict_row, "autocommit": True, "application_name": "driftworld-aws"},
            configure=agent_io.use_utc,
            open=True,
        )

    def close(self) -> None:
        self.pool.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        incoming = WsgiRequest(environ)
        body = incoming.get_data()
        raw_uri = str(environ.get("REQUEST_URI") or environ.get("RAW_URI") or "")
        if not raw_uri:
            raw_uri = quote(incoming.path) + (f"?{incoming.query_string.decode()}" if incoming.query_string else "")
        request = Request(
            method=incoming.method,
            path=incoming.path,
            headers=incoming.headers,
            body=body,
            query_string=incoming.query_string,
            raw_path=raw_uri.split("?", 1)[0],
        )
        response = self.handle(request, raw_uri, body)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def handle(self, request: Request, raw_uri: str, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"))) if b"=" in body[:200] else {}
        try:
            scope = parse_authorization(request.headers.get("Authorization"))
            signing_name = scope.service if scope.service in protocol.SERVICES else None
        except SignatureError:
            scope = None
            signing_name = None
        signing_name = signing_name or protocol.guess_signing_name(request, form)
        model = protocol.service_model(protocol.SERVICES[signing_name])
        parsed: Parsed | None = None
        try:
            self._authenticate(request, raw_uri, body, model.protocol)
            parsed = protocol.parse(signing_name, request)
            return protocol.reply(parsed, self._run(parsed, scope.region if scope else "us-east-1"), request)
        except Exception as failure:  # a bug must still answer in the client's protocol, not as an HTML page
            error = (
                failure
                if isinstance(failure, ApiError)
                else ApiError(
                    "InternalFailure", "driftworld failed to serve the call; its log has the details", 500, False
                )
            )
            if not isinstance(failure, ApiError):
                log.exception("failed to serve %s", parsed.operation.name if parsed else signing_name)
            return protocol.error_reply(
                signing_name,
                parsed.protocol if parsed else None,
                parsed.operation if parsed else None,
                error,
                request,
            )

    def _authenticate(self, request: Request, raw_uri: str, body: bytes, model_protocol: str) -> None:
        family = _family(model_protocol)
        try:
            scope = parse_authorization(request.headers.get("Authorization"))
            if scope.access_key_id != self.key.access_key_id:
                raise SignatureError("unknown-key", "The security token included in the request is invalid.")
            verify(
                scope,
                self.key.secret_access_key,
                request.method,
                raw_uri,
                dict(request.headers.items()),
                body,
                self.now(),
            )
        except SignatureError as error:
            if error.kind in ("missing", "malformed"):
                code = MISSING.get(family, "AccessDenied")
                raise ApiError(code, str(error), 401 if family == "ec2" else 403) from None
            code, status = AUTH_ERRORS[family][error.kind]
            message = str(error)
            if error.kind == "unknown-key" and family == "rest":
                message = "The AWS Access Key Id you provided does not exist in our records."
            elif error.kind == "unknown-key" and family == "ec2":
                message = "AWS was not able to validate the provided access credentials"
            raise ApiError(code, message, status) from None

    def _days_to_today(self, conn: Conn) -> int:
        """How many days later the world's times are shown: 0, or with `as_today` the days from the world's
        newest simulated day to the real date."""
        if not self.as_today:
            return 0
        newest = aws_io.virtual_today(conn)
        return (self.now().date() - newest).days if newest else 0

    def _run(self, parsed: Parsed, region: str) -> dict[str, Any]:
        name = parsed.operation.service_model.service_name
        handler = HANDLERS.get((name, parsed.operation.name))
        if handler is None:
            model_protocol = parsed.operation.service_model.protocol
            raise ApiError(
                "InvalidAction" if model_protocol in ("ec2", "query") else "UnknownOperationException",
                f"driftworld does not serve {name} {parsed.operation.name} (docs/aws-api.md lists what it serves)",
            )
        try:
            with self.pool.connection() as conn, aws_io.as_agent(conn):
                days = self._days_to_today(conn)
                params = timeshift.shift(parsed.params, parsed.operation.input_shape, -days)
                result = handler(Call(conn, region, self.key.name, params, self.virtual_clock))
                return dict(timeshift.shift(result, parsed.operation.output_shape, days))
        except psycopg.Error as error:
            log.exception("database error in %s %s", name, parsed.operation.name)
            raise ApiError("InternalFailure", f"the world's database failed: {error.sqlstate}", 500, False) from None


def make_api(database: Database, key_name: str | None = None, as_today: bool = False) -> AwsApi:
    """The application over a migrated, seeded world, with the world's key (made on first use)."""
    with database.connect() as conn:
        key = aws_io.ensure_api_key(conn, key_name)
        virtual = aws_io.clock_mode(conn) == "virtual"
        if not aws_io.agent_role_ready(conn):
            raise ValueError(
                f"this login cannot act as the {aws_io.AGENT_ROLE} role: the AWS API runs every call as that role "
                "(run `driftworld db migrate` as a role that may create roles, or grant it to this login)"
            )
    return AwsApi(database, key, virtual, as_today)


@dataclass
class Running:
    """A server on a thread, and the environment that points an AWS SDK at it."""

    api: AwsApi
    server: BaseWSGIServer
    thread: threading.Thread
    region: str

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.server_port}"

    def environment(self) -> dict[str, str]:
        """The standard variables every AWS SDK and the CLI read (the secret among them: for a child only)."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": self.api.key.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.api.key.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.server.server_close()
        self.api.close()


def serve_in_background(database: Database, key_name: str | None = None) -> Running:
    """The API over a world on a free localhost port, until `stop()` (the bench runs one per episode)."""
    api = make_api(database, key_name)
    with database.connect() as conn:
        region = aws_io.main_region(conn)
    server, thread = start(api, port=0)
    return Running(api, server, thread, region)


def start(api: AwsApi, host: str = "127.0.0.1", port: int = 4566) -> tuple[BaseWSGIServer, threading.Thread]:
    """Serve on a thread (port 0: any free port, read it from `server.server_port`)."""
    server = make_server(host, port, api, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="driftworld-aws", daemon=True)
    thread.start()
    return server, thread
