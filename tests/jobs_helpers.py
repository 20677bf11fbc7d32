"""Helpers for job tests: a worker in threads of the test process, waiting for a job, and
leaving no active job behind for the next test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from app.jobs import Worker, queue
from graph.jobs import progress


def settle(app: Flask) -> None:
    """End every queued or running job left by an earlier test (frees their keys)."""
    engine = queue(app).engine
    for job in progress.listing(engine, limit=1000):
        if job.active:
            progress.finish(engine, job.id, progress.CANCELLED)


@contextmanager
def running_worker(app: Flask, threads: int = 1) -> Iterator[Worker]:
    """A job worker (huey consumer threads) for the duration of the block; stopped after."""
    worker = Worker(queue(app), threads=threads).start()
    try:
        yield worker
    finally:
        worker.stop()


def wait_for(app: Flask, job_id: str, states: tuple[str, ...] = progress.FINISHED,
             timeout: float = 60.0) -> progress.Job:  # fmt: skip
    """The job once it is in one of ``states`` (fails the test after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        job = progress.get(queue(app).engine, job_id)
        assert job is not None
        if job.state in states:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.state} after {timeout} s"
        time.sleep(0.05)
