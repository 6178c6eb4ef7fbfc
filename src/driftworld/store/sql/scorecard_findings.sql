-- Policy violations and false positives, by kind and by who made the change.
select kind, change_source, count(*) as n
from driftworld.scorecard_findings
where (%(account)s::uuid is null or account_id = %(account)s::uuid)
  and (%(since)s::date is null or virtual_date >= %(since)s::date)
group by kind, change_source
order by kind, change_source
