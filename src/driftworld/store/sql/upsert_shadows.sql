-- The engine's memory of each resource's agent-owned fields, refreshed where they changed today.
insert into driftworld.shadow_state (resource_table, resource_id, account_id, fields, digest, taken_at)
select resource_table, resource_id, account_id, fields, digest, now()
from jsonb_to_recordset(%s::jsonb) as s(resource_table text, resource_id uuid, account_id uuid, fields jsonb, digest bigint)
on conflict (resource_table, resource_id) do update
set fields = excluded.fields, digest = excluded.digest, taken_at = excluded.taken_at
