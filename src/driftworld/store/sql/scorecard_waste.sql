-- Ground-truth waste by scenario over a window of virtual days: injected in the window (and what it cost the
-- day it appeared), still open at its end (and what it costs on its latest day), resolved in it (by an
-- agent, by hand, by the engine), $/day saved by agents and by hand (what a piece cost on its last open
-- day), and the median number of virtual days to a fix. A fix counts on the day it was resolved, whenever the waste
-- appeared; with an agent name, only that agent's fixes count as agents'.
with ledger as (
    select *,
           injected_on >= coalesce(%(since)s::date, '-infinity') and injected_on <= coalesce(%(until)s::date, 'infinity')
               as injected_in_window,
           resolved_on >= coalesce(%(since)s::date, '-infinity') and resolved_on <= coalesce(%(until)s::date, 'infinity')
               as resolved_in_window,
           resolved_by = 'agent' and (%(agent)s::text is null or resolved_by_name = %(agent)s::text) as by_agent,
           resolved_on is null or resolved_on > coalesce(%(until)s::date, 'infinity') as open_at_end
    from driftworld.waste_ledger
    where (%(account)s::uuid is null or account_id = %(account)s::uuid)
      and injected_on <= coalesce(%(until)s::date, 'infinity')
)
select scenario,
       count(*) filter (where injected_in_window) as injected,
       coalesce(sum(daily_cost) filter (where injected_in_window), 0) as daily_cost,
       count(*) filter (where open_at_end) as open,
       coalesce(sum(current_daily_cost) filter (where open_at_end), 0) as open_daily_cost,
       count(*) filter (where resolved_in_window and by_agent) as resolved_by_agent,
       count(*) filter (where resolved_in_window and resolved_by = 'manual') as resolved_manually,
       count(*) filter (where resolved_in_window and resolved_by = 'drift_engine') as resolved_by_engine,
       coalesce(sum(current_daily_cost) filter (where resolved_in_window and by_agent), 0) as daily_saved_by_agent,
       coalesce(sum(current_daily_cost) filter (where resolved_in_window and resolved_by = 'manual'), 0)
           as daily_saved_manually,
       percentile_cont(0.5) within group (order by resolved_on - injected_on)
           filter (where resolved_in_window and (by_agent or resolved_by = 'manual')) as median_days_to_fix
from ledger
group by scenario
order by scenario
