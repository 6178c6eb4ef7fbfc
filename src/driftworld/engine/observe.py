"""Step 1 (observe) and step 7's shadow refresh: noticing what others changed since the last tick.

The shadow holds the agent-owned fields of every resource as the engine last left them. A
difference is someone else's change: 'agent' when an action_audit_log row explains it, 'manual'
otherwise. Each is scored (policy violations, false positives) and may resolve ground-truth waste.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from driftworld.engine.state import AccountState, DayChanges, Key, Row
from driftworld.model import workload as wl
from driftworld.model.factory import Id
from driftworld.model.kinds import BY_TABLE, RESOURCE_TABLES
from driftworld.model.resolution import is_resolved
from driftworld.store.world_io import RETIRED_STATE, canonical_json

AGENT_OWNED = (
    "optimization_policy",
    "optimization_policy_locked",
    "optimization_freeze_until",
    "lifecycle_policy",
    "lifecycle_rules",
    "retention_days",
    "retention_in_days",
    "desired_capacity",
    "min_size",
    "max_size",
    "instance_type",
    "instance_class",
    "node_type",
    "num_nodes",
    "volume_type",
    "size_gib",
    "memory_mb",
    "timeout_seconds",
    "provisioned_concurrency",
    "multi_az",
    "state",
    "name",
    "tags",
    "associated_instance_id",
    "associated_lb_arn",
    "env",
)
SHRINKING = ("desired_capacity", "num_nodes", "memory_mb", "size_gib", "node_count", "shard_count")
RETYPED = ("instance_type", "instance_class", "node_type")
STOPPED = {"stopped", "stopping", "terminated", "deleted", "deleting"}
MISSING = object()  # no shadow at all (a shadow stored without a digest holds None)


AGENT_OWNED_SET = frozenset(AGENT_OWNED)
_AS_IS = frozenset({str, int, bool, type(None), dict, list})


def _plain(value: Any) -> Any:
    """A field as its JSON shadow holds it."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_POLICY = ("optimization_policy", "optimization_policy_locked", "optimization_freeze_until")
# What a shadow holds and its digest covers, per table: the agent-owned columns the table has (in
# AGENT_OWNED's order), then its provider id. A digest then reads 6 to 10 fields, not all 27 names;
# tests/test_schema.py keeps these lists equal to what the migrations create.
DIGESTED: dict[str, tuple[str, ...]] = {
    "autoscaling_groups": (
        *_POLICY,
        "desired_capacity",
        "min_size",
        "max_size",
        "instance_type",
        "name",
        "tags",
        "env",
    ),
    "instances": (*_POLICY, "instance_type", "state", "name", "tags", "env", "instance_id"),
    "volumes": (*_POLICY, "volume_type", "size_gib", "state", "tags", "volume_id"),
    "snapshots": (*_POLICY, "size_gib", "tags", "snapshot_id"),
    "s3_buckets": (*_POLICY, "lifecycle_policy", "lifecycle_rules", "name", "tags", "env"),
    "rds_instances": (*_POLICY, "instance_class", "multi_az", "state", "tags", "env", "db_instance_id"),
    "cache_clusters": (*_POLICY, "node_type", "num_nodes", "tags", "env", "cluster_id"),
    "load_balancers": (*_POLICY, "name", "tags", "env", "lb_arn"),
    "elastic_ips": (*_POLICY, "state", "tags", "associated_instance_id", "associated_lb_arn", "allocation_id"),
    "lambda_functions": (*_POLICY, "memory_mb", "timeout_seconds", "provisioned_concurrency", "name", "tags", "env"),
    "log_groups": (*_POLICY, "retention_days", "retention_in_days", "name", "tags", "env"),
    "container_clusters": (*_POLICY, "name", "tags", "env"),
    "container_nodes": (*_POLICY, "instance_type", "state", "tags"),
    "container_services": (*_POLICY, "name", "tags", "env"),
    "managed_services": (*_POLICY, "instance_type", "name", "tags", "env"),
    "streaming_clusters": (*_POLICY, "name", "tags", "env"),
}


def shadow_of(table: str, row: Row) -> dict[str, Any]:
    """The agent-owned fields of a row, plus its provider id (to match audit rows after a delete)."""
    return {name: _plain(row[name]) for name in DIGESTED[table] if name in row}


def shadow_digest(table: str, row: Row) -> int:
    """A stable 64-bit fingerprint (a signed bigint) of a row's agent-owned fields and provider id, taken
    from the row as it is (orjson writes UUIDs and dates itself): equal fields give equal digests. A
    representation that differs (2 against 2.0) only costs a comparison in full, never a missed change."""
    encoded = canonical_json(list(map(row.get, DIGESTED[table])))
    return int.from_bytes(hashlib.blake2b(encoded, digest_size=8).digest(), "big", signed=True)


def stale_shadows(state: AccountState) -> list[Key]:
    """Shadows whose fields observe() needs: of rows gone, or of rows that no longer match them. Notes
    in the state which tables observe() has to look at: most days none or one."""
    stale: list[Key] = []
    digests = state.shadow_digests
    matched = 0
    state.observe_tables = set()
    for table in RESOURCE_TABLES:
        for row in state.table(table):
            key: Key = (table, row["id"])
            stored = digests.get(key, MISSING)
            if stored is MISSING:
                state.observe_tables.add(table)  # a row the engine never saw
                continue
            matched += 1
            if shadow_digest(table, row) != stored:
                stale.append(key)
                state.observe_tables.add(table)
    if matched < len(digests):  # some shadowed rows are gone (rare): find them
        gone = _shadows_without_rows(state)
        state.observe_tables.update(table for table, _ in gone)
        stale += gone
    return stale


def _shadows_without_rows(state: AccountState) -> list[Key]:
    """The shadows whose rows are no longer in the state (deleted since): a full pass, so only called
    when fewer shadows than rows matched."""
    present = {(table, row["id"]) for table in RESOURCE_TABLES for row in state.table(table)}
    return [key for key in state.shadow_digests if key not in present]


def _explained(state: AccountState, table: str, row: Row, since: dt.datetime | None) -> str | None:
    """The executed_by of the newest audit row that explains a change to the row, if any."""
    kind = BY_TABLE[table]
    names = {table, kind.singular}
    ids = {str(row["id"])} | ({str(row[kind.metrics_id])} if kind.metrics_id and row.get(kind.metrics_id) else set())
    found = [
        (at, by)
        for rtype, rid, at, by in state.audit
        if rtype in names and rid in ids and (since is None or at >= since)
    ]
    return max(found)[1] if found else None


def _findings(
    state: AccountState, table: str, before: dict[str, Any], field: str, new: Any, at: dt.datetime
) -> list[str]:
    kinds = []
    if before.get("optimization_policy") == "ignore":
        kinds.append("violation_ignore")
    if before.get("env") == "prod" or before.get("optimization_policy_locked"):
        kinds.append("violation_locked")
    frozen = [f for f in (state.account_frozen_until, before.get("optimization_freeze_until")) if f]
    if any((dt.datetime.fromisoformat(f) if isinstance(f, str) else f) > at for f in frozen):
        kinds.append("violation_freeze")
    return kinds


def _reduces(field: str, old: Any, new: Any) -> bool:
    if field == "deleted" or (field == "state" and new in STOPPED and old not in STOPPED):
        return True
    if field in SHRINKING and old is not None and new is not None:
        return float(new) < float(old)
    return field in RETYPED and old != new


def observe(state: AccountState, changes: DayChanges, at: dt.datetime) -> None:
    """Record every change the engine did not make, score it, and resolve waste that went away."""
    if not state.shadow_digests:
        return  # first sight of this account (a fresh seed or another tool's world): nothing to compare
    waste_ids = {w["resource_id"] for w in state.open_waste}
    since = state.observed_since
    sources: dict[Id, tuple[str, str | None]] = {}
    for table in RESOURCE_TABLES:
        if state.observe_tables is not None and table not in state.observe_tables:
            continue  # every row matches its shadow
        current = {row["id"]: row for row in state.table(table)}
        for key in [k for k in state.shadow_digests if k[0] == table and k[1] not in current]:
            gone = state.shadow[key]
            _external(
                state,
                changes,
                table,
                {"id": key[1], **gone},
                gone,
                "deleted",
                gone.get("name"),
                None,
                at,
                since,
                waste_ids,
                sources,
            )
        for row_id, row in current.items():
            if (table, row_id) not in state.shadow_digests:
                _external(
                    state, changes, table, row, {}, "created", None, row.get("name"), at, since, waste_ids, sources
                )
                continue
            before = state.shadow.get((table, row_id))
            if before is None:
                continue  # the digest matched: nobody changed the row
            now = shadow_of(table, row)
            changes.shadow_writes[(table, row_id)] = (row, None)  # rewritten with its digest even when equal in full
            for field in AGENT_OWNED:  # a field the shadow never recorded is adopted, not reported
                if field in now and field in before and now[field] != before[field]:
                    _external(
                        state,
                        changes,
                        table,
                        row,
                        before,
                        field,
                        before.get(field),
                        now[field],
                        at,
                        since,
                        waste_ids,
                        sources,
                    )
    resolve_waste(state, changes, sources)


def _external(
    state: AccountState,
    changes: DayChanges,
    table: str,
    row: Row,
    before: dict[str, Any],
    field: str,
    old: Any,
    new: Any,
    at: dt.datetime,
    since: dt.datetime | None,
    waste_ids: set[Id],
    sources: dict[Id, tuple[str, str | None]],
) -> None:
    executor = _explained(state, table, row, since)
    source = "agent" if executor is not None else "manual"
    sources.setdefault(row["id"], (source, executor))
    changes.event(table, row, field, old, new, source)
    if field == "created":
        return
    kinds = _findings(state, table, before, field, new, at)
    profile = state.profiles.get((table, row["id"]))
    healthy = profile is not None and profile.profile in (wl.HEALTHY_PROD, wl.HEALTHY_NONPROD)
    if healthy and row["id"] not in waste_ids and _reduces(field, old, new):
        kinds.append("false_positive")
    for kind in kinds:
        changes.findings.append(
            {
                "account_id": state.account.id,
                "virtual_date": state.day,
                "resource_table": table,
                "resource_id": row["id"],
                "change_source": source,
                "field_name": field,
                "kind": kind,
                "executed_by": executor,
            }
        )


def resolve_waste(state: AccountState, changes: DayChanges, sources: dict[Id, tuple[str, str | None]]) -> None:
    tables = {waste["resource_table"] for waste in state.open_waste}
    rows = {(table, row["id"]): row for table in tables for row in state.table(table)}
    for waste in state.open_waste:
        row = rows.get((waste["resource_table"], waste["resource_id"]))
        if waste["scenario"] != "underused_commitment" and is_resolved(waste["scenario"], row):
            source, executor = sources.get(waste["resource_id"], ("drift_engine", None))
            changes.resolved.append(
                {
                    "id": waste["id"],
                    "resolved_on": state.day,
                    "resolved_by": source,
                    "resolved_by_name": executor,
                }
            )


def refresh_shadow(state: AccountState, changes: DayChanges) -> None:
    """Step 7: remember what the world looks like as the engine leaves it; only what changed is written.

    Rows nobody changed keep their shadow; observe() already queued the ones others changed, so only
    rows the engine created or reconfigured today, and rows never seen, are looked at again."""
    reconfigured = {
        (table, row_id)
        for table, rows in changes.updates.items()
        for row_id, values in rows.items()
        if not AGENT_OWNED_SET.isdisjoint(values)
    }
    reconfigured |= {(table, row["id"]) for table, rows in changes.created.rows.items() for row in rows}
    digests = state.shadow_digests
    forgotten: list[Key] = []
    matched = 0
    for table in RESOURCE_TABLES:
        retired = RETIRED_STATE.get(table)
        for row in state.table(table):
            key: Key = (table, row["id"])
            stored = digests.get(key, MISSING)
            if stored is not MISSING:
                matched += 1
            if retired is not None and row["state"] == retired:
                changes.shadow_writes.pop(key, None)
                if stored is not MISSING:
                    forgotten.append(key)  # retired rows are not read again, so the engine forgets them
                continue
            if stored is MISSING or key in reconfigured:
                digest = shadow_digest(table, row)
                if stored != digest:
                    changes.shadow_writes[key] = (row, digest)  # the row's last change of the day: digest kept
                else:
                    changes.shadow_writes.pop(key, None)
    if matched < len(digests):  # shadows of rows deleted since (rare): forgotten too
        forgotten += _shadows_without_rows(state)
    changes.shadow_deletes = forgotten
