"""Warehouse load benchmark: how long loading one demo day takes, per SQL statement, as history grows.

    .venv/bin/python -m bench.bench_load_day --days 30

Builds the demo capture once (``sample_data.generate_capture.generate``: the 12 demo countries, App Store
and Google Play with ``play_chart_count=50``), replays it through ``dramatrack.pipeline.ingest.ingest`` and
stages every batch (``dramatrack.pipeline.stage.stage_batch``, saved with ``save_staged``); all of that is
cached under ``--cache`` (default ``/tmp/dramatrack_bench_load``), so later runs only load.

Then, into a fresh warehouse file (``--keep PATH`` to keep it), it loads the days in order as ``load_report``
does for each load task (one per source and day): open the writer, ``sync_catalog``, load the task's 12
batches (read back with ``load_staged``) with ``load_batches`` in one call (with ``load_batch`` per batch
when the loader has no ``load_batches``: the loader before this benchmark's fix), close. Per day it prints
"load" (loading the day's 24 batches) and "task" (the two tasks whole: + opening the writer, which checks
migrations, ``sync_catalog`` and closing, which checkpoints), wall and CPU (process time, all threads: on a
shared machine the steadier number). For the days in ``--profile`` (default: the first and the last) it
prints the wall and CPU time of every SQL statement run that day, summed over the day: the bench wraps the
loader's SQL runners (``run_sql`` / ``_run`` / ``_select``) and ``transaction`` (the product code is not
instrumented), plus the open / sync / close steps in parentheses.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

START = date(2026, 11, 1)
SOURCES = ("app_store", "google_play")


# --- per-statement timing (bench only) -----------------------------------------------------------------


class Timings:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.enabled = False

    def add(self, label: str, seconds: float, cpu: float = 0.0) -> None:
        if self.enabled:
            self.seconds[label] += seconds
            self.cpu[label] += cpu
            self.calls[label] += 1

    def reset(self) -> None:
        self.seconds.clear()
        self.cpu.clear()
        self.calls.clear()


@contextlib.contextmanager
def timed(label: str) -> Iterator[None]:
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        TIMINGS.add(label, time.perf_counter() - t0, time.process_time() - c0)


TIMINGS = Timings()


def _instrument() -> None:
    """Replace warehouse.loaders' SQL runners and transaction by timed copies (same behaviour)."""
    import duckdb

    import warehouse.connection as connection
    import warehouse.loaders as loaders

    def timed_run_sql(conn, path, params=None):
        params = dict(params or {})
        statements = conn.extract_statements(connection.read_sql(path))
        names = set().union(*(s.named_parameters for s in statements)) if statements else set()
        missing = names - params.keys()
        if missing:
            raise ValueError(f"{path}: missing SQL parameters {sorted(missing)}")
        result = conn
        for i, statement in enumerate(statements, start=1):
            wanted = {k: params[k] for k in statement.named_parameters}
            with timed(f"{Path(str(path)).name}" + (f" #{i}" if len(statements) > 1 else "")):
                result = conn.execute(statement, wanted) if wanted else conn.execute(statement)
        return result

    @contextlib.contextmanager
    def timed_transaction(conn) -> Iterator:
        with timed("BEGIN"):
            conn.execute("BEGIN TRANSACTION")
        try:
            yield conn
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                conn.execute("ROLLBACK")
            raise
        with timed("COMMIT"):
            conn.execute("COMMIT")

    loaders.transaction = timed_transaction
    if not hasattr(loaders, "_run"):  # the loader before statement caching
        loaders.run_sql = timed_run_sql
        return

    def label(name: str, i: int, n: int) -> str:
        return name + (f" #{i}" if n > 1 else "")

    # the parsed statements of a file: warehouse.sql_runner's (older loaders parsed them in loaders._statements)
    statements_of = getattr(loaders, "_statements", None) or importlib.import_module("warehouse.sql_runner").statements

    def timed_run(conn, name, params=None):  # loaders._run, timed per statement
        statements = statements_of(name)
        params = params or {}
        result = conn
        for i, (statement, names) in enumerate(statements, start=1):
            with timed(label(name, i, len(statements))):
                result = (
                    conn.execute(statement, {k: params[k] for k in names})
                    if names
                    else conn.execute(statement)
                )
        return result

    select = loaders._select

    def timed_select(conn, name, params=None):  # loaders._select (one SELECT, fetched as Arrow)
        with timed(name):
            return select(conn, name, params)

    loaders._run = timed_run
    loaders._select = timed_select


# --- capture and staging (cached) ----------------------------------------------------------------------


def _settings(data_dir: Path):
    from dramatrack.settings import Settings
    from sample_data.generate_capture import DEMO_COUNTRIES

    return Settings(data_dir=data_dir, play_chart_count=50, countries=list(DEMO_COUNTRIES))


def prepare(cache: Path, days: int) -> dict[date, list[Path]]:
    """Staged batch folders per day (generated, replayed and staged once, then cached)."""
    from dramatrack.catalog import load_catalog
    from dramatrack.pipeline.ingest import ingest
    from dramatrack.pipeline.stage import stage_batch
    from dramatrack.pipeline.staging_store import save_staged
    from sample_data.generate_capture import generate

    settings = _settings(cache / "data")
    capture = cache / "capture"
    staging = cache / "staging"
    staged_days = [START + timedelta(days=i) for i in range(days)]
    all_staged = all((staging / f"{d.isoformat()}.done").exists() for d in staged_days)
    generated = any(int(p.stem.split("-")[1]) >= days for p in capture.glob("days-*.done"))
    if not all_staged and not generated:
        marker = capture / f"days-{days}.done"
        print(f"generating {days} days x {len(settings.countries)} countries ...", flush=True)
        shutil.rmtree(capture, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(cache / "data", ignore_errors=True)
        generate(capture, START, days, list(settings.countries), settings=settings)
        marker.touch()
    catalog = load_catalog(settings.catalog_path)
    folders: dict[date, list[Path]] = {}
    for i in range(days):
        day = START + timedelta(days=i)
        done = staging / f"{day.isoformat()}.done"
        if done.exists():
            folders[day] = [Path(line) for line in done.read_text().split("\n") if line]
            continue
        print(f"staging {day} ...", flush=True)
        paths = []
        for source in SOURCES:
            for manifest in ingest(settings, source, day, list(settings.countries), replay=capture):
                staged = stage_batch(manifest, catalog)
                if staged.problems:
                    raise SystemExit(f"{manifest.batch_id}: {staged.problems[:2]}")
                paths.append(save_staged(staged, staging))
        done.write_text("\n".join(str(p) for p in paths))
        folders[day] = paths
    return folders


# --- the load --------------------------------------------------------------------------------------------


def load_task(wh: Path, folders: list[Path]) -> tuple[float, float, float, float]:
    """One load task as load_report runs it; returns the load's and the whole task's wall and CPU seconds:
    (load, task, load cpu, task cpu)."""
    from dramatrack.catalog import load_catalog
    from dramatrack.pipeline.staging_store import load_staged
    from warehouse import loaders
    from warehouse.connection import connect

    staged = [load_staged(f) for f in folders]  # reading the staged files is not the warehouse's time
    catalog = load_catalog(_settings(wh.parent).catalog_path)
    batches = [
        dict(
            batch_id=s.manifest.batch_id,
            source=s.manifest.source,
            snapshot_date=s.snapshot_date,
            country=s.manifest.country,
            chart_entries=s.chart_entries,
            lookups=s.lookups,
            play_details=s.play_details,
            apps=s.apps,
            fetch_log_rows=s.fetch_log_rows,
        )
        for s in staged
    ]
    t_task, c_task = time.perf_counter(), time.process_time()
    with timed("(open writer)"):
        conn = connect(wh)
    try:
        with timed("(sync_catalog)"):
            loaders.sync_catalog(conn, catalog)
        t_load, c_load = time.perf_counter(), time.process_time()
        if hasattr(loaders, "load_batches"):  # the batches of a load task in one call, as load_report does
            loaders.load_batches(conn, [loaders.Batch(**b) for b in batches])
        else:
            for b in batches:
                loaders.load_batch(conn, **b)
        load, load_cpu = time.perf_counter() - t_load, time.process_time() - c_load
        TIMINGS.add("(load: all)", load, load_cpu)
    finally:
        with timed("(close writer)"):
            conn.close()
    return load, time.perf_counter() - t_task, load_cpu, time.process_time() - c_task


def table_sizes(wh: Path) -> dict[str, int]:
    from warehouse.connection import connect

    with connect(wh, read_only=True) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("core.app_store_ids", "core.apps", "core.chart_entries", "core.app_metrics")
        }


def print_profile(day_no: int) -> None:
    print(f"\n  per statement, day {day_no}: the day's 2 load tasks (24 batches), sync_catalog included; ms")
    print(f"    {'statement':<28} {'wall':>8} {'cpu':>8}  runs")
    total = total_cpu = 0.0
    total_label_printed = False
    for label, s in sorted(TIMINGS.seconds.items(), key=lambda kv: (kv[0].startswith("("), -kv[1])):
        if label.startswith("(") and not total_label_printed:
            print(f"    {'SQL total':<28} {total * 1000:8.1f} {total_cpu * 1000:8.1f}")
            total_label_printed = True
        if not label.startswith("("):
            total, total_cpu = total + s, total_cpu + TIMINGS.cpu[label]
        print(f"    {label:<28} {s * 1000:8.1f} {TIMINGS.cpu[label] * 1000:8.1f}  {TIMINGS.calls[label]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "dramatrack_bench_load")
    parser.add_argument(
        "--profile", default="", help="days (1-based) to profile per statement; default first,last"
    )
    parser.add_argument("--keep", type=Path, default=None, help="build the warehouse here and keep it")
    args = parser.parse_args(argv)
    profile = {int(d) for d in args.profile.split(",") if d} or {1, args.days}

    folders = prepare(args.cache, args.days)
    _instrument()
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cpus, {args.days} days, "
        f"{sum(len(v) for v in folders.values()) // args.days} batches/day"
    )
    with tempfile.TemporaryDirectory() as tmp:
        wh = Path(tmp) / "warehouse.duckdb"
        if args.keep:
            args.keep.unlink(missing_ok=True)
            wh = args.keep
        results = []
        for i, (day, paths) in enumerate(sorted(folders.items()), start=1):
            TIMINGS.enabled = i in profile
            TIMINGS.reset()
            load = task = load_cpu = task_cpu = 0.0
            for source in SOURCES:
                part = [p for p in paths if p.parts[-3] == source]
                lo, ta, lc, tc = load_task(wh, part)
                load, task, load_cpu, task_cpu = load + lo, task + ta, load_cpu + lc, task_cpu + tc
            results.append((i, load, task, load_cpu, task_cpu))
            print(
                f"day {i:3d} {day}: load {load * 1000:6.0f} ms (cpu {load_cpu * 1000:6.0f})   "
                f"task {task * 1000:6.0f} ms (cpu {task_cpu * 1000:6.0f})",
                flush=True,
            )
            if i in profile:
                print_profile(i)
                print(f"    tables after: {table_sizes(wh)}\n")
        first, last = results[0], results[-1]
        rest = results[1:] or results

        def mean(column: int) -> float:
            return sum(r[column] for r in rest) / len(rest) * 1000

        print(
            f"\nday 1 load {first[1] * 1000:.0f} ms (cpu {first[3] * 1000:.0f}), day {last[0]} load "
            f"{last[1] * 1000:.0f} ms (cpu {last[3] * 1000:.0f}); mean of days 2..{last[0]}: "
            f"load {mean(1):.0f} ms (cpu {mean(3):.0f}), task {mean(2):.0f} ms (cpu {mean(4):.0f})"
        )


if __name__ == "__main__":
    main()
