-- EC2 instances of one region, with their owner account and merged tags, in a stable order for paging.
select i.id::text as row_id, i.instance_id, i.instance_type, i.state, i.region, i.name, i.env,
       i.launch_time, i.created_at, i.has_gpu, a.aws_account_number as owner_id,
       g.name as autoscaling_group,
       coalesce(i.tags, '{}'::jsonb) || coalesce(
           (select jsonb_object_agg(t.key, t.value) from public.resource_tags t
            where t.resource_type = 'instance' and t.resource_id in (i.id::text, i.instance_id)),
           '{}'::jsonb) as tags
from public.instances i
join public.cloud_accounts a on a.id = i.account_id
left join public.autoscaling_groups g on g.id = i.autoscaling_group_id
where i.region = %(region)s
order by a.aws_account_number, i.instance_id
