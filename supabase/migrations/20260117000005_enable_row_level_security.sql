-- Row-level security on every public table, and the Supabase API roles' rights.
--
-- The service connects as the table owner or as service_role, both of which bypass RLS. On a
-- Supabase project the API roles get: authenticated may read every world table and append to
-- action_audit_log; anon gets nothing. On plain PostgreSQL those roles do not exist and the grants
-- are skipped with a notice.

alter table public.organizations enable row level security;
alter table public.cloud_accounts enable row level security;
alter table public.autoscaling_groups enable row level security;
alter table public.instances enable row level security;
alter table public.volumes enable row level security;
alter table public.snapshots enable row level security;
alter table public.s3_buckets enable row level security;
alter table public.rds_instances enable row level security;
alter table public.cache_clusters enable row level security;
alter table public.load_balancers enable row level security;
alter table public.elastic_ips enable row level security;
alter table public.lambda_functions enable row level security;
alter table public.log_groups enable row level security;
alter table public.container_clusters enable row level security;
alter table public.container_nodes enable row level security;
alter table public.container_services enable row level security;
alter table public.managed_services enable row level security;
alter table public.streaming_clusters enable row level security;
alter table public.commitments enable row level security;
alter table public.commitment_utilization_daily enable row level security;
alter table public.resource_tags enable row level security;
alter table public.api_clients enable row level security;
alter table public.metrics_daily enable row level security;
alter table public.s3_bucket_usage_daily enable row level security;
alter table public.log_group_usage_daily enable row level security;
alter table public.data_transfer_daily enable row level security;
alter table public.resource_change_events enable row level security;
alter table public.action_audit_log enable row level security;

do $$
declare
    world_tables constant text[] := array[
        'organizations', 'cloud_accounts', 'autoscaling_groups', 'instances', 'volumes', 'snapshots',
        's3_buckets', 'rds_instances', 'cache_clusters', 'load_balancers', 'elastic_ips',
        'lambda_functions', 'log_groups', 'container_clusters', 'container_nodes',
        'container_services', 'managed_services', 'streaming_clusters', 'commitments',
        'commitment_utilization_daily', 'resource_tags', 'api_clients', 'metrics_daily',
        's3_bucket_usage_daily', 'log_group_usage_daily', 'data_transfer_daily',
        'resource_change_events', 'action_audit_log'
    ];
    t text;
begin
    -- anon: no access at all (Supabase's default privileges grant it everything in public).
    if exists (select 1 from pg_roles where rolname = 'anon') then
        foreach t in array world_tables loop
            execute format('revoke all on table public.%I from anon', t);
        end loop;
    else
        raise notice 'role anon does not exist: skipped revoking its table privileges';
    end if;

    -- authenticated: read everything, insert into action_audit_log, nothing else.
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        foreach t in array world_tables loop
            execute format('revoke all on table public.%I from authenticated', t);
            execute format('grant select on table public.%I to authenticated', t);
            execute format(
                'create policy authenticated_read on public.%I '
                'for select to authenticated using (true)', t);
        end loop;
        grant insert on table public.action_audit_log to authenticated;
        create policy authenticated_insert on public.action_audit_log
            for insert to authenticated with check (true);
    else
        raise notice 'role authenticated does not exist: skipped its grants and policies';
    end if;

    -- service_role bypasses RLS on Supabase; it needs plain table privileges only.
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        foreach t in array world_tables loop
            execute format('grant all on table public.%I to service_role', t);
        end loop;
    else
        raise notice 'role service_role does not exist: skipped its grants';
    end if;
end
$$;
