"""The build step that ships supabase/migrations inside the wheel (as driftworld/migrations), so that
`supabase/migrations/` stays the one source the Supabase CLI and driftworld both read. Everything
else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MIGRATIONS = Path(__file__).resolve().parent / "supabase" / "migrations"


class BuildPyWithMigrations(build_py):
    """build_py, then a copy of the migrations into the built package (not in an editable install,
    which reads them from the checkout)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        files = sorted(MIGRATIONS.glob("*.sql"))
        if not files:
            raise SystemExit(f"no migrations in {MIGRATIONS}: build from a complete checkout or sdist")
        target = Path(self.build_lib) / "driftworld" / "migrations"
        target.mkdir(parents=True, exist_ok=True)
        for path in files:
            shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithMigrations})
