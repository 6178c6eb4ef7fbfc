"""The store's bulk writes on a real database: what COPY, or an INSERT from JSON for a few rows, writes
is exactly what the engine held."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from typing import Any

import numpy as np
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftworld.store.database import KEPT_CONNECTIONS, Database
from driftworld.store.world_io import COPY_ABOVE, Writes, adapt_connection, copy_rows

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"))  # what PostgreSQL text holds
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.uuids().map(str),  # ids as the engine holds them: text
            "account_id": st.sampled_from([uuid.UUID(int=1), uuid.UUID(int=2)]),  # a caller's UUID, object after object
            "name": TEXT,
            "payload": st.dictionaries(TEXT, JSON, max_size=4),
            "day": st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
            "cost": st.floats(-1e9, 1e9, allow_nan=False).map(lambda f: round(f, 4)),
            "note": st.none() | TEXT,
            "seen_at": st.none()
            | st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)),
            "active": st.none() | st.booleans(),
            "count": st.none() | st.integers(-(2**62), 2**62),
            "ratio": st.floats(allow_nan=False, allow_infinity=False).map(np.float64),  # numpy's, as rules make
            "mixed": st.none() | st.integers(-1000, 1000) | st.floats(-1e6, 1e6).map(lambda f: round(f, 2)),
        }
    ),
    min_size=1,
    max_size=20,
)


COLUMNS = (
    "id uuid primary key, account_id uuid, name text, payload jsonb, day date, cost numeric, note text, "
    "seen_at timestamptz, active boolean, count bigint, ratio float8, mixed numeric"
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(written=ROWS)
def test_copy_rows_and_small_appends_write_exactly_what_they_are_given(
    migrated_db: Database, written: list[dict[str, Any]]
) -> None:
    """Every type the engine writes goes to COPY as text, or as JSON into an INSERT: tabs, backslashes,
    quotes and unicode, timestamps, booleans, big integers and floats (numpy's too) must arrive
    unchanged, and both ways must store the same bytes (a world must not depend on a batch's size)."""
    written = list({row["id"]: row for row in written}.values())
    assert len(written) <= COPY_ABOVE  # so that Writes.append takes the INSERT
    with migrated_db.connect() as conn:
        adapt_connection(conn)
        for table in ("copied", "inserted"):
            conn.execute(f"create temporary table {table} ({COLUMNS}) on commit drop")
        copy_rows(conn, "copied", written, schema="pg_temp")
        appends = Writes()
        appends.append("inserted", written, schema="pg_temp")
        appends.send(conn)
        read = {r["id"]: r for r in conn.execute("select * from copied").fetchall()}
        as_text = "select t::text as row from {} as t order by id"
        copied, inserted = (conn.execute(as_text.format(t)).fetchall() for t in ("copied", "inserted"))
    assert read == {row["id"]: {**row, "account_id": str(row["account_id"])} for row in written}  # uuid read as text
    assert inserted == copied


def test_writes_run_in_the_order_given_around_copies(migrated_db: Database) -> None:
    """A COPY ends a pipeline and the next statements start another: a row appended by COPY is there for
    the statements after it, and a statement's row is there for the COPY after it."""
    many = [{"n": n} for n in range(COPY_ABOVE + 1)]
    with migrated_db.connect() as conn:
        conn.execute("create temporary table steps (n int primary key, seen bigint) on commit drop")
        writes = Writes()
        writes.execute("insert into steps values (-1, null)", ())
        writes.append("steps", many, schema="pg_temp")  # a COPY
        writes.execute("update steps set seen = (select count(*) from steps) where n = -1", ())
        writes.append("steps", [{"n": -2}], schema="pg_temp")  # an INSERT
        writes.send(conn)
        rows = conn.execute("select n, seen from steps where n < 0 order by n").fetchall()
    assert rows == [{"n": -2, "seen": None}, {"n": -1, "seen": COPY_ABOVE + 2}]


def _backend(conn: psycopg.Connection[dict[str, object]]) -> int:
    row = conn.execute("select pg_backend_pid() as pid").fetchone()
    assert row is not None
    return int(str(row["pid"]))


def test_a_session_keeps_its_connection_for_the_next_call(migrated_db: Database) -> None:
    with migrated_db.session() as conn:
        first = _backend(conn)
    with migrated_db.session() as conn:
        assert _backend(conn) == first


def test_a_kept_connection_the_server_ended_is_replaced(migrated_db: Database) -> None:
    with migrated_db.session() as conn:
        first = _backend(conn)
    with migrated_db.connect(autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(%s)", (first,))
    with migrated_db.session() as conn:
        assert _backend(conn) != first
        assert conn.execute("select 1 as one").fetchone() == {"one": 1}


def test_a_connection_left_in_a_transaction_or_failed_is_not_kept(migrated_db: Database) -> None:
    with migrated_db.session() as conn:
        first = _backend(conn)
        conn.execute("begin")
    with migrated_db.session() as conn:
        second = _backend(conn)
    assert second != first
    with pytest.raises(RuntimeError), migrated_db.session() as conn:
        raise RuntimeError("a caller's error")
    with migrated_db.session() as conn:
        assert _backend(conn) != second


def test_a_process_keeps_only_a_few_connections(migrated_db: Database) -> None:
    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(migrated_db.session()) for _ in range(KEPT_CONNECTIONS + 2)]
        backends = [_backend(conn) for conn in opened]
    assert sum(conn.closed for conn in opened) == 2
    with migrated_db.connect(autocommit=True) as admin:
        alive = admin.execute("select pid from pg_stat_activity where pid = any(%s)", (backends,)).fetchall()
    assert len(alive) == KEPT_CONNECTIONS
