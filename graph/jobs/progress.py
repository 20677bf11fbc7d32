"""Job records: what was started, by whom, how far it got and how it ended.

Records live in the SQL security database (table ``graphcrm_job``), beside the audit log:
every web worker and every job worker reads the same rows, they survive restarts, and a
production database (PostgreSQL) is shared by every machine. The queue (huey) only
carries job ids; the record is the truth about a job.

States: ``queued`` → ``running`` → ``done`` | ``failed`` | ``cancelled`` (a queued job may
be cancelled before it runs). While a job is queued or running its idempotency key sits
in the unique column ``active_key``, so a second start with the same key cannot create a
second record: it gets the one that is queued or running. A finished job frees its key.
A running job writes a heartbeat; one whose heartbeat stops (its worker was killed) is
failed by ``fail_stale`` with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from graph.records.repository import utc_now

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
FINISHED = (DONE, FAILED, CANCELLED)
MAX_ERROR = 2000
TABLE = "graphcrm_job"

metadata = MetaData()
jobs = Table(
    TABLE,
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False, index=True),
    Column("key", String(128), nullable=False),
    # The idempotency key while the job is queued or running, else null (unique).
    Column("active_key", String(128), unique=True),
    Column("state", String(16), nullable=False, index=True),
    Column("stage", String(64), nullable=False, default=""),
    Column("done", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("params", Text, nullable=False, default="{}"),
    Column("started_by", String(256), index=True),
    Column("queued_at", DateTime, nullable=False, index=True),  # naive UTC, as all below
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    Column("heartbeat_at", DateTime),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("error", Text),
    Column("result", Text),
    Column("retry_of", String(32)),
)


def now() -> dt.datetime:
    """Naive UTC, as the security database stores times."""
    return utc_now().replace(tzinfo=None)


@dataclass(frozen=True)
class Job:
    """One job record as read."""

    id: str
    name: str
    key: str
    state: str
    stage: str
    done: int
    total: int
    params: dict[str, Any]
    started_by: str | None
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    cancel_requested: bool
    error: str | None
    result: str | None
    retry_of: str | None

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.state in ACTIVE

    @property
    def fraction(self) -> float:
        """How much is done, 0.0 to 1.0 (1.0 once done)."""
        if self.state == DONE:
            return 1.0
        return min(self.done / self.total, 1.0) if self.total > 0 else 0.0

    def eta_seconds(self, at: dt.datetime | None = None) -> float | None:
        """Seconds left at the pace so far (None until something is done, or when not
        running)."""
        if self.state != RUNNING or self.started_at is None or not 0 < self.fraction < 1:
            return None
        elapsed = ((at or now()) - self.started_at).total_seconds()
        return max(elapsed * (1 - self.fraction) / self.fraction, 0.0)

    def as_dict(self) -> dict[str, Any]:
        """The record as the REST API returns it (times: naive UTC, ISO 8601)."""
        eta = self.eta_seconds()

        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {
            "id": self.id,
            "name": self.name,
            "key": self.key,
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "percent": round(100 * self.fraction, 1),
            "eta_seconds": round(eta, 1) if eta is not None else None,
            "started_by": self.started_by,
            "queued_at": iso(self.queued_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "cancel_requested": self.cancel_requested,
            "error": self.error,
            "result": self.result,
            "retry_of": self.retry_of,
        }


def _job(row: Any) -> Job:
    values = dict(row._mapping)
    values.pop("active_key", None)
    values["params"] = json.loads(values["params"] or "{}")
    values["cancel_requested"] = bool(values["cancel_requested"])
    return Job(**values)


def ensure_tables(engine: Engine) -> None:
    """Create the job table if missing."""
    metadata.create_all(engine, tables=[jobs], checkfirst=True)


def get(engine: Engine, job_id: str) -> Job | None:
    """The job ``job_id``, or None."""
    with engine.connect() as connection:
        row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return _job(row) if row is not None else None


def active_with_key(engine: Engine, key: str) -> Job | None:
    """The queued or running job holding idempotency ``key``, if any."""
    with engine.connect() as connection:
        row = connection.execute(select(jobs).where(jobs.c.active_key == key)).first()
    return _job(row) if row is not None else None


def create(
    engine: Engine,
    name: str,
    key: str,
    *,
    started_by: str | None,
    params: dict[str, Any] | None = None,
    retry_of: str | None = None,
) -> tuple[Job, bool]:
    """A new queued job, or the queued or running one holding ``key`` already; the flag
    says whether it is new. Safe when two processes start the same key at once: the unique
    ``active_key`` lets one insert win."""
    for _ in range(3):
        held = active_with_key(engine, key)
        if held is not None:
            return held, False
        job_id = secrets.token_hex(8)
        values = {
            "id": job_id,
            "name": name,
            "key": key,
            "active_key": key,
            "state": QUEUED,
            "stage": "",
            "done": 0,
            "total": 0,
            "params": json.dumps(params or {}, sort_keys=True),
            "started_by": started_by,
            "queued_at": now(),
            "cancel_requested": False,
            "retry_of": retry_of,
        }
        try:
            with engine.begin() as connection:
                connection.execute(jobs.insert().values(**values))
        except IntegrityError:
            continue  # another start won the key: return its job
        job = get(engine, job_id)
        assert job is not None
        return job, True
    raise RuntimeError(f"could not start or find the job holding key {key!r}")


def listing(engine: Engine, *, started_by: str | None = None, limit: int = 100) -> list[Job]:
    """The newest ``limit`` jobs, only those ``started_by`` one user when given."""
    query = select(jobs).order_by(jobs.c.queued_at.desc(), jobs.c.id).limit(limit)
    if started_by is not None:
        query = query.where(jobs.c.started_by == started_by)
    with engine.connect() as connection:
        return [_job(row) for row in connection.execute(query)]


def _set(engine: Engine, job_id: str, *conditions: Any, **values: Any) -> bool:
    with engine.begin() as connection:
        done = connection.execute(
            update(jobs).where(jobs.c.id == job_id, *conditions).values(**values)
        )
    return bool(done.rowcount)


def request_cancel(engine: Engine, job_id: str) -> tuple[Job | None, bool]:
    """Cancel a queued job at once; ask a running one to stop at its next checkpoint.
    A finished job is left as it is. Returns the job as it is now, and whether this call
    cancelled it while queued (its run will never come)."""
    stamp = now()
    unrun = _set(
        engine,
        job_id,
        jobs.c.state == QUEUED,
        state=CANCELLED,
        active_key=None,
        cancel_requested=True,
        finished_at=stamp,
    )
    _set(engine, job_id, jobs.c.state == RUNNING, cancel_requested=True)
    return get(engine, job_id), unrun


def begin(engine: Engine, job_id: str) -> Job | None:
    """Mark a queued job running (None when it is not queued: cancelled meanwhile, or run
    already by another worker)."""
    stamp = now()
    if not _set(
        engine, job_id, jobs.c.state == QUEUED, state=RUNNING, started_at=stamp, heartbeat_at=stamp
    ):
        return None
    return get(engine, job_id)


def report(engine: Engine, job_id: str, stage: str, done: int, total: int) -> bool:
    """Store a running job's progress (and heartbeat); True when a cancel was asked for."""
    _set(
        engine,
        job_id,
        jobs.c.state == RUNNING,
        stage=stage[:64],
        done=max(done, 0),
        total=max(total, 0),
        heartbeat_at=now(),
    )
    return cancel_requested(engine, job_id)


def heartbeat(engine: Engine, job_id: str) -> None:
    """The running job's worker is alive."""
    _set(engine, job_id, jobs.c.state == RUNNING, heartbeat_at=now())


def cancel_requested(engine: Engine, job_id: str) -> bool:
    """True when someone asked the job to stop."""
    with engine.connect() as connection:
        flag = connection.execute(
            select(jobs.c.cancel_requested).where(jobs.c.id == job_id)
        ).scalar()
    return bool(flag)


def finish(
    engine: Engine, job_id: str, state: str, *, error: str | None = None, result: str | None = None
) -> Job | None:
    """End a queued or running job as ``done``, ``failed`` or ``cancelled``; frees its key."""
    if state not in FINISHED:
        raise ValueError(f"a job finishes as one of {FINISHED}, not {state!r}")
    values: dict[str, Any] = {"state": state, "active_key": None, "finished_at": now()}
    if error is not None:
        values["error"] = error[:MAX_ERROR]
    if result is not None:
        values["result"] = result[:MAX_ERROR]
    _set(engine, job_id, jobs.c.state.in_(ACTIVE), **values)
    return get(engine, job_id)


def fail_stale(engine: Engine, *, silent_for: dt.timedelta, error: str) -> list[Job]:
    """Fail every running job whose heartbeat is older than ``silent_for`` (its worker
    stopped without finishing it); returns them."""
    limit = now() - silent_for
    with engine.connect() as connection:
        ids = (
            connection.execute(
                select(jobs.c.id).where(jobs.c.state == RUNNING, jobs.c.heartbeat_at < limit)
            )
            .scalars()
            .all()
        )
    failed = []
    for job_id in ids:
        if _set(engine, job_id, jobs.c.state == RUNNING, jobs.c.heartbeat_at < limit,
                state=FAILED, active_key=None, finished_at=now(), error=error):  # fmt: skip
            job = get(engine, job_id)
            if job is not None:
                failed.append(job)
    return failed
