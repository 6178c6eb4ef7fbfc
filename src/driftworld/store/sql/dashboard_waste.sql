-- Ground-truth waste per virtual day and scenario: how many pieces are open that day (and what they cost per
-- day), and how many have been resolved by then, by agents or by hand.
with scope as (
    select w.*
    from driftworld.waste_ledger w
    join public.cloud_accounts a on a.id = w.account_id
    where (%(org)s::uuid is null or a.org_id = %(org)s::uuid)
      and (%(account)s::uuid is null or w.account_id = %(account)s::uuid)
),
days as (
    select generate_series(min(virtual_date), max(virtual_date), interval '1 day')::date as day
    from driftworld.tick_ledger
)
select d.day, w.scenario,
       count(*) filter (where w.injected_on <= d.day and (w.resolved_on is null or w.resolved_on > d.day))::int as open,
       coalesce(sum(w.daily_cost) filter (
           where w.injected_on <= d.day and (w.resolved_on is null or w.resolved_on > d.day)), 0)::float8 as open_cost,
       count(*) filter (where w.resolved_on <= d.day and w.resolved_by = 'agent')::int as resolved_by_agent,
       count(*) filter (where w.resolved_on <= d.day and w.resolved_by is distinct from 'agent')::int
           as resolved_otherwise
from days d
cross join scope w
group by d.day, w.scenario
order by d.day, w.scenario
