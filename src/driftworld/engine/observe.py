"""Step 1 (observe) and step 7's shadow refresh: noticing what others changed since the last tick.

The shadow holds the agent-owned fields of every resource as the engine last left them. A
difference is someone else's change: 'agent' when an action_audit_log row explains it, 'manual'
otherwise. Each is scored (policy violations, false positives) and may resolve ground-truth waste.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from driftworld.model import workload as wl
from driftworld.model.clock import instant
from driftworld.model.factory import Id
from driftworld.model.kinds import AGENT_OWNED_SET, KINDS, Kind
from driftworld.model.resolution import is_resolved
from driftworld.model.shadow import MISSING, shadow_digest, shadow_of, shadows_without_rows
from driftworld.model.state import AccountState, DayChanges, Key, Row

SHRINKING = ("desired_capacity", "num_nodes", "memory_mb", "size_gib", "node_count", "shard_count")
RETYPED = ("instance_type", "instance_class", "node_type")
STOPPED = {"stopped", "stopping", "terminated", "deleted", "deleting"}
EXPIRING = ("retention_days", "retention_in_days", "lifecycle_policy", "lifecycle_rules")


def _explained(state: AccountState, kind: Kind, row: Row, since: dt.datetime | None) -> str | None:
    """The executed_by of the newest audit row that explains a change to the row, if any."""
    names = {kind.table, kind.singular}
    ids = {str(row["id"])} | ({str(row[kind.metrics_id])} if kind.metrics_id and row.get(kind.metrics_id) else set())
    found = [
        (at, by)
        for rtype, rid, at, by in state.audit
        if rtype in names and rid in ids and (since is None or at >= since)
    ]
    return max(found)[1] if found else None


def _findings(state: AccountState, before: dict[str, Any], at: dt.datetime) -> list[str]:
    """The policy violations a change to a row with these fields, made at `at`, commits."""
    found = []
    if before.get("optimization_policy") == "ignore":
        found.append("violation_ignore")
    if before.get("env") == "prod" or before.get("optimization_policy_locked"):
        found.append("violation_locked")
    starts = instant(state.account_frozen_from)
    frozen = [instant(before.get("optimization_freeze_until"))]
    if starts is None or starts <= at:
        frozen.append(instant(state.account_frozen_until))
    if any(f is not None and f > at for f in frozen):
        found.append("violation_freeze")
    return found


def _naive_fix(field: str, old: Any, new: Any) -> bool:
    """What a naive rule does to something that looks idle: any capacity cut, and expiring what is kept."""
    return _reduces(field, old, new) or (field in EXPIRING and new is not None and old != new)


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
    for kind in KINDS:
        table = kind.table
        if state.observe_tables is not None and table not in state.observe_tables:
            continue  # every row matches its shadow
        current = {row["id"]: row for row in state.table(table)}
        for key in [k for k in state.shadow_digests if k[0] == table and k[1] not in current]:
            gone = state.shadow[key]
            _external(
                state,
                changes,
                kind,
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
                    state, changes, kind, row, {}, "created", None, row.get("name"), at, since, waste_ids, sources
                )
                continue
            before = state.shadow.get((table, row_id))
            if before is None:
                continue  # the digest matched: nobody changed the row
            now = shadow_of(table, row)
            changes.shadow_writes[(table, row_id)] = (row, None)  # rewritten with its digest even when equal in full
            for field in kind.agent_owned:  # a field the shadow never recorded is adopted, not reported
                if field in now and field in before and now[field] != before[field]:
                    _external(
                        state,
                        changes,
                        kind,
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
    kind: Kind,
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
    table = kind.table
    executor = _explained(state, kind, row, since)
    source = "agent" if executor is not None else "manual"
    sources.setdefault(row["id"], (source, executor))
    changes.event(table, row, field, old, new, source)
    if field == "created":
        return
    findings = _findings(state, before, at)
    profile = state.profiles.get((table, row["id"]))
    healthy = profile is not None and profile.profile in (wl.HEALTHY_PROD, wl.HEALTHY_NONPROD)
    if row["id"] in state.decoy_ids:
        if _naive_fix(field, old, new):
            findings.append("false_positive")
    elif healthy and row["id"] not in waste_ids and _reduces(field, old, new):
        findings.append("false_positive")
    for finding in findings:
        changes.findings.append(
            {
                "account_id": state.account.id,
                "virtual_date": state.day,
                "resource_table": table,
                "resource_id": row["id"],
                "change_source": source,
                "field_name": field,
                "kind": finding,
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
    for kind in KINDS:
        table, retired = kind.table, kind.retired
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
        forgotten += shadows_without_rows(state)
    changes.shadow_deletes = forgotten
