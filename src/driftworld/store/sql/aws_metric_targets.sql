-- For each CloudWatch dimension kind, the resources of one region: the dimension's value as CloudWatch
-- names it, and the metrics_daily resource_id of the same resource.
select 'instance' as kind, instance_id as value, instance_id as resource_id from public.instances
where region = %(region)s
union all
select 'rds', db_instance_id, db_instance_id from public.rds_instances
where region = %(region)s
union all
select 'load_balancer', split_part(lb_arn, ':loadbalancer/', 2), lb_arn from public.load_balancers
where region = %(region)s
union all
select 'lambda', name, id::text from public.lambda_functions
where region = %(region)s
