"""The staging area between tasks: one Parquet file per table per batch, under ``data/staging``.

Tasks may run in different processes (or on different Celery workers), so staged records travel as
files, not XComs. The validation report beside them says which batches passed and why others failed.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import fields
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dramatrack.pipeline.stage_news import NewsArticleRow, NewsMentionRow, NewsMetricRow
from dramatrack.pipeline.staged import StagedBatch
from extractors.batches import BatchManifest
from transforms.records import AppLookup, AppRecord, ChartEntry, PlayAppDetails, to_dict

_TABLES = {"chart_entries": ChartEntry, "lookups": AppLookup, "play_details": PlayAppDetails, "apps": AppRecord,
           "articles": NewsArticleRow, "mentions": NewsMentionRow, "metrics": NewsMetricRow}


class StagingError(ValueError):
    """A batch's records do not fit the staging schema; the message names the table, field and value."""


_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_(),
                "tuple[str, ...]": pa.list_(pa.string()), "tuple[int, int, int, int, int]": pa.list_(pa.int64())}


@cache
def staging_schema(record_type: type) -> pa.Schema:
    """The Arrow schema of a record type, from its field annotations (int → int64: bounded, never inferred)."""
    out = []
    for f in fields(record_type):
        base = str(f.type).removesuffix(" | None")
        out.append(pa.field(f.name, _ARROW_TYPES[base]))
    return pa.schema(out)


def _records_table(name: str, rows: list[dict], schema: pa.Schema) -> pa.Table:
    """``rows`` as a table of ``schema``; a value that does not fit raises StagingError naming it."""
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (OverflowError, pa.ArrowException, TypeError, ValueError) as exc:
        for column in schema:
            for row in rows:
                try:
                    pa.array([row.get(column.name)], column.type)
                except (OverflowError, pa.ArrowException, TypeError, ValueError):
                    value = str(row.get(column.name))[:60]
                    raise StagingError(f"{name}.{column.name} = {value} does not fit {column.type} "
                                       f"({type(exc).__name__})") from None
        raise StagingError(f"{name}: {type(exc).__name__}: {str(exc)[:200]}") from None


def batch_folder(staging_dir: Path, manifest: BatchManifest) -> Path:
    safe = manifest.batch_id.replace(":", "_")
    return staging_dir / manifest.source / manifest.snapshot_date / safe


def save_staged(staged: StagedBatch, staging_dir: Path) -> Path:
    """Write a staged batch; return its folder.

    Every table is checked against its schema before anything is written: a value that does not fit raises
    StagingError naming the table, field and value (the caller quarantines the batch, the others go on).
    """
    folder = batch_folder(staging_dir, staged.manifest)
    tables = {name: _records_table(name, [to_dict(r) for r in getattr(staged, name)], staging_schema(record_type))
              for name, record_type in _TABLES.items()}
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        path = folder / f"{name}.parquet"
        if table.num_rows:
            pq.write_table(table, path)
        else:  # batch.json's row counts say it is empty (a store batch has no news rows, and the reverse)
            path.unlink(missing_ok=True)
    with open(folder / "fetch_log.jsonl", "w", encoding="utf-8") as fh:
        for row in staged.fetch_log_rows:
            fh.write(json.dumps(row, sort_keys=True) + "\n")
    (folder / "batch.json").write_text(json.dumps({"manifest": staged.manifest.to_json(),
                                                   "problems": staged.problems,
                                                   "item_problems": staged.item_problems,
                                                   "rows": {name: t.num_rows for name, t in tables.items()}},
                                                  indent=1), encoding="utf-8")
    return folder


def load_staged(folder: Path, *, arrow: Collection[str] = ()) -> StagedBatch:
    """Read a staged batch back into typed records; the tables named in ``arrow`` (say ``chart_entries``,
    ``apps``) stay Arrow tables, as staged, for a reader that needs no records of them (the loader)."""
    meta = json.loads((folder / "batch.json").read_text(encoding="utf-8"))
    staged = StagedBatch(manifest=BatchManifest.from_json(meta["manifest"]), problems=list(meta["problems"]),
                         item_problems=dict(meta.get("item_problems", {})))
    counts = meta.get("rows", {})  # rows per table (staged before it was recorded: every file is read)
    for name, record_type in _TABLES.items():
        path = folder / f"{name}.parquet"
        if counts.get(name) == 0 or not path.exists():  # empty (not written), or staged before the type existed
            if name in arrow:
                setattr(staged, name, staging_schema(record_type).empty_table())
            continue
        table = pq.ParquetFile(path).read()
        if name in arrow:
            setattr(staged, name, table)
            continue
        records = []
        for row in table.to_pylist():
            if record_type is AppLookup:
                row["genre_ids"] = tuple(row.get("genre_ids") or ())
            elif record_type is PlayAppDetails and row.get("histogram") is not None:
                row["histogram"] = tuple(row["histogram"])
            records.append(record_type(**row))
        setattr(staged, name, records)
    with open(folder / "fetch_log.jsonl", encoding="utf-8") as fh:
        staged.fetch_log_rows = [json.loads(line) for line in fh if line.strip()]
    return staged
