# DramaTrack. Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap uv and the venv.
SHELL := /bin/bash
UV = $$(command -v uv || echo python3 -m uv)
PY = .venv/bin/python

.PHONY: bootstrap demo test test-all lint bench accuracy clean help

help:
	@echo "make demo   - run the whole pipeline (Airflow DAGs, embedded) on the bundled sample capture"
	@echo "make test   - run the test suite (no internet needed)"
	@echo "make lint   - ruff"
	@echo "make accuracy - the estimates against the simulated market's truth (bench/accuracy.json)"
	@echo "make clean  - remove data/ (warehouse, archive, Airflow metadata)"
	@echo "make up     - production deployment: docker compose up -d (creates .env first; docs/deployment.md)"
	@echo "make down   - docker compose down (volumes are kept)"

# Bytecode is compiled here, once (later runs only check it, ~2 s): a module imported without a .pyc is compiled
# from source at every import when the .pyc cannot be written (PYTHONDONTWRITEBYTECODE, a read-only venv), which
# doubled the demo's import time (Airflow, Great Expectations, pandas: ~12 s of its pipeline). Errors (test files
# of packages written for another Python) are ignored: those modules are never imported.
COMPILED = .venv/lib dags dramatrack dramatrack_cli dramatrack_config expectations extractors sample_data transforms warehouse

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --locked --quiet
	@$(PY) -m compileall -q -j 0 $(COMPILED) >/dev/null 2>&1 || true

demo: bootstrap
	$(PY) -m dramatrack_cli demo

# Two pytest-xdist workers (the 2-core budget); a test file runs whole in one worker (its module fixtures once).
TEST_WORKERS ?= 2
test: bootstrap test-prereqs
	$(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

lint: bootstrap
	$(PY) -m ruff check .
	.venv/bin/lint-imports --no-cache

# Benchmarks (bench/, docs/performance.md): writes bench/results.json and prints one table; under 15 min on 2 cores.
bench: bootstrap
	$(PY) -m bench.run_all

# Accuracy of the estimates against the simulated market's truth: writes bench/accuracy.json, prints a table,
# then regenerates the "Measured accuracy" section of docs/methodology.md from it.
accuracy: bootstrap
	$(PY) -m bench.bench_accuracy
	$(PY) -m bench.accuracy_doc

clean:
	rm -rf data

# ---- production deployment (docker-compose.yml, docs/deployment.md) --------------------------------------------
.PHONY: up down env-file test-prereqs
COMPOSE = $$(docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
SECRET_KEYS = POSTGRES_PASSWORD|AIRFLOW_ADMIN_PASSWORD|AIRFLOW__CORE__FERNET_KEY|AIRFLOW__API__SECRET_KEY|AIRFLOW__API_AUTH__JWT_SECRET

# Tools the tests use beyond the venv: Debian's docker-compose validates docker-compose.yml offline; Graphviz's
# `dot` draws docs/asset_graph.png (docs/make_asset_graph.py).
test-prereqs:
	@command -v docker-compose >/dev/null || (apt-get update -qq && apt-get install -y -qq docker-compose) >/dev/null 2>&1 || true
	@command -v dot >/dev/null || (apt-get update -qq && apt-get install -y -qq graphviz) >/dev/null 2>&1 || true
# Headless Chromium renders the HTML report in tests/test_report.py (the test skips, saying why, without it)
	@command -v chromium >/dev/null || apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || true

# .env from .env.example, every empty secret filled with a random value (existing values are kept).
env-file:
	@test -f .env || { cp .env.example .env && chmod 600 .env && echo "created .env from .env.example"; }
	@python3 -c 'import base64, os, re, secrets; p = ".env"; s = open(p).read(); \
	gen = lambda k: base64.urlsafe_b64encode(os.urandom(32)).decode() if k.endswith("FERNET_KEY") else secrets.token_urlsafe(32); \
	t = re.sub(r"(?m)^($(SECRET_KEYS))=[ \t]*$$", lambda m: m.group(1) + "=" + gen(m.group(1)), s); \
	t != s and (open(p, "w").write(t), print("generated the empty secrets in .env (the UI login: AIRFLOW_ADMIN_USERNAME / AIRFLOW_ADMIN_PASSWORD)"))'

up: env-file
	$(COMPOSE) up -d --build

down:
	$(COMPOSE) down
