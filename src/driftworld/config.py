"""Settings from the environment, read in one place so every entry point agrees."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_MIGRATIONS = Path(__file__).resolve().parent / "migrations"  # a wheel's copy (setup.py)


def default_migrations_dir() -> Path:
    """supabase/migrations of the checkout this code runs from, or else the copy an installed wheel holds."""
    checkout = PROJECT_ROOT / "supabase" / "migrations"
    return checkout if checkout.is_dir() else PACKAGE_MIGRATIONS


def default_home() -> Path:
    """Where the embedded database's state lives (contract: DRIFTWORLD_HOME, XDG, ~/.local/share)."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "driftworld"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    database_url: SecretStr | None = Field(default=None, alias="DATABASE_URL")
    driftworld_home: Path = Field(default_factory=default_home, alias="DRIFTWORLD_HOME")
    migrations_dir: Path = Field(default_factory=default_migrations_dir, alias="DRIFTWORLD_MIGRATIONS_DIR")
    drift_tick_token: SecretStr | None = Field(default=None, alias="DRIFT_TICK_TOKEN")
    supabase_service_role_key: SecretStr | None = Field(default=None, alias="SUPABASE_SERVICE_ROLE_KEY")
    connect_timeout_s: int = Field(default=5, ge=1, alias="DRIFTWORLD_CONNECT_TIMEOUT")
    # Server-side bound on one statement (0: none); a frozen server cannot enforce it: see watchdog_s.
    statement_timeout_s: int = Field(default=600, ge=0, alias="DRIFTWORLD_STATEMENT_TIMEOUT")
    # A tick that hears nothing from the database for this long is abandoned (0: never).
    watchdog_s: float = Field(default=30, ge=0, alias="DRIFTWORLD_DB_WATCHDOG")
    # Processes a tick of several batches runs in; 0 means one per CPU, 1 keeps the tick in-process.
    tick_workers: int = Field(default=0, ge=0, alias="DRIFTWORLD_TICK_WORKERS")

    @cached_property
    def tick_token(self) -> SecretStr | None:
        """The bearer token of the service; Supabase's service-role key works unchanged."""
        return self.drift_tick_token or self.supabase_service_role_key


class InvalidSettings(ValueError):
    """An environment variable driftworld reads holds a value it cannot use."""


def load_settings() -> Settings:
    """The settings, or one line naming each bad variable (never its value: it may be a secret)."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InvalidSettings(f"bad environment setting: {problems}") from None
