-- Instances of one region with their daily CPU and network over the look-back window that ends on their
-- account's today (its virtual day on the virtual clock, else the real date), for Compute Optimizer: days
-- observed, the highest daily maximum and the mean of the daily means.
select i.id::text as row_id, i.instance_id, i.instance_type, i.name, i.state, i.region,
       a.aws_account_number as owner_id,
       count(m.date) as days,
       max(coalesce((m.metric_payload ->> 'cpu_max')::numeric, (m.metric_payload ->> 'cpu_avg')::numeric)) as cpu_max,
       avg((m.metric_payload ->> 'cpu_avg')::numeric) as cpu_avg,
       max(coalesce((m.metric_payload ->> 'network_in_mb')::numeric, 0)
           + coalesce((m.metric_payload ->> 'network_out_mb')::numeric, 0)) as network_max_mb
from public.instances i
join public.cloud_accounts a on a.id = i.account_id
left join public.virtual_clock vc on vc.account_id = i.account_id
left join public.metrics_daily m
    on m.account_id = i.account_id and m.resource_type = 'instances' and m.resource_id = i.instance_id
   and m.date between coalesce(case when %(virtual)s then vc.virtual_date end, current_date) - %(days)s + 1
                  and coalesce(case when %(virtual)s then vc.virtual_date end, current_date)
where i.region = %(region)s and i.state <> 'terminated'
group by i.id, a.aws_account_number
order by a.aws_account_number, i.instance_id
