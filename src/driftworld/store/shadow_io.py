"""Reads and writes of what step 1 (observe) needs: shadows, agents' audit rows, open waste, freezes."""

from __future__ import annotations

import uuid
from collections import defaultdict

from driftworld.engine.state import AccountState, DayChanges
from driftworld.store.world_io import Conn, copy_rows, read_sql, to_json


def attach_observations(conn: Conn, states: list[AccountState]) -> None:
    """Fill each state's shadow, the audit rows written since its shadow, open waste and account freeze."""
    by_id = {s.account.id: s for s in states}
    ids = list(by_id)
    for row in conn.execute(
        "select account_id, resource_table, resource_id, fields from driftworld.shadow_state "
        "where account_id = any(%s)",
        (ids,),
    ).fetchall():
        by_id[row["account_id"]].shadow[(row["resource_table"], row["resource_id"])] = row["fields"]
    for row in conn.execute(
        "select account_id, max(finished_at) as at from driftworld.tick_ledger where account_id = any(%s) "
        "group by account_id",
        (ids,),
    ).fetchall():
        by_id[row["account_id"]].observed_since = row["at"]
    for row in conn.execute(
        "select id, account_id, scenario, resource_table, resource_id from driftworld.waste_ledger "
        "where account_id = any(%s) and resolved_on is null order by id",
        (ids,),
    ).fetchall():
        by_id[row["account_id"]].open_waste.append(row)
    days = [s.day for s in states]
    for row in conn.execute(
        "select e.account_id, e.resource_id from unnest(%s::uuid[], %s::date[]) as a(account_id, day) "
        "join resource_change_events e on e.account_id = a.account_id and e.change_source <> 'drift_engine' "
        "and e.virtual_date > a.day - 7",
        (ids, days),
    ).fetchall():
        by_id[row["account_id"]].changed_by_others.add(row["resource_id"])
    for row in conn.execute(
        "select id, freeze_optimizations_until from cloud_accounts where id = any(%s)", (ids,)
    ).fetchall():
        by_id[row["id"]].account_frozen_until = row["freeze_optimizations_until"]
    since = [s.observed_since for s in states if s.observed_since is not None]
    if since:
        audit = [
            (str(r["resource_type"]), str(r["resource_id"]), r["executed_at"])
            for r in conn.execute(
                "select resource_type, resource_id, executed_at from action_audit_log "
                "where executed_at >= %s and resource_id is not null",
                (min(since),),
            ).fetchall()
        ]
        for state in states:
            state.audit = audit


def write_observations(conn: Conn, batch: list[DayChanges]) -> None:
    """Findings, resolved waste, and the refreshed shadows, one statement each for the batch."""
    copy_rows(conn, "scorecard_findings", [f for c in batch for f in c.findings], schema="driftworld")
    resolved = [r for c in batch for r in c.resolved]
    if resolved:
        conn.execute(
            "update driftworld.waste_ledger w set resolved_on = r.resolved_on, resolved_by = r.resolved_by "
            "from jsonb_to_recordset(%s::jsonb) as r(id uuid, resolved_on date, resolved_by text) "
            "where w.id = r.id",
            (to_json(resolved),),
        )
    shadows = [
        {"resource_table": t, "resource_id": i, "account_id": c.account.id, "fields": f}
        for c in batch
        for (t, i), f in c.shadow_writes.items()
    ]
    if shadows:
        conn.execute(read_sql("upsert_shadows.sql"), (to_json(shadows),))
    gone: dict[str, list[uuid.UUID]] = defaultdict(list)
    for changes in batch:
        for table, row_id in changes.shadow_deletes:
            gone[table].append(row_id)
    for table, row_ids in gone.items():
        conn.execute(
            "delete from driftworld.shadow_state where resource_table = %s and resource_id = any(%s)", (table, row_ids)
        )
