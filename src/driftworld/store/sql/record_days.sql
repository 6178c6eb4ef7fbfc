-- The tick ledger's rows for a batch of account-days, the last write of its transaction. The time is the
-- server's, from the transaction's start to this statement, shared out over the batch's account-days.
insert into driftworld.tick_ledger (account_id, virtual_date, source, started_at, duration_ms, rows_appended, scenarios)
select r.account_id, r.virtual_date, r.source, transaction_timestamp(),
       round(extract(epoch from clock_timestamp() - transaction_timestamp()) * 1000 / count(*) over ()),
       r.rows_appended, r.scenarios
from json_to_recordset(%s::json) as r(account_id uuid, virtual_date date, source text, rows_appended jsonb, scenarios jsonb)
