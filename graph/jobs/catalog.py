"""The named jobs: what each one runs, and the idempotency key that keeps two copies of it
from running at once.

A job's ``run(context, resources, params)`` does the work, reports progress through
``context.progress`` between batches (which is also where a cancel stops it) and returns
a short summary line. Add a job here and it can be started from the app
(``app.jobs.start``), the REST API's retry, and the schedule (``graph.jobs.schedule``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.analytics.refresh import refresh
from graph.errors import GraphCRMError
from graph.io.export import ListExport, count, job_file, write_file
from graph.io.imports.engine import Importer, resume_import
from graph.io.imports.records import CANCELLED, RUNNING, set_state
from graph.io.imports.retention import remove_expired, remove_expired_exports
from graph.io.imports.undo import undo_import
from graph.jobs.context import JobCancelled, JobContext, Resources
from graph.records.repository import NodeRepository
from graph.security.key_rotation import rotate
from graph.security.scope import Scope

Run = Callable[[JobContext, Resources, dict[str, Any]], str]
# Settles what starting a job left behind when it is cancelled before it ran.
Unrun = Callable[[Resources, dict[str, Any]], None]

log = logging.getLogger(__name__)

ANALYTICS_REFRESH = "analytics_refresh"
KEY_ROTATION = "key_rotation"
IMPORT_RUN = "import_run"
IMPORT_UNDO = "import_undo"
IMPORT_CLEANUP = "import_cleanup"
LIST_EXPORT = "list_export"
EXPORT_STAGE = "export"
# Overall progress (out of 1000) at the start and end of each phase of a refresh.
REFRESH_PHASES = {
    "referrals": (0, 100),
    "revenue": (100, 250),
    "compute": (250, 450),
    "write": (450, 1000),
}
KEY_ROTATION_BATCH = 1000


@dataclass(frozen=True)
class JobSpec:
    """A named job: its ``run``, the idempotency key of a start with ``params`` and, for a
    job whose start leaves something for its run to finish (an import record), what
    settles it when the job is cancelled while queued (``cancelled_queued``): its run, and
    so the run's own handling of a cancel, never comes."""

    name: str
    run: Run
    key: Callable[[dict[str, Any]], str]
    cancelled_queued: Unrun | None = None


def _analytics_refresh(context: JobContext, resources: Resources, params: dict[str, Any]) -> str:
    """Recompute the referral analytics (``graph.analytics.refresh``), reporting its phases
    as one progress bar."""

    def progress(phase: str, count: int, total: int) -> None:
        low, high = REFRESH_PHASES[phase]
        share = min(count, total) / total if total > 0 else 0.0
        context.progress(phase, low + round((high - low) * share), 1000)

    report = refresh(resources.store, progress, write_batch=int(params.get("batch_size", 5000)))
    return " ".join(report.lines()[:2])


def _key_rotation(context: JobContext, resources: Resources, params: dict[str, Any]) -> str:
    """Re-encrypt every personal-data value under the worker's current key
    (``FIELD_ENCRYPTION_KEY``; the old ones in ``FIELD_ENCRYPTION_OLD_KEYS``): the
    servers-first rotation of ``graphcrm keys rotate``. Resumable: a retry finishes it."""
    if resources.cipher is None:
        raise ValueError("key rotation needs the field cipher")

    def progress(what: str, done: int, total: int) -> None:
        context.progress(what, done, total)

    report = rotate(
        resources.store,
        resources.cipher,
        batch_size=int(params.get("batch_size", KEY_ROTATION_BATCH)),
        progress=progress,
    )
    total = sum(report.resealed.values())
    if report.remaining:
        raise RuntimeError(
            f"{total} values re-encrypted; {report.remaining} changed meanwhile and still "
            "need it: retry the job"
        )
    return f"{total} values re-encrypted under key {resources.cipher.key_id}"


def _importer(resources: Resources, params: dict[str, Any]) -> Importer:
    """The importer a job's params name: username and row-level scope as at the request."""
    if resources.cipher is None:
        raise ValueError("imports need the field cipher")
    scope = Scope(
        username=str(params["actor"]),
        team_only=bool(params.get("team_only")),
        pii=bool(params.get("pii", True)),
    )
    return Importer(
        resources.store,
        resources.cipher,
        actor=scope.username,
        scope=scope,
        region=resources.cipher.phone_region,
        timezone=resources.timezone,
        hidden_texts=resources.hidden_texts,
    )


def _files(resources: Resources) -> Path:
    if resources.imports is None:
        raise ValueError("imports need a folder for their files")
    return resources.imports


def _import_run(context: JobContext, resources: Resources, params: dict[str, Any]) -> str:
    """Run (or, retried, resume) the import recorded as ``params["import_id"]``
    (``graph.io.imports.engine.start_import`` recorded it; its rows are read here)."""

    def progress(done: int, total: int) -> None:
        context.progress("import", done, total)

    importer = _importer(resources, params)
    try:
        remove_expired(resources.store, _files(resources), days=resources.import_retention_days)
    except (GraphCRMError, OSError):
        # Housekeeping: old files left for the nightly import_cleanup job (which reports
        # why) never fail an import.
        log.warning("old import files were not removed", exc_info=True)
    try:
        record = resume_import(
            importer, str(params["import_id"]), work_dir=_files(resources), progress=progress
        )
    except JobCancelled:
        # Stopped between batches: what was written stays (undo or resume it later). A
        # cancel that came once every row was written leaves the import done.
        set_state(importer.store, str(params["import_id"]), CANCELLED, only_from=RUNNING)
        raise
    counts = record.counts
    return (
        f"import {record.uid}: {counts['read']} read, {counts['created']} created, "
        f"{counts['updated']} updated, {counts['skipped']} skipped, {counts['failed']} failed"
    )


def _import_cancelled_queued(resources: Resources, params: dict[str, Any]) -> None:
    """An import job cancelled before it ran: its import, recorded running by the request
    that queued it, ends cancelled as one stopped between batches does (so its file can be
    imported again). An import in another state meanwhile (undone, or one this job was to
    resume that had failed) keeps it."""
    set_state(resources.store, str(params["import_id"]), CANCELLED, only_from=RUNNING)


def _import_undo(context: JobContext, resources: Resources, params: dict[str, Any]) -> str:
    """Undo the import ``params["import_id"]`` (``graph.io.imports.undo``), as one job."""

    def progress(done: int, total: int) -> None:
        context.progress("undo", done, total)

    report = undo_import(
        resources.store,
        resources.cipher,
        str(params["import_id"]),
        actor=str(params["actor"]),
        progress=progress,
    )
    return (
        f"import {params['import_id']} undone: {report.deleted} deleted, "
        f"{report.restored} restored, {report.unlinked} links removed, "
        f"{report.conflicts} changed since and kept"
    )


def _import_cleanup(context: JobContext, resources: Resources, params: dict[str, Any]) -> str:
    """Remove import uploads, failing-row files and list-export files older than the
    retention (``graph.io.imports.retention``)."""
    days = resources.import_retention_days
    report = remove_expired(resources.store, _files(resources), days=days)
    if resources.files is not None:
        report.exports = remove_expired_exports(resources.files, days=days)
    return (
        f"{report.uploads} uploads, {report.error_files} failing-row files and "
        f"{report.exports} export files older than {days} days removed"
    )


def _list_export(context: JobContext, resources: Resources, params: dict[str, Any]) -> str:
    """Write a list export (``graph.io.export``) to the job's file in ``resources.files``,
    for the user who asked for it to download from the Jobs screen."""
    if resources.files is None:
        raise ValueError("list exports need a folder for their files")
    export = ListExport.from_params(params)
    repository = NodeRepository(resources.store, export.model, cipher=resources.cipher)
    total = count(repository, export)
    context.progress(EXPORT_STAGE, 0, total)
    path = job_file(resources.files, context.job_id, export)

    def progress(done: int) -> None:
        context.progress(EXPORT_STAGE, done, max(total, done))

    write_file(repository, export, path, progress=progress)
    return f"{total} rows"


def _export_key(params: dict[str, Any]) -> str:
    """The same export asked again while it runs is the same job."""
    canonical = json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    return "list-export-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(ANALYTICS_REFRESH, _analytics_refresh, lambda params: "analytics-refresh"),
        JobSpec(KEY_ROTATION, _key_rotation, lambda params: "key-rotation"),
        # One import of a file at a time (the import record refuses a second one too).
        JobSpec(
            IMPORT_RUN,
            _import_run,
            lambda params: f"import:{params['file_hash']}",
            cancelled_queued=_import_cancelled_queued,
        ),
        JobSpec(IMPORT_UNDO, _import_undo, lambda params: f"import-undo:{params['import_id']}"),
        JobSpec(IMPORT_CLEANUP, _import_cleanup, lambda params: "import-cleanup"),
        JobSpec(LIST_EXPORT, _list_export, _export_key),
    )
}


def spec(name: str) -> JobSpec:
    """The named job ``name``; ``KeyError`` names the known ones."""
    try:
        return JOBS[name]
    except KeyError:
        raise KeyError(f"no job named {name!r} (known: {', '.join(sorted(JOBS))})") from None
