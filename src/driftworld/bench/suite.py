"""A suite: the world every episode starts from, how long an episode lasts, its seeds and its pass mark.

Suites are TOML files; the shipped ones live beside this module and a user may pass a path of their own.
The digest of a suite and of the code that shapes its world names the template and the cached replay, so
either changing rebuilds them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import driftworld
from driftworld.model.difficulty import DIFFICULTIES

SUITES_DIR = Path(__file__).parent / "suites"
PACKAGE = Path(driftworld.__file__).parent
# What decides the world an episode meets: the model, the engine, the seeder, the store's SQL and the schema.
WORLD_CODE = ("model", "engine", "store", "seeder.py")
MAX_ACCOUNTS = 1_000


class SuiteError(ValueError):
    """A suite that cannot be run; the message names the file and the field."""


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    organizations: int
    accounts_per_org: int
    history_days: int
    end_date: dt.date
    difficulty: str
    intensity: dict[str, Any]  # drift_intensity as the world stores it
    episode_days: int
    seeds: tuple[int, ...]
    pass_threshold: float
    source: str  # the TOML text, part of the digest

    def digest(self, migrations: Path) -> str:
        """Twelve hex digits of the suite's text and of every file that shapes its world."""
        h = hashlib.sha256(self.source.encode())
        for path in sorted(_world_files(migrations)):
            h.update(path.name.encode())
            h.update(path.read_bytes())
        return h.hexdigest()[:12]


def _world_files(migrations: Path) -> list[Path]:
    files = [p for p in migrations.glob("*.sql")]
    for part in WORLD_CODE:
        root = PACKAGE / part
        files += [root] if root.is_file() else [p for p in root.rglob("*") if p.suffix in (".py", ".sql")]
    return files


def shipped_suites() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.toml"))


def load_suite(name_or_path: str) -> Suite:
    """A shipped suite by name, or a suite file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SUITES_DIR / f"{name_or_path}.toml"
        if not path.exists():
            raise SuiteError(f"no suite named {name_or_path!r}; shipped: {', '.join(shipped_suites())}, or give a path")
    if not path.exists():
        raise SuiteError(f"suite file {path} not found")
    text = path.read_text()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SuiteError(f"{path}: not valid TOML: {error}") from error
    return _parse(path, data, text)


def _field(path: Path, data: dict[str, Any], section: str, key: str, kind: type, default: Any = None) -> Any:
    value = data.get(section, {}).get(key, default)
    if value is None:
        raise SuiteError(f"{path}: [{section}] {key} is missing")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise SuiteError(f"{path}: [{section}] {key} must be a {kind.__name__}")
    return value


def _parse(path: Path, data: dict[str, Any], text: str) -> Suite:
    orgs = _field(path, data, "world", "organizations", int)
    per_org = _field(path, data, "world", "accounts_per_org", int)
    if orgs < 1 or per_org < 1 or orgs * per_org > MAX_ACCOUNTS:
        raise SuiteError(f"{path}: between 1 and {MAX_ACCOUNTS} accounts in all")
    history = _field(path, data, "world", "history_days", int)
    if not 8 <= history <= 366:
        raise SuiteError(f"{path}: [world] history_days must be between 8 and 366 (the 7-day columns need a week)")
    difficulty = _field(path, data, "world", "difficulty", str, "realistic")
    if difficulty not in DIFFICULTIES:
        raise SuiteError(f"{path}: [world] difficulty must be one of {', '.join(DIFFICULTIES)}")
    preset = data.get("world", {}).get("preset")
    multiplier = _field(path, data, "world", "multiplier", float, 1.0)
    if not 0 <= multiplier <= 100:
        raise SuiteError(f"{path}: [world] multiplier must be between 0 and 100")
    days = _field(path, data, "episode", "days", int)
    if not 1 <= days <= 366:
        raise SuiteError(f"{path}: [episode] days must be between 1 and 366")
    seeds = data.get("episode", {}).get("seeds")
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) and s >= 0 for s in seeds):
        raise SuiteError(f"{path}: [episode] seeds must be a list of non-negative integers")
    threshold = _field(path, data, "episode", "pass_threshold", float)
    if not 0 <= threshold <= 1:
        raise SuiteError(f"{path}: [episode] pass_threshold must be between 0 and 1")
    return Suite(
        name=_field(path, data, "suite", "name", str, path.stem),
        description=str(data.get("suite", {}).get("description", "")),
        organizations=orgs,
        accounts_per_org=per_org,
        history_days=history,
        end_date=_field(path, data, "world", "end_date", dt.date),
        difficulty=difficulty,
        intensity={"multiplier": multiplier, "preset": preset} if preset else {"multiplier": multiplier},
        episode_days=days,
        seeds=tuple(seeds),
        pass_threshold=threshold,
        source=text,
    )
