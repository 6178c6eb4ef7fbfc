-- Daily history tables: append-only, one row per object and virtual day.
--
-- These tables take the bulk of every tick's writes, so they carry no updated_at, no row triggers
-- and only the indexes queries need: the unique key plus one (account_id, date) index where the
-- unique key does not already start with those columns. Writers always supply org_id and account_id.
-- account_id and org_id carry no per-row foreign key check (it would cost more than the index
-- writes): rows go with their bucket or log group by cascade, and with their account through the
-- statement-level trigger at the end of this file.

create table public.metrics_daily (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null,
    account_id uuid not null,
    resource_type text not null,
    resource_id text not null,
    date date not null,
    metric_payload jsonb,
    estimated_daily_cost numeric(12,4),
    created_at timestamptz not null default now(),
    -- the contract's unique key, ordered so that it also serves "an account's days" queries
    unique (account_id, date, resource_type, resource_id)
);

comment on table public.metrics_daily is
    'Daily cost and usage record: one row per costing resource per virtual day.';
comment on column public.metrics_daily.resource_type is
    'Table name of the resource (plural, e.g. instances, volumes, load_balancers).';
comment on column public.metrics_daily.resource_id is
    'Provider id of the resource (instance_id, volume_id, lb_arn, ...), or the row id as text for '
    'tables without a provider id (lambda_functions, container_nodes, container_services, '
    'managed_services, streaming_clusters).';
comment on column public.metrics_daily.date is 'Virtual day the row describes.';
comment on column public.metrics_daily.metric_payload is
    'Observations of the day; keys depend on resource_type (for instances: cpu_avg, cpu_max, '
    'memory_avg in percent, network_in_mb and network_out_mb in MB for the day).';
comment on column public.metrics_daily.estimated_daily_cost is 'Cost of the resource for the day, in USD.';

create table public.s3_bucket_usage_daily (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null,
    account_id uuid not null,
    bucket_id uuid not null references public.s3_buckets (id) on delete cascade,
    date date not null,
    storage_gb_standard numeric(14,4),
    storage_gb_ia numeric(14,4),
    storage_gb_glacier numeric(14,4),
    requests_count bigint,
    estimated_storage_cost numeric(12,4),
    estimated_request_cost numeric(12,4),
    created_at timestamptz not null default now(),
    unique (bucket_id, date)
);

create index idx_s3_bucket_usage_daily_account_date on public.s3_bucket_usage_daily (account_id, date);

comment on column public.s3_bucket_usage_daily.date is 'Virtual day the row describes.';
comment on column public.s3_bucket_usage_daily.storage_gb_ia is
    'GB in infrequent-access tiers (STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR).';
comment on column public.s3_bucket_usage_daily.storage_gb_glacier is
    'GB in archive tiers (GLACIER, DEEP_ARCHIVE).';
comment on column public.s3_bucket_usage_daily.requests_count is 'Requests served on that day.';
comment on column public.s3_bucket_usage_daily.estimated_storage_cost is 'Storage cost for the day, in USD.';
comment on column public.s3_bucket_usage_daily.estimated_request_cost is 'Request cost for the day, in USD.';

create table public.log_group_usage_daily (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null,
    account_id uuid not null,
    log_group_id uuid not null references public.log_groups (id) on delete cascade,
    date date not null,
    ingested_gb numeric(14,4),
    stored_gb numeric(14,4),
    estimated_ingestion_cost numeric(12,4),
    estimated_storage_cost numeric(12,4),
    created_at timestamptz not null default now(),
    unique (log_group_id, date)
);

create index idx_log_group_usage_daily_account_date on public.log_group_usage_daily (account_id, date);

comment on column public.log_group_usage_daily.date is 'Virtual day the row describes.';
comment on column public.log_group_usage_daily.ingested_gb is 'GB ingested on that day.';
comment on column public.log_group_usage_daily.stored_gb is 'GB held at the end of that day.';
comment on column public.log_group_usage_daily.estimated_ingestion_cost is 'Ingestion cost for the day, in USD.';
comment on column public.log_group_usage_daily.estimated_storage_cost is 'Storage cost for the day, in USD.';

-- The unique key starts with (account_id, date), so it doubles as the per-account date index.
create table public.data_transfer_daily (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null,
    account_id uuid not null,
    date date not null,
    source_region text not null,
    dest_region text not null,
    direction text not null
        check (direction in ('intra-az', 'cross-az', 'cross-region', 'egress', 'ingress')),
    gb_transferred numeric(12,4),
    estimated_transfer_cost numeric(12,4),
    created_at timestamptz not null default now(),
    unique (account_id, date, source_region, dest_region, direction)
);

comment on column public.data_transfer_daily.date is 'Virtual day the row describes.';
comment on column public.data_transfer_daily.dest_region is
    'Destination region; internet for egress to the public internet.';
comment on column public.data_transfer_daily.gb_transferred is 'GB moved on that day.';
comment on column public.data_transfer_daily.estimated_transfer_cost is 'Transfer cost for the day, in USD.';


-- An account's history goes with it (deleting an organization deletes its accounts, and so this too).
create function public.delete_account_history() returns trigger
language plpgsql as $$
begin
    delete from public.metrics_daily m using gone_accounts g where m.account_id = g.id;
    delete from public.data_transfer_daily t using gone_accounts g where t.account_id = g.id;
    return null;
end
$$;

create trigger delete_account_history
    after delete on public.cloud_accounts
    referencing old table as gone_accounts
    for each statement execute function public.delete_account_history();
