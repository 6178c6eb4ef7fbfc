-- Agent-control columns: how far an optimisation agent may go on its own with each resource.
--
--   auto_safe       the agent may act without a human
--   recommend_only  the agent may only propose; a human approves
--   ignore          the agent leaves the resource alone
--
-- The database records intent; it never blocks a write because of a policy or a lock (agents are
-- scored on respecting them). The one rule enforced here: a prod resource is always recommend_only
-- and locked, rewritten silently by a trigger rather than rejected.

alter table public.autoscaling_groups
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint autoscaling_groups_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.instances
    add column if not exists optimization_policy text not null default 'auto_safe'
        constraint instances_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.volumes
    add column if not exists optimization_policy text not null default 'auto_safe'
        constraint volumes_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.snapshots
    add column if not exists optimization_policy text not null default 'auto_safe'
        constraint snapshots_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.s3_buckets
    add column if not exists optimization_policy text not null default 'auto_safe'
        constraint s3_buckets_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.rds_instances
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint rds_instances_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.cache_clusters
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint cache_clusters_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.load_balancers
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint load_balancers_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.elastic_ips
    add column if not exists optimization_policy text not null default 'auto_safe'
        constraint elastic_ips_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.lambda_functions
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint lambda_functions_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.log_groups
    add column if not exists optimization_policy text not null default 'auto_safe'
        constraint log_groups_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.container_clusters
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint container_clusters_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.container_nodes
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint container_nodes_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.container_services
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint container_services_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.managed_services
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint managed_services_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

alter table public.streaming_clusters
    add column if not exists optimization_policy text not null default 'recommend_only'
        constraint streaming_clusters_optimization_policy_check
        check (optimization_policy in ('auto_safe', 'recommend_only', 'ignore')),
    add column if not exists optimization_policy_locked boolean not null default false;

create index if not exists idx_instances_optimization_policy
    on public.instances (optimization_policy);
create index if not exists idx_asg_optimization_policy
    on public.autoscaling_groups (optimization_policy);

create or replace function public.enforce_prod_policy()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if new.env = 'prod' then
        new.optimization_policy := 'recommend_only';
        new.optimization_policy_locked := true;
    end if;
    return new;
end
$$;

comment on function public.enforce_prod_policy() is
    'BEFORE INSERT OR UPDATE trigger: forces recommend_only and a lock on rows whose env is prod.';

-- Only tables with an env column get the trigger. The WHEN clause skips the function call for
-- non-prod rows and for prod rows that already comply, so bulk updates by the engine stay cheap.

create trigger enforce_prod_policy
    before insert or update on public.autoscaling_groups
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.instances
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.s3_buckets
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.rds_instances
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.cache_clusters
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.load_balancers
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.lambda_functions
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.log_groups
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.container_clusters
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.container_services
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.managed_services
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

create trigger enforce_prod_policy
    before insert or update on public.streaming_clusters
    for each row
    when (new.env = 'prod'
          and (new.optimization_policy is distinct from 'recommend_only'
               or new.optimization_policy_locked is distinct from true))
    execute function public.enforce_prod_policy();

do $$
declare
    t text;
begin
    foreach t in array array[
        'autoscaling_groups', 'instances', 'volumes', 'snapshots', 's3_buckets', 'rds_instances',
        'cache_clusters', 'load_balancers', 'elastic_ips', 'lambda_functions', 'log_groups',
        'container_clusters', 'container_nodes', 'container_services', 'managed_services',
        'streaming_clusters'
    ]
    loop
        execute format(
            'comment on column public.%I.optimization_policy is %L', t,
            'What an agent may do with this resource: auto_safe = act without approval, '
            'recommend_only = propose only, ignore = do not touch. Advisory; never enforced.');
        execute format(
            'comment on column public.%I.optimization_policy_locked is %L', t,
            'When true, agents should not change optimization_policy. Prod rows are always locked.');
    end loop;
end
$$;

-- Bring rows that existed before this migration in line with the prod rule.
do $$
declare
    t text;
begin
    foreach t in array array[
        'autoscaling_groups', 'instances', 's3_buckets', 'rds_instances', 'cache_clusters',
        'load_balancers', 'lambda_functions', 'log_groups', 'container_clusters',
        'container_services', 'managed_services', 'streaming_clusters'
    ]
    loop
        execute format(
            'update public.%I set optimization_policy = %L, optimization_policy_locked = true '
            'where env = %L and (optimization_policy <> %L or not optimization_policy_locked)',
            t, 'recommend_only', 'prod', 'recommend_only');
    end loop;
end
$$;
