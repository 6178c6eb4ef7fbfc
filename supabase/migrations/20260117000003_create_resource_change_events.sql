-- Audit trail of the world.
--
-- resource_change_events: one row per changed field of a resource, whoever changed it. The drift
-- engine writes its own changes and, when it notices changes it did not make, attributes them to
-- an agent or to a manual edit.
--
-- action_audit_log: written by agents themselves to say what they did. Agents often know neither the
-- account nor the organization, so both are optional here; the engine matches rows to resources.

create table if not exists public.resource_change_events (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    account_id uuid not null references public.cloud_accounts (id) on delete cascade,
    resource_type text not null,
    resource_id text not null,
    change_source text not null check (change_source in ('drift_engine', 'agent', 'manual')),
    field_name text not null,
    old_value text,
    new_value text,
    changed_at timestamptz not null default now(),
    virtual_date date
);

create index if not exists idx_resource_change_events_account
    on public.resource_change_events (account_id);
create index if not exists idx_resource_change_events_resource
    on public.resource_change_events (resource_type, resource_id);
create index if not exists idx_resource_change_events_time
    on public.resource_change_events (changed_at desc);
create index if not exists idx_resource_change_events_source
    on public.resource_change_events (change_source);

create trigger fill_org_id
    before insert on public.resource_change_events
    for each row when (new.org_id is null) execute function public.fill_org_id();

comment on table public.resource_change_events is
    'Field-level history of resource changes made by the drift engine, agents or people.';
comment on column public.resource_change_events.resource_type is
    'Singular resource kind: instance, autoscaling_group, volume, snapshot, s3_bucket, rds_instance, '
    'cache_cluster, load_balancer, elastic_ip, lambda_function, log_group, container_cluster, '
    'container_node, container_service, managed_service or streaming_cluster.';
comment on column public.resource_change_events.resource_id is 'id (uuid, as text) of the changed row.';
comment on column public.resource_change_events.change_source is
    'Who made the change: drift_engine, agent (explained by an action_audit_log row) or manual.';
comment on column public.resource_change_events.field_name is
    'Changed column, or created / deleted when the whole row appeared or disappeared.';
comment on column public.resource_change_events.changed_at is
    'Real time the change was recorded (operational, not virtual).';
comment on column public.resource_change_events.virtual_date is 'Virtual day during which the change was recorded.';

create table if not exists public.action_audit_log (
    id uuid primary key default gen_random_uuid(),
    org_id uuid references public.organizations (id) on delete cascade,
    account_id uuid references public.cloud_accounts (id) on delete cascade,
    action text not null,
    resource_type text,
    resource_id text,
    resource_name text,
    scenario_id text,
    detection_id text,
    success boolean not null default false,
    message text,
    previous_state jsonb,
    new_state jsonb,
    executed_at timestamptz not null default now(),
    duration_ms integer,
    executed_by text not null default 'auto-safe-agent',
    created_at timestamptz not null default now()
);

create index if not exists idx_action_audit_log_executed_at on public.action_audit_log (executed_at);
create index if not exists idx_action_audit_log_resource on public.action_audit_log (resource_id);

create trigger fill_org_id
    before insert on public.action_audit_log
    for each row when (new.org_id is null) execute function public.fill_org_id();

comment on table public.action_audit_log is
    'Actions reported by executing agents. Only action is required.';
comment on column public.action_audit_log.resource_type is
    'Table name (instances) or singular kind (instance); both are understood.';
comment on column public.action_audit_log.resource_id is
    'Row id or provider id (instance_id, volume_id, ...); both are understood.';
comment on column public.action_audit_log.previous_state is 'Agent-supplied snapshot of the resource before the action.';
comment on column public.action_audit_log.new_state is 'Agent-supplied snapshot of the resource after the action.';
