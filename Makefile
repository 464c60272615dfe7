# DramaTrack. Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap uv and the venv.
SHELL := /bin/bash
UV = $$(command -v uv || echo python3 -m uv)
PY = .venv/bin/python

.PHONY: bootstrap demo test test-all lint bench clean help

help:
	@echo "make demo   - run the whole pipeline (Airflow DAGs, embedded) on the bundled sample capture"
	@echo "make test   - run the test suite (no internet needed)"
	@echo "make lint   - ruff"
	@echo "make clean  - remove data/ (warehouse, archive, Airflow metadata)"

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --locked --quiet

demo: bootstrap
	$(PY) -m dramatrack_cli demo

test: bootstrap
	$(PY) -m pytest -q -p no:cacheprovider

lint: bootstrap
	$(PY) -m ruff check .

clean:
	rm -rf data
