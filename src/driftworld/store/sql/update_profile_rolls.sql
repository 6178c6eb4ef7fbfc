-- The daily move of existing profiles: each one's cost walk and 7-day window, nothing else.
-- Rows are [resource_table, resource_id, walk_value, recent] arrays, lighter than objects to send and parse.
update driftworld.workload_profiles as p
set walk_value = (r.value->>2)::numeric, recent = r.value->3
from jsonb_array_elements(%s::jsonb) as r(value)
where p.resource_table = r.value->>0 and p.resource_id = (r.value->>1)::uuid
