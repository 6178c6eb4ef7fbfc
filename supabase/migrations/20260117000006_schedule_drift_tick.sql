-- Scheduling drift-tick from the database.
--
-- Plain PostgreSQL with pg_cron has no HTTP client, so its cron job queues a tick request
-- (driftworld.request_tick) that a `driftworld worker` picks up through LISTEN/NOTIFY; the job
-- itself is installed with `driftworld schedule install`. On Supabase (pg_cron, pg_net and vault
-- present) this migration schedules the job 'drift-tick-simulator' that posts to the drift-tick
-- endpoint every 5 minutes, as the original specification did; elsewhere it skips that with a notice.

create table driftworld.tick_requests (
    id bigserial primary key,
    requested_at timestamptz not null default now(),
    triggered_by text,
    days integer check (days between 1 and 366),
    claimed_at timestamptz,
    finished_at timestamptz,
    result jsonb
);

create index idx_tick_requests_pending on driftworld.tick_requests (id) where finished_at is null;

comment on table driftworld.tick_requests is
    'Tick requests queued by pg_cron (or anyone) for a driftworld worker; each is executed once.';
comment on column driftworld.tick_requests.days is 'Virtual days to simulate; null means 1.';
comment on column driftworld.tick_requests.claimed_at is 'When a worker started the tick.';
comment on column driftworld.tick_requests.result is 'The tick''s JSON reply (as the HTTP function returns it).';

-- Queue a tick and wake the workers. The notification carries the request id only.
create function driftworld.request_tick(triggered_by text default 'manual', days integer default null)
returns bigint
language plpgsql
set search_path = driftworld, pg_temp
as $$
declare
    request_id bigint;
begin
    insert into driftworld.tick_requests (triggered_by, days)
    values (request_tick.triggered_by, request_tick.days)
    returning id into request_id;
    perform pg_notify('driftworld_tick', request_id::text);
    return request_id;
end;
$$;

comment on function driftworld.request_tick(text, integer) is
    'Queues a tick request for a driftworld worker (LISTEN driftworld_tick) and returns its id.';

revoke all on table driftworld.tick_requests from public;
revoke all on function driftworld.request_tick(text, integer) from public;

do $$
begin
    if exists (select 1 from pg_roles where rolname = 'service_role') then
        grant all on table driftworld.tick_requests to service_role;
        grant usage on sequence driftworld.tick_requests_id_seq to service_role;
        grant execute on function driftworld.request_tick(text, integer) to service_role;
    else
        raise notice 'role service_role does not exist: skipped granting it driftworld.tick_requests';
    end if;
end
$$;

-- Supabase: pg_cron + pg_net + vault. The URL and the bearer are read from vault secrets when the
-- job runs, so no secret is written here. Re-running cron.schedule with the same job name updates it.
do $$
declare
    has_cron boolean := exists (select 1 from pg_extension where extname = 'pg_cron');
    -- pg_net and vault are recognised by what the job calls (net.http_post, vault.decrypted_secrets).
    has_net boolean := exists (
        select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'net' and p.proname = 'http_post');
    has_vault boolean := exists (select 1 from pg_namespace where nspname = 'vault')
        and to_regclass('vault.decrypted_secrets') is not null;
begin
    if not (has_cron and has_net and has_vault) then
        raise notice 'drift-tick-simulator not scheduled: this database lacks %. On plain PostgreSQL use '
            '`driftworld schedule install` and `driftworld worker` instead.',
            array_to_string(array_remove(array[
                case when not has_cron then 'pg_cron' end,
                case when not has_net then 'pg_net' end,
                case when not has_vault then 'vault' end], null), ', ');
        return;
    end if;
    perform cron.schedule(
        'drift-tick-simulator',
        '*/5 * * * *',
        $job$
        select net.http_post(
            url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url')
                   || '/functions/v1/drift-tick',
            headers := jsonb_build_object(
                'Content-Type', 'application/json',
                'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets
                                               where name = 'service_role_key')
            ),
            body := jsonb_build_object('triggered_by', 'pg_cron'),
            timeout_milliseconds := 60000
        ) as request_id;
        $job$
    );
    if not exists (select 1 from vault.secrets where name = 'project_url')
       or not exists (select 1 from vault.secrets where name = 'service_role_key') then
        raise notice 'drift-tick-simulator scheduled, but vault lacks project_url or service_role_key: '
            'add them with vault.create_secret(...) before the first run';
    end if;
end
$$;
