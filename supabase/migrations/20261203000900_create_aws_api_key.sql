-- The key pair of the world's AWS API (`driftworld aws serve`). SigV4 is a shared-secret scheme: the server
-- must hold the secret to check a signature, so the secret is stored as is, in the engine schema, where
-- only the owner reaches it. One key per world; its name is the executed_by of the audit rows its calls write.

create table if not exists driftworld.aws_api_key (
    singleton boolean primary key default true check (singleton),
    access_key_id text unique not null check (access_key_id ~ '^AKIA[A-Z2-7]{16}$'),
    secret_access_key text not null check (length(secret_access_key) = 40),
    name text not null default 'aws-api-agent',
    created_at timestamptz not null default now()
);

comment on table driftworld.aws_api_key is
    'The one AWS access key of the world''s AWS API; the secret is needed to verify SigV4 signatures, so it is '
    'stored as is and readable by the owner only. Created on first use by `driftworld aws`.';
comment on column driftworld.aws_api_key.name is
    'Who the key acts as: the executed_by of the action_audit_log rows its calls write.';

revoke all on driftworld.aws_api_key from public;
alter table driftworld.aws_api_key enable row level security;

-- Roles that may exist beside the owner (the agent role; Supabase's API roles) get nothing, whatever
-- default privileges the schema carries.
do $$
declare
    r text;
begin
    foreach r in array array['driftworld_agent', 'anon', 'authenticated'] loop
        if exists (select 1 from pg_roles where rolname = r) then
            execute format('revoke all on driftworld.aws_api_key from %I', r);
        end if;
    end loop;
end
$$;
