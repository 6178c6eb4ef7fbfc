"""What goes with a terminated instance, as AWS does it: its elastic IPs stay allocated but lose their
association, and its volumes are deleted with it (the default for root volumes)."""

from __future__ import annotations

from driftworld.model.state import AccountState, DayChanges


def release_what_terminated_instances_held(state: AccountState, changes: DayChanges) -> None:
    """EIPs of gone instances are unassociated; their volumes are deleted with them."""
    alive = {i["instance_id"] for i in state.table("instances") if i["state"] != "terminated"}
    for eip in state.table("elastic_ips"):
        if eip["associated_instance_id"] is not None and eip["associated_instance_id"] not in alive:
            changes.change(
                "elastic_ips",
                eip,
                associated_instance_id=None,
                state="associated" if eip.get("associated_lb_arn") else "unassociated",
            )
    for volume in state.table("volumes"):
        if (
            volume["attached_instance_id"] is not None
            and volume["attached_instance_id"] not in alive
            and volume["state"] != "deleted"
        ):
            changes.change("volumes", volume, state="deleted")
