"""The cloud's control plane: what AWS itself would do to the world an agent left behind.

Runs before anything is simulated, so an agent's change shows in the very next day.
"""

from __future__ import annotations

from collections import defaultdict

from driftworld.model.calendar import is_day_off
from driftworld.model.catalogue import HOURS_PER_DAY
from driftworld.model.factory import Builder
from driftworld.model.kinds import BY_TABLE, derived_prices, price_key
from driftworld.model.rules.capacity import load_factor
from driftworld.model.rules.termination import release_what_terminated_instances_held
from driftworld.model.state import AccountState, DayChanges, Row
from driftworld.model.workload import WEEKDAYS_ONLY

INSTANCES, VOLUMES = BY_TABLE["instances"], BY_TABLE["volumes"]
LIVE_STATES = ("pending", "running")
SNAPSHOT_ROTATION = {"daily": (1, 7), "weekly": (7, 28), "monthly": (30, 84)}  # (every n days, kept days)


def reconcile(state: AccountState, changes: DayChanges, builder: Builder, seasonality: bool) -> None:
    replace_stopped_members(state, changes)
    scale_groups(state, changes, builder)
    release_what_terminated_instances_held(state, changes)
    run_office_hours_schedule(state, changes, seasonality)
    owners_restart_workstations(state, changes, seasonality)
    rotate_snapshots(state, changes, builder)
    end_maintenance_windows(state, changes)
    follow_prices(state, changes)


def end_maintenance_windows(state: AccountState, changes: DayChanges) -> None:
    """A volume detached for maintenance is attached again to its instance when its window ends."""
    running = {i["instance_id"] for i in state.table("instances") if INSTANCES.is_running(i)}
    for volume in state.table("volumes"):
        tags = volume.get("tags") or {}
        until, host = tags.get("maintenance_until"), tags.get("attach_to")
        if volume["state"] == "available" and until and host in running and until <= state.day.isoformat():
            changes.change("volumes", volume, state="in-use", attached_instance_id=host)


def _members_by_group(state: AccountState) -> dict[object, list[Row]]:
    members: dict[object, list[Row]] = defaultdict(list)
    for instance in state.table("instances"):
        if instance.get("autoscaling_group_id") is not None and instance["state"] != INSTANCES.retired:
            members[instance["autoscaling_group_id"]].append(instance)
    return members


def replace_stopped_members(state: AccountState, changes: DayChanges) -> None:
    """A group's health check terminates a member someone stopped; scaling then replaces it."""
    for members in _members_by_group(state).values():
        for member in members:
            if member["state"] in ("stopping", "stopped"):
                changes.change("instances", member, state="terminated")


def scale_groups(state: AccountState, changes: DayChanges, builder: Builder) -> None:
    members = _members_by_group(state)
    for group in state.table("autoscaling_groups"):
        running = [m for m in members.get(group["id"], []) if m["state"] in LIVE_STATES]
        low, high = int(group["min_size"]), int(group["max_size"])
        target = max(low, min(high, int(group["desired_capacity"])))
        if len(running) < target:
            profile = state.profiles[("autoscaling_groups", group["id"])].profile
            launcher = builder.keyed(f"group:{group['id']}")
            for instance in launcher.members(group, target - len(running), profile, state.day):
                state.table("instances").append(instance)
                changes.event("instances", instance, "created", None, instance["instance_id"])
        newest_first = sorted(running, key=lambda m: (m["launch_time"], m["instance_id"]), reverse=True)
        for member in newest_first[: max(0, len(running) - target)]:
            changes.change("instances", member, state="terminated")


def _schedule_of(state: AccountState, instance: Row) -> str | None:
    tags = instance.get("tags") or {}
    return tags.get("schedule") or state.schedule_tags.get(str(instance["id"]))


def run_office_hours_schedule(state: AccountState, changes: DayChanges, seasonality: bool) -> None:
    """Standalone instances tagged schedule: office_hours sleep on days off; the scheduler wakes only its own."""
    resting = is_day_off(state.day, seasonality)
    for instance in state.table("instances"):
        if instance.get("autoscaling_group_id") is not None or _schedule_of(state, instance) != "office_hours":
            continue
        profile = state.profiles.get(("instances", instance["id"]))
        if profile is None:
            continue
        if resting and instance["state"] == "running":
            changes.change("instances", instance, state="stopped")
            profile.params["stopped_by_scheduler"] = True
            changes.profile_updates[("instances", instance["id"])] = profile
        elif not resting and instance["state"] == "stopped" and profile.params.get("stopped_by_scheduler"):
            changes.change("instances", instance, state="running")
            profile.params.pop("stopped_by_scheduler")
            changes.profile_updates[("instances", instance["id"])] = profile


def owners_restart_workstations(state: AccountState, changes: DayChanges, seasonality: bool) -> None:
    """A weekday-only workstation someone stopped is started again by its owner on a working day."""
    if is_day_off(state.day, seasonality):
        return
    for instance in state.table("instances"):
        profile = state.profiles.get(("instances", instance["id"]))
        if (
            profile is not None
            and profile.profile == WEEKDAYS_ONLY
            and instance["state"] == "stopped"
            and _schedule_of(state, instance) != "office_hours"
        ):
            changes.change("instances", instance, state="running")


def rotate_snapshots(state: AccountState, changes: DayChanges, builder: Builder) -> None:
    """Snapshots with a retention policy rotate per source volume, by virtual age: a new one while the volume
    exists, and old ones expire either way, so that a chain whose volume is gone (deleted with its instance)
    runs out instead of ageing into something that looks orphaned and is in no ledger."""
    volumes = {v["volume_id"]: v for v in state.table("volumes") if v["state"] != VOLUMES.retired}
    chains: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for snapshot in state.table("snapshots"):
        policy = snapshot.get("retention_policy")
        if policy in SNAPSHOT_ROTATION:
            chains[(snapshot["source_volume_id"], policy)].append(snapshot)
    kept = list(state.table("snapshots"))
    for (volume_id, policy), chain in sorted(chains.items()):
        every, keep = SNAPSHOT_ROTATION[policy]
        born = {s["id"]: state.profiles[("snapshots", s["id"])].born_on or state.day for s in chain}
        newest = max(born.values())
        if (state.day - newest).days >= every and volume_id in volumes:
            volume = volumes[volume_id]
            env = (volume.get("tags") or {}).get("env", "prod")
            kept.append(
                builder.keyed(f"rotation:{volume_id}:{policy}").snapshot(
                    env,
                    volume_id,
                    int(volume["size_gib"]),
                    policy,
                    state.day,
                    state.profiles[("snapshots", chain[0]["id"])].profile,
                )
            )
            changes.event("snapshots", kept[-1], "created", None, kept[-1]["snapshot_id"])
        for snapshot in chain:
            if (state.day - born[snapshot["id"]]).days >= keep:
                changes.deletes.setdefault("snapshots", []).append(snapshot["id"])
                changes.event("snapshots", snapshot, "deleted", snapshot["snapshot_id"], None)
                kept.remove(snapshot)
    state.rows["snapshots"] = kept


def follow_prices(state: AccountState, changes: DayChanges) -> None:
    """Re-derive prices whose configuration changed; restart an instance's walk at a new anchor."""
    for table, rows in state.rows.items():
        for row in rows:
            profile = state.profiles.get((table, row["id"]))
            key = price_key(table, row)
            if profile is None or key is None or key == profile.params.get("priced"):
                continue
            prices = derived_prices(table, row)
            if prices is None:
                continue
            changes.update(table, row, **{k: v for k, v in prices.items() if row.get(k) != v})
            previous = profile.params.get("priced")
            factor = load_factor(str(previous), key) if table == "instances" and previous is not None else None
            if factor is not None:  # the same workload on a resized instance: busier or idler from now on
                profile.params["load_factor"] = float(profile.params.get("load_factor", 1.0)) * factor
            profile.params["priced"] = key
            changes.profile_updates[(table, row["id"])] = profile
    for instance in state.table("instances"):
        profile = state.profiles.get(("instances", instance["id"]))
        if profile is None or instance["hourly_cost"] is None:
            continue
        anchor = round(float(instance["hourly_cost"]) * HOURS_PER_DAY, 6)
        if profile.walk_anchor is None or abs(float(profile.walk_anchor) - anchor) > 1e-6:
            profile.walk_anchor = profile.walk_value = anchor
            changes.profile_updates[("instances", instance["id"])] = profile
