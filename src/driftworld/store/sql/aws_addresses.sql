-- Elastic IPs of one region, with merged tags.
select e.id::text as row_id, e.allocation_id, e.public_ip, e.state, e.associated_instance_id,
       e.associated_lb_arn, coalesce(e.region, a.primary_region) as region, a.aws_account_number as owner_id,
       coalesce(e.tags, '{}'::jsonb) || coalesce(
           (select jsonb_object_agg(t.key, t.value) from public.resource_tags t
            where t.resource_type = 'elastic_ip' and t.resource_id in (e.id::text, e.allocation_id)),
           '{}'::jsonb) as tags
from public.elastic_ips e
join public.cloud_accounts a on a.id = e.account_id
where coalesce(e.region, a.primary_region) = %(region)s
order by a.aws_account_number, e.allocation_id
