-- get_cost_and_usage's sums of the world's bill per period and group, from the first parameter to the second
-- (exclusive). The caller fills in the tag directory (empty unless a tag is grouped or filtered on), the
-- period's first day, the group-by expressions and the filter.
with tag_directory as ({tags}),
bill as (
    select d.*, a.aws_account_number as linked_account, coalesce(t.tags, '{{}}'::jsonb) as tags
    from public.daily_bill d
    join public.cloud_accounts a on a.id = d.account_id
    left join tag_directory t
        on t.account_id = d.account_id and t.resource_type = d.resource_type and t.resource_id = d.resource_id
    where d.date >= %s and d.date < %s
)
select {period} as period{keys}, sum(b.cost) as cost, sum(b.usage_quantity) as quantity,
       array_agg(distinct b.unit) as units
from bill b
where {condition}
group by 1{group}
order by 1{group}
