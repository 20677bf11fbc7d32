"""The app's job queue: huey carries job ids from the web to the worker.

Why huey: a small, maintained queue library with SQLite and Redis storages and periodic
tasks, so the default setup needs no extra service (SQLite in the instance folder, for
either graph engine) and production points every web server and worker at one Redis
(``GRAPHCRM_JOBS_URL=redis://…``) to share the work. The job records themselves (state,
progress, error, who started it) live in the security database (``graph.jobs.progress``).

``start`` creates a job's record (or returns the queued or running one with the same
idempotency key) and enqueues it; ``cancel`` and ``retry`` act on records; each of these,
and a job's failure, is an audit event. ``serve_worker`` runs the consumer in this process
(``graphcrm worker``); ``Worker`` runs one in threads beside other work (tests).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy import Engine

from app.audit import record as record_audit_event
from app.graph_store import business_timezone
from graph.errors import ConfigError
from graph.jobs import progress
from graph.jobs.catalog import spec
from graph.jobs.context import Resources
from graph.jobs.runner import cancel, run
from graph.jobs.schedule import due
from views.scope import (
    ALL_JOBS_PERMISSION,
    JOBS,
    appbuilder_of,
    cipher_of,
    import_folder,
    not_visible_texts,
    security_engine,
    store_of,
)

log = logging.getLogger(__name__)

RUN_TASK = "graphcrm.run_job"
TICK_TASK = "graphcrm.tick"
# A running job whose heartbeat (every 10 s) stopped this long ago lost its worker.
STALE_AFTER = dt.timedelta(seconds=60)
STALE_ERROR = "The worker running this job stopped before it finished (retry it)."
STOPPED_ERROR = "The worker was shut down before this job finished (retry it)."
# The permission to see, cancel and retry every user's jobs (Admin's); others see their own.


def make_huey(url: str, instance_path: str) -> Huey:
    """The queue named by ``GRAPHCRM_JOBS_URL``: empty is SQLite in the instance folder,
    ``sqlite:////abs/path.db`` another SQLite file, ``redis://``, ``rediss://`` or
    ``unix://`` a Redis server."""
    if not url:
        return SqliteHuey("graphcrm", filename=str(Path(instance_path) / "jobs.db"), results=False)
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        filename = url.removeprefix("sqlite://").removeprefix("/")
        if not filename:
            raise ConfigError("GRAPHCRM_JOBS_URL=sqlite:///… needs a file path")
        return SqliteHuey("graphcrm", filename=filename, results=False)
    if scheme in ("redis", "rediss", "unix"):
        return RedisHuey("graphcrm", url=url, results=False)
    raise ConfigError(
        f"GRAPHCRM_JOBS_URL must be empty, sqlite:///path or redis://host:port/db, not {url!r}"
    )


class JobQueue:
    """One app's queue, its tasks and the job actions that are audited."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = make_huey(app.config["GRAPHCRM_JOBS_URL"], app.config["GRAPHCRM_INSTANCE_PATH"])
        self._enqueue = self.huey.task(name=RUN_TASK)(self._run)
        self.huey.periodic_task(crontab(), name=TICK_TASK)(self._tick)
        # Where jobs leave files for their users (list exports): the instance folder's exports/.
        self.files = Path(app.config["GRAPHCRM_INSTANCE_PATH"]) / "exports"
        self._running: set[str] = set()
        self._lock = threading.Lock()
        with app.app_context():
            # The security database, where job records live.
            self.engine: Engine = security_engine(app)

    # -- actions (audited) ------------------------------------------------------------------

    def start(
        self,
        name: str,
        *,
        started_by: str | None,
        params: dict[str, Any] | None = None,
        retry_of: str | None = None,
    ) -> tuple[progress.Job, bool]:
        """Queue job ``name``, or return the queued or running one with its idempotency key;
        the flag says whether a new job was queued."""
        params = dict(params or {})
        job, created = progress.create(
            self.engine,
            name,
            spec(name).key(params),
            started_by=started_by,
            params=params,
            retry_of=retry_of,
        )
        if not created:
            return job, False
        self._audit("job_retry" if retry_of else "job_start", job, username=started_by)
        try:
            self._enqueue(job.id)
        except Exception as exc:  # the broker is down: the job cannot run, say so
            log.exception("job %s could not be queued", job.id)
            failed = progress.finish(
                self.engine, job.id, progress.FAILED, error=f"The job queue is unavailable: {exc}"
            )
            return failed or job, True
        return job, True

    def cancel(self, job_id: str, *, by: str | None) -> progress.Job | None:
        """Cancel a queued job (settling what its start left, e.g. an import's record), or
        ask a running one to stop at its next batch."""
        with self.app.app_context():
            job = cancel(self.engine, job_id, self._resources())
        if job is not None:
            self._audit("job_cancel", job, username=by)
        return job

    def retry(self, job_id: str, *, by: str | None) -> tuple[progress.Job, bool] | None:
        """Start a failed or cancelled job again (a new job; the old one keeps its error).
        None when the job is not there or not failed or cancelled."""
        job = progress.get(self.engine, job_id)
        if job is None or job.state not in (progress.FAILED, progress.CANCELLED):
            return None
        return self.start(job.name, started_by=by, params=job.params, retry_of=job.id)

    def _audit(self, action: str, job: progress.Job, *, username: str | None = None,
               **detail: Any) -> None:  # fmt: skip
        with self.app.app_context():
            record_audit_event(
                action, target=f"Job:{job.id}", detail={"name": job.name, **detail},
                username=username,
            )  # fmt: skip

    # -- tasks (run in the worker) ----------------------------------------------------------

    def _run(self, job_id: str) -> None:
        with self._lock:
            self._running.add(job_id)
        try:
            with self.app.app_context():
                job = run(self.engine, job_id, self._resources())
                if job is not None and job.state == progress.FAILED:
                    self._audit("job_failed", job, username="system", error=job.error or "")
        finally:
            with self._lock:
                self._running.discard(job_id)

    def _resources(self) -> Resources:
        """What jobs work on (within an app context)."""
        return Resources(
            store_of(self.app),
            cipher_of(self.app),
            business_timezone(self.app),
            files=self.files,
            imports=import_folder(self.app),
            import_retention_days=int(self.app.config["GRAPHCRM_FILE_RETENTION_DAYS"]),
            hidden_texts=not_visible_texts(self.app),
        )

    def _tick(self) -> None:
        """Every minute: fail jobs whose worker died, start the periodic jobs that are due."""
        with self.app.app_context():
            self.fail_stale()
            moment = dt.datetime.now(business_timezone(self.app))
            for entry in due(moment):
                self.start(entry.job, started_by="schedule")

    def fail_stale(self) -> list[progress.Job]:
        """Fail (and audit) running jobs whose worker stopped without finishing them."""
        failed = progress.fail_stale(self.engine, silent_for=STALE_AFTER, error=STALE_ERROR)
        for job in failed:
            self._audit("job_failed", job, username="system", error=STALE_ERROR)
        return failed

    def fail_interrupted(self) -> None:
        """Fail the jobs this process was running when its worker stopped."""
        with self._lock:
            interrupted = list(self._running)
        for job_id in interrupted:
            job = progress.finish(self.engine, job_id, progress.FAILED, error=STOPPED_ERROR)
            if job is not None and job.state == progress.FAILED:
                self._audit("job_failed", job, username="system", error=STOPPED_ERROR)

    # -- workers ----------------------------------------------------------------------------

    def consumer(self, threads: int, *, periodic: bool, max_delay: float = 1.0) -> Consumer:
        """A huey consumer running ``threads`` jobs at once (periodic jobs if ``periodic``)."""
        return self.huey.create_consumer(
            workers=threads,
            worker_type="thread",
            periodic=periodic,
            initial_delay=0.05,
            max_delay=max_delay,
        )

    def serve_worker(self, threads: int, *, periodic: bool) -> None:
        """Run jobs in this process until SIGINT (waits for running jobs) or SIGTERM (fails
        them: retry them later)."""
        self.fail_stale()
        try:
            self.consumer(threads, periodic=periodic).run()
        finally:
            self.fail_interrupted()


class Worker:
    """A consumer in threads of this process (no signal handlers): ``start`` and ``stop``."""

    def __init__(self, queue: JobQueue, *, threads: int = 1, periodic: bool = False) -> None:
        self.queue = queue
        self._consumer = queue.consumer(threads, periodic=periodic, max_delay=0.2)

    def start(self) -> Worker:
        """Start the scheduler and worker threads."""
        self._consumer.scheduler.start()
        for _, thread in self._consumer.worker_threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop taking jobs and wait for the running ones to end."""
        self._consumer.stop(graceful=True)


def queue(app: Flask) -> JobQueue:
    """The app's job queue."""
    return app.extensions[JOBS]


def init_app(app: Flask) -> None:
    """Create the app's queue and give Admin the permission to manage every user's jobs."""
    app.extensions[JOBS] = JobQueue(app)
    sm = appbuilder_of(app).sm
    with app.app_context():
        admin = sm.find_role(app.config["AUTH_ROLE_ADMIN"])
        permission = sm.add_permission_view_menu(*ALL_JOBS_PERMISSION)
        if admin is not None and permission not in admin.permissions:
            sm.add_permission_role(admin, permission)
