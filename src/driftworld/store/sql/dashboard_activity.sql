-- What agents did per virtual day: the changes the engine attributed to them, the waste they fixed, and the
-- findings against them (false positives and policy violations).
with accounts as (
    select id from public.cloud_accounts
    where (%(org)s::uuid is null or org_id = %(org)s::uuid)
      and (%(account)s::uuid is null or id = %(account)s::uuid)
),
days as (
    select generate_series(min(virtual_date), max(virtual_date), interval '1 day')::date as day
    from driftworld.tick_ledger
),
actions as (
    select virtual_date as day, count(*)::int as n
    from public.resource_change_events
    where change_source = 'agent' and account_id in (select id from accounts)
    group by 1
),
fixes as (
    select resolved_on as day, count(*)::int as n
    from driftworld.waste_ledger
    where resolved_by = 'agent' and account_id in (select id from accounts)
    group by 1
),
findings as (
    select virtual_date as day,
           count(*) filter (where kind = 'false_positive')::int as false_positives,
           count(*) filter (where kind like 'violation%%')::int as violations
    from driftworld.scorecard_findings
    where change_source = 'agent' and account_id in (select id from accounts)
    group by 1
)
select d.day, coalesce(a.n, 0) as actions, coalesce(f.n, 0) as fixes,
       coalesce(x.false_positives, 0) as false_positives, coalesce(x.violations, 0) as violations
from days d
left join actions a on a.day = d.day
left join fixes f on f.day = d.day
left join findings x on x.day = d.day
order by d.day
