-- Which agent made a change: the executed_by of the audit row that explained it, so that the scorecard
-- and the bench can tell two agents apart.

alter table driftworld.waste_ledger add column if not exists resolved_by_name text;
alter table driftworld.scorecard_findings add column if not exists executed_by text;

comment on column driftworld.waste_ledger.resolved_by_name is
    'executed_by of the action_audit_log row that explained the resolving change (null for manual or engine).';
comment on column driftworld.scorecard_findings.executed_by is
    'executed_by of the action_audit_log row that explained the change (null for a manual change).';
