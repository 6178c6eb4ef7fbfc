"""The FinOps Foundation's focus-validator, in a Python 3.12 environment of its own (it needs 3.12+, driftworld
supports 3.11), created on first use and kept between runs and checkouts in the user's cache directory."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

VALIDATOR = "focus-validator==2.2.1"
VALIDATOR_PYARROW = "pyarrow==20.0.0"  # a newer pyarrow needs NumPy 2; the validator pins NumPy 1.26
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
ENVIRONMENT = CACHE / "driftworld" / "focus-validator-2.2.1"
# What the export supports; COMMITMENT_DISCOUNT, CAPACITY_RESERVATION and the currency criteria stay off.
CRITERIA = (
    "ACCOUNT_NAMING",
    "AVAILABILITY_ZONE",
    "MULTIPLE_PRICING_CATEGORIES",
    "MULTIPLE_SUB_ACCOUNT_TYPES",
    "MULTIPLE_BILLING_ACCOUNT_TYPES",
    "NEGOTIATED_PRICING",
    "PUBLIC_PRICE_LIST",
    "USAGE_MEASUREMENT",
    "UNIT_PRICING",
    "SUB_ACCOUNT",
    "BILLING_BASED_ON_PROVISIONED_RESOURCES",
    "RESOURCE_TYPE_ASSIGNMENT",
    "REGION",
    "TAGGING",
)


def find_python312() -> Path | None:
    """A Python 3.12 or newer: $FOCUS_VALIDATOR_PYTHON, pyenv's versions, or one on PATH."""
    if os.environ.get("FOCUS_VALIDATOR_PYTHON"):
        return Path(os.environ["FOCUS_VALIDATOR_PYTHON"])
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    for root in filter(None, roots):
        found = sorted(glob.glob(f"{root}/versions/3.1[2-9]*/bin/python3"))
        if found:
            return Path(found[0])
    for name in ("python3.12", "python3.13", "python3.14"):
        path = shutil.which(name)
        if path and subprocess.run([path, "--version"], capture_output=True).returncode == 0:
            return Path(path)
    return None


def validator_environment() -> Path:
    """The environment's directory, created (about a minute, from PyPI) unless it is there already. It is built
    beside its final name and renamed when complete, so that a run stopped halfway, or two runs at once, never
    leave a broken one (the validator runs as `python -m`, which a renamed environment still serves)."""
    if (ENVIRONMENT / ".installed").exists():
        return ENVIRONMENT
    python = find_python312()
    if python is None:
        raise RuntimeError(
            "focus-validator needs Python 3.12+: install it (pyenv install 3.12) or set FOCUS_VALIDATOR_PYTHON"
        )
    building = ENVIRONMENT.with_name(f"{ENVIRONMENT.name}.{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    subprocess.run([str(python), "-m", "venv", str(building)], check=True)
    pip = [str(building / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, VALIDATOR, VALIDATOR_PYARROW], check=True)
    (building / ".installed").touch()
    try:
        shutil.rmtree(ENVIRONMENT, ignore_errors=True)
        building.rename(ENVIRONMENT)
    except OSError:  # another run finished first
        shutil.rmtree(building, ignore_errors=True)
    return ENVIRONMENT


@dataclass(frozen=True)
class Report:
    tests: int
    skipped: int
    failed: dict[str, str]  # rule id -> message, failures and errors alike


def validate(data_file: Path, junit: Path) -> Report:
    """Runs the validator on a Parquet or CSV file and reads its JUnit report (its exit status says nothing)."""
    environment = validator_environment()
    package = subprocess.run(
        [
            str(environment / "bin" / "python"),
            "-c",
            "import focus_validator, os; print(os.path.dirname(focus_validator.__file__))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    site_packages = Path(package).parent  # it opens focus_validator/rules/currency_codes.csv relative to the cwd
    done = subprocess.run(
        [
            str(environment / "bin" / "python"),
            "-m",
            "focus_validator.main",
            "--data-file",
            str(data_file),
            "--validate-version",
            "1.2",
            "--block-download",
            "--applicability-criteria",
            ",".join(f"{c}_SUPPORTED" for c in CRITERIA),
            "--output-type",
            "unittest",
            "--output-destination",
            str(junit),
        ],
        cwd=site_packages,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if not junit.exists():
        raise RuntimeError(f"focus-validator wrote no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    root = ET.parse(junit).getroot()
    failed: dict[str, str] = {}
    for case in root.iter("testcase"):
        for kind in ("failure", "error"):
            element = case.find(kind)
            if element is not None:
                rule = (case.get("name") or "").split(" ::", 1)[0]
                failed[rule] = f"{kind}: {element.get('message')}"
    return Report(tests=int(root.get("tests", 0)), skipped=int(root.get("skipped", 0)), failed=failed)
