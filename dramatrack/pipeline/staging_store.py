"""The staging area between tasks: one Parquet file per table per batch, under ``data/staging``.

Tasks may run in different processes (or on different Celery workers), so staged records travel as
files, not XComs. The validation report beside them says which batches passed and why others failed.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dramatrack.pipeline.stage import StagedBatch
from dramatrack.pipeline.stage_news import NewsArticleRow, NewsMentionRow, NewsMetricRow
from extractors.batches import BatchManifest
from transforms.records import AppLookup, ChartEntry, PlayAppDetails, to_dict
from warehouse.loaders import AppRecord

_TABLES = {"chart_entries": ChartEntry, "lookups": AppLookup, "play_details": PlayAppDetails, "apps": AppRecord,
           "articles": NewsArticleRow, "mentions": NewsMentionRow, "metrics": NewsMetricRow}


def batch_folder(staging_dir: Path, manifest: BatchManifest) -> Path:
    safe = manifest.batch_id.replace(":", "_")
    return staging_dir / manifest.source / manifest.snapshot_date / safe


def save_staged(staged: StagedBatch, staging_dir: Path) -> Path:
    """Write a staged batch; return its folder."""
    folder = batch_folder(staging_dir, staged.manifest)
    folder.mkdir(parents=True, exist_ok=True)
    for name, record_type in _TABLES.items():
        rows = [to_dict(r) for r in getattr(staged, name)]
        columns = [f.name for f in fields(record_type)]
        table = pa.Table.from_pylist(rows) if rows else pa.table({c: pa.array([], pa.null()) for c in columns})
        pq.write_table(table, folder / f"{name}.parquet")
    with open(folder / "fetch_log.jsonl", "w", encoding="utf-8") as fh:
        for row in staged.fetch_log_rows:
            fh.write(json.dumps(row, sort_keys=True) + "\n")
    (folder / "batch.json").write_text(json.dumps({"manifest": staged.manifest.to_json(),
                                                   "problems": staged.problems,
                                                   "item_problems": staged.item_problems}, indent=1), encoding="utf-8")
    return folder


def load_staged(folder: Path) -> StagedBatch:
    """Read a staged batch back into typed records."""
    meta = json.loads((folder / "batch.json").read_text(encoding="utf-8"))
    staged = StagedBatch(manifest=BatchManifest.from_json(meta["manifest"]), problems=list(meta["problems"]),
                         item_problems=dict(meta.get("item_problems", {})))
    for name, record_type in _TABLES.items():
        path = folder / f"{name}.parquet"
        if not path.exists():  # staged before this record type existed
            continue
        rows = pq.read_table(path).to_pylist()
        records = []
        for row in rows:
            if record_type is AppLookup:
                row["genre_ids"] = tuple(row.get("genre_ids") or ())
            elif record_type is PlayAppDetails and row.get("histogram") is not None:
                row["histogram"] = tuple(row["histogram"])
            records.append(record_type(**row))
        setattr(staged, name, records)
    with open(folder / "fetch_log.jsonl", encoding="utf-8") as fh:
        staged.fetch_log_rows = [json.loads(line) for line in fh if line.strip()]
    return staged
