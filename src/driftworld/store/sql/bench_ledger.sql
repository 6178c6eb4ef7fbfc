-- The ground truth as the bench grades it: every piece of waste, seeded or injected, open or resolved.
select scenario,
       resource_table,
       resource_id::text as resource_id,
       injected_on,
       daily_cost::float8 as daily_cost,
       current_daily_cost::float8 as current_daily_cost,
       expected_fix,
       resolved_on,
       resolved_by
from driftworld.waste_ledger
where not %(open_only)s or resolved_on is null
order by injected_on, scenario, resource_table, resource_id
