"""Ground truth that follows the bill: after a batch of account-days is written, one statement prices
every open piece of waste of its accounts from the cost rows of the account's last day, and every piece
that appeared in the batch from its first day's (sql/waste_costs.sql)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import asdict

from psycopg import sql

from driftworld.model.catalogue import DAYS_PER_MONTH, HOURS_PER_DAY, LAMBDA_GB_SECOND
from driftworld.model.factory import Id
from driftworld.model.kinds import KINDS
from driftworld.model.scenarios import REGISTRY
from driftworld.model.state import DayChanges
from driftworld.store.world_io import Writes, read_sql, to_json


@functools.cache
def _statement() -> sql.Composed:
    """The pricing statement with each costed kind's provider id (metrics_daily.resource_id) spelled out."""
    provider_ids = sql.SQL(" union all ").join(
        sql.SQL(
            "select {name} as resource_table, x.id as resource_id, x.{column}::text as metrics_id "
            "from pieces p join public.{table} x on x.id = p.resource_id where p.resource_table = {name}"
        ).format(
            name=sql.Literal(kind.table),
            table=sql.Identifier(kind.table),
            column=sql.Identifier(kind.metrics_id or "id"),
        )
        for kind in KINDS
        if kind.has_metrics
    )
    return sql.SQL(read_sql("waste_costs.sql")).format(provider_ids=provider_ids)


@functools.cache
def _rules() -> str:
    return to_json([{"scenario": s.name, **asdict(s.bill)} for s in REGISTRY.values()])


def price_waste(writes: Writes, batch: list[DayChanges]) -> None:
    """Queue the batch's ledger pricing, to run after its cost rows and resolutions are written."""
    spans: dict[Id, tuple[dt.date, dt.date]] = {}
    for changes in batch:
        first, last = spans.get(changes.account.id, (changes.day, changes.day))
        spans[changes.account.id] = (min(first, changes.day), max(last, changes.day))
    if spans:
        days = [{"account_id": a, "first_day": first, "last_day": last} for a, (first, last) in spans.items()]
        accounts = list(spans)
        writes.execute(
            _statement(),
            (to_json(days), _rules(), accounts, accounts, DAYS_PER_MONTH, LAMBDA_GB_SECOND, HOURS_PER_DAY, accounts),
        )
