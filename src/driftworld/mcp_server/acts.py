"""What each act tool changes, and the states and values AWS would refuse (nothing changes then).

Each function takes the tool's parameters and returns a decision: given the locked row, the new values
of agent-owned columns (the same UPDATE an agent's SQL would run), or None to delete the row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from driftworld.mcp_server.kinds import provider_id
from driftworld.mcp_server.replies import Refused
from driftworld.model.catalogue import EBS_GB_MONTH, EC2_HOURLY, RDS_HOURLY
from driftworld.model.rules.log_storage import RETENTION_DAYS

Row = dict[str, Any]
Decision = Callable[[Row], dict[str, Any] | None]
STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
LAMBDA_MEMORY_MB = (128, 10240)


def _require_state(row: Row, table: str, allowed: tuple[str, ...], action: str) -> None:
    if row.get("state") not in allowed:
        raise Refused(
            "incorrect_state",
            f"{provider_id(table, row)} is {row.get('state')}: {action} needs it {' or '.join(allowed)}",
            state=row.get("state"),
        )


def _one_of(value: str, allowed: Any, what: str) -> str:
    if value not in allowed:
        raise Refused("invalid_parameter", f"unknown {what} {value!r}: the world prices {', '.join(sorted(allowed))}")
    return value


def stop_instance() -> Decision:
    def decide(row: Row) -> dict[str, Any]:
        _require_state(row, "instances", ("running", "pending"), "stop_instance")
        return {"state": "stopped"}

    return decide


def start_instance() -> Decision:
    def decide(row: Row) -> dict[str, Any]:
        _require_state(row, "instances", ("stopped",), "start_instance")
        return {"state": "running"}

    return decide


def terminate_instance() -> Decision:
    def decide(row: Row) -> dict[str, Any]:
        _require_state(row, "instances", ("pending", "running", "stopping", "stopped"), "terminate_instance")
        return {"state": "terminated"}

    return decide


def modify_instance_type(instance_type: str) -> Decision:
    chosen = _one_of(instance_type, EC2_HOURLY, "instance type")

    def decide(row: Row) -> dict[str, Any]:
        _require_state(row, "instances", ("pending", "running", "stopping", "stopped"), "modify_instance_type")
        return {"instance_type": chosen}

    return decide


def set_asg_capacity(desired_capacity: int, min_size: int | None, max_size: int | None) -> Decision:
    def decide(row: Row) -> dict[str, Any]:
        low = row["min_size"] if min_size is None else min_size
        high = row["max_size"] if max_size is None else max_size
        if not 0 <= low <= desired_capacity <= high:
            raise Refused(
                "invalid_parameter",
                f"capacity must satisfy 0 <= min_size ({low}) <= desired_capacity ({desired_capacity}) <= "
                f"max_size ({high}): pass min_size or max_size too",
            )
        return {"desired_capacity": desired_capacity, "min_size": low, "max_size": high}

    return decide


def delete_volume() -> Decision:
    def decide(row: Row) -> None:
        _require_state(row, "volumes", ("available",), "delete_volume (detach it first)")

    return decide


def modify_volume_type(volume_type: str) -> Decision:
    chosen = _one_of(volume_type, EBS_GB_MONTH, "volume type")

    def decide(row: Row) -> dict[str, Any]:
        _require_state(row, "volumes", ("available", "in-use"), "modify_volume_type")
        return {"volume_type": chosen}

    return decide


def delete_row() -> Decision:
    def decide(row: Row) -> None:
        return None

    return decide


def release_address() -> Decision:
    def decide(row: Row) -> None:
        if row.get("state") == "associated" or row.get("associated_instance_id") or row.get("associated_lb_arn"):
            raise Refused(
                "incorrect_state",
                f"{provider_id('elastic_ips', row)} is associated: AWS releases only unassociated addresses",
                state=row.get("state"),
            )

    return decide


def set_log_retention(retention_days: int) -> Decision:
    if retention_days not in RETENTION_DAYS:
        raise Refused(
            "invalid_parameter",
            f"CloudWatch Logs accepts retention of {', '.join(map(str, RETENTION_DAYS))} days, not {retention_days}",
        )

    def decide(row: Row) -> dict[str, Any]:
        values: dict[str, Any] = {"retention_days": retention_days}
        if row.get("retention_in_days") is not None:  # the shorter of the two applies: both say the same
            values["retention_in_days"] = retention_days
        return values

    return decide


def lifecycle_rules(
    rules: list[dict[str, Any]] | None, transition_days: int, storage_class: str, expiration_days: int | None
) -> list[dict[str, Any]]:
    """The rules to store: the caller's, or one rule built from the simple parameters."""
    if rules is None:
        _one_of(storage_class.upper(), STORAGE_CLASSES, "storage class")
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
        _one_of(instance_class, RDS_HOURLY, "instance class")
    if state is not None:
        _one_of(state, ("available", "stopped"), "state")

    def decide(row: Row) -> dict[str, Any]:
        _require_state(row, "rds_instances", ("available", "stopped"), "modify_rds_instance")
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
    low, high = LAMBDA_MEMORY_MB
    if not low <= memory_mb <= high:
        raise Refused("invalid_parameter", f"Lambda memory is {low} to {high} MB, not {memory_mb}")

    def decide(row: Row) -> dict[str, Any]:
        return {"memory_mb": memory_mb}

    return decide
