-- Cost per day and service from the world's bill, for one organization, one account or the whole world.
select date, service, round(sum(cost), 2)::float8 as cost
from public.daily_bill
where (%(org)s::uuid is null or org_id = %(org)s::uuid)
  and (%(account)s::uuid is null or account_id = %(account)s::uuid)
group by date, service
order by date, service
