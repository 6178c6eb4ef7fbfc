-- What the whole world costs on one day, across the four daily tables.
select coalesce(sum(c), 0) as c from (
    select sum(estimated_daily_cost) as c from metrics_daily where date = %(d)s
    union all
    select sum(estimated_storage_cost + estimated_request_cost) from s3_bucket_usage_daily where date = %(d)s
    union all
    select sum(estimated_ingestion_cost + estimated_storage_cost) from log_group_usage_daily where date = %(d)s
    union all
    select sum(estimated_transfer_cost) from data_transfer_daily where date = %(d)s
) as costs
