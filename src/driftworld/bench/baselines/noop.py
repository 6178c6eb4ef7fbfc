"""The floor: an agent that looks at nothing and changes nothing (capture 0)."""

from __future__ import annotations

from driftworld.bench.agents import Turn


class Noop:
    name = "noop"

    def act(self, turn: Turn) -> None:
        """Nothing: the world drifts as the no-agent replay does."""


AGENT = Noop()
