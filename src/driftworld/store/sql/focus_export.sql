-- FOCUS 1.2 cost and usage rows from the world's bill (public.daily_bill), one per bill row, plus one row per
-- commitment-day for the commitment's unused part. A bucket's storage row is split by storage class (the bill
-- keeps one per bucket and day): infrequent-access and archive GB at the catalogue's prices per GB-month (the
-- parameters s3_ia_price and s3_glacier_price), standard the rest, so that the parts sum to the bill. Resource
-- tables add names, tags and the environment; the engine's ground truth adds the open waste (x_Waste) only
-- when the parameter ground_truth is true.
--
-- Commitments: the bill's fee row becomes the Purchase (BilledCost the fee, EffectiveCost 0: it is amortised);
-- its covered-usage credit becomes the Used row (BilledCost the credit, EffectiveCost the commitment's used part
-- minus the on-demand value it replaces, which the covered resources' own rows still carry); the Unused row
-- bills nothing and carries the unused part. Per account and day, BilledCost and EffectiveCost both sum to the
-- bill, and ListCost over Usage rows sums to the bill's list_cost.
with bill as (
    select *
    from public.daily_bill
    where date between %(first)s::date and %(last)s::date
      and (%(account)s::uuid is null or account_id = %(account)s::uuid)
),
listed (resource_type, account_id, resource_id, row_id, name, tags, env) as (
    select 'instances', account_id, instance_id, id, name, tags, env from public.instances
    union all select 'volumes', account_id, volume_id, id, tags ->> 'Name', tags, tags ->> 'env' from public.volumes
    union all select 'snapshots', account_id, snapshot_id, id, tags ->> 'Name', tags, tags ->> 'env' from public.snapshots
    union all select 'rds_instances', account_id, db_instance_id, id, db_instance_id, tags, env from public.rds_instances
    union all select 'cache_clusters', account_id, cluster_id, id, cluster_id, tags, env from public.cache_clusters
    union all select 'load_balancers', account_id, lb_arn, id, name, tags, env from public.load_balancers
    union all select 'elastic_ips', account_id, allocation_id, id, public_ip, tags, tags ->> 'env' from public.elastic_ips
    union all select 'lambda_functions', account_id, id::text, id, name, tags, env from public.lambda_functions
    union all select 'container_nodes', account_id, id::text, id, instance_id, tags, tags ->> 'env' from public.container_nodes
    union all select 'managed_services', account_id, id::text, id, name, tags, env from public.managed_services
    union all select 'streaming_clusters', account_id, id::text, id, name, tags, env from public.streaming_clusters
    union all select 's3_buckets', account_id, name, id, name, tags, env from public.s3_buckets
    union all select 'log_groups', account_id, name, id, name, tags, env from public.log_groups
),
resource as (
    -- one row per provider id: log group names, unlike the other ids, are not unique by constraint
    select distinct on (resource_type, account_id, resource_id) *
    from listed
    order by resource_type, account_id, resource_id, row_id
),
extra_tags as (
    select account_id, resource_type || 's' as resource_type, resource_id, jsonb_object_agg(key, value) as tags
    from public.resource_tags
    group by 1, 2, 3
),
service_category (service, category, subcategory) as (
    values ('Amazon Elastic Compute Cloud - Compute', 'Compute', 'Virtual Machines'),
           ('Savings Plans for AWS Compute usage', 'Compute', 'Other (Compute)'),
           ('AWS Lambda', 'Compute', 'Serverless Compute'),
           ('EC2 - Other', 'Storage', 'Block Storage'),
           ('Amazon Simple Storage Service', 'Storage', 'Object Storage'),
           ('Amazon Relational Database Service', 'Databases', 'Relational Databases'),
           ('Amazon ElastiCache', 'Databases', 'Caching'),
           ('Amazon Virtual Private Cloud', 'Networking', 'Network Infrastructure'),
           ('Amazon Elastic Load Balancing', 'Networking', 'Application Networking'),
           ('AWS Data Transfer', 'Networking', 'Network Connectivity'),
           ('Amazon OpenSearch Service', 'Analytics', 'Search'),
           ('Amazon Kinesis', 'Analytics', 'Streaming Analytics'),
           ('AmazonCloudWatch', 'Management and Governance', 'Observability')
),
region_name (region, name) as (
    values ('us-east-1', 'US East (N. Virginia)'), ('us-east-2', 'US East (Ohio)'),
           ('us-west-1', 'US West (N. California)'), ('us-west-2', 'US West (Oregon)'),
           ('eu-west-1', 'Europe (Ireland)'), ('eu-central-1', 'Europe (Frankfurt)'),
           ('ap-southeast-1', 'Asia Pacific (Singapore)'), ('ap-northeast-1', 'Asia Pacific (Tokyo)')
),
waste_day as (
    select w.resource_table, w.resource_id, d::date as date, string_agg(distinct w.scenario, ',') as scenarios
    from driftworld.waste_ledger w
    cross join lateral generate_series(
        greatest(w.injected_on, %(first)s::date),
        least(coalesce(w.resolved_on - 1, %(last)s::date), %(last)s::date),
        interval '1 day') as d
    where %(ground_truth)s
      and (%(account)s::uuid is null or w.account_id = %(account)s::uuid)
    group by 1, 2, 3
),
commitment_day as (
    select b.*, c.commitment_type, c.term_months, c.hourly_commitment_amount as hourly,
           round(u.actual_hourly_usage_equivalent * 24, 4) as used,
           coalesce(round(u.actual_hourly_usage_equivalent * 24 / nullif(c.hourly_commitment_amount, 0), 6), 0)
               as used_hours
    from bill b
    join public.commitments c on c.id::text = b.resource_id
    join public.commitment_utilization_daily u on u.commitment_id = c.id and u.date = b.date
    where b.resource_type = 'commitments'
),
s3_storage as (
    -- a bucket-day's storage row, one row per storage class that holds data
    select b.account_id, b.org_id, b.date, b.resource_type, b.resource_id, b.service, k.usage_type, b.region,
           k.cost, k.cost as list_cost, round(k.gb / 30, 6) as usage_quantity, b.unit
    from bill b
    join public.s3_buckets s on s.name = b.resource_id
    join public.s3_bucket_usage_daily u on u.bucket_id = s.id and u.date = b.date
    cross join lateral (
        select round(u.storage_gb_ia * %(s3_ia_price)s::numeric / 30, 4) as ia,
               round(u.storage_gb_glacier * %(s3_glacier_price)s::numeric / 30, 4) as glacier
    ) p
    cross join lateral (
        values ('TimedStorage-ByteHrs', u.storage_gb_standard, b.cost - p.ia - p.glacier),
               ('TimedStorage-SIA-ByteHrs', u.storage_gb_ia, p.ia),
               ('TimedStorage-GlacierByteHrs', u.storage_gb_glacier, p.glacier)
    ) k (usage_type, gb, cost)
    where b.resource_type = 's3_buckets' and b.usage_type = 'TimedStorage-ByteHrs' and (k.gb > 0 or k.cost <> 0)
),
metered as (
    select account_id, org_id, date, resource_type, resource_id, service, usage_type, region, cost, list_cost,
           usage_quantity, unit
    from bill
    where resource_type <> 'commitments' and not (resource_type = 's3_buckets' and usage_type = 'TimedStorage-ByteHrs')
    union all
    select * from s3_storage
),
charge as (
    select b.account_id, b.org_id, b.date, b.resource_type, b.resource_id, b.service, b.usage_type, b.region,
           'Usage' as category, 'Usage-Based' as frequency, 'Standard' as pricing_category, null::text as status,
           b.cost as billed, b.cost as effective, b.list_cost as list, b.list_cost as contracted,
           q.quantity, q.unit, q.quantity as consumed, q.unit as consumed_unit,
           case when q.quantity = 0 then 0 else b.list_cost / q.quantity end as unit_price,
           null::text as commitment_type, null::integer as term_months, null::numeric as commitment_quantity,
           b.service || ' ' || b.usage_type || ' in ' || b.region
               || case when b.resource_type = 'data_transfer' then ' (' || b.resource_id || ')' else '' end
               as description
    from metered b
    cross join lateral (
        select case when b.usage_quantity > 0 or b.list_cost = 0 then b.usage_quantity else 1 end as quantity,
               case when not (b.usage_quantity > 0 or b.list_cost = 0) then 'Days'
                    when b.unit = 'Hrs' then 'Hours'
                    when b.unit = 'GB-Mo' then 'GB-Months'
                    else b.unit end as unit
    ) q
    union all
    select account_id, org_id, date, resource_type, resource_id, service, usage_type, region,
           'Purchase', 'Recurring', 'Standard', null,
           cost, 0, cost, cost,
           usage_quantity, 'Hours', null, null,
           cost / usage_quantity,
           commitment_type, term_months,
           case commitment_type when 'savings_plan' then cost else usage_quantity end,
           'Recurring fee of ' || case commitment_type when 'savings_plan' then 'a Savings Plan' else 'a Reserved Instance' end
               || ' committed at ' || hourly || ' USD per hour'
    from commitment_day
    where usage_type like '%%RecurringFee'
    union all
    select account_id, org_id, date, resource_type, resource_id, service, usage_type, region,
           'Usage', 'Usage-Based', 'Committed', 'Used',
           cost, used + cost, 0, 0,
           used_hours, 'Hours', used_hours, 'Hours',
           0,
           commitment_type, term_months,
           case commitment_type when 'savings_plan' then used else used_hours end,
           'Usage covered by the commitment: its used part replaces the on-demand cost of '
               || (-cost) || ' USD'
    from commitment_day
    where usage_type like '%%CoveredUsage'
    union all
    select account_id, org_id, date, resource_type, resource_id, service,
           split_part(usage_type, ':', 1) || ':UnusedCommitment', region,
           'Usage', 'Recurring', 'Committed', 'Unused',
           0, cost - used, 0, 0,
           24 - used_hours, 'Hours', null, null,
           0,
           commitment_type, term_months,
           case commitment_type when 'savings_plan' then cost - used else 24 - used_hours end,
           'Unused part of the commitment'
    from commitment_day
    where usage_type like '%%RecurringFee' and cost > used
)
select
    null::text as "AvailabilityZone",
    c.billed as "BilledCost",
    c.org_id::text as "BillingAccountId",
    o.name as "BillingAccountName",
    'Organization' as "BillingAccountType",
    'USD' as "BillingCurrency",
    (date_trunc('month', c.date) + interval '1 month')::timestamp at time zone 'UTC' as "BillingPeriodEnd",
    date_trunc('month', c.date)::timestamp at time zone 'UTC' as "BillingPeriodStart",
    c.category as "ChargeCategory",
    null::text as "ChargeClass",
    c.description as "ChargeDescription",
    c.frequency as "ChargeFrequency",
    (c.date + 1)::timestamp at time zone 'UTC' as "ChargePeriodEnd",
    c.date::timestamp at time zone 'UTC' as "ChargePeriodStart",
    case c.commitment_type when 'savings_plan' then 'Spend' when 'reserved_instance' then 'Usage'
         when 'edp' then 'Spend' end as "CommitmentDiscountCategory",
    case when c.commitment_type is not null then c.resource_id end as "CommitmentDiscountId",
    case when c.commitment_type is not null then commitment.name end as "CommitmentDiscountName",
    c.commitment_quantity as "CommitmentDiscountQuantity",
    c.status as "CommitmentDiscountStatus",
    case when c.commitment_type is not null then commitment.kind end as "CommitmentDiscountType",
    case when c.commitment_type = 'reserved_instance' then 'Hours' when c.commitment_type is not null then 'USD' end
        as "CommitmentDiscountUnit",
    c.consumed as "ConsumedQuantity",
    c.consumed_unit as "ConsumedUnit",
    c.contracted as "ContractedCost",
    c.unit_price as "ContractedUnitPrice",
    c.effective as "EffectiveCost",
    'DW-' || upper(left(replace(c.org_id::text, '-', ''), 12)) || '-' || to_char(c.date, 'YYYYMM') as "InvoiceId",
    'AWS' as "InvoiceIssuerName",
    c.list as "ListCost",
    c.unit_price as "ListUnitPrice",
    c.pricing_category as "PricingCategory",
    'USD' as "PricingCurrency",
    c.unit_price as "PricingCurrencyContractedUnitPrice",
    c.effective as "PricingCurrencyEffectiveCost",
    c.unit_price as "PricingCurrencyListUnitPrice",
    c.quantity as "PricingQuantity",
    c.unit as "PricingUnit",
    'AWS' as "ProviderName",
    'AWS' as "PublisherName",
    c.region as "RegionId",
    coalesce(rn.name, c.region) as "RegionName",
    case when c.resource_type <> 'data_transfer' then c.resource_id end as "ResourceId",
    case when c.resource_type = 'data_transfer' then null
         when c.commitment_type is not null then commitment.kind
         else initcap(replace(rtrim(c.resource_type, 's'), '_', ' ')) end as "ResourceType",
    case when c.resource_type = 'data_transfer' then null
         when c.commitment_type is not null then commitment.name
         else coalesce(r.name, c.resource_id) end as "ResourceName",
    coalesce(sc.category, 'Other') as "ServiceCategory",
    c.service as "ServiceName",
    coalesce(sc.subcategory, 'Other (Other)') as "ServiceSubcategory",
    c.region || ':' || c.usage_type as "SkuId",
    c.usage_type as "SkuMeter",
    null::text as "SkuPriceDetails",
    c.region || ':' || c.usage_type as "SkuPriceId",
    c.account_id::text as "SubAccountId",
    a.name as "SubAccountName",
    'Account' as "SubAccountType",
    nullif(coalesce(r.tags, '{}'::jsonb) || coalesce(t.tags, '{}'::jsonb), '{}'::jsonb)::text as "Tags",
    coalesce(r.env, r.tags ->> 'env') as "x_Env",
    c.usage_type as "x_UsageType",
    a.aws_account_number as "x_AwsAccountNumber",
    w.scenarios as "x_Waste"
from charge c
join public.cloud_accounts a on a.id = c.account_id
join public.organizations o on o.id = c.org_id
left join service_category sc on sc.service = c.service
left join region_name rn on rn.region = c.region
left join resource r
    on r.resource_type = c.resource_type and r.account_id = c.account_id and r.resource_id = c.resource_id
left join extra_tags t
    on t.account_id = c.account_id and t.resource_type = c.resource_type and t.resource_id = r.row_id::text
left join waste_day w
    on w.resource_table = c.resource_type and w.date = c.date
   and w.resource_id = coalesce(r.row_id, case when c.commitment_type is not null then c.resource_id::uuid end)
cross join lateral (
    select case c.commitment_type when 'savings_plan' then 'Savings Plan' when 'edp' then 'Enterprise Discount'
                else 'Reserved Instance' end as kind,
           case c.commitment_type when 'savings_plan' then 'Compute Savings Plan' when 'edp' then 'Enterprise Discount'
                else 'Reserved Instance' end || ', ' || c.term_months || ' months' as name
) commitment
