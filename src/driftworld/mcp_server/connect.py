"""Connection strings for agents in other languages or containers: the agent role's, or the owner's."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import psycopg

from driftworld.store import agent_io
from driftworld.store.database import Database
from driftworld.store.embedded import embedded_database
from driftworld.store.uris import as_uri

PASSWORD_FILE = "agent_password"  # in the driftworld home, mode 0600


class AgentLoginUnavailable(RuntimeError):
    """The agent role cannot be given a login here; the message says why."""


def agent_password(home: Path) -> str:
    """This home's agent password, made once and kept readable by its owner only."""
    path = home / PASSWORD_FILE
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    return password


def agent_uri(database: Database, home: Path, masked: bool = True) -> str:
    """The agent role's URI: the role logs in with this home's password, set on the server each time (the
    bench sets a password of its own for its runs, which this restores)."""
    with database.connect(autocommit=True) as conn:
        if not agent_io.agent_role_exists(conn):
            raise AgentLoginUnavailable(
                f"role {agent_io.AGENT_ROLE} does not exist: "
                "run `driftworld db migrate` as a role that may create roles"
            )
        password = agent_password(home)
        try:
            agent_io.enable_agent_login(conn, password)
        except psycopg.errors.InsufficientPrivilege:
            raise AgentLoginUnavailable(
                f"this login may not let {agent_io.AGENT_ROLE} log in: connect as a role with CREATEROLE"
            ) from None
    base = database.url
    if database.origin == "embedded":  # the password matters on TCP; the private socket trusts its user
        base = embedded_database(home).tcp_url or base
    return as_uri(base, agent_io.AGENT_ROLE, password, masked)
