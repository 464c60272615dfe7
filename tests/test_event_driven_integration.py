"""Event-driven orchestration, end to end, on a real deployment (not ``dag.test``).

A fresh PostgreSQL metadata database, LocalExecutor, and as separate processes the api-server, scheduler,
dag-processor and triggerer (tests/airflow_harness.py). One day of the App Store sample capture lies in the
archive (``<data_dir>/raw/app_store/2026-11-01/``). The DAGs are unpaused (the ingest's daily floor is moved
to a day that does not come, so no cron run joins in), the triggerer starts the App Store inbox watcher, and
the test drops one re-run request into ``<data_dir>/inbox/``. Nothing else starts anything: the watcher's
asset event starts ``appstore_ingest`` (replaying the day from the archive), whose raw event starts
``stage_validate_load``, whose core event starts ``marts_build``, which publishes the marts for that day.

Checks: exactly one ingest run, started by the inbox asset event (not manual, not the cron); every
downstream run asset-triggered; the request moved to ``inbox/done/``; the watcher fired once (one asset event
for the inbox asset, still one after more scans). Every process started and the database are removed.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import date
from pathlib import Path

import pytest

from tests.airflow_harness import (
    WRITER_POOL,
    Topology,
    base_env,
    free_port,
    market_share_days,
    pg_query,
    provisioned,
    task_failures,
    wait,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

COUNTRIES = ["us"]
DAY = date(2026, 11, 1)
CHAIN = ["appstore_ingest", "stage_validate_load", "marts_build"]
CHAIN_TIMEOUT_S = 150
INBOX_TRIGGER = "dramatrack.watchers.triggers.InboxTrigger"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    pytest.importorskip("psycopg2", reason="psycopg2 is needed for the PostgreSQL metadata database (uv sync)")
    work = tmp_path_factory.mktemp("event_driven")
    t0 = time.monotonic()
    with provisioned(db_prefix="dramatrack_ev", redis=False) as state:
        database = state.database
        home, data = work / "airflow_home", work / "data"
        home.mkdir()
        data.mkdir()
        api_port, password = free_port(), secrets.token_urlsafe(16)
        env = base_env(home, data, database, api_port=api_port, password=password, executor="LocalExecutor", extra={
            "AIRFLOW__CORE__PARALLELISM": "4",
            # unpausing a DAG activates its assets' watchers at the file's next parse
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
            "DRAMATRACK_COUNTRIES": ",".join(COUNTRIES),
            "DRAMATRACK_INBOX_POLL_SECONDS": "1",
            "DRAMATRACK_INBOX_SETTLE_SECONDS": "0.5",
            # the daily floor on 29 February, and DAGs that start after the last one: no cron run while the test
            # runs (watchers only)
            "DRAMATRACK_INGEST_FLOOR_CRON": json.dumps({"app_store": "0 6 29 2 *"}),
            "DRAMATRACK_DAG_START_DATE": "2026-01-01",
        })
        state.topology = topology = Topology(work=work, env=env, api_base=f"http://127.0.0.1:{api_port}", password=password)

        from dramatrack.settings import Settings
        from sample_data.generate_capture import generate

        settings = Settings(data_dir=data, countries=COUNTRIES)
        generate(settings.warc_dir, DAY, 1, COUNTRIES, settings=settings, sources=("app_store",))
        topology.run("init", ["db", "migrate"])
        topology.run("init", ["pools", "set", WRITER_POOL, "1", "One DuckDB writer at a time"])
        topology.timings["init_s"] = round(time.monotonic() - t0, 1)

        topology.start_api_server()
        for name in ("scheduler", "dag-processor", "triggerer"):
            topology.start(name, [name])
        api = topology.wait_for_api()
        topology.wait_for_dags(api, CHAIN)
        topology.timings["start_s"] = round(time.monotonic() - t0, 1)
        yield {"api": api, "topology": topology, "data_dir": data, "database": database, "t0": t0}


def _inbox_asset_events(database: str) -> list[dict]:
    rows = pg_query(database, "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id "
                              "WHERE a.name = %s ORDER BY e.id", ("app_store_inbox",))
    return [r[0] if isinstance(r[0], dict) else json.loads(r[0]) for r in rows]


def _watcher_running(database: str) -> bool:
    rows = pg_query(database, "SELECT count(*) FROM trigger WHERE classpath = %s AND triggerer_id IS NOT NULL",
                    (INBOX_TRIGGER,))
    return rows[0][0] >= 1


@pytest.fixture(scope="module")
def chain(deployment):
    api, topology, data, database = (deployment[k] for k in ("api", "topology", "data_dir", "database"))
    t0 = time.monotonic()
    api.unpause("marts_build", "stage_validate_load", "appstore_ingest")
    # the dag-processor re-parses appstore_ingest, registers its watchers; the triggerer picks them up
    wait(lambda: topology.check_alive() or _watcher_running(database), 60, "the inbox watcher in the triggerer")
    topology.timings["watcher_s"] = round(time.monotonic() - t0, 1)

    inbox = data / "inbox"
    inbox.mkdir()
    request = {"source": "app_store", "date": DAY.isoformat(), "countries": COUNTRIES}
    part = inbox / ".rerun-2026-11-01.json.part"
    part.write_text(json.dumps(request))
    part.rename(inbox / "rerun-2026-11-01.json")

    deadline = time.monotonic() + CHAIN_TIMEOUT_S
    while True:
        topology.check_alive()
        runs = {dag_id: api.runs(dag_id) for dag_id in CHAIN}
        failures = task_failures(api, topology, CHAIN)
        assert not failures, f"task failures in the chain:\n{failures}"
        failed = [(d, r["dag_run_id"]) for d in CHAIN for r in runs[d] if r["state"] == "failed"]
        assert not failed, f"failed runs: {failed}"
        active = [r for d in CHAIN for r in runs[d] if r["state"] in ("queued", "running")]
        done = all(any(r["state"] == "success" for r in runs[d]) for d in CHAIN)
        if done and not active and DAY.isoformat() in market_share_days(data):
            break
        if time.monotonic() > deadline:
            summary = {d: [(r["dag_run_id"], r["run_type"], r["state"]) for r in runs[d]] for d in CHAIN}
            pytest.fail(f"the chain did not finish in {CHAIN_TIMEOUT_S}s: {summary}\n{topology.tails()}")
        time.sleep(1)
    topology.timings["chain_s"] = round(time.monotonic() - t0, 1)
    time.sleep(3)  # a few more inbox scans: nothing may fire again
    runs = {dag_id: api.runs(dag_id) for dag_id in CHAIN}
    tis = {dag_id: api.task_instances(dag_id) for dag_id in CHAIN}
    topology.timings["total_s"] = round(time.monotonic() - deployment["t0"], 1)
    print(f"\nevent-driven integration timings: {topology.timings}")
    return {"runs": runs, "tis": tis, "inbox": inbox, "events": _inbox_asset_events(database)}


def test_one_watcher_event_started_one_ingest_run(chain):
    [run] = chain["runs"]["appstore_ingest"]
    assert run["run_type"] == "asset_triggered" and run["state"] == "success"
    [event] = chain["events"]  # the watcher fired once for the one request
    assert event["from_trigger"] is True
    payload = event["payload"]
    assert (payload["kind"], payload["source"], payload["date"], payload["countries"]) == (
        "rerun_request", "app_store", DAY.isoformat(), COUNTRIES)
    done = [p.name for p in (chain["inbox"] / "done").iterdir()]
    assert len(done) == 1 and done[0].endswith("-rerun-2026-11-01.json")
    assert not [p for p in chain["inbox"].iterdir() if p.is_file()]


def test_asset_events_alone_led_to_rebuilt_marts(chain, deployment):
    for dag_id in ("stage_validate_load", "marts_build"):
        assert {r["run_type"] for r in chain["runs"][dag_id]} == {"asset_triggered"}, dag_id
        assert all(r["state"] == "success" for r in chain["runs"][dag_id]), dag_id
    staged = [ti for ti in chain["tis"]["stage_validate_load"] if ti["task_id"] == "stage_and_validate"]
    assert staged and all(ti["state"] == "success" for ti in staged)  # batches came in the raw asset event
    assert DAY.isoformat() in market_share_days(deployment["data_dir"])


def test_the_ingest_replayed_the_day_from_the_archive(chain, deployment):
    import duckdb

    snapshot = Path(deployment["data_dir"]) / "analytics.duckdb"
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        loaded = conn.execute("SELECT batch_id, status FROM ops.load_batches ORDER BY batch_id").fetchall()
        fetched = conn.execute("SELECT count(*), count(DISTINCT warc_path) FROM ops.fetch_log").fetchone()
    assert loaded == [(f"app_store:{DAY}:{c}", "loaded") for c in sorted(COUNTRIES)]
    assert fetched[0] > 0 and fetched[1] == len(COUNTRIES)
    archived = sorted(p.name for p in (Path(deployment["data_dir"]) / "raw" / "app_store" / DAY.isoformat()).iterdir()
                      if p.name.endswith(".warc.gz"))
    # the capture's two files, and the replay's re-archived copies (one per country)
    assert len(archived) == 2 * len(COUNTRIES)
