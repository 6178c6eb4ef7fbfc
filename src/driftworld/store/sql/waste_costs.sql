-- Each piece of ground-truth waste priced from the bill of a batch's account-days: open pieces on their
-- account's last day (current_daily_cost), pieces that appeared in the batch on that day (daily_cost).
-- The provider CTE is composed from the resource kinds (store/waste_costs.py): each priced resource's
-- metrics_daily.resource_id. Parameters: the account-days, the scenarios' bill rules, the accounts
-- (an array the planner reads the ledger's account index with, where the account-days' JSON gives it no
-- row estimate) twice, days per month, the Lambda GB-second price, hours per day, the accounts again.
with days as (
    select * from jsonb_to_recordset(%s::jsonb) as d(account_id uuid, first_day date, last_day date)
),
rules as (
    select * from jsonb_to_recordset(%s::jsonb)
        as r(scenario text, source text, share numeric, right_size_mb int)
),
priced as (
    select w.id, w.account_id, w.resource_table, w.resource_id, r.source, r.share, r.right_size_mb,
           d.last_day as day, true as current
    from driftworld.waste_ledger w
    join days d on d.account_id = w.account_id
    join rules r on r.scenario = w.scenario
    where w.resolved_on is null and w.account_id = any(%s::uuid[])
    union all
    select w.id, w.account_id, w.resource_table, w.resource_id, r.source, r.share, r.right_size_mb,
           w.injected_on, false
    from driftworld.waste_ledger w
    join days d on d.account_id = w.account_id and w.injected_on between d.first_day and d.last_day
    join rules r on r.scenario = w.scenario
    where w.account_id = any(%s::uuid[])
),
pieces as (select distinct resource_table, resource_id from priced),
provider as materialized ({provider_ids}),
costs as (
    -- the resource's own rows: all of them, or the part a fix saves
    select p.id, p.current,
           case p.source
               when 'resource' then m.estimated_daily_cost * p.share
               when 'rds_compute' then (m.estimated_daily_cost - db.storage_monthly_cost / %s::numeric) * p.share
               when 'lambda_compute' then (m.metric_payload ->> 'invocations')::numeric
                   * (m.metric_payload ->> 'duration_ms_avg')::numeric / 1000
                   * greatest(fn.memory_mb - p.right_size_mb, 0) / 1024 * %s::numeric
           end as cost
    from priced p
    join provider x on x.resource_table = p.resource_table and x.resource_id = p.resource_id
    join public.metrics_daily m on m.account_id = p.account_id and m.date = p.day
        and m.resource_type = p.resource_table and m.resource_id = x.metrics_id
    left join public.rds_instances db on p.source = 'rds_compute' and db.id = p.resource_id
    left join public.lambda_functions fn on p.source = 'lambda_compute' and fn.id = p.resource_id
    where p.source in ('resource', 'rds_compute', 'lambda_compute')
    union all
    -- an autoscaling group's running members
    select p.id, p.current, m.estimated_daily_cost * p.share
    from priced p
    join public.instances i on i.autoscaling_group_id = p.resource_id
    join public.metrics_daily m on m.account_id = p.account_id and m.date = p.day
        and m.resource_type = 'instances' and m.resource_id = i.instance_id
    where p.source = 'members'
    union all
    -- the group's newest running members beyond its floor: the capacity a scale-up added
    select p.id, p.current, newest.cost * p.share
    from priced p
    join public.autoscaling_groups g on g.id = p.resource_id
    cross join lateral (
        select m.estimated_daily_cost as cost
        from public.instances i
        join public.metrics_daily m on m.account_id = p.account_id and m.date = p.day
            and m.resource_type = 'instances' and m.resource_id = i.instance_id
        where i.autoscaling_group_id = g.id
        order by i.launch_time desc, i.id desc
        limit greatest(g.desired_capacity - g.min_size, 0)
    ) as newest
    where p.source = 'newest_members'
    union all
    select p.id, p.current, u.estimated_storage_cost * p.share
    from priced p
    join public.s3_bucket_usage_daily u on u.bucket_id = p.resource_id and u.date = p.day
    where p.source = 'bucket_storage'
    union all
    select p.id, p.current, u.estimated_storage_cost * p.share
    from priced p
    join public.log_group_usage_daily u on u.log_group_id = p.resource_id and u.date = p.day
    where p.source = 'log_storage'
    union all
    -- the committed hours the estate did not use
    select p.id, p.current,
           (c.hourly_commitment_amount - u.actual_hourly_usage_equivalent) * %s::numeric * p.share
    from priced p
    join public.commitments c on c.id = p.resource_id
    join public.commitment_utilization_daily u on u.commitment_id = c.id and u.date = p.day
    where p.source = 'unused_commitment'
),
totals as (
    select p.id,
           round(coalesce(sum(c.cost) filter (where p.current), 0), 4) as now,
           round(coalesce(sum(c.cost) filter (where not p.current), 0), 4) as first,
           bool_or(p.current) as is_open,
           bool_or(not p.current) as appeared
    from priced p
    left join costs c on c.id = p.id and c.current = p.current
    group by p.id
)
update driftworld.waste_ledger w
set current_daily_cost = case when t.is_open then t.now else w.current_daily_cost end,
    daily_cost = case when t.appeared then t.first else w.daily_cost end
from totals t
where w.id = t.id and w.account_id = any(%s::uuid[])
  and (t.is_open and w.current_daily_cost is distinct from t.now or t.appeared and w.daily_cost is distinct from t.first)
