-- The tags of every resource under the id daily_bill gives it (one row per account, kind and id).
select distinct on (account_id, resource_type, resource_id) account_id, resource_type, resource_id, tags
from (
    select account_id, 'instances' as resource_type, instance_id as resource_id, tags from public.instances
    union all select account_id, 'volumes', volume_id, tags from public.volumes
    union all select account_id, 'snapshots', snapshot_id, tags from public.snapshots
    union all select account_id, 'rds_instances', db_instance_id, tags from public.rds_instances
    union all select account_id, 'cache_clusters', cluster_id, tags from public.cache_clusters
    union all select account_id, 'load_balancers', lb_arn, tags from public.load_balancers
    union all select account_id, 'elastic_ips', allocation_id, tags from public.elastic_ips
    union all select account_id, 'lambda_functions', id::text, tags from public.lambda_functions
    union all select account_id, 'container_nodes', id::text, tags from public.container_nodes
    union all select account_id, 'managed_services', id::text, tags from public.managed_services
    union all select account_id, 'streaming_clusters', id::text, tags from public.streaming_clusters
    union all select account_id, 's3_buckets', name, tags from public.s3_buckets
    union all select account_id, 'log_groups', name, tags from public.log_groups
) as directory
order by account_id, resource_type, resource_id
