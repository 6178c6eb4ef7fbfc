"""driftworld: a simulated AWS estate on PostgreSQL that keeps drifting, for cost-optimisation agents.

`driftworld.tick` is the one entry point that advances virtual time.
"""

from driftworld.engine.tick import tick

__all__ = ["tick"]
