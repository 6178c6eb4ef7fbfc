"""Connection strings as URIs, for agents and tools that want postgresql://... rather than key=value."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from psycopg.conninfo import conninfo_to_dict

MASK = "****"


def as_uri(conninfo: str, user: str | None = None, password: str | None = None, masked: bool = True) -> str:
    """A postgresql:// URI for the same server and database (a unix socket as ?host=), with another user
    and password when given, and the password shown as **** unless `masked` is false."""
    parts = {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}
    if user is not None:
        parts["user"] = user
    if password is not None:
        parts["password"] = password
    login = quote(parts.pop("user", ""), safe="")
    secret = parts.pop("password", None)
    if secret:
        login += ":" + (MASK if masked else quote(secret, safe=""))
    host = parts.pop("host", "")
    port = parts.pop("port", "")
    database = quote(parts.pop("dbname", ""), safe="")
    netloc = "" if host.startswith("/") else host + (f":{port}" if port else "")
    if host.startswith("/"):
        parts = {"host": host, **({"port": port} if port else {}), **parts}
    query = urlencode(parts, safe="/")
    return f"postgresql://{login}{'@' if login else ''}{netloc}/{database}{'?' + query if query else ''}"
