"""Load benchmark: chart rows into DuckDB through the project's loader vs DuckDB's native Parquet ingest.

    .venv/bin/python -m bench.bench_load --out bench/results.json [--rows 1000000] [--budget 100]

The pipeline loads through ``warehouse.loaders.load_batch``, one call (one transaction) per validated batch.
The rows are split as the pipeline splits them: one App Store batch per (country, day) holding 4 charts x
200 ranks = 800 chart entries (top-free and top-grossing, genre 6016 and all), with an ``AppRecord`` per
distinct listing of the batch (what ``stage_batch`` produces: the loader resolves app keys through them) and
4 fetch-log rows (one per chart response). No iTunes lookups: this benchmark is about chart rows. 50
countries x 25 days x 800 = 1M rows; batches go day by day, as the daily DAG runs load them. Listings are
drawn from 6,000 App Store ids (1% short drama), ranks from a hash, so consecutive days overlap as charts do.

Timed, into a freshly migrated warehouse file (migration not timed):

- ``loader``: every ``load_batch`` call, then ``CHECKPOINT`` (building the Python records is not timed;
  one untimed warm-up batch into a scratch in-memory warehouse first pays the process's one-time costs:
  pyarrow importing pandas, the loader parsing its SQL files);
- ``rerun``: the same batches loaded again into the loaded warehouse (the idempotent path: every chart
  scope is replaced); core.chart_entries must be identical afterwards (checked by a hash);
- ``native``: ``INSERT INTO core.chart_entries SELECT * FROM read_parquet(...)`` of exactly the rows the
  loader left in core.chart_entries (exported once, not timed), then ``CHECKPOINT``: same table, same
  primary key, same rows; best of ``--native-rounds`` fresh warehouses, interleaved with the loader runs.

``--budget`` (seconds) bounds the first load: when the loader is too slow to load ``--rows`` within it, the
load stops after the batch that crossed the budget; the rerun and the native ingest then use exactly the
rows loaded, and the result says so (``scaled_down``, ``rows_loaded``) and projects the full load from the
per-batch time of the last tenth of the batches loaded. Per SQL file of the loader the share of the first
load's time is recorded (the bench wraps ``warehouse.loaders.run_sql``; the product code is unchanged).
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

GOAL_LOADER_OVER_NATIVE = 2.0
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


class SqlTimer:
    """Sum the time per SQL file of the loader (bench only): wraps whichever of warehouse.loaders' SQL
    runners exist (``run_sql``, ``_run``, ``_select``; their first two arguments are the connection and the
    file), timing the outermost call only."""

    RUNNERS = ("run_sql", "_run", "_select")

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.enabled = False
        self._depth = 0

    def install(self) -> None:
        import warehouse.loaders as loaders

        for attr in self.RUNNERS:
            inner = getattr(loaders, attr, None)
            if inner is None:
                continue

            def timed(conn, path, *args, _inner=inner, **kwargs):
                if not self.enabled or self._depth:
                    return _inner(conn, path, *args, **kwargs)
                self._depth += 1
                t0 = time.perf_counter()
                try:
                    return _inner(conn, path, *args, **kwargs)
                finally:
                    self._depth -= 1
                    self.seconds[Path(str(path)).name] += time.perf_counter() - t0

            setattr(loaders, attr, timed)


def load(conn, plan, *, budget: float | None, timer: SqlTimer | None = None) -> tuple[float, list[float]]:
    """load_batch every batch of ``plan`` (stopping after the budget is crossed); (seconds, per-batch)."""
    from warehouse.loaders import APP_STORE, load_batch

    per_batch: list[float] = []
    total = 0.0
    if timer:
        timer.enabled = True
    for day, country, ci in plan:
        b = make_batch(day, country, ci)
        t0 = time.perf_counter()
        load_batch(conn, batch_id=b["batch_id"], source=APP_STORE, snapshot_date=day, country=country,
                   chart_entries=b["chart_entries"], lookups=[], apps=b["apps"], fetch_log_rows=b["fetch_log_rows"])
        dt = time.perf_counter() - t0
        per_batch.append(dt)
        total += dt
        if len(per_batch) % 50 == 0:
            print(f"    {len(per_batch)} batches, {total:.1f} s", flush=True)
        if budget is not None and total > budget:
            break
    if timer:
        timer.enabled = False
    t0 = time.perf_counter()
    conn.execute("CHECKPOINT")
    total += time.perf_counter() - t0
    return total, per_batch


def chart_hash(conn) -> tuple[int, int]:
    return conn.execute("SELECT count(*), coalesce(sum(CAST(hash(ce) AS HUGEINT)), 0) FROM core.chart_entries AS ce").fetchone()


def native(tmp: Path, parquet: Path, n: int) -> float:
    from warehouse.connection import connect

    path = tmp / f"native-{n}.duckdb"
    conn = connect(path)
    try:
        gc.collect()
        t0 = time.perf_counter()
        conn.execute(f"INSERT INTO core.chart_entries SELECT * FROM read_parquet('{parquet}')")
        conn.execute("CHECKPOINT")
        seconds = time.perf_counter() - t0
    finally:
        conn.close()
    path.unlink()
    return seconds


def bench(rows: int, budget: float, native_rounds: int) -> dict[str, Any]:
    from warehouse.connection import connect

    plan = batch_plan(rows)
    timer = SqlTimer()
    timer.install()
    # warm-up, not timed: one batch into a scratch in-memory warehouse pays the process's one-time costs
    # (pyarrow imports pandas on first use, the loader parses its SQL files once per process), as the first
    # batch of a load task does in the pipeline
    t0 = time.perf_counter()
    scratch = connect(":memory:")
    load(scratch, plan[:1], budget=None)
    scratch.close()
    warmup_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="dramatrack-bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        conn = connect(tmp / "loader.duckdb")
        print(f"  loader: up to {len(plan)} batches of {ROWS_PER_BATCH} rows (budget {budget:.0f} s) ...", flush=True)
        first_s, per_batch = load(conn, plan, budget=budget, timer=timer)
        loaded = plan[: len(per_batch)]
        rows_loaded = conn.execute("SELECT count(*) FROM core.chart_entries").fetchone()[0]
        before = chart_hash(conn)
        parquet = tmp / "chart_entries.parquet"
        conn.execute(f"COPY (SELECT * FROM core.chart_entries) TO '{parquet}' (FORMAT parquet)")
        print(f"  loader: {len(loaded)} batches, {rows_loaded} rows in {first_s:.1f} s", flush=True)

        natives = [native(tmp, parquet, 0)]
        print(f"  native: {natives[-1]:.3f} s", flush=True)
        print(f"  rerun: the same {len(loaded)} batches ...", flush=True)
        rerun_s, rerun_batches = load(conn, loaded, budget=None)
        after = chart_hash(conn)
        conn.close()
        print(f"  rerun: {rerun_s:.1f} s; identical: {before == after}", flush=True)
        for n in range(1, native_rounds):
            natives.append(native(tmp, parquet, n))
            print(f"  native: {natives[-1]:.3f} s", flush=True)

    nb = len(per_batch)
    tenth = max(1, nb // 10)
    first_tenth = sum(per_batch[:tenth]) / tenth
    last_tenth = sum(per_batch[-tenth:]) / tenth
    scaled = len(loaded) < len(plan)
    native_best = min(natives)
    sql_total = sum(timer.seconds.values())
    out: dict[str, Any] = {
        "rows_target": rows,
        "rows_loaded": rows_loaded,
        "batches": nb,
        "rows_per_batch": ROWS_PER_BATCH,
        "batch_shape": "App Store, one (country, day): 4 charts x 200 ranks, AppRecords of its listings, "
                       "4 fetch-log rows, no lookups",
        "scaled_down": scaled,
        "warmup_s": round(warmup_s, 2),
        "budget_s": budget,
        "loader_s": round(first_s, 3),
        "rerun_s": round(rerun_s, 3),
        "native_s": [round(x, 4) for x in natives],
        "native_best_s": round(native_best, 4),
        "loader_ms_per_batch_first_tenth": round(first_tenth * 1000, 1),
        "loader_ms_per_batch_last_tenth": round(last_tenth * 1000, 1),
        "rerun_ms_per_batch": round(sum(rerun_batches) / max(1, len(rerun_batches)) * 1000, 1),
        "loader_rows_per_s": round(rows_loaded / first_s),
        "native_rows_per_s": round(rows_loaded / native_best),
        "loader_over_native": round(first_s / native_best, 1),
        "rerun_over_first": round(rerun_s / first_s, 3),
        "rerun_identical": before == after,
        "sql_share_first_load": {k: round(v / first_s, 3) for k, v in sorted(timer.seconds.items(),
                                                                            key=lambda kv: -kv[1])},
        "python_share_first_load": round(1 - sql_total / first_s, 3),
    }
    if scaled:
        remaining = len(plan) - nb
        out["projected_full_load_s"] = round(first_s + remaining * last_tenth, 1)
        out["projection"] = ("first load of the rows loaded + the remaining batches at the last tenth's "
                             "per-batch time (a lower bound when per-batch time keeps growing)")
    out["goals"] = [
        goal("load: load_batch path / native read_parquet ingest", out["loader_over_native"], "<=",
             GOAL_LOADER_OVER_NATIVE, f"{rows_loaded:,} rows: {first_s:.1f} s vs {native_best:.2f} s"
             + (f"; scaled down from {rows:,} (budget)" if scaled else "")),
        goal("load: idempotent re-run / first load", out["rerun_over_first"], None, None,
             f"{rerun_s:.1f} s vs {first_s:.1f} s; identical tables: {before == after}"),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--budget", type=float, default=45.0,
                    help="seconds for the first load; fewer rows are loaded when it is crossed")
    ap.add_argument("--native-rounds", type=int, default=3)
    args = ap.parse_args(argv)
    results = {**machine(), **bench(args.rows, args.budget, args.native_rounds)}
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
