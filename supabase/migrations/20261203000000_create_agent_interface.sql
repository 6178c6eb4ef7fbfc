-- What an agent sees and may do, apart from the engine: the world's daily bill as one view, a table for
-- the recommendations an agent leaves for a person, and the role agents connect as.
--
-- daily_bill is the one definition of what the world costs per resource and day: the bench's dollars,
-- the cost tools and the exports all sum it. Views run with their owner's rights, so an agent reads the
-- bill without reaching the engine schema.

create or replace view public.daily_bill as
with directory (resource_type, resource_id, region) as (
    select 'instances', instance_id, region from public.instances
    union all select 'volumes', volume_id, region from public.volumes
    union all select 'snapshots', snapshot_id, region from public.snapshots
    union all select 'rds_instances', db_instance_id, region from public.rds_instances
    union all select 'cache_clusters', cluster_id, region from public.cache_clusters
    union all select 'load_balancers', lb_arn, region from public.load_balancers
    union all select 'elastic_ips', allocation_id, region from public.elastic_ips
    union all select 'lambda_functions', id::text, region from public.lambda_functions
    union all select 'container_nodes', id::text, region from public.container_nodes
    union all select 'managed_services', id::text, region from public.managed_services
    union all select 'streaming_clusters', id::text, region from public.streaming_clusters
),
metered as (
    select m.account_id, m.org_id, m.date, m.resource_type, m.resource_id,
           case m.resource_type
               when 'instances' then 'Amazon Elastic Compute Cloud - Compute'
               when 'container_nodes' then 'Amazon Elastic Compute Cloud - Compute'
               when 'volumes' then 'EC2 - Other'
               when 'snapshots' then 'EC2 - Other'
               when 'elastic_ips' then 'Amazon Virtual Private Cloud'
               when 'rds_instances' then 'Amazon Relational Database Service'
               when 'cache_clusters' then 'Amazon ElastiCache'
               when 'load_balancers' then 'Amazon Elastic Load Balancing'
               when 'lambda_functions' then 'AWS Lambda'
               when 'managed_services' then 'Amazon OpenSearch Service'
               when 'streaming_clusters' then 'Amazon Kinesis'
               else m.resource_type
           end as service,
           case m.resource_type
               when 'instances' then 'BoxUsage:' || coalesce(m.metric_payload ->> 'instance_type', 'unknown')
               when 'container_nodes' then 'BoxUsage'
               when 'volumes' then 'EBS:VolumeUsage.' || coalesce(m.metric_payload ->> 'volume_type', 'gp3')
               when 'snapshots' then 'EBS:SnapshotUsage'
               when 'elastic_ips' then case when (m.metric_payload ->> 'associated')::boolean
                                            then 'PublicIPv4:InUseAddress' else 'PublicIPv4:IdleAddress' end
               when 'rds_instances' then case when m.metric_payload ->> 'state' = 'available'
                                              then 'InstanceUsage' else 'RDS:StorageUsage' end
               when 'cache_clusters' then 'NodeUsage'
               when 'load_balancers' then 'LoadBalancerUsage'
               when 'lambda_functions' then 'Lambda-GB-Second'
               when 'managed_services' then 'ESInstance'
               when 'streaming_clusters' then 'ShardHour'
               else 'Usage'
           end as usage_type,
           coalesce(d.region, a.primary_region) as region,
           m.estimated_daily_cost as cost,
           case
               when m.resource_type in ('volumes', 'snapshots')
                   then round(coalesce((m.metric_payload ->> 'size_gib')::numeric, 0) / 30, 6)
               when m.resource_type = 'lambda_functions'
                   then coalesce((m.metric_payload ->> 'invocations')::numeric, 0)
               else 24
           end as usage_quantity,
           case
               when m.resource_type in ('volumes', 'snapshots') then 'GB-Mo'
               when m.resource_type = 'lambda_functions' then 'Requests'
               else 'Hrs'
           end as unit
    from public.metrics_daily m
    join public.cloud_accounts a on a.id = m.account_id
    left join directory d on d.resource_type = m.resource_type and d.resource_id = m.resource_id
    where m.estimated_daily_cost > 0
)
select account_id, org_id, date, resource_type, resource_id, service, usage_type, region,
       cost, cost as list_cost, usage_quantity, unit
from metered
union all
select u.account_id, u.org_id, u.date, 's3_buckets', b.name, 'Amazon Simple Storage Service',
       'TimedStorage-ByteHrs', b.region, u.estimated_storage_cost, u.estimated_storage_cost,
       round((u.storage_gb_standard + u.storage_gb_ia + u.storage_gb_glacier) / 30, 6), 'GB-Mo'
from public.s3_bucket_usage_daily u
join public.s3_buckets b on b.id = u.bucket_id
union all
select u.account_id, u.org_id, u.date, 's3_buckets', b.name, 'Amazon Simple Storage Service',
       'Requests-Tier1', b.region, u.estimated_request_cost, u.estimated_request_cost, u.requests_count, 'Requests'
from public.s3_bucket_usage_daily u
join public.s3_buckets b on b.id = u.bucket_id
union all
select u.account_id, u.org_id, u.date, 'log_groups', g.name, 'AmazonCloudWatch',
       'DataProcessing-Bytes', g.region, u.estimated_ingestion_cost, u.estimated_ingestion_cost, u.ingested_gb, 'GB'
from public.log_group_usage_daily u
join public.log_groups g on g.id = u.log_group_id
union all
select u.account_id, u.org_id, u.date, 'log_groups', g.name, 'AmazonCloudWatch',
       'TimedStorage-ByteHrs', g.region, u.estimated_storage_cost, u.estimated_storage_cost,
       round(u.stored_gb / 30, 6), 'GB-Mo'
from public.log_group_usage_daily u
join public.log_groups g on g.id = u.log_group_id
union all
select t.account_id, t.org_id, t.date, 'data_transfer', t.source_region || '>' || t.dest_region,
       'AWS Data Transfer',
       case t.direction
           when 'egress' then 'DataTransfer-Out-Bytes'
           when 'cross-region' then 'DataTransfer-Regional-Bytes'
           when 'cross-az' then 'DataTransfer-Regional-Bytes'
           else 'DataTransfer-In-Bytes'
       end,
       t.source_region, t.estimated_transfer_cost, t.estimated_transfer_cost, t.gb_transferred, 'GB'
from public.data_transfer_daily t
union all
-- A commitment bills its fee every active day, used or not ...
select c.account_id, c.org_id, u.date, 'commitments', c.id::text,
       case c.commitment_type when 'savings_plan' then 'Savings Plans for AWS Compute usage'
                              else 'Amazon Elastic Compute Cloud - Compute' end,
       case c.commitment_type when 'savings_plan' then 'ComputeSP:RecurringFee' else 'HeavyUsage:RecurringFee' end,
       a.primary_region, round(c.hourly_commitment_amount * 24, 4), 0, 24, 'Hrs'
from public.commitment_utilization_daily u
join public.commitments c on c.id = u.commitment_id
join public.cloud_accounts a on a.id = c.account_id
union all
-- ... and takes off the bill the on-demand value of the usage it covered.
select c.account_id, c.org_id, u.date, 'commitments', c.id::text,
       case c.commitment_type when 'savings_plan' then 'Savings Plans for AWS Compute usage'
                              else 'Amazon Elastic Compute Cloud - Compute' end,
       case c.commitment_type when 'savings_plan' then 'ComputeSP:CoveredUsage' else 'HeavyUsage:CoveredUsage' end,
       a.primary_region,
       -round(u.actual_hourly_usage_equivalent * 24 + u.estimated_savings_vs_ondemand, 4), 0,
       round(u.actual_hourly_usage_equivalent * 24, 4), 'Hrs'
from public.commitment_utilization_daily u
join public.commitments c on c.id = u.commitment_id
join public.cloud_accounts a on a.id = c.account_id;

comment on view public.daily_bill is
    'The world''s bill: one row per resource, day and usage type, in USD. Every cost figure of driftworld '
    'sums this view. Commitments bill their fee and credit the on-demand value of the usage they covered.';
comment on column public.daily_bill.resource_id is
    'The provider id (instance_id, volume_id, lb_arn, ...), a bucket''s or log group''s name, a row id as text '
    'for kinds without a provider id, or source>dest region for data transfer.';
comment on column public.daily_bill.list_cost is 'The same usage at list prices (0 for commitment fees and credits).';

-- Recommendations an agent leaves for a person (for recommend_only resources).
create table public.recommendations (
    id uuid primary key default gen_random_uuid(),
    account_id uuid references public.cloud_accounts (id) on delete cascade,
    org_id uuid,
    resource_type text not null,
    resource_id text not null,
    action text not null,
    rationale text,
    created_by text not null default 'auto-safe-agent',
    created_at timestamptz not null default now()
);

create index idx_recommendations_account on public.recommendations (account_id, created_at);

comment on table public.recommendations is
    'Changes an agent proposes instead of making them (the recommendation model''s output).';
comment on column public.recommendations.resource_type is 'Table name (instances) or singular (instance).';
comment on column public.recommendations.resource_id is 'The row id or the provider id.';
comment on column public.recommendations.action is 'What to do, e.g. stop, delete, downsize, set retention.';

create trigger fill_org_id before insert on public.recommendations
    for each row execute function public.fill_org_id();

alter table public.recommendations enable row level security;

-- The role agents connect as: it reads and changes the public world and writes audit rows and
-- recommendations; it cannot reach the engine schema (ground truth, ledger, shadows). Roles belong to
-- the server, not the database: a server where the owner may not create roles skips this with a notice.
do $$
declare
    t text;
begin
    if not exists (select 1 from pg_roles where rolname = 'driftworld_agent') then
        begin
            create role driftworld_agent nologin;
        exception when insufficient_privilege then
            raise notice 'cannot create role driftworld_agent here: the agent role is not set up';
            return;
        end;
    end if;
    revoke all on schema driftworld from driftworld_agent;
    grant usage on schema public to driftworld_agent;
    for t in select tablename from pg_tables where schemaname = 'public' loop
        execute format('grant select, insert, update, delete on table public.%I to driftworld_agent', t);
        execute format(
            'create policy agent_all on public.%I for all to driftworld_agent using (true) with check (true)', t);
    end loop;
    grant select on public.daily_bill, public.virtual_clock to driftworld_agent;
end
$$;

-- On Supabase the API's signed-in role reads the bill and may leave recommendations, as it may write audit rows.
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        grant select on public.daily_bill to authenticated;
        grant select, insert on public.recommendations to authenticated;
        create policy authenticated_read on public.recommendations for select to authenticated using (true);
        create policy authenticated_insert on public.recommendations for insert to authenticated with check (true);
    else
        raise notice 'role authenticated does not exist: skipped its grants on daily_bill and recommendations';
    end if;
end
$$;
