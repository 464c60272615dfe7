"""The worker process of embedded runs (dramatrack/pipeline/worker.py): calls run in another process, results and
exceptions come back, and the worker stops when asked."""

from __future__ import annotations

import os

import pytest

from dramatrack.pipeline import worker


@pytest.fixture
def stopped_after():
    yield
    worker.shutdown()


def test_a_call_runs_in_one_other_process_kept_between_calls(stopped_after):
    first = worker.call(os.getpid)
    assert first != os.getpid()
    assert worker.call(os.getpid) == first  # the same worker: its imports are paid once per run


def test_the_callee_exception_reaches_the_caller(stopped_after):
    with pytest.raises(ValueError, match="invalid literal"):
        worker.call(int, "not a number")


def test_shutdown_stops_the_worker_and_a_later_call_starts_another(stopped_after):
    first = worker.call(os.getpid)
    worker.shutdown()
    assert worker._pool is None
    assert worker.call(os.getpid) not in (first, os.getpid())


def test_use_worker_switches_the_marts_builds(stopped_after):
    was_on = worker.enabled()
    try:
        worker.use_worker()
        assert worker.enabled()
        worker.use_worker(False)
        assert not worker.enabled()
    finally:
        worker.use_worker(was_on)
