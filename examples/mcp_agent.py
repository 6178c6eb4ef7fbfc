"""A small cost agent that never writes SQL: it reads and acts through `driftworld mcp`'s tools, as an LLM
agent would, with fixed rules in place of the model.

    .venv/bin/python examples/mcp_agent.py            # starts `driftworld mcp` over stdio (embedded world)
    DRIFTWORLD_MCP_URL=http://127.0.0.1:8765/mcp DRIFTWORLD_MCP_TOKEN=... python examples/mcp_agent.py

The server writes each act's audit row with this client's name (DRIFTWORLD_AGENT, or example-mcp-agent),
so the next tick credits the agent with the waste it removed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import Implementation

NAME = os.environ.get("DRIFTWORLD_AGENT", "example-mcp-agent")


class Agent:
    def __init__(self, client: Client, dry_run: bool) -> None:
        self.client = client
        self.dry_run = dry_run
        self.actions: list[dict[str, Any]] = []

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        reply = await self.client.call_tool(tool, arguments)
        data = dict(reply.structured_content or {})
        if reply.is_error:
            data.setdefault("error", "error")
        return data

    async def resources(self, kind: str, **filters: Any) -> list[dict[str, Any]]:
        """Every page of list_resources."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = await self.call("list_resources", kind=kind, limit=200, cursor=cursor, **filters)
            found += page.get("resources", [])
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    async def act(self, tool: str, kind: str, resource: dict[str, Any], **arguments: Any) -> None:
        """Act only where describe_resource says the act would apply: no warning, no violation."""
        described = await self.call("describe_resource", kind=kind, id=resource["id"])
        if described.get("policy", {}).get("an_act_would") != "apply":
            return
        reply = {"dry_run": True} if self.dry_run else await self.call(tool, id=resource["id"], **arguments)
        self.actions.append({"action": tool, "id": resource["provider_id"], "reply": reply.get("error", "applied")})

    async def run(self) -> None:
        accounts = (await self.call("list_accounts"))["accounts"]
        today = max(dt.date.fromisoformat(a["virtual_date"]) for a in accounts if a["virtual_date"])
        week = await self.call(
            "get_cost_and_usage",
            start=(today - dt.timedelta(days=6)).isoformat(),
            end=(today + dt.timedelta(days=1)).isoformat(),
            granularity="MONTHLY",
            group_by=[{"Type": "DIMENSION", "Key": "SERVICE"}],
        )
        spend = {
            group["Keys"][0]: float(group["Metrics"]["UnblendedCost"]["Amount"])
            for period in week["ResultsByTime"]
            for group in period["Groups"]
        }
        print(json.dumps({"accounts": len(accounts), "last_7_days_by_service": dict(sorted(spend.items()))}))

        for instance in await self.resources("instances", state="running", policy="auto_safe"):
            idle = (instance["avg_cpu_7d"] or 100) < 5 and (instance["avg_network_7d"] or 0) < 100
            if idle and not instance["autoscaling_group_id"]:
                await self.act("stop_instance", "instances", instance)
        for address in await self.resources("elastic_ips", state="unassociated", policy="auto_safe"):
            await self.act("release_address", "elastic_ips", address)
        forgotten = dt.datetime.combine(today - dt.timedelta(days=14), dt.time(), tzinfo=dt.UTC)
        for volume in await self.resources("volumes", policy="auto_safe"):
            last_used = volume["last_used_at"] and dt.datetime.fromisoformat(volume["last_used_at"])
            if volume["state"] == "available" and last_used and last_used < forgotten:
                await self.act("delete_volume", "volumes", volume)
            elif volume["volume_type"] == "gp2" and volume["state"] in ("available", "in-use"):
                await self.act("modify_volume_type", "volumes", volume, volume_type="gp3")
        for bucket in await self.resources("s3_buckets", policy="auto_safe"):
            if not bucket["lifecycle_policy"] and not bucket["lifecycle_rules"]:
                await self.act("put_bucket_lifecycle", "s3_buckets", bucket, transition_days=30)
        for group in await self.resources("log_groups", policy="auto_safe"):
            if group["retention_days"] is None and group["retention_in_days"] is None:
                await self.act("set_log_retention", "log_groups", group, retention_days=30)
        for database in await self.resources("rds_instances", state="available"):
            if database["multi_az"] and database["env"] != "prod" and database["optimization_policy"] != "ignore":
                if not self.dry_run:
                    await self.call(
                        "recommend",
                        kind="rds_instances",
                        id=database["id"],
                        action="disable multi_az",
                        rationale="multi-AZ outside prod doubles the price",
                    )
                self.actions.append({"action": "recommend", "id": database["provider_id"]})


def server() -> Any:
    """DRIFTWORLD_MCP_URL (streamable HTTP with DRIFTWORLD_MCP_TOKEN), else `driftworld mcp` over stdio."""
    url = os.environ.get("DRIFTWORLD_MCP_URL")
    if url:
        token = os.environ.get("DRIFTWORLD_MCP_TOKEN", "")
        return url, httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"})
    command = shutil.which("driftworld") or str(Path(sys.executable).with_name("driftworld"))
    # the server inherits this environment (DATABASE_URL, DRIFTWORLD_HOME): stdio passes only a few by default
    return StdioServerParameters(command=command, args=["mcp"], env=dict(os.environ)), None


async def main(dry_run: bool) -> None:
    target, http = server()
    info = Implementation(name=NAME, version="1")
    if http is not None:
        async with http, Client(streamable_http_client(target, http_client=http), client_info=info) as client:
            agent = Agent(client, dry_run)
            await agent.run()
    else:
        async with Client(target, client_info=info) as client:
            agent = Agent(client, dry_run)
            await agent.run()
    for action in agent.actions:
        print(json.dumps(action))
    print(json.dumps({"agent": NAME, "actions": len(agent.actions), "dry_run": dry_run}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print what it would do, change nothing")
    anyio.run(main, parser.parse_args().dry_run)
