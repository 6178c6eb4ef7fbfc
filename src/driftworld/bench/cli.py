"""`driftworld bench`: run an agent on a suite, and the leaderboard of runs."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from driftworld.bench.agents import BASELINES, load_agent
from driftworld.bench.episode import Servers
from driftworld.bench.run import leaderboard, leaderboard_markdown, run_suite, summary_markdown
from driftworld.bench.suite import load_suite, shipped_suites
from driftworld.config import load_settings
from driftworld.store.database import resolve_database

bench_app = typer.Typer(
    help="The benchmark: run any agent on a fixed suite of episodes and score it against a no-agent replay.",
    no_args_is_help=True,
)


@contextmanager
def _bar(console: Console, total: int) -> Iterator[Callable[[str], None]]:
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )
    task = bar.add_task("episode days", total=total)
    with bar:
        yield lambda label: bar.update(task, advance=1, description=label)


def register(
    app: typer.Typer, friendly_errors: Callable[[], AbstractContextManager[None]], console: Console, out: Console
) -> None:
    app.add_typer(bench_app, name="bench")

    @bench_app.command("run")
    def bench_run(
        suite: Annotated[str, typer.Option(help=f"a shipped suite ({', '.join(shipped_suites())}) or a TOML path")],
        agent: Annotated[
            str | None, typer.Option(help=f"a baseline ({', '.join(BASELINES)}) or module:attribute with act(turn)")
        ] = None,
        agent_cmd: Annotated[
            str | None,
            typer.Option(
                help="a command run once per virtual day, with DATABASE_URL (as the agent), "
                "DRIFTWORLD_VIRTUAL_DATE, DRIFTWORLD_EPISODE and DRIFTWORLD_AGENT set"
            ),
        ] = None,
        name: Annotated[str | None, typer.Option(help="the agent's name in scores and audit rows")] = None,
        seeds: Annotated[int | None, typer.Option(min=1, help="run only the suite's first N seeds")] = None,
        out_dir: Annotated[
            Path | None, typer.Option("--out", help="the run folder (default: a new temporary one)")
        ] = None,
        output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
        turn_timeout: Annotated[float, typer.Option(min=1, help="seconds an --agent-cmd turn may take")] = 120.0,
        mcp: Annotated[
            bool,
            typer.Option(
                help="serve the episode's world to the --agent-cmd over MCP (streamable HTTP): "
                "DRIFTWORLD_MCP_URL and DRIFTWORLD_MCP_TOKEN are set"
            ),
        ] = False,
        enforce_policy: Annotated[
            bool, typer.Option(help="the MCP server refuses acts that break a policy, lock or freeze")
        ] = False,
    ) -> None:
        """Run an agent on every seed of a suite: each virtual day the agent takes a turn, then the world
        ticks. Writes run.json, per seed actions.jsonl, scorecard.json and the agent's log, and summary.md."""
        if output not in ("table", "json"):
            raise typer.BadParameter("must be table or json", param_hint="--format")
        if (mcp or enforce_policy) and agent_cmd is None:
            raise typer.BadParameter("the MCP server is served to an --agent-cmd only", param_hint="--mcp")
        if enforce_policy and not mcp:
            raise typer.BadParameter(
                "--enforce-policy applies to the MCP server: add --mcp", param_hint="--enforce-policy"
            )
        with friendly_errors():
            loaded_suite = load_suite(suite)
            loaded_agent = load_agent(agent, agent_cmd, name)
            loaded_agent.turn_timeout_s = turn_timeout
            settings = load_settings()
            database = resolve_database(settings)
            folder = out_dir or Path(tempfile.mkdtemp(prefix=f"driftworld-bench-{loaded_suite.name}-"))
            count = len(loaded_suite.seeds[: seeds or len(loaded_suite.seeds)])
            with _bar(console, count * loaded_suite.episode_days) as progress:
                summary = run_suite(
                    database,
                    settings.migrations_dir,
                    loaded_suite,
                    loaded_agent,
                    folder,
                    seeds,
                    progress,
                    servers=Servers(mcp=mcp, enforce_policy=enforce_policy),
                )
        if output == "json":
            out.print_json(json.dumps(summary))
        else:
            out.print(summary_markdown(summary), markup=False, soft_wrap=True)
            console.print(f"run folder: {folder}", markup=False, soft_wrap=True)

    @bench_app.command("table")
    def bench_table(
        folders: Annotated[list[Path], typer.Argument(help="run folders written by `bench run`")],
        output: Annotated[str, typer.Option("--format", help="markdown or json")] = "markdown",
    ) -> None:
        """The leaderboard: one row per agent and suite, best capture rate first."""
        if output not in ("markdown", "json"):
            raise typer.BadParameter("must be markdown or json", param_hint="--format")
        with friendly_errors():
            rows = leaderboard(folders)
        if output == "json":
            out.print_json(json.dumps(rows))
        else:
            out.print(leaderboard_markdown(rows), markup=False, soft_wrap=True)
