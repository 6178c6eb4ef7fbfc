-- Terminated instances and deleted volumes stay in their tables for agents' history, and pile up
-- over virtual years. These partial indexes let a reader of an account's live resources (the
-- drift-tick every day, and agents) skip them instead of reading them all back.
create index if not exists idx_instances_account_live on public.instances (account_id) where state <> 'terminated';
create index if not exists idx_volumes_account_live on public.volumes (account_id) where state <> 'deleted';

-- A tick reads one table's shadows of a batch of accounts (the retired rows the engine has not seen
-- yet): by account and table, instead of intersecting the account index with a whole table's keys.
create index if not exists idx_shadow_state_account_table on driftworld.shadow_state (account_id, resource_table);
drop index if exists driftworld.idx_shadow_state_account;
