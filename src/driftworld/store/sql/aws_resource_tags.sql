-- Every billable resource's tags under the id daily_bill gives it: the row's tags column merged with its
-- resource_tags rows (matched by the row id or the provider id, under the singular resource type).
with own (resource_type, singular, row_id, resource_id, tags) as (
    select 'instances', 'instance', id::text, instance_id, tags from public.instances
    union all select 'volumes', 'volume', id::text, volume_id, tags from public.volumes
    union all select 'snapshots', 'snapshot', id::text, snapshot_id, tags from public.snapshots
    union all select 'rds_instances', 'rds_instance', id::text, db_instance_id, tags from public.rds_instances
    union all select 'cache_clusters', 'cache_cluster', id::text, cluster_id, tags from public.cache_clusters
    union all select 'load_balancers', 'load_balancer', id::text, lb_arn, tags from public.load_balancers
    union all select 'elastic_ips', 'elastic_ip', id::text, allocation_id, tags from public.elastic_ips
    union all select 'lambda_functions', 'lambda_function', id::text, id::text, tags from public.lambda_functions
    union all select 'container_nodes', 'container_node', id::text, id::text, tags from public.container_nodes
    union all select 'managed_services', 'managed_service', id::text, id::text, tags from public.managed_services
    union all select 'streaming_clusters', 'streaming_cluster', id::text, id::text, tags from public.streaming_clusters
    union all select 's3_buckets', 's3_bucket', id::text, name, tags from public.s3_buckets
    union all select 'log_groups', 'log_group', id::text, name, tags from public.log_groups
)
select o.resource_type, o.resource_id,
       coalesce(o.tags, '{}'::jsonb) || coalesce(
           (select jsonb_object_agg(t.key, t.value) from public.resource_tags t
            where t.resource_type = o.singular and t.resource_id in (o.row_id, o.resource_id)),
           '{}'::jsonb) as tags
from own o
