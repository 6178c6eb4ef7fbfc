"""The FOCUS 1.2 cost and usage export: the world's bill (the `daily_bill` view) as Parquet or CSV.

Rows stream from a server-side cursor into an Arrow writer a batch at a time, so an export of any size needs
the memory of one batch. The file appears under its name only once complete.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from driftworld.store.database import Database
from driftworld.store.focus_io import focus_batches

Format = Literal["parquet", "csv"]
STRING = pa.string()
DECIMAL = pa.float64()  # DOUBLE: what FOCUS tools and the validator read as Decimal
DATETIME = pa.timestamp("s", tz="UTC")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("AvailabilityZone", STRING),
    ("BilledCost", DECIMAL),
    ("BillingAccountId", STRING),
    ("BillingAccountName", STRING),
    ("BillingAccountType", STRING),
    ("BillingCurrency", STRING),
    ("BillingPeriodEnd", DATETIME),
    ("BillingPeriodStart", DATETIME),
    ("ChargeCategory", STRING),
    ("ChargeClass", STRING),
    ("ChargeDescription", STRING),
    ("ChargeFrequency", STRING),
    ("ChargePeriodEnd", DATETIME),
    ("ChargePeriodStart", DATETIME),
    ("CommitmentDiscountCategory", STRING),
    ("CommitmentDiscountId", STRING),
    ("CommitmentDiscountName", STRING),
    ("CommitmentDiscountQuantity", DECIMAL),
    ("CommitmentDiscountStatus", STRING),
    ("CommitmentDiscountType", STRING),
    ("CommitmentDiscountUnit", STRING),
    ("ConsumedQuantity", DECIMAL),
    ("ConsumedUnit", STRING),
    ("ContractedCost", DECIMAL),
    ("ContractedUnitPrice", DECIMAL),
    ("EffectiveCost", DECIMAL),
    ("InvoiceId", STRING),
    ("InvoiceIssuerName", STRING),
    ("ListCost", DECIMAL),
    ("ListUnitPrice", DECIMAL),
    ("PricingCategory", STRING),
    ("PricingCurrency", STRING),
    ("PricingCurrencyContractedUnitPrice", DECIMAL),
    ("PricingCurrencyEffectiveCost", DECIMAL),
    ("PricingCurrencyListUnitPrice", DECIMAL),
    ("PricingQuantity", DECIMAL),
    ("PricingUnit", STRING),
    ("ProviderName", STRING),
    ("PublisherName", STRING),
    ("RegionId", STRING),
    ("RegionName", STRING),
    ("ResourceId", STRING),
    ("ResourceType", STRING),
    ("ResourceName", STRING),
    ("ServiceCategory", STRING),
    ("ServiceName", STRING),
    ("ServiceSubcategory", STRING),
    ("SkuId", STRING),
    ("SkuMeter", STRING),
    ("SkuPriceDetails", STRING),
    ("SkuPriceId", STRING),
    ("SubAccountId", STRING),
    ("SubAccountName", STRING),
    ("SubAccountType", STRING),
    ("Tags", STRING),
    ("x_Env", STRING),
    ("x_UsageType", STRING),
    ("x_AwsAccountNumber", STRING),
    ("x_Waste", STRING),
)
GROUND_TRUTH_COLUMNS = frozenset({"x_Waste"})  # the engine's ground truth: for the operator's export only


@dataclass(frozen=True)
class ExportRequest:
    first: dt.date
    last: dt.date
    out: Path
    account: uuid.UUID | None = None
    format: Format = "parquet"
    ground_truth: bool = False
    batch_rows: int = 5_000  # rows held at once: about 2 MB of Python objects per thousand

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"--to {self.last} is before --from {self.first}")
        if self.format not in ("parquet", "csv"):
            raise ValueError(f"unknown format {self.format!r}: parquet or csv")


@dataclass(frozen=True)
class ExportSummary:
    rows: int
    billed_cost: float
    path: Path


def schema(ground_truth: bool) -> pa.Schema:
    return pa.schema([pa.field(n, t) for n, t in COLUMNS if ground_truth or n not in GROUND_TRUTH_COLUMNS])


def _csv_schema(arrow: pa.Schema) -> pa.Schema:
    """Date/times as ISO 8601 text ending in Z: CSV has no types, and FOCUS readers expect that spelling."""
    return pa.schema([pa.field(f.name, STRING if f.type == DATETIME else f.type) for f in arrow])


class _Writer:
    """Parquet or CSV, one Arrow record batch at a time."""

    def __init__(self, path: Path, arrow: pa.Schema, fmt: Format) -> None:
        self.fmt = fmt
        self.arrow = arrow
        self.csv_schema = _csv_schema(arrow)
        self.parquet: pq.ParquetWriter | None = None
        self.csv: pacsv.CSVWriter | None = None
        if fmt == "parquet":
            self.parquet = pq.ParquetWriter(str(path), arrow, compression="zstd")
        else:
            self.csv = pacsv.CSVWriter(str(path), self.csv_schema)

    def write(self, batch: pa.RecordBatch) -> None:
        if self.parquet is not None:
            self.parquet.write_batch(batch)
        elif self.csv is not None:
            columns = [
                pc.strftime(column, format=TIMESTAMP_FORMAT) if column.type == DATETIME else column
                for column in batch.columns
            ]
            self.csv.write_batch(pa.RecordBatch.from_arrays(columns, schema=self.csv_schema))

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
        if self.csv is not None:
            self.csv.close()


def export_focus(
    database: Database, request: ExportRequest, progress: Callable[[int], None] | None = None
) -> ExportSummary:
    """Writes the export to a temporary file beside `request.out` and renames it when complete."""
    arrow = schema(request.ground_truth)
    wanted = arrow.names
    out = request.out
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    writer = _Writer(partial, arrow, request.format)
    rows = 0
    billed = 0.0
    try:
        with database.connect() as conn:
            for names, batch in focus_batches(
                conn, request.first, request.last, request.account, request.ground_truth, request.batch_rows
            ):
                record = _record_batch(names, batch, arrow, wanted)
                writer.write(record)
                rows += record.num_rows
                billed += float(pc.sum(record.column("BilledCost")).as_py() or 0.0)
                if progress is not None:
                    progress(rows)
            conn.rollback()
        if rows == 0:
            writer.write(pa.RecordBatch.from_pylist([], schema=arrow))
        writer.close()
        partial.replace(out)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    return ExportSummary(rows=rows, billed_cost=round(billed, 2), path=out)


def _record_batch(names: list[str], rows: list[tuple[Any, ...]], arrow: pa.Schema, wanted: list[str]) -> pa.RecordBatch:
    index = {name: i for i, name in enumerate(names)}
    missing = [name for name in wanted if name not in index]
    if missing:
        raise RuntimeError(f"the FOCUS query lacks columns {missing}")
    columns = list(zip(*rows, strict=True))
    return pa.RecordBatch.from_arrays([pa.array(columns[index[f.name]], type=f.type) for f in arrow], schema=arrow)
