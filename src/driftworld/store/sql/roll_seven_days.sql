-- A table's 7-day columns from metrics_daily: the last seven virtual days up to and including
-- each row's day; each row reads at most seven index entries.
update {table} as t
set {sets}
from (
    select v.id, agg.*
    from jsonb_to_recordset(%s::jsonb) as v(id uuid, account_id uuid, day date)
    join {table} as t on t.id = v.id
    cross join lateral (
        select {aggregates}
        from (
            select m.metric_payload as p
            from metrics_daily m
            where m.account_id = v.account_id
              and m.resource_type = {resource_type}
              and m.resource_id = {metrics_id}
              and m.date between v.day - 6 and v.day
        ) as week
    ) as agg
) as r
where t.id = r.id
