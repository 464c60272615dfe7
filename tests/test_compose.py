"""The production deployment files, checked offline: docker-compose.yml, Dockerfile, .env.example, Makefile.

No Docker engine is needed: the compose file is validated and resolved by Debian's ``docker-compose config``
(installed by ``make test``'s prerequisites; the compose test skips only when it is still absent), in a scratch
project folder whose ``.env`` is made by ``make env-file`` from ``.env.example`` — as ``make up`` does.
``tests/test_celery_topology.py`` runs the same topology natively.
"""

from __future__ import annotations

import base64
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
AIRFLOW_SERVICES = ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker", "airflow-worker-appstore", "airflow-worker-google-play"]
SOURCE_QUEUES = {"appstore": "airflow-worker-appstore", "google_play": "airflow-worker-google-play"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_CONN_|WEBHOOK_URL|BASIC_AUTH")
CONTAINER_DATA_DIR = "/opt/dramatrack/data"


def _env_example_keys() -> dict[str, str | None]:
    """Every KEY=value of .env.example, commented (value None: documented, default kept) or not."""
    keys: dict[str, str | None] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        m = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if m:
            commented, key, value = m.groups()
            if key not in keys or keys[key] is None:
                keys[key] = None if commented else value
    return keys


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A scratch copy of the deployment files, with .env made by `make env-file`."""
    folder = tmp_path_factory.mktemp("compose_project")
    for name in ("docker-compose.yml", ".env.example", "Makefile", "Dockerfile", ".dockerignore"):
        shutil.copy(REPO_ROOT / name, folder / name)
    (folder / "dags").symlink_to(REPO_ROOT / "dags")
    out = subprocess.run(["make", "-s", "env-file"], cwd=folder, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return folder


@pytest.fixture(scope="module")
def config(project) -> dict:
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (make test installs Debian's docker-compose; apt failed?)")
    out = subprocess.run([tool, "--project-directory", str(project), "-f", str(project / "docker-compose.yml"),
                          "config"], cwd=project, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"docker-compose config failed:\n{out.stderr[-3000:]}"
    return yaml.safe_load(out.stdout)


def _command(service: dict) -> list[str]:
    cmd = service.get("command") or []
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)


def _option(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            return args[i + 1]
        for name in names:
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _workers(config: dict) -> dict[str, tuple[set[str], int | None]]:
    """Celery worker services: their queues and concurrency."""
    out = {}
    for name, service in config["services"].items():
        args = _command(service)
        if args[:2] == ["celery", "worker"]:
            queues = set((_option(args, "--queues", "-q") or "default").split(","))
            concurrency = _option(args, "--concurrency", "-c")
            out[name] = (queues, int(concurrency) if concurrency else None)
    return out


# ---------------------------------------------------------------- the compose file


def test_compose_file_resolves_with_every_component(config):
    services = config["services"]
    assert set(AIRFLOW_SERVICES) | {"postgres", "redis", "airflow-init", "flower"} <= set(services)
    assert "postgres" in services["postgres"]["image"] and "redis" in services["redis"]["image"]
    assert services["flower"].get("profiles") == ["flower"]
    assert _command(services["flower"])[:2] == ["celery", "flower"]
    commands = {name: _command(services[name])[0] for name in AIRFLOW_SERVICES}
    assert {commands[n] for n in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                                  "airflow-triggerer")} == {"api-server", "scheduler", "dag-processor", "triggerer"}


def test_airflow_runs_celery_on_redis_with_postgres_metadata(config):
    env = config["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["DRAMATRACK_DATA_DIR"] == CONTAINER_DATA_DIR
    # one configuration for every component (the JWT secret in particular must match)
    for name in AIRFLOW_SERVICES + ["airflow-init", "flower"]:
        other = config["services"][name]["environment"]
        for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__BROKER_URL",
                    "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY"):
            assert other[key] == env[key] and env[key], (name, key)


def test_init_migrates_and_creates_the_duckdb_writer_pool(config):
    from dramatrack.assets import DUCKDB_WRITER_POOL

    init = config["services"]["airflow-init"]
    script = " ".join(_command(init))
    assert "airflow db migrate" in script
    assert re.search(rf"airflow pools set {DUCKDB_WRITER_POOL} 1\b", script)
    assert "passwords.json" in script  # the admin login
    for name in AIRFLOW_SERVICES + ["flower"]:
        deps = config["services"][name]["depends_on"]
        assert deps["airflow-init"]["condition"] == "service_completed_successfully", name
        assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy", name


def test_every_long_running_service_has_a_health_check(config):
    for name, service in config["services"].items():
        if name in ("airflow-init", "airflow-cli"):
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
    assert "8974/health" in " ".join(config["services"]["airflow-scheduler"]["healthcheck"]["test"])
    assert "/api/v2/version" in " ".join(config["services"]["airflow-apiserver"]["healthcheck"]["test"])


def test_volumes_for_dags_data_and_logs(config):
    for name in AIRFLOW_SERVICES + ["airflow-init"]:
        targets = {v.split(":")[1] if isinstance(v, str) else v["target"] for v in config["services"][name]["volumes"]}
        assert {"/opt/dramatrack/dags", CONTAINER_DATA_DIR, "/opt/airflow/logs"} <= targets, name
    assert {"postgres-db-volume", "dramatrack-data", "airflow-logs"} <= set(config["volumes"])


def test_source_queues_each_have_one_serial_worker(config):
    workers = _workers(config)
    assert any("default" in queues for queues, _ in workers.values()), "nobody consumes the default queue"
    for queue, service in SOURCE_QUEUES.items():
        consumers = [name for name, (queues, _) in workers.items() if queue in queues]
        assert consumers == [service], (queue, consumers)
        queues, concurrency = workers[service]
        assert queues == {queue} and concurrency == 1, (service, queues, concurrency)
        assert (config["services"][service].get("deploy") or {}).get("replicas", 1) == 1


def test_every_dag_task_queue_has_a_worker(config, airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    from dramatrack.local_airflow import DAGS_FOLDER

    bag = DagBag(str(DAGS_FOLDER))
    assert not bag.import_errors
    consumed = set().union(*(queues for queues, _ in _workers(config).values()))
    used = {(dag_id, task.task_id): task.queue for dag_id, dag in bag.dags.items() for task in dag.tasks}
    assert used[("appstore_ingest", "fetch_and_archive")] == "appstore"
    if ("google_play_ingest", "fetch_and_archive") in used:
        assert used[("google_play_ingest", "fetch_and_archive")] == "google_play"
    orphans = {k: q for k, q in used.items() if q not in consumed}
    assert not orphans, f"tasks on queues no worker consumes: {orphans}"


# ---------------------------------------------------------------- .env.example, Makefile, Dockerfile


def test_env_example_lists_every_setting():
    from dramatrack.settings import Settings

    keys = _env_example_keys()
    missing = [f"DRAMATRACK_{name.upper()}" for name in Settings.model_fields if f"DRAMATRACK_{name.upper()}" not in keys]
    assert not missing, f".env.example does not list {missing}"
    compose = COMPOSE_FILE.read_text()
    substituted = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", compose))
    airflow_keys = set(re.findall(r"^\s+(AIRFLOW__[A-Z0-9_]+):", compose, flags=re.M))
    assert not substituted - set(keys), f".env.example does not list {substituted - set(keys)}"
    assert not airflow_keys - set(keys), f".env.example does not list {airflow_keys - set(keys)}"
    assert {"AIRFLOW_CONN_DRAMATRACK_WEBHOOK", "AIRFLOW_CONN_SMTP_DEFAULT"} <= set(keys)


def test_env_example_holds_no_secret():
    for key, value in _env_example_keys().items():
        if SECRET_NAME.search(key) and value is not None:
            assert value == "", f"{key} has a value in .env.example: secrets belong in .env only"
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.startswith("# AIRFLOW_CONN_"):  # shapes only: every secret part is an ellipsis
            assert re.search(r'"password": "(\.\.\.|T000/B000/\.\.\.)"|token=\.\.\.', line) or "password" not in line
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and "data" in ignored


def test_make_env_file_generates_the_secrets(project):
    env = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (project / ".env").read_text(), flags=re.M))
    for key in ("POSTGRES_PASSWORD", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW__API__SECRET_KEY",
                "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY"):
        assert len(env[key]) >= 32, key
    assert len(base64.urlsafe_b64decode(env["AIRFLOW__CORE__FERNET_KEY"])) == 32
    before = (project / ".env").read_text()
    subprocess.run(["make", "-s", "env-file"], cwd=project, check=True, capture_output=True, timeout=60)
    assert (project / ".env").read_text() == before, "a second run must keep the existing secrets"
    assert (project / ".env").stat().st_mode & 0o077 == 0


def test_make_up_and_down_drive_compose():
    dry = subprocess.run(["make", "-n", "up", "down"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert re.search(r"\bup -d\b", dry.stdout) and re.search(r"\)\s+down\b|compose down\b", dry.stdout)


def test_dockerfile_installs_the_locked_project():
    text = (REPO_ROOT / "Dockerfile").read_text()
    bases = re.findall(r"^ARG PYTHON_IMAGE=(\S+)", text, flags=re.M) + re.findall(r"^FROM (\S+)", text, flags=re.M)
    assert any(b.startswith("python:3.11-slim") for b in bases), bases
    assert "uv sync --locked --no-dev" in text and "uv.lock" in text
    assert re.search(r"^USER airflow", text, flags=re.M)
