-- Each log group's newest stored GB before its account's day, and the ingest of the retention
-- window before that day (the last R-1 days), R being the shorter of the two retention columns.
select g.account_id, g.id as log_group_id, prev.stored_gb,
       coalesce(win.ingested, 0) as window_gb
from unnest(%s::uuid[], %s::date[]) as a(account_id, day)
join log_groups g on g.account_id = a.account_id
cross join lateral (
    select stored_gb from log_group_usage_daily u
    where u.log_group_id = g.id and u.date < a.day
    order by u.date desc
    limit 1
) prev
left join lateral (
    select sum(u.ingested_gb) as ingested from log_group_usage_daily u
    where u.log_group_id = g.id
      and u.date < a.day
      and u.date > a.day - least(nullif(g.retention_days, 0), nullif(g.retention_in_days, 0))
) win on true
