-- Ground truth that follows the bill: what each piece of waste cost on its latest day, kept up to date by
-- the engine for every open piece (the share of that day's cost rows a good fix saves).

alter table driftworld.waste_ledger add column if not exists current_daily_cost numeric(12,4) not null default 0;
update driftworld.waste_ledger set current_daily_cost = daily_cost where current_daily_cost = 0;

comment on column driftworld.waste_ledger.daily_cost is
    'What the waste cost on the day it appeared, in USD, read from that day''s bill.';
comment on column driftworld.waste_ledger.current_daily_cost is
    'What the waste costs on its latest day (for a resolved piece: its last open day), in USD, read from '
    'that day''s bill: all of the resource''s cost, or the part a resize or reconfiguration saves.';
