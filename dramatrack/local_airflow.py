"""Run the DAGs in an embedded Airflow (SQLite metadata under the data directory), through ``dag.test()``.

This is what ``dramatrack run`` and ``make demo`` use: the same DAG files, tasks, assets and pools as a
deployed Airflow, in one process. Under ``dag.test()`` asset-scheduled consumers do not start by
themselves, so after each producer run we read the asset events it emitted from the metadata DB and
start the consumer DAG with them (``conf["asset_events"]``), as the scheduler would have.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dramatrack.settings import REPO_ROOT, Settings

DAGS_FOLDER = REPO_ROOT / "dags"


def configure_embedded_airflow(settings: Settings) -> Path:
    """Point Airflow at an embedded SQLite home under the data dir (unless AIRFLOW_HOME is already set).

    Must run before ``airflow`` is imported.
    """
    home = Path(os.environ.get("AIRFLOW_HOME") or settings.data_dir / "airflow")
    home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(home)
    defaults = {
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    return home


def ensure_metadata_db() -> None:
    """Create or upgrade the Airflow metadata DB and the one-slot DuckDB writer pool."""
    from airflow.models.pool import Pool
    from airflow.utils import db

    from dramatrack.assets import DUCKDB_WRITER_POOL

    db.upgradedb()
    Pool.create_or_update_pool(
        name=DUCKDB_WRITER_POOL, slots=1, description="One DuckDB writer at a time", include_deferred=False
    )


NO_TASK_RAN = "no task ran"
_RAN = ("success", "failed", "upstream_failed")  # a task that ran (or was stopped by one that failed)


@dataclass
class DagRunResult:
    dag_id: str
    run_id: str
    state: str  # the DAG run's state, or NO_TASK_RAN: never "success" for a run in which no task ran
    failed_tasks: list[str]
    seconds: float = 0.0
    note: str = ""  # why a run is not a success when its state alone does not say


class EmbeddedAirflow:
    """The project's DAGs, loaded once, run with ``dag.test()`` and chained through their asset events."""

    def __init__(self) -> None:
        from airflow.dag_processing.dagbag import DagBag

        self.bag = DagBag(str(DAGS_FOLDER))
        if self.bag.import_errors:
            raise RuntimeError(f"DAG import errors: {self.bag.import_errors}")

    def run(self, dag_id: str, day: date, conf: dict | None = None) -> DagRunResult:
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select

        dag = self.bag.get_dag(dag_id)
        import pendulum

        logical = pendulum.datetime(day.year, day.month, day.day, 6, 0, tz="UTC")
        started = time.monotonic()
        with _dag_folder_synced_once():
            run = dag.test(logical_date=logical, run_conf=conf or {})
        seconds = time.monotonic() - started
        with create_session() as session:
            states = dict(session.execute(
                select(TaskInstance.task_id, TaskInstance.state).where(
                    TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id)
            ).all())
        failed = sorted(t for t, state in states.items() if state in ("failed", "upstream_failed"))
        if not any(state in _RAN for state in states.values()):
            # e.g. a logical date before the DAG's start_date: Airflow marks the run a success with nothing run
            note = (f"no task of {dag_id} ran for {day} (run state {run.state}; task states "
                    f"{sorted(set(map(str, states.values()))) or 'none'}; start_date {dag.start_date})")
            return DagRunResult(dag_id, run.run_id, NO_TASK_RAN, failed, seconds, note)
        return DagRunResult(dag_id, run.run_id, str(run.state), failed, seconds)

    @staticmethod
    def emitted(result: DagRunResult) -> dict[str, list[dict]]:
        """Extras of the asset events a finished run emitted, by asset URI, oldest first."""
        from airflow.models.asset import AssetEvent, AssetModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            rows = session.execute(
                select(AssetModel.uri, AssetEvent.extra)
                .join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
                .where(AssetEvent.source_dag_id == result.dag_id, AssetEvent.source_run_id == result.run_id)
                .order_by(AssetEvent.id)
            ).all()
        out: dict[str, list[dict]] = {}
        for uri, extra in rows:
            out.setdefault(uri, []).append(dict(extra or {}))
        return out

    def consumers_of(self, asset_uri: str) -> list[str]:
        """DAG ids scheduled on an asset (what the scheduler would trigger)."""
        out = []
        for dag_id, dag in sorted(self.bag.dags.items()):
            condition = getattr(dag.timetable, "asset_condition", None)
            if condition is None:
                continue
            if asset_uri in _asset_uris(condition):
                out.append(dag_id)
        return out

    def run_chain(self, dag_ids: list[str] | str, day: date, conf: dict | None = None) -> list[DagRunResult]:
        """Run producer DAGs, then every DAG scheduled on an asset they emitted, and so on down the chain.

        Like the scheduler, a consumer whose assets received several events since its last run starts
        once, with all of them: each wave of runs is followed by one run per triggered consumer.
        """
        results: list[DagRunResult] = []
        wave: list[tuple[str, dict | None]] = [(d, conf) for d in ([dag_ids] if isinstance(dag_ids, str) else dag_ids)]
        while wave:
            pending: dict[str, list[dict]] = {}
            for current, current_conf in wave:
                result = self.run(current, day, current_conf)
                results.append(result)
                for uri, extras in self.emitted(result).items():
                    for consumer in self.consumers_of(uri):
                        pending.setdefault(consumer, []).extend(extras)
            wave = [(consumer, {"asset_events": extras}) for consumer, extras in pending.items()]
        return results


# --- dag.test(): parse and sync the DAG folder once per process, not once per run ------------------------------
#
# Since Airflow 3.2 (apache/airflow#64884) every ``dag.test()`` re-parses the whole DAG bundle (``BundleDagBag``)
# and re-writes it to the metadata DB (``sync_bag_to_db``: serialise, hash and compare every DAG), so that sibling
# DAGs exist in the DB. A demo runs ~80 DAG runs: ~10% of its time went there, re-doing the same work. While the
# DAG files are unchanged (same paths and modification times), a later run in this process reuses the parsed bag
# and skips the sync that is already in the same metadata DB; any change to a DAG file parses and syncs again.

_parsed_bags: dict[str, tuple[tuple, object]] = {}  # bag arguments -> (DAG files' state, BundleDagBag)
_synced: set[tuple] = set()  # (metadata DB, bundle, version, id of a bag kept in _parsed_bags)


def _dag_files_state(folder: object) -> tuple | None:
    """Path, mtime and size of every ``.py`` file under the DAG folder (None when unreadable: never reuse)."""
    try:
        return tuple(sorted((str(p), st.st_mtime_ns, st.st_size)
                            for p in Path(str(folder)).rglob("*.py") for st in [p.stat()]))
    except OSError:
        return None


@contextmanager
def _dag_folder_synced_once():
    """Within the block, ``dag.test()`` parses and syncs each unchanged DAG bundle once per process."""
    try:
        from airflow.configuration import conf
        from airflow.dag_processing import dagbag as module

        real_bag, real_sync = module.BundleDagBag, module.sync_bag_to_db
        database = conf.get("database", "sql_alchemy_conn")
    except (ImportError, AttributeError):  # another Airflow: run dag.test() as it is
        yield
        return

    def bag(*args, **kwargs):
        folder = kwargs.get("dag_folder", args[0] if args else None)
        state = _dag_files_state(folder) if folder is not None else None
        if state is None:
            return real_bag(*args, **kwargs)
        key = repr((args, sorted(kwargs.items())))
        cached = _parsed_bags.get(key)
        if cached is None or cached[0] != state:
            cached = _parsed_bags[key] = (state, real_bag(*args, **kwargs))
        return cached[1]

    def sync(dagbag, bundle_name, bundle_version, *args, **kwargs):
        kept = any(b is dagbag for _, b in _parsed_bags.values())
        key = (database, bundle_name, bundle_version, id(dagbag))
        if kept and key in _synced and _all_versioned(dagbag):
            return None
        result = real_sync(dagbag, bundle_name, bundle_version, *args, **kwargs)
        if kept:
            _synced.add(key)
        return result

    module.BundleDagBag, module.sync_bag_to_db = bag, sync
    try:
        yield
    finally:
        module.BundleDagBag, module.sync_bag_to_db = real_bag, real_sync


def _all_versioned(dagbag) -> bool:
    """Every DAG of the bag has a version in the metadata DB (a DB wiped since the sync has none)."""
    from airflow.models.dag_version import DagVersion

    return all(DagVersion.get_version(dag_id) for dag_id in dagbag.dags)


def _asset_uris(condition: object) -> set[str]:
    """Every asset URI in a schedule condition (an Asset, or AssetAll/AssetAny nesting them)."""
    uri = getattr(condition, "uri", None)
    if uri:
        return {uri}
    found: set[str] = set()
    for child in getattr(condition, "objects", None) or ():
        found |= _asset_uris(child)
    return found
