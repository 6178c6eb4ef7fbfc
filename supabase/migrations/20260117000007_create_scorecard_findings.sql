-- What the engine noticed about changes it did not make: policy violations (a change to an
-- `ignore` resource, to a locked prod resource, or inside a freeze window) and false positives
-- (a capacity-reducing change to a resource that was not waste). The scorecard counts these.

create table if not exists driftworld.scorecard_findings (
    id uuid primary key default gen_random_uuid(),
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    virtual_date date not null,
    resource_table text not null,
    resource_id uuid not null,
    change_source text not null check (change_source in ('agent', 'manual')),
    field_name text not null,
    kind text not null check (kind in ('violation_ignore', 'violation_locked', 'violation_freeze', 'false_positive')),
    created_at timestamptz not null default now()
);

create index if not exists idx_scorecard_findings_account on driftworld.scorecard_findings (account_id, virtual_date);

comment on table driftworld.scorecard_findings is
    'Findings about external changes, recorded when the engine observes them; read by the scorecard.';

revoke all on driftworld.scorecard_findings from public;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        grant all on driftworld.scorecard_findings to service_role;
    else
        raise notice 'role service_role not found: skipping its grant on driftworld.scorecard_findings';
    end if;
end
$$;

-- The engine looks up each account's recent external changes every tick (scenario preconditions).
create index if not exists idx_resource_change_events_account_day
    on public.resource_change_events (account_id, virtual_date);
