# syntax=docker/dockerfile:1
#
# The DramaTrack image: Airflow 3.3.2 and the project, installed from uv.lock. docker-compose.yml runs every
# Airflow component from it (docs/deployment.md).
#
# Base: python:3.11-slim, not apache/airflow:3.3.2-python3.11. The project pins apache-airflow==3.3.2 and every
# transitive dependency in uv.lock, so `uv sync --locked --no-dev` on a plain Python installs exactly the set the
# test suite runs against. On the official image that sync would put a second Airflow (and a second dependency
# set, the image's constraints) beside the one it ships: a larger image and two sets of versions to keep apart,
# for an entrypoint and providers this deployment does not use.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

ARG UV_VERSION=0.13.9
# The containers run as this user (docker-compose.yml: user "${AIRFLOW_UID}:0"); it must exist in the image.
ARG AIRFLOW_UID=50000

ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/dramatrack/.venv \
    PATH=/opt/dramatrack/.venv/bin:${PATH} \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/dramatrack/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    DRAMATRACK_DATA_DIR=/opt/dramatrack/data

# curl for the health checks, tini as PID 1 (signals reach Airflow, zombies are reaped).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl tini \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir "uv==${UV_VERSION}" \
    && useradd --uid "${AIRFLOW_UID}" --gid 0 --home-dir /opt/airflow --create-home --shell /bin/bash airflow

WORKDIR /opt/dramatrack

# The locked dependencies first: this layer changes only with uv.lock.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project

# Then the project (see .dockerignore). Installed editable, as in development: settings resolve catalog/ and
# the default data/ from this source tree.
COPY . .
RUN uv sync --locked --no-dev \
    && airflow version \
    && mkdir -p /opt/dramatrack/data /opt/airflow/logs /opt/airflow/auth \
    && chown -R airflow:0 /opt/dramatrack/data /opt/airflow \
    && chmod -R g+rwX /opt/dramatrack/data /opt/airflow

USER airflow
ENTRYPOINT ["/usr/bin/tini", "--", "airflow"]
CMD ["version"]
