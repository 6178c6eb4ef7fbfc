"""Reading account states and writing a day's changes: one statement per table, for a whole batch.

Reads take every account of the batch at once (`account_id = any(...)`), sent in one pipeline;
writes append and create rows by COPY (or, for a few rows, one INSERT from JSON) and change them with
one set-based UPDATE per table and column set, every run of them between two COPYs in one pipeline.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
import weakref
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.adapt import Loader
from psycopg.rows import tuple_row
from psycopg.types.json import set_json_dumps
from psycopg.types.numeric import FloatLoader
from psycopg.types.string import TextLoader

from driftworld.model.factory import Account, Id, Profile
from driftworld.model.kinds import BY_TABLE, KINDS, RESOURCE_TABLES, ROLLED_KINDS, metrics_id
from driftworld.model.rules.seven_day import WINDOW_DAYS
from driftworld.model.shadow import json_default
from driftworld.model.state import AccountState, DayChanges, Row

Conn = psycopg.Connection[dict[str, Any]]
SQL_DIR = Path(__file__).parent / "sql"
LOADED_TABLES = (*RESOURCE_TABLES, "commitments")
ROLLED_COLUMNS = {column: spec for kind in KINDS for column, spec in kind.rolled.items()}  # same name, same rule
HISTORY_TABLES = (
    "metrics_daily",
    "s3_bucket_usage_daily",
    "log_group_usage_daily",
    "data_transfer_daily",
    "commitment_utilization_daily",
)


@functools.cache
def read_sql(name: str) -> str:
    """A statement of the package's `sql/` directory, read once per process."""
    return (SQL_DIR / name).read_text()


class OrjsonLoader(Loader):
    """JSON parsed by orjson straight from psycopg's buffer: the generic loader wraps each value in a
    Python call and a bytes copy, which costs as much as the parse itself on this hot path."""

    load = staticmethod(orjson.loads)  # type: ignore[assignment]  # takes every buffer the base takes, and str


_adapted: weakref.WeakSet[Conn] = weakref.WeakSet()


def adapt_connection(conn: Conn) -> None:
    """Numbers arrive as floats (the model computes in floats and compares with what it wrote), ids as
    text (model/factory.py, `Id`), and JSON goes through orjson, several times faster than the
    standard library. Once per connection: a kept connection (`Database.session`) is adapted already,
    and psycopg makes new dumper classes at every `set_json_dumps`."""
    if conn in _adapted:
        return
    conn.adapters.register_loader("numeric", FloatLoader)
    conn.adapters.register_loader("uuid", TextLoader)
    conn.adapters.register_loader("json", OrjsonLoader)
    conn.adapters.register_loader("jsonb", OrjsonLoader)
    set_json_dumps(_dumps, conn)
    _adapted.add(conn)


def _group(rows: list[Any], key: str | int = "account_id") -> dict[Id, list[Any]]:
    """Rows by account id."""
    grouped: dict[Id, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


Query = str | sql.SQL | sql.Composed


def fetch_all(
    conn: Conn, queries: Sequence[tuple[Query, Sequence[Any]]], tuples: Collection[int] = ()
) -> list[list[Any]]:
    """Independent reads sent in one pipeline (one network flight, not a round trip each). Rows are
    fetched as tuples and made dicts by map/zip, all in C (a row factory costs a Python call per row);
    the results at the positions in `tuples` stay tuples, for reads with a row per resource."""
    with conn.pipeline():
        cursors = [conn.cursor(row_factory=tuple_row).execute(query, params) for query, params in queries]
    results: list[list[Any]] = []
    for i, cursor in enumerate(cursors):
        rows = cursor.fetchall()
        names = _column_names(cursor)
        results.append(rows if i in tuples else list(map(dict, map(zip, repeat(names), rows))))
    return results


def _column_names(cursor: psycopg.Cursor[Any]) -> list[str]:
    """The result's column names, straight from libpq: `cursor.description` builds a Column object per
    column, a fixed cost paid by every read of every batch."""
    result = cursor.pgresult
    if result is None:
        return []
    return [(result.fname(i) or b"").decode() for i in range(result.nfields)]


PROFILE_COLUMNS = "account_id, resource_table, resource_id, profile, params, walk_value, walk_anchor, born_on, recent"


def load_states(conn: Conn, days: dict[Id, tuple[Account, dt.date]]) -> list[AccountState]:
    """Every account's world, profiles and yesterday's storage, with one read per table."""
    ids = list(days)
    pairs = (ids, [days[a][1] for a in ids])
    *table_rows, profile_rows, s3_rows, log_rows, schedule_rows = fetch_all(
        conn,
        [
            *(_live_rows(table, ids) for table in LOADED_TABLES),
            (f"select {PROFILE_COLUMNS} from driftworld.workload_profiles where account_id = any(%s)", (ids,)),
            (read_sql("s3_previous.sql"), pairs),
            (read_sql("log_previous.sql"), pairs),
            (
                "select account_id, resource_id, value from resource_tags "
                "where account_id = any(%s) and resource_type = 'instance' and key = 'schedule'",
                (ids,),
            ),
        ],
        tuples={len(LOADED_TABLES)},
    )
    by_table = dict(zip(LOADED_TABLES, map(_group, table_rows), strict=True))
    profiles, s3, logs, schedules = _group(profile_rows, 0), _group(s3_rows), _group(log_rows), _group(schedule_rows)
    states = []
    for account_id in ids:
        account, day = days[account_id]
        states.append(
            AccountState(
                account=account,
                day=day,
                rows={table: by_table[table].get(account_id, []) for table in LOADED_TABLES},
                profiles={(p[1], p[2]): Profile(*p[1:]) for p in profiles.get(account_id, [])},
                s3_previous={r["bucket_id"]: (r["standard"], r["ia"], r["glacier"]) for r in s3.get(account_id, [])},
                log_previous={r["log_group_id"]: (r["stored_gb"], r["window_gb"]) for r in logs.get(account_id, [])},
                schedule_tags={r["resource_id"]: r["value"] for r in schedules.get(account_id, [])},
            )
        )
    _attach_history_windows(conn, states)
    return states


def _live_rows(table: str, ids: list[Id]) -> tuple[str, tuple[list[Id], ...]]:
    """A table's rows for the batch; retired rows (terminated, deleted) only until the engine has seen
    them so, found from the shadows' side so that years of retired rows are never read again."""
    params = (ids, ids) if _retired_state(table) else (ids,)
    return _live_query(table), params


def _retired_state(table: str) -> str | None:
    kind = BY_TABLE.get(table)  # commitments are loaded too
    return kind.retired if kind is not None else None


@functools.cache
def _live_query(table: str) -> str:
    """Rendered once per table: psycopg caches the parsing of a query given as text, never of a Composed."""
    live = sql.SQL("select * from {t} where account_id = any(%s)").format(t=sql.Identifier(table))
    retired = _retired_state(table)
    if retired is None:
        return (live + sql.SQL(" order by id")).as_string()
    return (
        sql.SQL(
            "{live} and state <> {r} union all "
            "select t.* from driftworld.shadow_state s cross join lateral "
            # offset 0: by primary key, shadow by shadow
            "(select * from {t} where id = s.resource_id and state = {r} offset 0) as t "
            "where s.account_id = any(%s) and s.resource_table = {n} and s.fields->>'state' is distinct from {r} "
            "order by id"
        )
        .format(live=live, r=sql.Literal(retired), n=sql.Literal(table), t=sql.Identifier(table))
        .as_string()
    )


def _attach_history_windows(conn: Conn, states: list[AccountState]) -> None:
    """7-day windows read back from metrics_daily, for the resources whose profile keeps none (a world
    seeded by another tool, a profile from before windows were kept); most days there are none."""
    wanted = [
        (state, kind.table, metrics_id(kind, row))
        for state in states
        for kind in ROLLED_KINDS
        for row in state.table(kind.table)
        if (profile := state.profiles.get((kind.table, row["id"]))) is None or profile.recent is None
    ]
    if not wanted:
        return
    accounts = {state.account.id: state for state, _, _ in wanted}
    values = sql.SQL(", ").join(
        sql.SQL(" + ").join(sql.SQL("(m.metric_payload->>{})::float8").format(sql.Literal(k)) for k in spec.keys)
        + sql.SQL(" as {}").format(sql.Identifier(column))
        for column, spec in ROLLED_COLUMNS.items()
    )
    rows = conn.execute(
        sql.SQL(read_sql("recent_metrics.sql")).format(values=values),
        (
            list(accounts),
            [state.day for state in accounts.values()],
            sorted({table for _, table, _ in wanted}),
            sorted({resource_id for _, _, resource_id in wanted}),
        ),
    ).fetchall()
    days: dict[tuple[Id, str, str], dict[dt.date, Row]] = defaultdict(dict)
    for row in rows:
        days[(row["account_id"], row["resource_type"], row["resource_id"])][row["date"]] = row
    for state, table, resource_id in wanted:
        found = days.get((state.account.id, table, resource_id), {})
        before = [found.get(state.day - dt.timedelta(days=n)) for n in range(WINDOW_DAYS, 0, -1)]
        state.recent[(table, resource_id)] = {
            "through": (state.day - dt.timedelta(days=1)).isoformat(),
            **{column: [day and day[column] for day in before] for column in BY_TABLE[table].rolled},
        }


# -- writing ---------------------------------------------------------------------------------------


def _as_copy_text(values: list[Any]) -> list[Any]:
    """One column's values in the form COPY formats fastest (psycopg's C dumpers): JSON, and any
    uuid.UUID a caller passes, as text; a run of the same UUID object is converted once. The column's
    types are looked at once (in C), so a column of plain values is passed on as it is."""
    types = set(map(type, values))
    if any(issubclass(t, dict | list) for t in types):
        return [_dumps(v).decode() if isinstance(v, dict | list) else v for v in values]
    if any(issubclass(t, uuid.UUID) for t in types):
        converted, last, text = [], None, None
        for value in values:
            if value is not last:
                last, text = value, None if value is None else str(value)
            converted.append(text)
        return converted
    return values


def copy_rows(conn: Conn, table: str, rows: Sequence[Row], schema: str = "public") -> None:
    if not rows:
        return
    columns = _keys(rows)
    values = [_as_copy_text([row.get(column) for row in rows]) for column in columns]
    with conn.cursor().copy(_copy_statement(schema, table, columns)) as copy:
        for row_values in zip(*values, strict=True):
            copy.write_row(row_values)


# Up to this many rows an append goes as one INSERT from JSON, which joins the batch's pipeline; a COPY
# waits for the server twice on its own, which costs more than the server's JSON parse of a few rows.
COPY_ABOVE = 100

Statement = tuple[Query, Sequence[Any]]


@dataclass(frozen=True)
class _Copy:
    schema: str
    table: str
    rows: Sequence[Row]


class Writes:
    """A batch's writes, run in the order they were added with as few round trips as the protocol allows:
    every run of statements between two COPYs goes to the server as one pipeline."""

    def __init__(self) -> None:
        self._steps: list[Statement | _Copy] = []

    def execute(self, query: Query, params: Sequence[Any]) -> None:
        self._steps.append((query, params))

    def append(self, table: str, rows: Sequence[Row], schema: str = "public") -> None:
        """New rows: COPY for many, else an INSERT of exactly the same values (tests/test_store.py)."""
        if len(rows) > COPY_ABOVE:
            self._steps.append(_Copy(schema, table, rows))
        elif rows:
            self.execute(_insert_statement(schema, table, _keys(rows)), (to_json(rows),))

    def send(self, conn: Conn) -> None:
        run: list[Statement] = []
        for step in [*self._steps, None]:
            if isinstance(step, tuple):
                run.append(step)
                continue
            if run:
                with conn.pipeline():
                    for query, params in run:
                        conn.execute(query, params)
                run = []
            if step is not None:
                copy_rows(conn, step.table, step.rows, step.schema)
        self._steps = []


def _keys(rows: Sequence[Row]) -> tuple[str, ...]:
    """Every key of the rows, in first-seen order: the columns a COPY or an INSERT names (others take defaults)."""
    return tuple(dict.fromkeys(key for row in rows for key in row))


def _columns(names: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, names))


@functools.cache
def _copy_statement(schema: str, table: str, columns: tuple[str, ...]) -> str:
    target = sql.Identifier(schema, table)
    return sql.SQL("copy {} ({}) from stdin").format(target, _columns(columns)).as_string()


@functools.cache
def _insert_statement(schema: str, table: str, columns: tuple[str, ...]) -> str:
    """Only the given columns, so that the others take their defaults, as with COPY."""
    target = sql.Identifier(schema, table)
    return (
        sql.SQL("insert into {t} ({c}) select {c} from json_populate_recordset(null::{t}, %s::json)")
        .format(t=target, c=_columns(columns))
        .as_string()
    )


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=json_default)


def to_json(value: Any) -> str:
    return _dumps(value).decode()


def update_rows(writes: Writes, table: str, changes: dict[Id, dict[str, Any]]) -> None:
    """One UPDATE per distinct set of changed columns, fed from a JSON recordset of the table's own row type."""
    by_columns: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for row_id, values in changes.items():
        if values:
            by_columns[tuple(sorted(values))].append({"id": row_id, **values})
    for columns, rows in by_columns.items():
        writes.execute(_update_statement(table, columns), (to_json(rows),))


@functools.cache
def _update_statement(table: str, columns: tuple[str, ...]) -> str:
    sets = sql.SQL(", ").join(sql.SQL("{c} = v.{c}").format(c=sql.Identifier(c)) for c in columns)
    return (
        sql.SQL("update {t} as t set {sets} from jsonb_populate_recordset(null::{t}, %s::jsonb) as v where t.id = v.id")
        .format(t=sql.Identifier(table), sets=sets)
        .as_string()
    )


def upsert_profiles(writes: Writes, account_of: dict[Id, Id], profiles: Iterable[Profile]) -> None:
    rows = [
        {
            "resource_table": p.resource_table,
            "resource_id": p.resource_id,
            "account_id": account_of[p.resource_id],
            "profile": p.profile,
            "params": p.params,
            "walk_value": p.walk_value,
            "walk_anchor": p.walk_anchor,
            "born_on": p.born_on,
            "recent": p.recent,
        }
        for p in profiles
    ]
    if rows:
        writes.execute(read_sql("upsert_profiles.sql"), (to_json(rows),))


def update_profile_rolls(writes: Writes, profiles: Iterable[Profile]) -> None:
    """The daily case: only the walk value and the 7-day window, far less to send and parse than a full row."""
    rows = [[p.resource_table, p.resource_id, p.walk_value, p.recent] for p in profiles]
    if rows:
        writes.execute(read_sql("update_profile_rolls.sql"), (to_json(rows),))


def write_changes(writes: Writes, batch: list[DayChanges]) -> None:
    """Write a batch of account-days (several days of an account at once, too): creations, deletions,
    updates, history, events, profiles. A row created and deleted within the batch is never written;
    a created row already carries its final values (the engine changes it in place)."""
    deletes: dict[str, list[Id]] = defaultdict(list)
    for changes in batch:
        for table, ids in changes.deletes.items():
            deletes[table].extend(ids)
    born = {row["id"] for changes in batch for rows in changes.created.rows.values() for row in rows}
    gone = {i for ids in deletes.values() for i in ids}
    transient = gone & born
    created: dict[str, list[Row]] = defaultdict(list)
    for changes in batch:
        for table, rows in changes.created.rows.items():
            created[table].extend(row for row in rows if row["id"] not in transient)
    for table in (t for t in ("autoscaling_groups", "container_clusters") if t in created):
        writes.append(table, created.pop(table))  # parents before the rows that point at them
    for table, rows in created.items():
        writes.append(table, rows)
    updates: dict[str, dict[Id, dict[str, Any]]] = defaultdict(dict)
    for changes in batch:
        for table, changed in changes.updates.items():
            for row_id, values in changed.items():
                if row_id not in born:
                    updates[table].setdefault(row_id, {}).update(values)
    for table, all_ids in deletes.items():
        ids = [i for i in all_ids if i not in transient]
        if not ids:
            continue
        writes.execute(sql.SQL("delete from {} where id = any(%s)").format(sql.Identifier(table)), (ids,))
        writes.execute(  # a deleted row's hidden profile goes with it (rotated snapshots would pile up)
            "delete from driftworld.workload_profiles where resource_table = %s and resource_id = any(%s)",
            (table, ids),
        )
    for table, table_updates in updates.items():
        update_rows(writes, table, table_updates)
    for table in HISTORY_TABLES:
        writes.append(table, [row for changes in batch for row in changes.history.get(table, [])])
    writes.append("resource_change_events", [e for changes in batch for e in changes.events])
    account_of = {}
    profiles: dict[tuple[str, Id], Profile] = {}  # a profile created and changed the same day: once
    rolls: dict[tuple[str, Id], Profile] = {}
    for changes in batch:
        for profile in [*changes.created.profiles, *changes.profile_updates.values()]:
            if gone and profile.resource_id in gone:
                continue
            account_of[profile.resource_id] = changes.account.id
            profiles[(profile.resource_table, profile.resource_id)] = profile
        rolls.update(changes.profile_rolls)
    upsert_profiles(writes, account_of, profiles.values())
    update_profile_rolls(  # the upsert already wrote a profile it holds, with its final walk and window
        writes, (p for key, p in rolls.items() if key not in profiles and not (gone and key[1] in gone))
    )
    waste = [
        {
            "id": w_id,
            "account_id": c.account.id,
            "scenario": w.scenario,
            "resource_table": w.resource_table,
            "resource_id": w.resource_id,
            "related": list(w.related),
            "injected_on": c.day,
            "expected_fix": w.expected_fix,
            "daily_cost": w.daily_cost,
        }
        for c in batch
        for w_id, w in c.waste_rows
    ]
    writes.append("waste_ledger", waste, schema="driftworld")
    decoys = [
        {
            "account_id": c.account.id,
            "resource_type": d.resource_table,
            "resource_id": d.resource_id,
            "kind": d.kind,
            "signal": d.signal,
            "since": c.day,
        }
        for c in batch
        for d in c.created.decoys
    ]
    writes.append("decoys", decoys, schema="driftworld")
