-- The drift engine's private state, kept out of the public schema so that the Supabase API never
-- exposes it and agents cannot read the ground truth.

create schema if not exists driftworld;

comment on schema driftworld is 'Private state of the driftworld engine; not exposed to API roles.';

-- Exactly one row (id is always true).
create table driftworld.world_settings (
    id boolean primary key default true check (id),
    world_seed bigint not null,
    clock_mode text not null default 'wallclock' check (clock_mode in ('wallclock', 'virtual')),
    seasonality boolean not null default true,
    drift_intensity jsonb not null default '{}'::jsonb,
    seed_parameters jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create trigger set_updated_at
    before update on driftworld.world_settings
    for each row execute function public.set_updated_at();

comment on column driftworld.world_settings.world_seed is 'Root of every random stream of the world.';
comment on column driftworld.world_settings.clock_mode is
    'How resource timestamps are written: wallclock (back-dated from real time) or virtual '
    '(derived from the virtual day, fully reproducible).';
comment on column driftworld.world_settings.drift_intensity is
    'Scenario tuning: global multiplier, per-scenario probabilities, on/off switches, or a preset.';
comment on column driftworld.world_settings.seed_parameters is 'Parameters the world was seeded with.';

-- One row per simulated account-day; the source of truth of each account's clock.
create table driftworld.tick_ledger (
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    virtual_date date not null,
    source text not null check (source in ('seed', 'tick')),
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz not null default clock_timestamp(),
    duration_ms integer,
    rows_appended jsonb not null default '{}'::jsonb,
    scenarios jsonb not null default '[]'::jsonb,
    primary key (account_id, virtual_date)
);

comment on column driftworld.tick_ledger.rows_appended is 'Rows inserted per daily table for this account-day.';
comment on column driftworld.tick_ledger.scenarios is 'Names of the waste scenarios that fired that day.';

-- Hidden behaviour of every resource: what its daily numbers are drawn from.
create table driftworld.workload_profiles (
    resource_table text not null,
    resource_id uuid not null,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    profile text not null,
    params jsonb not null default '{}'::jsonb,
    walk_value numeric(14,6),
    walk_anchor numeric(14,6),
    born_on date,
    primary key (resource_table, resource_id)
);

create index idx_workload_profiles_account on driftworld.workload_profiles (account_id, resource_table);

comment on column driftworld.workload_profiles.walk_value is
    'Current value of the mean-reverting cost walk (instances), before calendar factors.';
comment on column driftworld.workload_profiles.walk_anchor is 'Value the cost walk reverts to (list price per day).';
comment on column driftworld.workload_profiles.born_on is 'Virtual day the resource was created.';

-- Ground truth: every piece of waste the seeder planted or a scenario injected.
create table driftworld.waste_ledger (
    id uuid primary key default gen_random_uuid(),
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    scenario text not null,
    resource_table text not null,
    resource_id uuid not null,
    related jsonb not null default '[]'::jsonb,
    injected_on date not null,
    expected_fix text not null,
    daily_cost numeric(12,4) not null default 0,
    resolved_on date,
    resolved_by text check (resolved_by in ('drift_engine', 'agent', 'manual')),
    created_at timestamptz not null default now()
);

create index idx_waste_ledger_account_resolved on driftworld.waste_ledger (account_id, resolved_on);

comment on column driftworld.waste_ledger.related is 'Other resources belonging to the same piece of waste.';
comment on column driftworld.waste_ledger.daily_cost is 'What the waste costs per day, in USD.';
comment on column driftworld.waste_ledger.resolved_by is 'change_source of the change that removed the waste.';

-- What the engine last left in each resource row, to detect changes made by others.
create table driftworld.shadow_state (
    resource_table text not null,
    resource_id uuid not null,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    fields jsonb not null,
    taken_at timestamptz not null default now(),
    primary key (resource_table, resource_id)
);

create index idx_shadow_state_account on driftworld.shadow_state (account_id);

-- Access: nobody but the owner (and service_role on Supabase) may touch the engine schema.
revoke all on schema driftworld from public;
revoke all on all tables in schema driftworld from public;

do $$
declare
    r text;
begin
    foreach r in array array['anon', 'authenticated'] loop
        if exists (select 1 from pg_roles where rolname = r) then
            execute format('revoke all on schema driftworld from %I', r);
            execute format('revoke all on all tables in schema driftworld from %I', r);
        else
            raise notice 'role % does not exist: skipped revoking it from schema driftworld', r;
        end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        grant usage on schema driftworld to service_role;
        grant all on all tables in schema driftworld to service_role;
    else
        raise notice 'role service_role does not exist: skipped granting it schema driftworld';
    end if;
end
$$;

-- Each account's last simulated day, readable by agents. Accounts seeded by another tool have no
-- ledger rows yet; for them the newest date in the daily history stands in. The view runs with its
-- owner's rights (it must read driftworld.tick_ledger, which API roles cannot); it exposes only
-- account ids, org ids and dates.
create view public.virtual_clock as
select
    a.id as account_id,
    a.org_id,
    coalesce(
        (select max(t.virtual_date) from driftworld.tick_ledger t where t.account_id = a.id),
        greatest(
            (select max(m.date) from public.metrics_daily m where m.account_id = a.id),
            (select max(s.date) from public.s3_bucket_usage_daily s where s.account_id = a.id),
            (select max(l.date) from public.log_group_usage_daily l where l.account_id = a.id),
            (select max(d.date) from public.data_transfer_daily d where d.account_id = a.id)
        )
    ) as virtual_date
from public.cloud_accounts a;

comment on view public.virtual_clock is
    'Last simulated virtual day of each cloud account (null if the account has no history).';

-- The view is simple enough to be auto-updatable; only SELECT is ever granted.
revoke all on public.virtual_clock from public;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'anon') then
        revoke all on public.virtual_clock from anon;
    else
        raise notice 'role anon does not exist: skipped revoking it from public.virtual_clock';
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
        revoke all on public.virtual_clock from authenticated;
        grant select on public.virtual_clock to authenticated;
    else
        raise notice 'role authenticated does not exist: skipped granting it public.virtual_clock';
    end if;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        revoke all on public.virtual_clock from service_role;
        grant select on public.virtual_clock to service_role;
    else
        raise notice 'role service_role does not exist: skipped granting it public.virtual_clock';
    end if;
end
$$;
