"""Bearer tokens, as the service, the dashboard and the MCP server check them."""

from __future__ import annotations

import hmac


def bearer_matches(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time, so response times do not reveal how much
    of a guess was right."""
    if not header:
        return False
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.strip().encode(), token.encode())
