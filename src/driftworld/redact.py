"""Masking of secrets in text a user or a log can see.

Connection strings carry passwords, and libpq quotes a string it cannot parse (or a piece of it) in its
error message; request URLs may carry a token in their query. Every message that can hold either goes
through `redact`, which masks the secrets of every connection string this process has used (however
they are quoted) and anything shaped like a credential.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote

MASK = "***"
# A secret this short also occurs inside ordinary words: it is masked only where it stands quoted.
SHORTEST_BARE_SECRET = 4

_known: set[str] = set()
_known_lock = threading.Lock()

_URI_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@\"']*:)(?P<secret>[^\s\"']*?)(?=@)")
_PASSWORD_KEYWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'|[^\s&\"']+)", re.IGNORECASE)
_QUERY_CREDENTIAL = re.compile(
    r"(?P<head>[?&](?:apikey|api_key|token|access_token|refresh_token|key|password|secret)=)(?P<secret>[^&\s\"'#]*)",
    re.IGNORECASE,
)


def secrets_of(conninfo: str) -> set[str]:
    """The password (as written and percent-decoded) of a libpq URI or key=value string, parsed leniently:
    the point is to find it in a string libpq itself refused."""
    found: set[str] = set()
    scheme, sep, rest = conninfo.partition("://")
    if sep and scheme and " " not in scheme:
        before_path = rest.split("/", 1)[0]
        for userinfo in (before_path.rpartition("@")[0], rest.rpartition("@")[0], rest.partition("@")[0]):
            user, colon, password = userinfo.partition(":")
            if colon and password and password != user:  # masking a password that is the user's name hides nothing
                found |= {password, unquote(password)}
    for match in _PASSWORD_KEYWORD.finditer(conninfo):
        value = match["secret"]
        found |= {value, value.strip("'"), unquote(value)}
    return {s for s in found if s}


def remember(conninfo: str) -> None:
    """Mask this connection string's password in every later `redact` of this process."""
    secrets = secrets_of(conninfo)
    if secrets:
        with _known_lock:
            _known.update(secrets)


def redact(text: str) -> str:
    """`text` with every known password and anything shaped like a credential replaced by ***."""
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        for quote in ('"', "'"):
            text = text.replace(f"{quote}{secret}{quote}", f"{quote}{MASK}{quote}")
        if len(secret) >= SHORTEST_BARE_SECRET:
            text = text.replace(secret, MASK)
    text = _URI_USERINFO.sub(lambda m: m["head"] + MASK if m["secret"] else m[0], text)
    text = _PASSWORD_KEYWORD.sub(lambda m: m["head"] + MASK, text)
    return _QUERY_CREDENTIAL.sub(lambda m: m["head"] + MASK if m["secret"] else m[0], text)
