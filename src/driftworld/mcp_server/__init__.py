"""`driftworld mcp`: the world as Model Context Protocol tools, for LLM agents that never write SQL.

The server acts through the agent role, so its changes are scored exactly as an agent's own SQL is.
"""

from driftworld.mcp_server.replies import Refused
from driftworld.mcp_server.server import build_server
from driftworld.mcp_server.world import AgentWorld

__all__ = ["AgentWorld", "Refused", "build_server"]
