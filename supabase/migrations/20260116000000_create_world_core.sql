-- World core: shared trigger functions, organizations and cloud accounts.
--
-- Runs on plain PostgreSQL 15+ and on Supabase. gen_random_uuid() is built into PostgreSQL 13+,
-- so no extension is needed (the embedded server ships without pgcrypto).

-- Keeps updated_at current on every UPDATE of a mutable table.
create or replace function public.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    new.updated_at := now();
    return new;
end
$$;

comment on function public.set_updated_at() is
    'BEFORE UPDATE trigger: stamps updated_at with the transaction time.';

-- Lets a writer omit org_id: it is copied from the cloud account of the row.
-- Security definer so that a role that may insert a row but cannot see cloud_accounts
-- still gets org_id filled in.
create or replace function public.fill_org_id()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if new.org_id is null and new.account_id is not null then
        select a.org_id into new.org_id
        from public.cloud_accounts a
        where a.id = new.account_id;
    end if;
    return new;
end
$$;

comment on function public.fill_org_id() is
    'BEFORE INSERT trigger: fills a null org_id from cloud_accounts using account_id.';

create table public.organizations (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    slug text not null unique,
    settings jsonb default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create trigger set_updated_at
    before update on public.organizations
    for each row execute function public.set_updated_at();

create table public.cloud_accounts (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references public.organizations (id) on delete cascade,
    name text not null,
    provider text default 'aws-fake',
    aws_account_number text check (aws_account_number ~ '^[0-9]{12}$'),
    primary_region text default 'us-east-1',
    is_active boolean default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index idx_cloud_accounts_org on public.cloud_accounts (org_id);

create trigger set_updated_at
    before update on public.cloud_accounts
    for each row execute function public.set_updated_at();

comment on column public.cloud_accounts.provider is
    'Simulated cloud provider; the simulated AWS estate uses aws-fake.';
comment on column public.cloud_accounts.aws_account_number is
    'Fake 12-digit AWS account number; appears inside load balancer ARNs.';
comment on column public.cloud_accounts.is_active is
    'Inactive accounts are not advanced by the drift engine.';
