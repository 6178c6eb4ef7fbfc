-- EBS volumes of one region (deleted ones are gone, as in AWS shortly after deletion), with merged tags.
select v.id::text as row_id, v.volume_id, v.size_gib, v.volume_type, v.iops, v.state, v.region,
       v.attached_instance_id, v.created_at, a.aws_account_number as owner_id,
       coalesce(v.tags, '{}'::jsonb) || coalesce(
           (select jsonb_object_agg(t.key, t.value) from public.resource_tags t
            where t.resource_type = 'volume' and t.resource_id in (v.id::text, v.volume_id)),
           '{}'::jsonb) as tags
from public.volumes v
join public.cloud_accounts a on a.id = v.account_id
where coalesce(v.region, a.primary_region) = %(region)s and v.state <> 'deleted'
order by a.aws_account_number, v.volume_id
