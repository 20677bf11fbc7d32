"""Removing old import files: uploads (``<imports>/uploads/<upload id>/``) and failing-row
files (``<imports>/<import id>/``) are kept ``GRAPHCRM_IMPORT_RETENTION_DAYS`` days after
they were last written, then removed by the nightly ``import_cleanup`` job and at the start
of every import job. The files of an import still running or undoing are kept whatever
their age (a resume reads its upload). Personal data in those files leaves with them.
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
    """What a clean-up removed: upload folders and failing-row folders."""

    uploads: int = 0
    error_files: int = 0


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


def _expired(folder: Path, cutoff: float) -> bool:
    try:
        return last_written(folder) < cutoff
    except OSError:  # removed meanwhile (two clean-ups at once)
        return False
