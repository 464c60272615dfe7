"""The DuckDB-heavy steps of an embedded run (``make demo``, ``dramatrack run``) in a worker process of their own.

Under a deployed Airflow every task is its own process. The embedded runner runs every task in one process, which
kept what DuckDB and pandas allocated for the daily marts build and snapshot copy (and the demo's report) on top of
Airflow, Great Expectations and pandas: ~1.05 GB peak for the demo. The embedded runner turns the worker on
(:func:`use_worker`): the marts builds then run in one spawned process, started at the first build and kept for the
run (a process per build would pay its imports every day), so the runner's process never holds their memory. The
tables and the published snapshot are the same either way.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_enabled = False
_pool: ProcessPoolExecutor | None = None


def use_worker(enabled: bool = True) -> None:
    """Run later marts builds of this process in the worker process (or, ``False``, in this process; a worker
    already started keeps running until :func:`shutdown`)."""
    global _enabled
    _enabled = enabled


def enabled() -> bool:
    """Whether the marts builds of this process run in the worker process."""
    return _enabled


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in the worker process (started on first use; spawned, not forked: a fork would
    copy this process's memory and its threads' locks); its result or its exception. ``fn`` is a module-level
    function, its arguments and result picklable; the worker reads its settings from the same environment."""
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool.submit(fn, *args, **kwargs).result()


def _build(changed_dates: list[str] | None) -> dict:
    from dramatrack.pipeline.validate_load import build_marts_and_publish
    from dramatrack.settings import get_settings

    return build_marts_and_publish(get_settings(), changed_dates=changed_dates)


def build_marts_and_publish(changed_dates: list[str] | None) -> dict:
    """``validate_load.build_marts_and_publish`` with the environment's settings, in the worker process."""
    return call(_build, changed_dates)


def shutdown() -> None:
    """Stop the worker process, if one was started."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None
