-- Each resource's last six days of the values its 7-day columns roll over, kept with its hidden
-- profile: a tick then rolls the week without re-reading six days of metrics_daily. NULL (a profile
-- from before this column, or a world seeded by another tool) makes the engine read the history once.
alter table driftworld.workload_profiles add column if not exists recent jsonb;

comment on column driftworld.workload_profiles.recent is
    'The 7-day window: {"through": date, column: [six daily values or null, oldest first]}.';

-- Most profiles are now rewritten every virtual day (window and cost walk): room on each page lets
-- PostgreSQL keep the new version beside the old (a HOT update, no index entries, no bloat).
alter table driftworld.workload_profiles set (fillfactor = 60);
