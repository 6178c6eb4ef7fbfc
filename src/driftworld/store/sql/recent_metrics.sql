-- Each resource's rolled values on each of the six days before its account's day: the 7-day window
-- of resources whose profile keeps none. A lateral subquery behind an `offset 0` fence, so that each
-- account reads its six days through the (account_id, date, ...) index: flattened into a plain
-- join, the planner scans the whole of metrics_daily once an account has a long history.
select a.account_id, m.resource_type, m.resource_id, m.date, {values}
from unnest(%s::uuid[], %s::date[]) as a(account_id, day)
cross join lateral (
    select m.resource_type, m.resource_id, m.date, m.metric_payload
    from metrics_daily m
    where m.account_id = a.account_id
      and m.date between a.day - 6 and a.day - 1
      and m.resource_type = any(%s)
      and m.resource_id = any(%s)
    offset 0
) as m
