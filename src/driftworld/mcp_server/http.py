"""Streamable HTTP on localhost behind a bearer token, for agents that do not spawn the server."""

from __future__ import annotations

import json
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from starlette.types import ASGIApp, Receive, Scope, Send

from driftworld.bearer import bearer_matches

TOKEN_VARIABLE = "DRIFTWORLD_MCP_TOKEN"
HOST = "127.0.0.1"
PATH = "/mcp"


class BearerToken:
    """Every HTTP request must carry `Authorization: Bearer <token>`, compared in constant time."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError(f"{TOKEN_VARIABLE} is empty: the HTTP server needs a bearer token")
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
            if not bearer_matches(given.decode("latin-1"), self.token):
                body = json.dumps({"error": "unauthorized", "message": "send Authorization: Bearer <token>"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def http_app(server: MCPServer[Any], token: str) -> BearerToken:
    """The server's streamable HTTP app at /mcp, behind the token."""
    return BearerToken(server.streamable_http_app(streamable_http_path=PATH, host=HOST), token)


def serve_http(server: MCPServer[Any], token: str, port: int) -> None:
    """Serve on localhost until interrupted."""
    uvicorn.Server(uvicorn.Config(http_app(server, token), host=HOST, port=port, log_level="warning")).run()
