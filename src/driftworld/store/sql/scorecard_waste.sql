-- Ground-truth waste by scenario: injected, still open, resolved by agents / by hand, $/day saved and
-- the median number of virtual days to a fix.
select scenario,
       count(*) as injected,
       coalesce(sum(daily_cost), 0) as daily_cost,
       count(*) filter (where resolved_on is null) as open,
       count(*) filter (where resolved_by = 'agent') as resolved_by_agent,
       count(*) filter (where resolved_by = 'manual') as resolved_manually,
       count(*) filter (where resolved_by = 'drift_engine') as resolved_by_engine,
       coalesce(sum(daily_cost) filter (where resolved_by in ('agent', 'manual')), 0) as daily_saved,
       percentile_cont(0.5) within group (order by resolved_on - injected_on)
           filter (where resolved_on is not null) as median_days_to_fix
from driftworld.waste_ledger
where (%(account)s::uuid is null or account_id = %(account)s::uuid)
  and (%(since)s::date is null or injected_on >= %(since)s::date)
group by scenario
order by scenario
