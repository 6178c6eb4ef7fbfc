"""What each act tool changes, and the states and values AWS would refuse (nothing changes then).

Each function takes the tool's parameters and returns a decision: given the locked row, the new values
of agent-owned columns (the same UPDATE an agent's SQL would run), or None to delete the row. The rules
of what AWS refuses are the store's (`agent_io.require_*`), shared with the AWS API; the server answers
their ChangeRefused as a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftworld.mcp_server.kinds import provider_id
from driftworld.mcp_server.replies import Refused
from driftworld.store import agent_io

Row = dict[str, Any]
Decision = Callable[[Row], dict[str, Any] | None]


def _to_state(table: str, target: str) -> Decision:
    def decide(row: Row) -> dict[str, Any]:
        agent_io.require_state_change(table, row, target, provider_id(table, row))
        return {"state": target}

    return decide


def stop_instance() -> Decision:
    return _to_state("instances", "stopped")


def start_instance() -> Decision:
    return _to_state("instances", "running")


def terminate_instance() -> Decision:
    return _to_state("instances", "terminated")


def modify_instance_type(instance_type: str) -> Decision:
    chosen = agent_io.require_known(instance_type, "instance type")

    def decide(row: Row) -> dict[str, Any]:
        agent_io.require_state(
            row, ("pending", "running", "stopping", "stopped"), provider_id("instances", row), "modify_instance_type"
        )
        return {"instance_type": chosen}

    return decide


def set_asg_capacity(desired_capacity: int, min_size: int | None, max_size: int | None) -> Decision:
    def decide(row: Row) -> dict[str, Any]:
        low = row["min_size"] if min_size is None else min_size
        high = row["max_size"] if max_size is None else max_size
        agent_io.require_capacity(low, desired_capacity, high)
        return {"desired_capacity": desired_capacity, "min_size": low, "max_size": high}

    return decide


def delete_volume() -> Decision:
    def decide(row: Row) -> None:
        agent_io.require_detached(row, provider_id("volumes", row))

    return decide


def modify_volume_type(volume_type: str) -> Decision:
    chosen = agent_io.require_known(volume_type, "volume type")

    def decide(row: Row) -> dict[str, Any]:
        agent_io.require_state(row, ("available", "in-use"), provider_id("volumes", row), "modify_volume_type")
        return {"volume_type": chosen}

    return decide


def delete_row() -> Decision:
    def decide(row: Row) -> None:
        return None

    return decide


def release_address() -> Decision:
    def decide(row: Row) -> None:
        agent_io.require_detached(row, provider_id("elastic_ips", row))

    return decide


def set_log_retention(retention_days: int) -> Decision:
    agent_io.require_retention(retention_days)

    def decide(row: Row) -> dict[str, Any]:
        return agent_io.retention_values(row, retention_days)

    return decide


def lifecycle_rules(
    rules: list[dict[str, Any]] | None, transition_days: int, storage_class: str, expiration_days: int | None
) -> list[dict[str, Any]]:
    """The rules to store: the caller's, or one rule built from the simple parameters."""
    if rules is None:
        agent_io.require_known(storage_class.upper(), "storage class")
        if transition_days < 1 or (expiration_days is not None and expiration_days <= transition_days):
            raise Refused("invalid_parameter", "transition_days must be >= 1 and expiration_days after it")
        rule: dict[str, Any] = {
            "id": "driftworld-mcp",
            "status": "Enabled",
            "transitions": [{"days": transition_days, "storage_class": storage_class.upper()}],
        }
        if expiration_days is not None:
            rule["expiration"] = {"days": expiration_days}
        return [rule]
    if not rules or not all(isinstance(r, dict) and (r.get("transitions") or r.get("expiration")) for r in rules):
        raise Refused("invalid_parameter", "each rule needs transitions or an expiration")
    return rules


def put_bucket_lifecycle(rules: list[dict[str, Any]]) -> Decision:
    def decide(row: Row) -> dict[str, Any]:
        return {"lifecycle_rules": rules}

    return decide


def modify_rds_instance(instance_class: str | None, multi_az: bool | None, state: str | None) -> Decision:
    if instance_class is None and multi_az is None and state is None:
        raise Refused("invalid_parameter", "pass at least one of instance_class, multi_az, state")
    if instance_class is not None:
        agent_io.require_known(instance_class, "instance class")
    if state not in (None, "available", "stopped"):
        raise Refused("invalid_parameter", f"unknown state {state!r}: available or stopped")

    def decide(row: Row) -> dict[str, Any]:
        agent_io.require_state(row, ("available", "stopped"), provider_id("rds_instances", row), "modify_rds_instance")
        values: dict[str, Any] = {}
        if instance_class is not None:
            values["instance_class"] = instance_class
        if multi_az is not None:
            values["multi_az"] = multi_az
        if state is not None:
            values["state"] = state
        return values

    return decide


def set_lambda_memory(memory_mb: int) -> Decision:
    agent_io.require_lambda_memory(memory_mb)

    def decide(row: Row) -> dict[str, Any]:
        return {"memory_mb": memory_mb}

    return decide
