-- Live utilisation columns written by the drift engine on every tick.

alter table public.instances
    add column if not exists current_cpu numeric(5,2) default 0,
    add column if not exists current_memory numeric(5,2) default 0;

alter table public.autoscaling_groups
    add column if not exists current_utilization numeric(5,2) default 0;

-- Per-account scans of running instances (the engine's live-value pass, agents' idle checks).
create index if not exists idx_instances_current_metrics
    on public.instances (account_id, state)
    where state = 'running';

comment on column public.instances.current_cpu is
    'CPU percent (0-100) on the current virtual day; 0 while not running.';
comment on column public.instances.current_memory is
    'Memory percent (0-100) on the current virtual day; 0 while not running.';
comment on column public.autoscaling_groups.current_utilization is
    'Mean current_cpu of the running members of the group, in percent.';
