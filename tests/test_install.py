"""`pip install .` from any directory: the wheel carries the migrations, and an installed `driftworld`
migrates, seeds and ticks a real PostgreSQL from a directory that is not a checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from driftworld.store.database import Database
from tests.conftest import MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)

pytestmark = pytest.mark.timeout(300)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the sources (the checkout is left as it is)."""
    sources = tmp_path_factory.mktemp("sources") / "driftworld"
    shutil.copytree(ROOT, sources, ignore=NOT_SOURCES)
    dist = tmp_path_factory.mktemp("dist")
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check")
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, sources, cwd=dist)
    (built,) = dist.glob("driftworld-*.whl")
    return built


def test_the_wheel_ships_the_migrations_license_and_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    shipped = {Path(n).name for n in names if n.startswith("driftworld/migrations/")}
    assert shipped == {p.name for p in MIGRATIONS.glob("*.sql")}
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    assert "Project-URL: Source" in metadata and "Classifier: Programming Language :: Python :: 3.11" in metadata


def test_an_installed_wheel_migrates_seeds_and_ticks_from_any_directory(
    wheel: Path, empty_db: Database, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", python)
    run(*pip, "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    # The dependencies are this environment's (installed offline); driftworld itself only the wheel's.
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTWORLD_", "VIRTUAL_ENV"))}
    env |= {"DATABASE_URL": empty_db.url, "DRIFTWORLD_TICK_WORKERS": "1", "COLUMNS": "120"}
    located = run(python, "-c", "import driftworld; print(driftworld.__file__)", cwd=elsewhere, env=env)
    assert located.startswith(site), located
    driftworld = venv / "bin" / "driftworld"
    migrated = run(driftworld, "db", "migrate", cwd=elsewhere, env=env)
    assert f"applied {sorted(MIGRATIONS.glob('*.sql'))[-1].name}" in migrated
    seeded = run(driftworld, "seed", "--orgs", "1", "--accounts-per-org", "1", "--days", "2", cwd=elsewhere, env=env)
    assert "1 account" in seeded
    ticked = run(driftworld, "tick", "--json", cwd=elsewhere, env=env)
    assert '"ok": true' in ticked
