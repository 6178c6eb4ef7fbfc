-- Resource tables of the simulated estate, plus commitments, tags and API clients.
--
-- Columns added by later migrations are deliberately absent here: the live utilisation columns
-- of instances and autoscaling groups (20260117000000), the policy columns (20260117000001) and the
-- freeze columns (20260117000002).
--
-- Conventions for every table below:
--   * uuid primary key, created_at/updated_at, updated_at kept by public.set_updated_at();
--   * org_id and account_id not null, both cascading; org_id may be omitted on insert and is then
--     filled by public.fill_org_id() (the trigger only fires when org_id is null);
--   * provider ids (instance_id, volume_id, lb_arn, ...) that one row stores about another are plain
--     text without foreign keys: agents delete rows physically and the engine reconciles.

-- ---------------------------------------------------------------------------------------------
-- Compute
-- ---------------------------------------------------------------------------------------------

create table public.autoscaling_groups (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    name text not null,
    min_size integer not null default 0,
    max_size integer not null default 10,
    desired_capacity integer not null default 1,
    instance_type text not null,
    env text not null default 'dev',
    region text not null default 'us-east-1',
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table public.instances (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    instance_id text not null unique,
    name text,
    instance_type text not null,
    env text not null default 'dev',
    region text not null,
    state text not null default 'running'
        check (state in ('pending', 'running', 'stopping', 'stopped', 'terminated')),
    autoscaling_group_id uuid references public.autoscaling_groups (id) on delete set null,
    launch_time timestamptz,
    hourly_cost numeric(10,4) not null,
    gpu_hourly_cost numeric(10,4) default 0,
    gpu_count integer default 0,
    has_gpu boolean default false,
    avg_cpu_7d numeric(5,2),
    avg_network_7d numeric(12,2),
    last_active_at timestamptz,
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index idx_instances_autoscaling_group on public.instances (autoscaling_group_id);

comment on column public.instances.instance_id is
    'Provider id, i- followed by 17 hex digits; other tables refer to instances by this value.';
comment on column public.instances.hourly_cost is
    'On-demand list price in USD per hour for the whole instance, GPU share included.';
comment on column public.instances.gpu_hourly_cost is
    'Informational: the part of hourly_cost that pays for GPUs (USD per hour). Not added on top.';
comment on column public.instances.avg_cpu_7d is
    'Mean daily CPU percent (0-100) over the last 7 virtual days, today included.';
comment on column public.instances.avg_network_7d is
    'Mean daily network traffic (in plus out) over the last 7 virtual days, in MB per day.';
comment on column public.instances.last_active_at is
    'When the instance last showed real activity; maintained by the drift engine.';

-- ---------------------------------------------------------------------------------------------
-- Storage
-- ---------------------------------------------------------------------------------------------

create table public.volumes (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    volume_id text not null unique,
    region text,
    size_gib integer not null,
    volume_type text default 'gp3',
    iops integer,
    state text default 'available'
        check (state in ('creating', 'available', 'in-use', 'deleting', 'deleted')),
    attached_instance_id text,
    monthly_cost numeric(10,4),
    last_used_at timestamptz,
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.volumes.volume_id is 'Provider id, vol- followed by 17 hex digits.';
comment on column public.volumes.volume_type is 'EBS type: gp2, gp3, io1, io2, st1 or sc1.';
comment on column public.volumes.attached_instance_id is
    'instances.instance_id (provider id, not a uuid) of the instance using the volume; no foreign key.';
comment on column public.volumes.monthly_cost is 'List price in USD per month for this type and size.';

create table public.snapshots (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    snapshot_id text not null unique,
    region text,
    source_volume_id text,
    size_gib integer not null,
    retention_policy text,
    monthly_cost numeric(10,4),
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.snapshots.snapshot_id is 'Provider id, snap- followed by 17 hex digits.';
comment on column public.snapshots.source_volume_id is
    'volumes.volume_id (provider id) the snapshot was taken from; the volume may no longer exist.';
comment on column public.snapshots.retention_policy is
    'Rotation schedule (daily, weekly or monthly); null means the snapshot is never rotated.';
comment on column public.snapshots.monthly_cost is 'Storage price in USD per month.';

create table public.s3_buckets (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    name text not null unique,
    env text not null default 'dev',
    region text,
    lifecycle_policy jsonb,
    lifecycle_rules jsonb,
    versioning_enabled boolean default false,
    storage_class_default text default 'STANDARD',
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.s3_buckets.lifecycle_policy is
    'Lifecycle configuration as an object {"rules": [...]}. Read together with lifecycle_rules.';
comment on column public.s3_buckets.lifecycle_rules is
    'Lifecycle rules as a bare array [...]; an alternative spelling of lifecycle_policy, both honoured.';

-- ---------------------------------------------------------------------------------------------
-- Databases and caches
-- ---------------------------------------------------------------------------------------------

create table public.rds_instances (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    db_instance_id text not null unique,
    engine text default 'postgres',
    instance_class text default 'db.t3.micro',
    allocated_storage_gib integer default 20,
    env text,
    region text,
    state text default 'available'
        check (state in ('available', 'stopped', 'starting', 'stopping', 'deleting')),
    status text,
    hourly_cost numeric(10,4),
    storage_monthly_cost numeric(10,4),
    multi_az boolean default false,
    avg_cpu_7d numeric(5,2),
    avg_connections_7d numeric(10,2),
    current_cpu numeric(5,2),
    current_connections integer,
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- state is authoritative; status mirrors it. A write that changes status but leaves state alone
-- is taken as a request to change state. On insert a non-null status wins over the default state.
create or replace function public.sync_rds_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        if new.status is not null and new.status is distinct from new.state then
            new.state := new.status;
        end if;
    elsif new.status is distinct from old.status and new.state is not distinct from old.state then
        new.state := new.status;
    end if;
    new.status := new.state;
    return new;
end
$$;

comment on function public.sync_rds_status() is
    'BEFORE INSERT OR UPDATE trigger on rds_instances: keeps status equal to state.';

create trigger sync_rds_status
    before insert or update on public.rds_instances
    for each row execute function public.sync_rds_status();

comment on column public.rds_instances.state is 'Instance state; the authoritative column.';
comment on column public.rds_instances.status is
    'Alias of state for agents that use this name. Always equal to state; writing only status changes state.';
comment on column public.rds_instances.hourly_cost is
    'Instance price in USD per hour (doubled for multi-AZ); charged only while available.';
comment on column public.rds_instances.storage_monthly_cost is
    'Storage price in USD per month; charged whatever the state.';
comment on column public.rds_instances.avg_connections_7d is
    'Mean of the daily connection counts over the last 7 virtual days.';
comment on column public.rds_instances.current_connections is 'Open connections now.';

create table public.cache_clusters (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    cluster_id text not null unique,
    engine text default 'redis',
    node_type text default 'cache.t3.micro',
    num_nodes integer default 1,
    env text,
    region text,
    hourly_cost numeric(10,4),
    avg_cpu_7d numeric(5,2),
    avg_memory_7d numeric(5,2),
    avg_connections_7d numeric(10,2),
    current_cpu numeric(5,2),
    current_connections integer,
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.cache_clusters.hourly_cost is
    'Price in USD per hour for the whole cluster (node price times num_nodes).';
comment on column public.cache_clusters.avg_connections_7d is
    'Mean of the daily connection counts over the last 7 virtual days.';

-- ---------------------------------------------------------------------------------------------
-- Networking
-- ---------------------------------------------------------------------------------------------

create table public.load_balancers (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    lb_arn text not null unique,
    name text not null,
    type text default 'application'
        check (type in ('application', 'network', 'gateway', 'classic')),
    env text,
    region text,
    hourly_cost numeric(10,4),
    avg_request_count_7d numeric(14,2),
    current_request_rate numeric(12,2),
    current_request_count bigint,
    target_count integer,
    healthy_target_count integer,
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.load_balancers.lb_arn is
    'Provider id: an elasticloadbalancing ARN ending in loadbalancer/app|net/<name>/<16 hex>.';
comment on column public.load_balancers.avg_request_count_7d is
    'Requests per day, averaged over the last 7 virtual days.';
comment on column public.load_balancers.current_request_rate is 'Current load in requests per second.';
comment on column public.load_balancers.current_request_count is
    'Number of requests served so far on the current virtual day.';

create table public.elastic_ips (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    allocation_id text not null unique,
    public_ip text not null,
    region text,
    associated_instance_id text,
    associated_lb_arn text,
    state text default 'unassociated' check (state in ('associated', 'unassociated')),
    hourly_cost numeric(10,4),
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.elastic_ips.allocation_id is 'Provider id, eipalloc- followed by 17 hex digits.';
comment on column public.elastic_ips.associated_instance_id is
    'instances.instance_id (provider id) the address is attached to; no foreign key.';
comment on column public.elastic_ips.associated_lb_arn is
    'load_balancers.lb_arn the address is attached to; no foreign key.';
comment on column public.elastic_ips.hourly_cost is
    'USD per hour; public IPv4 addresses are charged whether associated or not.';

-- ---------------------------------------------------------------------------------------------
-- Serverless and observability
-- ---------------------------------------------------------------------------------------------

create table public.lambda_functions (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    name text not null,
    env text,
    region text,
    runtime text default 'python3.12',
    memory_mb integer default 128,
    timeout_seconds integer default 30,
    provisioned_concurrency integer default 0,
    invocations_7d bigint,
    avg_duration_ms_7d numeric(10,2),
    avg_memory_used_mb_7d numeric(10,2),
    estimated_monthly_cost numeric(12,4),
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.lambda_functions.memory_mb is 'Configured memory in MB.';
comment on column public.lambda_functions.invocations_7d is
    'Total invocations over the last 7 virtual days (a sum, not a mean).';
comment on column public.lambda_functions.avg_duration_ms_7d is
    'Mean duration per invocation in milliseconds over the last 7 virtual days.';
comment on column public.lambda_functions.avg_memory_used_mb_7d is
    'Mean memory actually used in MB over the last 7 virtual days; compare with memory_mb.';

create table public.log_groups (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    name text not null,
    env text,
    region text,
    retention_days integer default 30,
    retention_in_days integer,
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.log_groups.retention_days is
    'Retention in days. Effective retention is the smaller non-null of this and retention_in_days; '
    'both null means logs never expire.';
comment on column public.log_groups.retention_in_days is
    'Alternative spelling of retention_days (the CloudWatch API name); both are honoured.';

-- ---------------------------------------------------------------------------------------------
-- Containers, managed services, streaming
-- ---------------------------------------------------------------------------------------------

create table public.container_clusters (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    name text not null,
    env text,
    region text,
    node_instance_type text default 'm5.large',
    desired_nodes integer default 3,
    min_nodes integer default 1,
    max_nodes integer default 10,
    estimated_hourly_cost numeric(10,4),
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table public.container_nodes (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    cluster_id uuid references public.container_clusters (id) on delete cascade,
    instance_id text not null,
    instance_type text,
    region text,
    state text check (state in ('running', 'stopped')),
    hourly_cost numeric(10,4),
    gpu_hourly_cost numeric(10,4) default 0,
    gpu_count integer default 0,
    has_gpu boolean default false,
    avg_cpu_7d numeric(5,2),
    avg_memory_7d numeric(5,2),
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index idx_container_nodes_cluster on public.container_nodes (cluster_id);

comment on column public.container_nodes.hourly_cost is
    'On-demand price in USD per hour for the node, GPU share included.';
comment on column public.container_nodes.gpu_hourly_cost is
    'Informational: the part of hourly_cost that pays for GPUs. Not added on top.';

create table public.container_services (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    cluster_id uuid references public.container_clusters (id) on delete cascade,
    name text,
    env text,
    region text,
    requested_cpu numeric(10,4),
    requested_memory_mb integer,
    replica_count integer not null default 1,
    avg_cpu_7d numeric(5,2),
    avg_memory_7d numeric(5,2),
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index idx_container_services_cluster on public.container_services (cluster_id);

comment on column public.container_services.requested_cpu is 'CPU requested per replica, in vCPUs.';

create table public.managed_services (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    service_type text not null,
    name text,
    env text,
    region text,
    instance_type text not null,
    node_count integer default 1,
    hourly_cost numeric(10,4),
    avg_cpu_7d numeric(5,2),
    avg_memory_7d numeric(5,2),
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.managed_services.service_type is 'Kind of managed service, e.g. opensearch or sagemaker.';
comment on column public.managed_services.hourly_cost is
    'Price in USD per hour for all nodes together.';

create table public.streaming_clusters (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    name text,
    engine text check (engine in ('kinesis', 'kafka', 'msk')),
    env text,
    region text,
    shard_count integer default 1,
    retention_hours integer default 24,
    provisioned_throughput_mbps numeric(10,2),
    avg_usage_mbps_7d numeric(10,2),
    hourly_cost numeric(10,4),
    tags jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.streaming_clusters.avg_usage_mbps_7d is
    'Mean throughput used over the last 7 virtual days, in MB/s; compare with provisioned_throughput_mbps.';

-- ---------------------------------------------------------------------------------------------
-- Commitments, tags, API clients (no tags column on these)
-- ---------------------------------------------------------------------------------------------

create table public.commitments (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    commitment_type text check (commitment_type in ('reserved_instance', 'savings_plan', 'edp')),
    scope text,
    term_months integer check (term_months in (12, 36)),
    hourly_commitment_amount numeric(10,4) not null,
    start_date date,
    end_date date,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.commitments.scope is
    'What the commitment covers, e.g. ec2:m5.large:us-east-1 for a reserved instance or compute.';
comment on column public.commitments.hourly_commitment_amount is 'Committed spend in USD per hour.';

create table public.commitment_utilization_daily (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    commitment_id uuid not null references public.commitments (id) on delete cascade,
    date date not null,
    actual_hourly_usage_equivalent numeric(10,4),
    utilization_percent numeric(5,2),
    estimated_savings_vs_ondemand numeric(10,4),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (commitment_id, date)
);

comment on column public.commitment_utilization_daily.date is 'Virtual day the row describes.';
comment on column public.commitment_utilization_daily.actual_hourly_usage_equivalent is
    'Committed amount actually used, in USD per hour (hourly_commitment_amount times utilisation).';
comment on column public.commitment_utilization_daily.estimated_savings_vs_ondemand is
    'Savings over on-demand prices for the day, in USD.';

create table public.resource_tags (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    resource_type text not null,
    resource_id text not null,
    key text not null,
    value text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (resource_type, resource_id, key)
);

comment on column public.resource_tags.resource_type is
    'Singular resource kind: instance, volume, s3_bucket, rds_instance, load_balancer, ...';
comment on column public.resource_tags.resource_id is 'id of the tagged row, as text.';

create table public.api_clients (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    name text not null,
    access_key_id text not null unique,
    secret_key_hash text not null,
    scopes jsonb default '["read:*"]'::jsonb,
    last_used_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on column public.api_clients.access_key_id is 'Fake access key id: AKIA followed by 16 characters.';
comment on column public.api_clients.secret_key_hash is
    'Salted hash of the secret key; the secret itself is never stored.';
comment on column public.api_clients.scopes is 'JSON array of granted scopes such as read:*.';

-- ---------------------------------------------------------------------------------------------
-- Shared triggers and account indexes
-- ---------------------------------------------------------------------------------------------

do $$
declare
    t text;
begin
    foreach t in array array[
        'autoscaling_groups', 'instances', 'volumes', 'snapshots', 's3_buckets', 'rds_instances',
        'cache_clusters', 'load_balancers', 'elastic_ips', 'lambda_functions', 'log_groups',
        'container_clusters', 'container_nodes', 'container_services', 'managed_services',
        'streaming_clusters', 'commitments', 'commitment_utilization_daily', 'resource_tags',
        'api_clients'
    ]
    loop
        execute format(
            'create trigger set_updated_at before update on public.%I '
            'for each row execute function public.set_updated_at()', t);
        execute format(
            'create trigger fill_org_id before insert on public.%I '
            'for each row when (new.org_id is null) execute function public.fill_org_id()', t);
        execute format('create index %I on public.%I (account_id)', 'idx_' || t || '_account', t);
    end loop;
end
$$;
