-- A fingerprint of each shadow's fields, so that a tick reads one number per resource instead of
-- the whole document, and fetches the fields only of resources whose fingerprint no longer matches.
-- Shadows written before this column have none: the next tick compares them in full and fills it.
alter table driftworld.shadow_state add column if not exists digest bigint;

comment on column driftworld.shadow_state.digest is
    'A 64-bit hash of fields as the engine serialises them; NULL until the engine rewrites the shadow.';
