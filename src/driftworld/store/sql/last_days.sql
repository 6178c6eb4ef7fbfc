-- Each account's virtual clock: its last day in the tick ledger, else the newest day of its seeded history.
select a.id as account_id,
       coalesce(
         (select max(virtual_date) from driftworld.tick_ledger l where l.account_id = a.id),
         greatest(
           (select max(date) from metrics_daily m where m.account_id = a.id),
           (select max(date) from s3_bucket_usage_daily s where s.account_id = a.id),
           (select max(date) from log_group_usage_daily g where g.account_id = a.id),
           (select max(date) from data_transfer_daily t where t.account_id = a.id))
       ) as last_day
from cloud_accounts a
where a.id = any(%s)
