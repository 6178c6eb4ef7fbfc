-- Each bucket's newest usage row before its account's day (a gap never resets a bucket).
select b.account_id, b.id as bucket_id,
       u.storage_gb_standard as standard, u.storage_gb_ia as ia, u.storage_gb_glacier as glacier
from unnest(%s::uuid[], %s::date[]) as a(account_id, day)
join s3_buckets b on b.account_id = a.account_id
cross join lateral (
    select storage_gb_standard, storage_gb_ia, storage_gb_glacier
    from s3_bucket_usage_daily u
    where u.bucket_id = b.id and u.date < a.day
    order by u.date desc
    limit 1
) u
