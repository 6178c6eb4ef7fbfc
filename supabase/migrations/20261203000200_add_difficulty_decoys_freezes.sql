-- A world that tells a careful agent from a naive one: a difficulty setting, decoys (resources that look
-- idle and are in use, recorded as private ground truth), and freeze windows announced ahead.

alter table driftworld.world_settings
    add column if not exists difficulty text not null default 'easy'
    check (difficulty in ('easy', 'realistic', 'hard'));
-- Worlds seeded before this setting keep their mechanics; new worlds are realistic unless asked otherwise.
alter table driftworld.world_settings alter column difficulty set default 'realistic';

comment on column driftworld.world_settings.difficulty is
    'easy: waste has telltale names, no decoys, no policies set by the world; realistic: neutral names, '
    'decoys, policies and freezes set by the world; hard: as realistic with twice the decoys.';

alter table public.cloud_accounts add column if not exists freeze_optimizations_from timestamptz;

comment on column public.cloud_accounts.freeze_optimizations_from is
    'When an announced freeze window starts (null: it is in force now, until freeze_optimizations_until).';

create table if not exists driftworld.decoys (
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    resource_type text not null,
    resource_id uuid not null,
    kind text not null,
    signal text not null,
    since date not null,
    primary key (resource_type, resource_id)
);

create index if not exists idx_decoys_account on driftworld.decoys (account_id);

comment on table driftworld.decoys is
    'Resources that trip a common naive rule but are in use; a capacity-reducing change to one is a false positive.';
comment on column driftworld.decoys.resource_type is 'The resource''s table name.';
comment on column driftworld.decoys.signal is 'What a careful agent can read to tell it is in use.';

revoke all on driftworld.decoys from public;
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        grant all on driftworld.decoys to service_role;
    else
        raise notice 'role service_role does not exist: skipped its grant on driftworld.decoys';
    end if;
end
$$;
