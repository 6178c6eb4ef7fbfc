"""Reading the world's bill as FOCUS rows, in batches from a server-side cursor."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.numeric import FloatLoader

from driftworld.model import catalogue
from driftworld.store.world_io import read_sql

FocusBatch = tuple[list[str], list[tuple[Any, ...]]]


def focus_batches(
    conn: psycopg.Connection[Any],
    first: dt.date,
    last: dt.date,
    account: uuid.UUID | None = None,
    ground_truth: bool = False,
    batch_rows: int = 5_000,
) -> Iterator[FocusBatch]:
    """Column names and up to `batch_rows` rows at a time: a named cursor keeps the result on the server, so
    a year of a large world streams in constant memory. Numbers arrive as floats (the Arrow columns' type).
    The connection must not be in autocommit mode (a named cursor lives inside a transaction)."""
    params = {
        "first": first,
        "last": last,
        "account": account,
        "ground_truth": ground_truth,
        "s3_ia_price": catalogue.S3_GB_MONTH["ia"],
        "s3_glacier_price": catalogue.S3_GB_MONTH["glacier"],
    }
    with conn.cursor(name="focus_export", row_factory=tuple_row) as cursor:
        cursor.adapters.register_loader("numeric", FloatLoader)
        cursor.itersize = batch_rows
        cursor.execute(read_sql("focus_export.sql"), params)
        names: list[str] | None = None
        while True:
            rows = cursor.fetchmany(batch_rows)
            if names is None:
                names = [column.name for column in cursor.description or []]
            if not rows:
                break
            yield names, rows
