"""Run one queued job to its end: ``done``, ``failed`` (with its error) or ``cancelled``;
or cancel it before it runs (``cancel``).

The worker (``app/jobs.py``) calls ``run`` with the job id the queue delivered. A job
cancelled or run elsewhere meanwhile is skipped. While the job runs a heartbeat thread
marks it alive; if the worker process dies, ``progress.fail_stale`` fails it later. If the
graph engine stops answering, the store raises ``StoreUnavailable`` at the next statement
and the job fails with that message: it never hangs on a dead engine.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from graph.errors import GraphCRMError, StoreUnavailable
from graph.jobs import progress
from graph.jobs.catalog import spec
from graph.jobs.context import JobCancelled, JobContext, Resources

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10.0


def describe_error(exc: BaseException) -> str:
    """The text a failed job keeps: what failed, for the person who retries it."""
    if isinstance(exc, StoreUnavailable):
        return f"The graph engine stopped answering: {exc}"
    if isinstance(exc, GraphCRMError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def cancel(engine: Engine, job_id: str, resources: Resources) -> progress.Job | None:
    """Cancel job ``job_id`` if queued, settling what its start left for its run (the
    job's ``cancelled_queued``), or ask it to stop at its next checkpoint if running;
    returns the job as it is now (None for an unknown id)."""
    job, unrun = progress.request_cancel(engine, job_id)
    settle = spec(job.name).cancelled_queued if job is not None and unrun else None
    if job is not None and settle is not None:
        try:
            settle(resources, job.params)
        except GraphCRMError:
            # The job is cancelled all the same; what it left stays as a crash leaves it
            # (an import running: retry the job to resume it, or undo it).
            log.warning("job %s (%s): cancelled, not settled", job_id, job.name, exc_info=True)
    return job


def run(
    engine: Engine,
    job_id: str,
    resources: Resources,
    *,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> progress.Job | None:
    """Run job ``job_id`` if it is still queued; returns the job as it ended (or as it is,
    when it was not queued), None for an unknown id."""
    job = progress.begin(engine, job_id)
    if job is None:
        return progress.get(engine, job_id)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(heartbeat_seconds):
            try:
                progress.heartbeat(engine, job_id)
            except Exception:  # the next beat tries again
                log.exception("job %s: heartbeat not written", job_id)

    beating = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    beating.start()
    try:
        summary = spec(job.name).run(JobContext(engine, job_id), resources, job.params)
    except JobCancelled:
        return progress.finish(engine, job_id, progress.CANCELLED)
    except Exception as exc:
        log.warning("job %s (%s) failed: %s", job_id, job.name, exc, exc_info=True)
        return progress.finish(engine, job_id, progress.FAILED, error=describe_error(exc))
    finally:
        stop.set()
        beating.join()
    return progress.finish(engine, job_id, progress.DONE, result=summary)
