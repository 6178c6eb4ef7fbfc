-- Freeze windows: until the given time, agents should only warn, not change anything.
-- An account-wide window on cloud_accounts and a per-resource window on every resource table.
-- Like the policy columns these are advisory: the database never rejects a write inside a window.

alter table public.cloud_accounts
    add column if not exists freeze_optimizations_until timestamptz;

alter table public.autoscaling_groups add column if not exists optimization_freeze_until timestamptz;
alter table public.instances add column if not exists optimization_freeze_until timestamptz;
alter table public.volumes add column if not exists optimization_freeze_until timestamptz;
alter table public.snapshots add column if not exists optimization_freeze_until timestamptz;
alter table public.s3_buckets add column if not exists optimization_freeze_until timestamptz;
alter table public.rds_instances add column if not exists optimization_freeze_until timestamptz;
alter table public.cache_clusters add column if not exists optimization_freeze_until timestamptz;
alter table public.load_balancers add column if not exists optimization_freeze_until timestamptz;
alter table public.elastic_ips add column if not exists optimization_freeze_until timestamptz;
alter table public.lambda_functions add column if not exists optimization_freeze_until timestamptz;
alter table public.log_groups add column if not exists optimization_freeze_until timestamptz;
alter table public.container_clusters add column if not exists optimization_freeze_until timestamptz;
alter table public.container_nodes add column if not exists optimization_freeze_until timestamptz;
alter table public.container_services add column if not exists optimization_freeze_until timestamptz;
alter table public.managed_services add column if not exists optimization_freeze_until timestamptz;
alter table public.streaming_clusters add column if not exists optimization_freeze_until timestamptz;

-- Most rows have no window; partial indexes keep the lookups of active windows small.
create index if not exists idx_accounts_freeze
    on public.cloud_accounts (freeze_optimizations_until)
    where freeze_optimizations_until is not null;
create index if not exists idx_asg_freeze
    on public.autoscaling_groups (optimization_freeze_until)
    where optimization_freeze_until is not null;

comment on column public.cloud_accounts.freeze_optimizations_until is
    'Account-wide freeze: while now() is before this time, agents should report findings but change '
    'no resource of the account. Null means no freeze.';

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
            'comment on column public.%I.optimization_freeze_until is %L', t,
            'Per-resource freeze: while now() is before this time, agents should only warn about '
            'this resource. Null means no freeze.');
    end loop;
end
$$;
