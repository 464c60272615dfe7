"""Load benchmark: chart rows into DuckDB through the project's loader vs DuckDB's native Parquet ingest.

    .venv/bin/python -m bench.bench_load --out bench/results.json [--rows 1000000] [--budget 100]

The pipeline loads as ``dramatrack/pipeline/validate_load.py`` ``load_report`` does: one load task per source
and day, its validated batches loaded by ONE ``warehouse.loaders.load_batches`` call (one transaction). The
rows are split as the pipeline splits them: one App Store batch per (country, day) holding 4 charts x 200
ranks = 800 chart entries (top-free and top-grossing, genre 6016 and all), with an ``AppRecord`` per distinct
listing of the batch (what ``stage_batch`` produces: the loader resolves app keys through them) and 4
fetch-log rows (one per chart response). No iTunes lookups: this benchmark is about chart rows. 50 countries
x 25 days x 800 = 1M rows: 25 ``load_batches`` calls of 50 batches (40,000 rows) each, day by day, as the
daily DAG runs load them. Listings are drawn from 6,000 App Store ids (1% short drama), ranks from a hash, so
consecutive days overlap as charts do.

Timed, into a freshly migrated warehouse file (migration not timed):

- ``loader``: every ``load_batches`` call, then ``CHECKPOINT`` (building the Python records is not timed;
  one untimed warm-up day into a scratch in-memory warehouse first pays the process's one-time costs:
  pyarrow importing pandas, the loader parsing its SQL files);
- ``rerun``: the same days loaded again into the loaded warehouse (the idempotent path: every chart scope is
  replaced); the core tables (chart entries, listings, products) must be identical afterwards (a hash);
- ``native``: ``INSERT INTO core.chart_entries SELECT * FROM read_parquet(...)`` of exactly the rows the
  loader left in core.chart_entries (exported once, not timed), then ``CHECKPOINT``: same table, same
  primary key, same rows; best of ``--native-rounds`` fresh warehouses;
- ``native per day``: the same ingest with one transaction per day (``INSERT ... WHERE snapshot_date = day``,
  ``COMMIT``), as the loader commits one per load task: the floor of any loader that commits per task (a
  transaction of 40,000 rows goes through DuckDB's write-ahead log, a 1M-row INSERT writes its row groups
  straight to the file); reported beside the goal, without a goal of its own.

``--budget`` (seconds) bounds the first load: when the loader is too slow to load ``--rows`` within it, the
load stops after the day that crossed the budget; the rerun and the native ingest then use exactly the rows
loaded, and the result says so (``scaled_down``, ``rows_loaded``, ``projected_full_load_s``). The time of
every SQL statement of the first load is recorded (``sql_share_first_load``): the bench wraps the loader's
SQL runners and ``transaction`` with ``bench/bench_load_day.py``'s instrumentation (the product code is
unchanged); the rest of ``load_batches`` (shaping the records into Arrow tables, Python bookkeeping) is
``python_share_first_load``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT, goal, goals_table, machine, merge_into

GOAL_LOADER_OVER_NATIVE = 3.0
START = date(2026, 1, 5)
CHARTS = (("top-free", "6016"), ("top-grossing", "6016"), ("top-free", "all"), ("top-grossing", "all"))
RANKS = 200
N_APPS = 6000
N_COUNTRIES = 50
ROWS_PER_BATCH = len(CHARTS) * RANKS


def countries(n: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[i // 26] + letters[i % 26] for i in range(n)]


def _h(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=4).digest(), "little")


def make_batch(day: date, country: str, ci: int) -> dict[str, Any]:
    """One App Store (country, day) batch: 4 charts x 200 ranks, its listings' AppRecords, its fetch log."""
    from transforms.records import ChartEntry
    from warehouse.loaders import APP_STORE, AppRecord, discovered_app_key

    entries: list[ChartEntry] = []
    ids: dict[str, int] = {}
    d = (day - START).days
    for k, (chart, genre) in enumerate(CHARTS):
        base = ci * 97 + k * 1031
        for rank in range(1, RANKS + 1):
            i = (base + rank * 3 + d // 5 + _h(d, ci, k, rank) % 4) % N_APPS
            sid = str(1_500_000_000 + i)
            ids[sid] = i
            entries.append(ChartEntry(
                store=APP_STORE, country=country, chart=chart, genre=genre, feed="rss_v2", rank=rank,
                store_app_id=sid, name=f"Bench App {i}", publisher=f"Bench Studio {i % 500}",
                bundle_id=f"com.bench.app{i}", genre_name="Entertainment" if genre == "6016" else None,
                release_date="2024-03-01", price=0.0, currency="USD",
            ))
    apps = [
        AppRecord(app_key=discovered_app_key(APP_STORE, sid), name=f"Bench App {i}", publisher=f"Bench Studio {i % 500}",
                  store=APP_STORE, store_app_id=sid, bundle_id=f"com.bench.app{i}", is_short_drama=i % 100 == 0,
                  status="candidate" if i % 100 == 0 else "other",
                  classification_reason="bench: synthetic listing")
        for sid, i in ids.items()
    ]
    fetched = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
    warc = f"/bench/raw/app_store/{day.isoformat()}/{country}.warc.gz"
    fetch_log = [
        {"warc_path": warc, "warc_offset": 4096 * k, "url": f"https://rss.example/{country}/{chart}/{genre}.json",
         "method": "GET", "status": 200, "host": "rss.example", "fetched_at": fetched, "content_type": "application/json",
         "body_bytes": 60_000, "body_sha1": f"{_h(warc, k):040x}"[-40:], "request_body_sha1": "",
         "warc_length": 4000, "tags": {"kind": "chart", "country": country, "chart": chart, "genre": genre}}
        for k, (chart, genre) in enumerate(CHARTS)
    ]
    return {"batch_id": f"app_store-{day.isoformat()}-{country}", "day": day, "country": country,
            "chart_entries": entries, "apps": apps, "fetch_log_rows": fetch_log}


def batch_plan(rows: int) -> list[tuple[date, str, int]]:
    """(day, country, country index) of every batch, day by day, for ``rows`` chart rows."""
    n = -(-rows // ROWS_PER_BATCH)
    cs = countries(N_COUNTRIES)
    return [(START + timedelta(days=b // N_COUNTRIES), cs[b % N_COUNTRIES], b % N_COUNTRIES) for b in range(n)]


def day_plan(rows: int) -> list[tuple[date, list[tuple[str, int]]]]:
    """The load tasks for ``rows`` chart rows: (day, [(country, country index), ...]) in day order."""
    days: dict[date, list[tuple[str, int]]] = defaultdict(list)
    for day, country, ci in batch_plan(rows):
        days[day].append((country, ci))
    return sorted(days.items())


def make_batches(day: date, day_countries: list[tuple[str, int]]) -> list[Any]:
    from warehouse.loaders import APP_STORE, Batch

    out = []
    for country, ci in day_countries:
        b = make_batch(day, country, ci)
        out.append(Batch(batch_id=b["batch_id"], source=APP_STORE, snapshot_date=day, country=country,
                         chart_entries=b["chart_entries"], lookups=[], apps=b["apps"],
                         fetch_log_rows=b["fetch_log_rows"]))
    return out


def stage_day(staging: Path, day: date, day_countries: list[tuple[str, int]]) -> list[Path]:
    """The day's batches saved as the stage step saves them (``save_staged``: Parquet per table); their folders."""
    from dramatrack.pipeline.staged import StagedBatch
    from dramatrack.pipeline.staging_store import save_staged
    from extractors.batches import BatchManifest

    folders = []
    for b in make_batches(day, day_countries):
        manifest = BatchManifest(batch_id=b.batch_id, source=b.source, snapshot_date=day.isoformat(),
                                 country=b.country, warc_paths=(), responses=len(b.fetch_log_rows))
        rows = [{**r, "fetched_at": r["fetched_at"].isoformat()} for r in b.fetch_log_rows]
        folders.append(save_staged(StagedBatch(manifest=manifest, chart_entries=list(b.chart_entries),
                                               apps=list(b.apps), fetch_log_rows=rows), staging))
    return folders


def read_day(folders: list[Path], *, records: bool = False) -> list[Any]:
    """The staged batches read back as ``load_report`` reads them (chart entries and apps as Arrow tables;
    ``records``: every table as Python records, the loader's path before it took Arrow)."""
    from dramatrack.pipeline.staging_store import load_staged
    from dramatrack.pipeline.validate_load import LOADED_AS_ARROW
    from warehouse.loaders import Batch

    out = []
    for folder in folders:
        st = load_staged(folder, arrow=() if records else LOADED_AS_ARROW)
        out.append(Batch(batch_id=st.batch_id, source=st.manifest.source, snapshot_date=st.snapshot_date,
                         country=st.manifest.country, chart_entries=st.chart_entries, lookups=st.lookups,
                         apps=st.apps, play_details=st.play_details, fetch_log_rows=st.fetch_log_rows))
    return out


def load(conn, plan, *, budget: float | None, profile: bool = False,
         records: bool = False) -> tuple[float, list[float], float, float]:
    """Per day of ``plan`` (day, staged folders): read the staged batches back, one ``load_batches`` call
    (stopping after the budget is crossed), then CHECKPOINT; (load seconds incl. the checkpoint, load seconds
    per day, checkpoint seconds, seconds reading the staged Parquet). ``profile``: time the loader's
    statements (TIMINGS)."""
    from bench.bench_load_day import TIMINGS
    from warehouse.loaders import load_batches

    per_day: list[float] = []
    total = read = 0.0
    for _day, folders in plan:
        gc.collect()
        t0 = time.perf_counter()
        batches = read_day(folders, records=records)
        t1 = time.perf_counter()
        TIMINGS.enabled = profile
        load_batches(conn, batches)
        dt = time.perf_counter() - t1
        TIMINGS.enabled = False
        del batches
        read += t1 - t0
        per_day.append(dt)
        total += dt
        print(f"    day {len(per_day)}: {len(folders)} batches in {dt:.2f} s + {t1 - t0:.2f} s reading "
              f"(total {total:.1f} s)", flush=True)
        if budget is not None and total > budget:
            break
    t0 = time.perf_counter()
    conn.execute("CHECKPOINT")
    checkpoint = time.perf_counter() - t0
    return total + checkpoint, per_day, checkpoint, read


HASHED = ("core.chart_entries", "core.app_store_ids", "core.apps")


def core_hash(conn) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of every row, per core table the load writes."""
    return {t: conn.execute(f"SELECT count(*), coalesce(sum(CAST(hash(x) AS HUGEINT)), 0) FROM {t} AS x").fetchone()
            for t in HASHED}


def native(tmp: Path, parquet: Path, n: int, days: list[date] | None = None) -> float:
    """DuckDB's own ingest of the Parquet file into a fresh warehouse, then CHECKPOINT: all rows in one
    INSERT, or (``days``) one transaction per day, as the loader commits one per load task."""
    from warehouse.connection import connect

    path = tmp / f"native-{n}.duckdb"
    conn = connect(path)
    try:
        gc.collect()
        t0 = time.perf_counter()
        if days is None:
            conn.execute(f"INSERT INTO core.chart_entries SELECT * FROM read_parquet('{parquet}')")
        for day in days or ():
            conn.execute("BEGIN TRANSACTION")
            conn.execute(f"INSERT INTO core.chart_entries SELECT * FROM read_parquet('{parquet}') "
                         f"WHERE snapshot_date = DATE '{day.isoformat()}'")
            conn.execute("COMMIT")
        conn.execute("CHECKPOINT")
        seconds = time.perf_counter() - t0
    finally:
        conn.close()
    path.unlink()
    return seconds


def bench(rows: int, budget: float, native_rounds: int, records_path: bool = True) -> dict[str, Any]:
    from bench.bench_load_day import TIMINGS, _instrument
    from warehouse.connection import connect

    plan = day_plan(rows)
    _instrument()  # per-statement timing, off until TIMINGS.enabled
    with tempfile.TemporaryDirectory(prefix="dramatrack-bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        staged = [(day, stage_day(tmp / "staging", day, day_countries)) for day, day_countries in plan]
        print(f"  staged {sum(len(f) for _, f in staged)} batches in {time.perf_counter() - t0:.1f} s (not timed)",
              flush=True)
        # warm-up, not timed: one small day into a scratch in-memory warehouse pays the process's one-time costs
        # (pyarrow imports pandas on first use, the loader parses its SQL files once per process), as the first
        # task of a worker process does in the pipeline
        t0 = time.perf_counter()
        scratch = connect(":memory:")
        load(scratch, [(staged[0][0], staged[0][1][:2])], budget=None)
        scratch.close()
        warmup_s = time.perf_counter() - t0
        TIMINGS.reset()
        n_batches = sum(len(c) for _, c in plan)
        conn = connect(tmp / "loader.duckdb")
        print(f"  loader: {len(plan)} load_batches calls, {n_batches} batches of {ROWS_PER_BATCH} rows "
              f"(budget {budget:.0f} s) ...", flush=True)
        first_s, per_day, first_ckpt, read_s = load(conn, staged, budget=budget, profile=True)
        statements = dict(TIMINGS.seconds)
        loaded = staged[: len(per_day)]
        rows_loaded = conn.execute("SELECT count(*) FROM core.chart_entries").fetchone()[0]
        before = core_hash(conn)
        parquet = tmp / "chart_entries.parquet"
        conn.execute(f"COPY (SELECT * FROM core.chart_entries) TO '{parquet}' (FORMAT parquet)")
        print(f"  loader: {len(loaded)} days, {rows_loaded:,} rows in {first_s:.2f} s "
              f"(+ {read_s:.2f} s reading the staged Parquet)", flush=True)

        days = [day for day, _ in loaded]
        natives = [native(tmp, parquet, 0)]
        per_task = [native(tmp, parquet, 100, days)]
        print(f"  native: {natives[-1]:.3f} s; one transaction per day: {per_task[-1]:.3f} s", flush=True)
        print(f"  rerun: the same {len(loaded)} days ...", flush=True)
        rerun_s, rerun_days, _, _ = load(conn, loaded, budget=None)
        after = core_hash(conn)
        conn.close()
        identical = before == after
        print(f"  rerun: {rerun_s:.2f} s; identical: {identical}", flush=True)
        records_s = records_read_s = None
        records_identical = None
        if records_path:  # the same days through Python records (the loader's input before it took Arrow)
            rconn = connect(tmp / "records.duckdb")
            records_s, _, _, records_read_s = load(rconn, loaded, budget=None, records=True)
            records_identical = core_hash(rconn) == before
            rconn.close()
            print(f"  records path: {records_s:.2f} s + {records_read_s:.2f} s reading; identical: "
                  f"{records_identical}", flush=True)
        for n in range(1, native_rounds):
            natives.append(native(tmp, parquet, n))
            per_task.append(native(tmp, parquet, 100 + n, days))
            print(f"  native: {natives[-1]:.3f} s; one transaction per day: {per_task[-1]:.3f} s", flush=True)

    nd = len(per_day)
    scaled = nd < len(plan)
    native_best = min(natives)
    per_task_best = min(per_task)
    load_s = sum(per_day)
    sql_total = sum(statements.values())
    out: dict[str, Any] = {
        "rows_target": rows,
        "rows_loaded": rows_loaded,
        "load_batches_calls": nd,
        "batches": sum(len(c) for _, c in loaded),
        "rows_per_batch": ROWS_PER_BATCH,
        "batch_shape": "App Store, one (country, day): 4 charts x 200 ranks, AppRecords of its listings, "
                       "4 fetch-log rows, no lookups; one load_batches call per day (load_report's load task)",
        "scaled_down": scaled,
        "warmup_s": round(warmup_s, 2),
        "budget_s": budget,
        "loader_s": round(first_s, 3),
        "loader_read_staged_s": round(read_s, 3),
        "loader_with_read_over_native": round((first_s + read_s) / native_best, 2),
        "records_path_s": None if records_s is None else round(records_s, 3),
        "records_path_read_staged_s": None if records_read_s is None else round(records_read_s, 3),
        "records_path_identical": records_identical,
        "loader_checkpoint_s": round(first_ckpt, 3),
        "rerun_s": round(rerun_s, 3),
        "native_s": [round(x, 4) for x in natives],
        "native_best_s": round(native_best, 4),
        "native_per_day_s": [round(x, 4) for x in per_task],
        "native_per_day_best_s": round(per_task_best, 4),
        "native_per_day_over_native": round(per_task_best / native_best, 2),
        "loader_over_native_per_day": round(first_s / per_task_best, 2),
        "loader_s_per_day": [round(x, 3) for x in per_day],
        "rerun_s_per_day": [round(x, 3) for x in rerun_days],
        "loader_rows_per_s": round(rows_loaded / first_s),
        "native_rows_per_s": round(rows_loaded / native_best),
        "loader_over_native": round(first_s / native_best, 2),
        "rerun_over_first": round(rerun_s / first_s, 3),
        "rerun_identical": identical,
        "identical_tables": list(HASHED),
        "sql_share_first_load": {k: round(v / load_s, 3) for k, v in
                                 sorted(statements.items(), key=lambda kv: -kv[1]) if v / load_s >= 0.001},
        "python_share_first_load": round(1 - sql_total / load_s, 3),
    }
    if scaled:
        remaining = len(plan) - nd
        out["projected_full_load_s"] = round(first_s + remaining * per_day[-1], 1)
        out["projection"] = "first load of the rows loaded + the remaining days at the last day's time"
    out["goals"] = [
        goal("load: load_batches path / native read_parquet ingest", out["loader_over_native"], "<=",
             GOAL_LOADER_OVER_NATIVE, f"{rows_loaded:,} rows: {first_s:.2f} s vs {native_best:.2f} s"
             + (f"; scaled down from {rows:,} (budget)" if scaled else "")),
        goal("load: reading the staged Parquet + load_batches / native", out["loader_with_read_over_native"],
             None, None, f"{first_s + read_s:.2f} s ({read_s:.2f} s reading 2 x {out['batches']} staged files "
             f"as Arrow) vs {native_best:.2f} s"),
        *([goal("load: records path (before: Python records) / Arrow path", round((records_s + records_read_s) / (
            first_s + read_s), 3), None, None, f"{records_s + records_read_s:.2f} s vs {first_s + read_s:.2f} s, "
            f"reading included; same tables: {records_identical}")] if records_s is not None else []),
        goal("load: idempotent re-run / first load", out["rerun_over_first"], None, None,
             f"{rerun_s:.2f} s vs {first_s:.2f} s; identical tables: {identical}"),
        goal("load: native, one transaction per day / native bulk", out["native_per_day_over_native"], None,
             None, f"{per_task_best:.2f} s vs {native_best:.2f} s: the floor of any loader committing per task"),
        goal("load: load_batches path / native one transaction per day", out["loader_over_native_per_day"],
             None, None, f"{first_s:.2f} s vs {per_task_best:.2f} s: the loader's own work"),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--budget", type=float, default=45.0,
                    help="seconds for the first load; fewer rows are loaded when it is crossed")
    ap.add_argument("--native-rounds", type=int, default=3)
    ap.add_argument("--no-records", action="store_true",
                    help="skip loading the same days through Python records (the loader's input before Arrow)")
    args = ap.parse_args(argv)
    results = {**machine(), **bench(args.rows, args.budget, args.native_rounds, not args.no_records)}
    merge_into(args.out, "load", results)
    print(goals_table(f"load ({results['rows_loaded']:,} chart rows; cpu_count={results['cpu_count']})",
                      results["goals"]))
    top = list(results["sql_share_first_load"].items())[:4]
    print("  first load by SQL file: " + ", ".join(f"{k} {v:.0%}" for k, v in top)
          + f", python {results['python_share_first_load']:.0%}")
    if results["scaled_down"]:
        print(f"  scaled down: {results['rows_loaded']:,} of {results['rows_target']:,} rows within the budget; "
              f"projected full load {results['projected_full_load_s']:.0f} s")
    print(f"merged into {args.out} under 'load'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
