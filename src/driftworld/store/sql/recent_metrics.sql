-- For each resource, the sum and count of every rolled column over the six days before its
-- account's day, one row per resource. A lateral subquery behind an `offset 0` fence, so that each
-- account reads its six days through the (account_id, date, ...) index: flattened into a plain
-- join, the planner scans the whole of metrics_daily once an account has a long history.
select a.account_id, m.resource_type, m.resource_id, {aggregates}
from unnest(%s::uuid[], %s::date[]) as a(account_id, day)
cross join lateral (
    select m.resource_type, m.resource_id, m.metric_payload
    from metrics_daily m
    where m.account_id = a.account_id
      and m.date between a.day - 6 and a.day - 1
      and m.resource_type = any(%s)
    offset 0
) as m
group by a.account_id, m.resource_type, m.resource_id
