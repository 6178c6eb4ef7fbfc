-- The regions the world uses: accounts' primary regions and every region a resource lives in.
select region from (
    select primary_region as region from public.cloud_accounts
    union select region from public.instances
    union select region from public.volumes
    union select region from public.elastic_ips
    union select region from public.rds_instances
    union select region from public.load_balancers
    union select region from public.s3_buckets
) r
where region is not null
order by region
