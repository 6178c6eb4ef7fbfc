-- For each resource, the sum and count of every rolled column over the six days before its
-- account's day: read once per batch through the (account_id, date) index, one row per resource.
select m.account_id, m.resource_type, m.resource_id, {aggregates}
from unnest(%s::uuid[], %s::date[]) as a(account_id, day)
join metrics_daily m on m.account_id = a.account_id and m.date between a.day - 6 and a.day - 1
where m.resource_type = any(%s)
group by m.account_id, m.resource_type, m.resource_id
