"""Which database driftworld talks to, and connections to it."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from driftworld.config import Settings
from driftworld.store.embedded import embedded_database


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message says which one and what to check."""


@dataclass(frozen=True)
class Database:
    """A connection target: a URL plus where it came from (for messages, never the password)."""

    url: str
    origin: str  # "DATABASE_URL" or "embedded"
    connect_timeout_s: int = 5

    def connect(self, autocommit: bool = False) -> psycopg.Connection[dict[str, object]]:
        """A new connection whose session runs in UTC: psycopg returns timestamps in the session's time
        zone, and any name but 'UTC' (even 'Etc/UTC', a server's usual default) costs a zoneinfo
        conversion per value read."""
        try:
            conn = psycopg.connect(
                self.url,
                autocommit=autocommit,
                row_factory=dict_row,
                connect_timeout=self.connect_timeout_s,
                application_name="driftworld",
            )
        except (psycopg.OperationalError, psycopg.ProgrammingError) as error:  # unreachable, or a malformed URL
            raise DatabaseUnavailable(
                f"cannot connect to the {self.origin} database: {first_line(error)}. "
                + (
                    "Check DATABASE_URL and that the server is up."
                    if self.origin == "DATABASE_URL"
                    else "Run `driftworld db start` or `driftworld db status`."
                )
            ) from error
        try:
            conn.execute("set time zone 'UTC'")
            if not autocommit:
                conn.commit()
        except psycopg.Error:
            conn.close()
            raise
        return conn


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def resolve_database(settings: Settings, start_embedded: bool = True) -> Database:
    """DATABASE_URL when set; otherwise the embedded database, started on demand."""
    if settings.database_url is not None:
        return Database(settings.database_url.get_secret_value(), "DATABASE_URL", settings.connect_timeout_s)
    embedded = embedded_database(settings.driftworld_home)
    url = embedded.ensure_running() if start_embedded else embedded.url
    return Database(url, "embedded", settings.connect_timeout_s)
