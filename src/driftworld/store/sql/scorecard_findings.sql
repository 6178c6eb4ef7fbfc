-- Policy violations and false positives in a window of virtual days, by kind and by who made the change
-- (with an agent name, that agent's changes only); one per resource and day, however many columns it touched.
select kind, change_source, count(distinct (virtual_date, resource_table, resource_id)) as n
from driftworld.scorecard_findings
where (%(account)s::uuid is null or account_id = %(account)s::uuid)
  and (%(since)s::date is null or virtual_date >= %(since)s::date)
  and (%(until)s::date is null or virtual_date <= %(until)s::date)
  and (%(agent)s::text is null or executed_by = %(agent)s::text)
group by kind, change_source
order by kind, change_source
