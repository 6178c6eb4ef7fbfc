"""Reads and writes of what step 1 (observe) needs: shadows, agents' audit rows, open waste, freezes."""

from __future__ import annotations

from collections import defaultdict

from driftworld.model.factory import Id
from driftworld.model.shadow import shadow_digest, shadow_of, stale_shadows
from driftworld.model.state import AccountState, DayChanges
from driftworld.store.world_io import Conn, Writes, fetch_all, read_sql, to_json

# When the engine last closed a day of each account: agents' audit rows since then explain changes.
LAST_CLOSED = (
    "select account_id, max(finished_at) as at from driftworld.tick_ledger where account_id = any(%s) "
    "group by account_id"
)


def attach_observations(conn: Conn, states: list[AccountState]) -> None:
    """Fill each state's shadow digests (and the fields of shadows that no longer match), the audit rows
    written since the engine last closed a day, open waste, recent changes by others and account freeze."""
    by_id = {s.account.id: s for s in states}
    ids = list(by_id)
    digests, clocks, waste, changed, freezes, audit, decoys = fetch_all(
        conn,
        [
            (
                "select account_id, resource_table, resource_id, digest from driftworld.shadow_state "
                "where account_id = any(%s)",
                (ids,),
            ),
            (LAST_CLOSED, (ids,)),
            (
                "select id, account_id, scenario, resource_table, resource_id from driftworld.waste_ledger "
                "where account_id = any(%s) and resolved_on is null order by id",
                (ids,),
            ),
            (
                "select e.account_id, e.resource_id from unnest(%s::uuid[], %s::date[]) as a(account_id, day) "
                "join resource_change_events e on e.account_id = a.account_id "
                "and e.change_source <> 'drift_engine' and e.virtual_date > a.day - 7",
                (ids, [s.day for s in states]),
            ),
            (
                "select id, freeze_optimizations_from, freeze_optimizations_until from cloud_accounts "
                "where id = any(%s)",
                (ids,),
            ),
            (
                "select resource_type, resource_id, executed_at, executed_by from action_audit_log "
                f"where resource_id is not null and executed_at >= (select min(at) from ({LAST_CLOSED}) as c)",
                (ids,),
            ),
            ("select account_id, resource_id from driftworld.decoys where account_id = any(%s)", (ids,)),
        ],
        tuples={0},
    )
    for account_id, resource_table, resource_id, digest in digests:
        by_id[account_id].shadow_digests[(resource_table, resource_id)] = digest
    for row in clocks:
        by_id[row["account_id"]].observed_since = row["at"]
    for row in waste:
        by_id[row["account_id"]].open_waste.append(row)
    for row in changed:
        by_id[row["account_id"]].changed_by_others.add(row["resource_id"])
    for row in freezes:
        by_id[row["id"]].account_frozen_until = row["freeze_optimizations_until"]
        by_id[row["id"]].account_frozen_from = row["freeze_optimizations_from"]
    for row in decoys:
        by_id[row["account_id"]].decoy_ids.add(row["resource_id"])
    seen = [(str(r["resource_type"]), str(r["resource_id"]), r["executed_at"], str(r["executed_by"])) for r in audit]
    stale = {key: state for state in states for key in stale_shadows(state)}
    if stale:
        for row in conn.execute(
            "select s.resource_table, s.resource_id, s.fields from driftworld.shadow_state s "
            "join unnest(%s::text[], %s::uuid[]) as k(resource_table, resource_id) using (resource_table, resource_id)",
            ([t for t, _ in stale], [i for _, i in stale]),
        ).fetchall():
            key = (row["resource_table"], row["resource_id"])
            stale[key].shadow[key] = row["fields"]
    for state in states:
        state.audit = seen if state.observed_since is not None else []


def write_observations(writes: Writes, batch: list[DayChanges]) -> None:
    """Findings, resolved waste, and the refreshed shadows, one statement each for the batch."""
    writes.append("scorecard_findings", [f for c in batch for f in c.findings], schema="driftworld")
    resolved = [r for c in batch for r in c.resolved]
    shadows = [
        {
            "resource_table": table,
            "resource_id": row_id,
            "account_id": c.account.id,
            "fields": shadow_of(table, row),
            "digest": shadow_digest(table, row) if digest is None else digest,
        }
        for c in batch
        for (table, row_id), (row, digest) in c.shadow_writes.items()
    ]
    gone: dict[str, list[Id]] = defaultdict(list)
    for changes in batch:
        for table, row_id in changes.shadow_deletes:
            gone[table].append(row_id)
    if resolved:
        writes.execute(
            "update driftworld.waste_ledger w set resolved_on = r.resolved_on, resolved_by = r.resolved_by, "
            "resolved_by_name = r.resolved_by_name "
            "from jsonb_to_recordset(%s::jsonb) "
            "as r(id uuid, resolved_on date, resolved_by text, resolved_by_name text) "
            "where w.id = r.id",
            (to_json(resolved),),
        )
    if shadows:
        writes.execute(read_sql("upsert_shadows.sql"), (to_json(shadows),))
    for table, row_ids in gone.items():
        writes.execute(
            "delete from driftworld.shadow_state where resource_table = %s and resource_id = any(%s)",
            (table, row_ids),
        )
