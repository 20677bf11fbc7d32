"""Removing old import and export files: uploads (``<imports>/uploads/<upload id>/``) and
failing-row files (``<imports>/<import id>/``) are kept ``GRAPHCRM_FILE_RETENTION_DAYS``
(formerly ``GRAPHCRM_IMPORT_RETENTION_DAYS``) days after they were last written, then
removed by the nightly ``import_cleanup`` job and at the start of every import job. The
files of an import still running or undoing are kept whatever their age (a resume reads
its upload). The files list-export jobs leave for download (``<exports>/<job id>.csv`` or
``.xlsx``, see ``graph.io.export.job_file``) go after the same days, in the same nightly
job. Personal data in those files leaves with them.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from graph.store.protocol import GraphStore

UPLOADS = "uploads"  # the folder of uploads in the imports folder (views.imports writes it)
DAY = 24 * 60 * 60


@dataclass
class RetentionReport:
    """What a clean-up removed: upload folders, failing-row folders, export files."""

    uploads: int = 0
    error_files: int = 0
    exports: int = 0


def last_written(folder: Path) -> float:
    """When ``folder`` or a file in it was last written (epoch seconds)."""
    times = [folder.stat().st_mtime]
    times += [entry.stat().st_mtime for entry in folder.iterdir()]
    return max(times)


def remove_expired(
    store: GraphStore, imports: Path, *, days: int, now: float | None = None
) -> RetentionReport:
    """Remove the uploads and failing-row files under ``imports`` older than ``days`` days,
    except those of imports that are running or undoing."""
    report = RetentionReport()
    if not imports.is_dir():
        return report
    cutoff = (time.time() if now is None else now) - days * DAY
    busy = store.read("import_list_busy")
    kept_ids = {row["uid"] for row in busy}
    kept_uploads = {Path(row["path"]).parent for row in busy if row["path"]}
    uploads = imports / UPLOADS
    for folder in sorted(uploads.iterdir()) if uploads.is_dir() else []:
        if folder.is_dir() and folder not in kept_uploads and _expired(folder, cutoff):
            shutil.rmtree(folder, ignore_errors=True)
            report.uploads += 1
    for folder in sorted(imports.iterdir()):
        if folder.name == UPLOADS or not folder.is_dir() or folder.name in kept_ids:
            continue
        if _expired(folder, cutoff):
            shutil.rmtree(folder, ignore_errors=True)
            report.error_files += 1
    return report


def remove_expired_exports(exports: Path, *, days: int, now: float | None = None) -> int:
    """Remove the export files in ``exports`` (and any a crashed export left half-written)
    last written more than ``days`` days ago; returns how many. A running export writes
    its file as it goes, so it is never that old."""
    if not exports.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - days * DAY
    removed = 0
    for path in sorted(exports.iterdir()):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:  # removed meanwhile (two clean-ups at once)
            continue
    return removed


def _expired(folder: Path, cutoff: float) -> bool:
    try:
        return last_written(folder) < cutoff
    except OSError:  # removed meanwhile (two clean-ups at once)
        return False
