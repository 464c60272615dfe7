"""The production topology, run natively: CeleryExecutor on real PostgreSQL and Redis, two Celery workers.

What docker-compose.yml deploys, minus the containers: Airflow metadata in a fresh PostgreSQL database,
Redis as the Celery broker (a dedicated DB number), the Celery result backend on PostgreSQL, and as
separate processes the api-server, scheduler, dag-processor, triggerer and TWO Celery workers:

* ``worker-a`` consumes ``default`` and ``appstore`` (the App Store fetches are routed there);
* ``worker-b`` consumes ``default`` and ``google_play``.

On separate hosts every worker reports its own host name on the task instances. Here both run on one
machine, so each worker gets its own ``[core] hostname_callable`` (a two-line module in the temp dir
returning the worker's name): that is the only thing emulated.

The test generates a 2-day sample capture, creates the one-slot ``duckdb_writer`` pool, triggers
``appstore_ingest`` for both days through the public REST API (a JWT from ``/auth/token``), and waits
for the asset-triggered chain (``stage_validate_load`` → ``marts_build``) to publish the marts.
Then it asserts that tasks ran on both workers (App Store fetches on the ``appstore`` consumer only),
that no two DuckDB writes (``load``, ``build_marts``) overlapped in time, and that the downstream runs
were created by asset events.

It starts PostgreSQL and Redis when they are not answering, and always stops every process it started
and drops the database it created.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.airflow_harness import (
    WRITER_POOL,
    Topology,
    base_env,
    free_port,
    market_share_days,
    parse_ts,
    provisioned,
    task_failures,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

COUNTRIES = ["us", "gb", "jp"]
DAYS = [date(2026, 11, 1), date(2026, 11, 2)]
CHAIN = ["appstore_ingest", "stage_validate_load", "marts_build"]
CHAIN_TIMEOUT_S = 360


# ---------------------------------------------------------------- the deployment fixture


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    for module in ("psycopg2", "redis", "airflow.providers.celery"):
        pytest.importorskip(module, reason=f"{module} is needed for the Celery topology (uv sync)")
    work = tmp_path_factory.mktemp("celery_topology")
    (work / "logs").mkdir()
    _wait_past_the_cron_point()
    with provisioned(db_prefix="dramatrack_it", redis=True) as state:
        state.topology = topology = _configure(work, state.database, state.broker_db)
        _prepare(topology)
        api = _start(topology)
        yield {"api": api, "topology": topology, "data_dir": Path(topology.env["DRAMATRACK_DATA_DIR"]),
               "timings": topology.timings}


def _wait_past_the_cron_point() -> None:
    """``appstore_ingest`` runs daily at 06:00 UTC: don't straddle it, or a live cron run would join in."""
    now = datetime.now(UTC)
    cron = now.replace(hour=6, minute=0, second=0, microsecond=0)
    if timedelta(0) <= cron - now < timedelta(minutes=8):
        time.sleep((cron - now).total_seconds() + 5)


def _configure(work: Path, database: str, broker_db: int) -> Topology:
    home, data, hooks = work / "airflow_home", work / "data", work / "hooks"
    for d in (home, data, hooks):
        d.mkdir()
    # Each worker's own host name (what separate hosts/containers report anyway).
    (hooks / "dramatrack_it_hostname.py").write_text(
        "import os\n\n\ndef hostname():\n    return os.environ['DRAMATRACK_IT_WORKER_NAME']\n")
    api_port = free_port()
    password = secrets.token_urlsafe(16)
    env = base_env(home, data, database, api_port=api_port, password=password, executor="CeleryExecutor", extra={
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{broker_db}",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://postgres@127.0.0.1:5432/{database}",
        "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
        "DRAMATRACK_COUNTRIES": ",".join(COUNTRIES),
    })
    return Topology(work=work, env=env, api_base=f"http://127.0.0.1:{api_port}", password=password, hooks=hooks)


def _prepare(topology: Topology) -> None:
    """What the compose `airflow-init` service does, plus the sample capture the runs replay."""
    from dramatrack.settings import Settings
    from sample_data.generate_capture import generate

    t0 = time.monotonic()
    data = Path(topology.env["DRAMATRACK_DATA_DIR"])
    generate(data / "capture", DAYS[0], len(DAYS), COUNTRIES, settings=Settings(data_dir=data, countries=COUNTRIES),
             sources=("app_store",))
    topology.run("init", ["db", "migrate"])
    topology.run("init", ["pools", "set", WRITER_POOL, "1", "One DuckDB writer at a time"])
    topology.timings["init_s"] = round(time.monotonic() - t0, 1)


def _start(topology: Topology):
    t0 = time.monotonic()
    topology.start_api_server()
    topology.start("scheduler", ["scheduler"])
    topology.start("dag-processor", ["dag-processor"])
    topology.start("triggerer", ["triggerer"])
    for name, queues in (("worker-a", "default,appstore"), ("worker-b", "default,google_play")):
        topology.start(name, ["celery", "worker", "--celery-hostname", f"{name}@%h", "--queues", queues,
                              "--concurrency", "2", "--without-mingle", "--without-gossip"], {
            "PYTHONPATH": str(topology.hooks),
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "dramatrack_it_hostname.hostname",
            "DRAMATRACK_IT_WORKER_NAME": name,
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        })
    api = topology.wait_for_api()
    topology.wait_for_dags(api, CHAIN, ready=lambda dags: dags["appstore_ingest"].get("next_dagrun_logical_date"))
    topology.timings["start_s"] = round(time.monotonic() - t0, 1)
    return api


# ---------------------------------------------------------------- the run


@pytest.fixture(scope="module")
def chain(deployment):
    api, topology = deployment["api"], deployment["topology"]
    capture = Path(topology.env["DRAMATRACK_DATA_DIR"]) / "capture"
    t0 = time.monotonic()
    # Trigger while the DAG is still paused, the first run at exactly the DAG's pending cron logical date:
    # on unpause the scheduler finds a run there and skips the cron run (which would fetch live); the
    # second run takes the day before (a logical date in the future would not run).
    next_logical = parse_ts(topology.dags["appstore_ingest"]["next_dagrun_logical_date"])
    triggered = []
    for i, day in enumerate(DAYS):
        run = api.send("POST", "dags/appstore_ingest/dagRuns", {
            "dag_run_id": f"it__{day.isoformat()}",
            "logical_date": (next_logical - timedelta(days=i)).isoformat(),
            "conf": {"date": day.isoformat(), "replay": str(capture), "countries": COUNTRIES},
        })
        triggered.append(run["dag_run_id"])
    for dag_id in ("marts_build", "stage_validate_load", "appstore_ingest"):
        api.send("PATCH", f"dags/{dag_id}", {"is_paused": False})

    wanted = {d.isoformat() for d in DAYS}
    deadline = time.monotonic() + CHAIN_TIMEOUT_S
    runs: dict[str, list[dict]] = {}
    while True:
        topology.check_alive()
        runs = {dag_id: api.runs(dag_id) for dag_id in CHAIN}
        failures = task_failures(api, topology, CHAIN)
        assert not failures, f"task failures in the chain:\n{failures}"
        failed_runs = [(d, r["dag_run_id"]) for d in CHAIN for r in runs[d] if r["state"] == "failed"]
        assert not failed_runs, f"failed runs: {failed_runs}"
        active = [r for d in CHAIN for r in runs[d] if r["state"] in ("queued", "running")]
        ingested = {r["dag_run_id"] for r in runs["appstore_ingest"] if r["state"] == "success"}
        marts_ok = any(r["state"] == "success" for r in runs["marts_build"])
        if not active and ingested >= set(triggered) and marts_ok:
            days = market_share_days(deployment["data_dir"])
            if wanted <= days:
                break
        if time.monotonic() > deadline:
            summary = {d: [(r["dag_run_id"], r["state"]) for r in runs[d]] for d in CHAIN}
            pytest.fail(f"the chain did not finish in {CHAIN_TIMEOUT_S}s: {summary}\n{topology.tails()}")
        time.sleep(2)
    deployment["timings"]["chain_s"] = round(time.monotonic() - t0, 1)
    tis = {dag_id: api.task_instances(dag_id) for dag_id in CHAIN}
    print(f"\ncelery topology timings: {deployment['timings']}")
    return {"runs": runs, "tis": tis, "triggered": triggered}


def test_the_chain_rebuilt_the_marts_for_both_days(chain, deployment):
    assert {r["dag_run_id"] for r in chain["runs"]["appstore_ingest"]} == set(chain["triggered"]), (
        "only the two triggered replays ran (no live cron run)")
    assert {d.isoformat() for d in DAYS} <= market_share_days(deployment["data_dir"])
    for dag_id in CHAIN:
        assert chain["runs"][dag_id] and all(r["state"] == "success" for r in chain["runs"][dag_id]), dag_id
    staged = [ti for ti in chain["tis"]["stage_validate_load"] if ti["task_id"] == "stage_and_validate"]
    # not skipped: the batches really came through the scheduler's triggering_asset_events
    assert staged and all(ti["state"] == "success" for ti in staged)


def test_tasks_ran_on_two_celery_workers(chain):
    tis = [ti for dag_id in CHAIN for ti in chain["tis"][dag_id] if ti["state"] == "success"]
    hosts = {ti["hostname"] for ti in tis}
    assert hosts == {"worker-a", "worker-b"}, hosts
    fetches = [ti for ti in chain["tis"]["appstore_ingest"] if ti["task_id"] == "fetch_and_archive"]
    assert len(fetches) == len(DAYS)
    assert all(ti["queue"] == "appstore" and ti["hostname"] == "worker-a" for ti in fetches), [
        (ti["queue"], ti["hostname"]) for ti in fetches]


def test_duckdb_writes_never_overlapped(chain):
    writes = [ti for dag_id, task_id in (("stage_validate_load", "load"), ("marts_build", "build_marts"))
              for ti in chain["tis"][dag_id] if ti["task_id"] == task_id]
    assert len(writes) >= 2  # a load per stage_validate_load run and at least one marts build
    assert all(ti["pool"] == WRITER_POOL and ti["start_date"] and ti["end_date"] for ti in writes)
    spans = sorted((parse_ts(ti["start_date"]), parse_ts(ti["end_date"]), f"{ti['task_id']}[{ti['dag_run_id']}]")
                   for ti in writes)
    for (_, end, name), (start, _, next_name) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"{name} (until {end}) overlapped {next_name} (from {start})"


def test_the_downstream_runs_were_triggered_by_assets(chain):
    for dag_id in ("stage_validate_load", "marts_build"):
        types = {r["run_type"] for r in chain["runs"][dag_id]}
        assert types == {"asset_triggered"}, (dag_id, types)
    assert {r["run_type"] for r in chain["runs"]["appstore_ingest"]} == {"manual"}
