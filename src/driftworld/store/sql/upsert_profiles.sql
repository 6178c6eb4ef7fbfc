-- New hidden workload profiles and changes to existing ones, in one statement.
insert into driftworld.workload_profiles
    (resource_table, resource_id, account_id, profile, params, walk_value, walk_anchor, born_on, recent)
select resource_table, resource_id, account_id, profile, params, walk_value, walk_anchor, born_on, recent
from jsonb_to_recordset(%s::jsonb) as p(
    resource_table text, resource_id uuid, account_id uuid, profile text, params jsonb,
    walk_value numeric, walk_anchor numeric, born_on date, recent jsonb)
on conflict (resource_table, resource_id) do update
set profile = excluded.profile, params = excluded.params, walk_value = excluded.walk_value,
    walk_anchor = excluded.walk_anchor, born_on = excluded.born_on, recent = excluded.recent
