"""Instructions the Python process executes for in-process ticks, counted by callgrind.

Whole ticks on a shared machine vary by a fifth or more with the load; an instruction count does not.
This compares two versions of the engine's Python work (e.g. before and after a change, each from its own
checkout) to a tenth of a percent. The server's work is not counted: it is the same when the two versions
write the same rows (the script prints the rows appended).

It re-runs itself under `valgrind --tool=callgrind --instr-atstart=no`, seeds a world as the tick benchmark
does (`tick_benchmark.seed`, its throwaway cluster), ticks once to warm up, then switches instrumentation on
(`callgrind_control -i on`) for `--ticks` ticks of one day in this process (`DRIFTWORLD_TICK_WORKERS=1`)
and off again. Slow: about ten minutes for 100 accounts and two ticks on 2 CPUs.

    .venv/bin/python benchmarks/tick_instructions.py [--accounts 100] [--ticks 2] [--out FILE]
    callgrind_annotate FILE    # where the instructions go
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tick_benchmark import MIGRATIONS, checked_tick, console, seed, settle, throwaway_cluster

INSIDE = "DRIFTWORLD_TICK_INSTRUCTIONS_INSIDE"  # set on the run under valgrind
BATCH_SIZE = 25


def callgrind(flag: str) -> None:
    subprocess.run(["callgrind_control", "-i", flag, str(os.getpid())], check=True, capture_output=True)


def inside(accounts: int, ticks: int) -> None:
    """Under callgrind: seed, warm up, then count only the measured ticks."""
    with throwaway_cluster({}) as cluster:
        database, _ = seed(cluster, accounts)
        checked_tick(database, BATCH_SIZE)
        settle(database)
        callgrind("on")
        rows = sum(sum(checked_tick(database, BATCH_SIZE).rows_appended.values()) for _ in range(ticks))
        callgrind("off")
    print(f"rows appended {rows}", flush=True)


def totals(out: Path) -> int:
    match = re.search(r"^totals: (\d+)", out.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no instruction total in {out}")
    return int(match.group(1))


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100, help="world size, in accounts")
    parser.add_argument("--ticks", type=int, default=2, help="measured ticks (one virtual day each)")
    parser.add_argument("--out", type=Path, help="the callgrind output file (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.ticks < 1:
        parser.error("--accounts and --ticks must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("DRIFTWORLD_MIGRATIONS_DIR", str(MIGRATIONS))
    if os.environ.get(INSIDE):
        inside(args.accounts, args.ticks)
        return 0
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        console.print("valgrind (with callgrind_control) is not installed")
        return 1
    out = args.out or Path(tempfile.mkdtemp(prefix="driftworld-callgrind-")) / "callgrind.out"
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        f"--log-file={out}.log",  # valgrind's own messages; the script's go to the terminal
        sys.executable,
        __file__,
        *(argv if argv is not None else sys.argv[1:]),
    ]
    env = os.environ | {INSIDE: "1", "DRIFTWORLD_TICK_WORKERS": "1"}
    done = subprocess.run(command, env=env, check=False)
    if done.returncode != 0:
        console.print(f"the run under valgrind failed (exit status {done.returncode})")
        return done.returncode
    instructions = totals(out)
    console.print(
        f"{args.accounts} accounts, {args.ticks} ticks: {instructions:,} instructions "
        f"({instructions / args.ticks / 1e6:,.1f} M per tick); callgrind output {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
