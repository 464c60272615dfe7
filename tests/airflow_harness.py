"""A real Airflow deployment for integration tests: separate processes on a fresh PostgreSQL database.

Shared by tests/test_celery_topology.py (CeleryExecutor, Redis broker, two workers) and
tests/test_event_driven_integration.py (LocalExecutor, watchers in the triggerer):

* :class:`Services` starts PostgreSQL / Redis only when they do not answer, and stops only what it started;
* :func:`provisioned` (with :func:`create_database` / :func:`drop_database`) gives each run its own metadata
  database (and Redis broker DB) and tears everything down, even on SIGTERM;
* :func:`base_env` is the configuration every process shares (fast loops, simple auth manager, the repo's
  DAGs, ``DRAMATRACK_DATA_DIR``); the executor-specific keys are the caller's;
* :class:`Topology` runs ``airflow`` commands and long-lived processes, each in its own process group with
  its log file under ``<work>/logs``, and stops every one of them (and their children);
* :class:`Api` is the public REST API with a JWT from ``/auth/token``.

Nothing here is collected as a test (the file name does not start with ``test_``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PG_HOST, PG_PORT, PG_USER, PG_ADMIN_DB = "127.0.0.1", 5432, "postgres", "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
WRITER_POOL = "duckdb_writer"
ADMIN = "admin"


def airflow_cmd() -> list[str]:
    script = Path(sys.executable).with_name("airflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "airflow"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"({path} unreadable)"
    return "\n".join(text[-lines:])


def wait(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# ---------------------------------------------------------------- backing services: PostgreSQL and Redis


def pg_connect(dbname: str = PG_ADMIN_DB):
    import psycopg2

    return psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=3)


def pg_answers() -> bool:
    try:
        pg_connect().close()
        return True
    except Exception:
        return False


def pg_query(dbname: str, sql: str, params: tuple = ()) -> list[tuple]:
    conn = pg_connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def redis_client(db: int = 0):
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_connect_timeout=3)


def redis_answers() -> bool:
    try:
        return bool(redis_client().ping())
    except Exception:
        return False


@dataclass
class Services:
    """Starts PostgreSQL (and Redis, when asked) only when they do not answer, and remembers what it started."""

    started_pg: str | None = None
    started_redis: bool = False

    def ensure(self, *, redis: bool = True) -> None:
        if not pg_answers():
            versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
            if not shutil.which("pg_ctlcluster") or not versions:
                pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432 and pg_ctlcluster is not installed")
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                           check=True, capture_output=True, timeout=60)
            self.started_pg = versions[-1]
            wait(pg_answers, 30, "PostgreSQL")
        if redis and not redis_answers():
            if not shutil.which("redis-server"):
                pytest.skip("Redis is not answering on 127.0.0.1:6379 and redis-server is not installed")
            subprocess.run(["redis-server", "--daemonize", "yes", "--bind", REDIS_HOST, "--port", str(REDIS_PORT),
                            "--save", "", "--appendonly", "no"], check=True, capture_output=True, timeout=30)
            self.started_redis = True
            wait(redis_answers, 15, "Redis")

    def stop_started(self) -> None:
        if self.started_redis:
            try:
                redis_client().shutdown(nosave=True)
            except Exception:
                pass  # shutdown closes the connection under us
        if self.started_pg:
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", self.started_pg, "main", "stop"],
                           capture_output=True, timeout=60)


def create_database(prefix: str = "dramatrack_it") -> str:
    name = f"{prefix}_{secrets.token_hex(4)}"
    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def drop_database(name: str) -> None:
    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def claim_redis_db() -> int:
    """An empty Redis DB number (not 0), claimed atomically, so the broker's keys are ours alone."""
    token = secrets.token_hex(8)
    for db in range(15, 0, -1):
        try:
            client = redis_client(db)
            if client.dbsize() == 0 and client.set("dramatrack-it:claim", token, nx=True, ex=3600):
                return db
        except Exception:
            break
    pytest.skip("no empty Redis database number (1-15) to use as the Celery broker")


def raise_on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@dataclass
class Provisioned:
    """What :func:`provisioned` set up for one deployment; the caller sets ``topology`` once it has one."""

    database: str
    broker_db: int | None = None
    topology: Topology | None = None


@contextmanager
def provisioned(*, db_prefix: str, redis: bool) -> Iterator[Provisioned]:
    """PostgreSQL (and Redis) answering, a fresh metadata database (and an empty broker DB number); on exit
    the topology is stopped, the database dropped, the broker DB flushed and what was started stopped, even
    when the run is killed with SIGTERM."""
    services = Services()
    state: Provisioned | None = None
    previous_sigterm = signal.signal(signal.SIGTERM, raise_on_sigterm)
    try:
        services.ensure(redis=redis)
        state = Provisioned(database=create_database(db_prefix))
        if redis:
            state.broker_db = claim_redis_db()
        yield state
    finally:
        if state is not None:
            if state.topology is not None:
                state.topology.stop()
            try:
                drop_database(state.database)
            except Exception as exc:  # report, but let the original failure (if any) show
                print(f"could not drop {state.database}: {exc}", file=sys.stderr)
            if state.broker_db is not None:
                try:
                    redis_client(state.broker_db).flushdb()
                except Exception:
                    pass
        services.stop_started()
        signal.signal(signal.SIGTERM, previous_sigterm)


# ---------------------------------------------------------------- configuration


def base_env(home: Path, data: Path, database: str, *, api_port: int, password: str, executor: str,
             extra: dict[str, str] | None = None) -> dict[str, str]:
    """What every process of the deployment shares; ``extra`` adds to it (executor settings, DRAMATRACK_*)."""
    (home / "passwords.json").write_text(json.dumps({ADMIN: password}))
    pg_url = f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DRAMATRACK_", "PYTEST"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__FERNET_KEY": "",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        # fast loops: this is a test, not a fleet
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "60",
        "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "600",
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "DRAMATRACK_DATA_DIR": str(data),
        # the chart-feed watchers would poll the real stores: a test never leaves the machine
        "DRAMATRACK_FEED_WATCH_INTERVAL_SECONDS": "0",
    })
    env.update(extra or {})
    return env


# ---------------------------------------------------------------- the Airflow processes


@dataclass
class Topology:
    """Every process of the deployment, each in its own process group, with its log file."""

    work: Path
    env: dict[str, str]
    api_base: str
    password: str
    hooks: Path | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    dags: dict[str, dict] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def log(self, name: str) -> Path:
        return self.work / "logs" / f"{name}.log"

    def run(self, name: str, args: list[str], timeout: int = 300) -> None:
        self.log(name).parent.mkdir(parents=True, exist_ok=True)
        with self.log(name).open("ab") as out:
            done = subprocess.run(airflow_cmd() + args, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=timeout, cwd=self.work)
        assert done.returncode == 0, f"`airflow {' '.join(args)}` failed:\n{tail(self.log(name))}"

    def start(self, name: str, args: list[str], extra_env: dict[str, str] | None = None) -> None:
        self.log(name).parent.mkdir(parents=True, exist_ok=True)
        out = self.log(name).open("ab")
        self.procs[name] = subprocess.Popen(
            airflow_cmd() + args, env={**self.env, **(extra_env or {})}, stdout=out, stderr=subprocess.STDOUT,
            cwd=self.work, start_new_session=True)
        out.close()

    def check_alive(self) -> None:
        dead = {n: p.returncode for n, p in self.procs.items() if p.poll() is not None}
        assert not dead, "processes exited: " + "; ".join(
            f"{n} (rc {rc}):\n{tail(self.log(n))}" for n, rc in dead.items())

    def tails(self, lines: int = 8) -> str:
        return "\n".join(f"--- {n}\n{tail(self.log(n), lines)}" for n in self.procs)

    def stop(self) -> None:
        import psutil

        tracked: list[psutil.Process] = []
        for proc in self.procs.values():
            try:
                root = psutil.Process(proc.pid)
                tracked += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        for proc in reversed(list(self.procs.values())):
            signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():
            signal_group(proc.pid, signal.SIGKILL)
        for p in tracked:  # anything that left its group (task supervisors, pool children)
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(tracked, timeout=10)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def start_api_server(self) -> None:
        self.start("api-server", ["api-server", "--port", self.env["AIRFLOW__API__PORT"], "--host", "127.0.0.1"])

    def wait_for_api(self, timeout: float = 120) -> Api:
        def up():
            self.check_alive()
            return api_up(self.api_base)

        wait(up, timeout, "the api-server")
        return Api(self.api_base, self.password)

    def wait_for_dags(self, api: Api, dag_ids, ready=None, timeout: float = 120) -> dict[str, dict]:
        """The DAGs as the API lists them, once ``dag_ids`` are all parsed (and ``ready(dags)`` holds)."""

        def parsed():
            self.check_alive()
            dags = {d["dag_id"]: d for d in api.get("dags", limit=100)["dags"]}
            if not all(d in dags for d in dag_ids):
                return None
            return dags if ready is None or ready(dags) else None

        self.dags = wait(parsed, timeout, "the DAGs to be parsed", interval=1)
        return self.dags


def signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Api:
    """The Airflow 3 public REST API with a JWT from the simple auth manager."""

    def __init__(self, base: str, password: str):
        import requests

        self.base = base
        self.session = requests.Session()
        resp = self.session.post(f"{base}/auth/token", json={"username": ADMIN, "password": password}, timeout=30)
        assert resp.status_code in (200, 201), f"/auth/token: {resp.status_code} {resp.text[:300]}"
        self.session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def get(self, path: str, **params):
        resp = self.session.get(f"{self.base}/api/v2/{path}", params=params, timeout=30)
        assert resp.status_code == 200, f"GET {path}: {resp.status_code} {resp.text[:300]}"
        return resp.json()

    def send(self, method: str, path: str, body: dict):
        resp = self.session.request(method, f"{self.base}/api/v2/{path}", json=body, timeout=30)
        assert resp.status_code in (200, 201), f"{method} {path}: {resp.status_code} {resp.text[:500]}"
        return resp.json()

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"dags/{dag_id}/dagRuns", limit=100)["dag_runs"]

    def task_instances(self, dag_id: str, **params) -> list[dict]:
        return self.get(f"dags/{dag_id}/dagRuns/~/taskInstances", limit=100, **params)["task_instances"]

    def unpause(self, *dag_ids: str) -> None:
        for dag_id in dag_ids:
            self.send("PATCH", f"dags/{dag_id}", {"is_paused": False})


def api_up(base: str) -> bool:
    import requests

    try:
        return requests.get(f"{base}/api/v2/version", timeout=3).status_code == 200
    except requests.RequestException:
        return False


# ---------------------------------------------------------------- diagnostics and results


def log_errors(path: Path) -> str:
    """The error events of a task log (structured JSON lines): exception, message, innermost frames."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("level") not in ("error", "critical"):
            continue
        out.append(f"  {event.get('event')}")
        for err in event.get("error_detail") or []:
            out.append(f"  {err.get('exc_type')}: {str(err.get('exc_value'))[:400]}")
            out += [f"    {f.get('filename')}:{f.get('lineno')} {f.get('name')}" for f in (err.get("frames") or [])[-4:]]
    return "\n".join(out) or tail(path, 12)


def task_failures(api: Api, topology: Topology, dag_ids) -> str:
    """The failed (or retrying) task instances of ``dag_ids`` with the tail of their logs."""
    lines = []
    for dag_id in dag_ids:
        for ti in api.task_instances(dag_id, state=["failed", "up_for_retry", "upstream_failed"]):
            lines.append(f"{dag_id}.{ti['task_id']} [{ti['dag_run_id']}] {ti['state']} on {ti.get('hostname')}")
            logs = sorted((Path(topology.env["AIRFLOW_HOME"]) / "logs").glob(
                f"dag_id={dag_id}/run_id={ti['dag_run_id']}/task_id={ti['task_id']}/attempt=*.log"))
            if logs:
                lines.append(log_errors(logs[-1]))
    return "\n".join(lines)


def market_share_days(data_dir: Path) -> set[str]:
    """Days in the analysts' snapshot's day-grain market share (empty while it is absent or being replaced)."""
    import duckdb

    snapshot = data_dir / "analytics.duckdb"
    if not snapshot.exists():
        return set()
    try:
        with duckdb.connect(str(snapshot), read_only=True) as conn:
            rows = conn.execute(
                "SELECT DISTINCT period_start::VARCHAR FROM marts.market_share WHERE grain = 'day'").fetchall()
    except duckdb.Error:
        return set()  # being republished
    return {r[0] for r in rows}
