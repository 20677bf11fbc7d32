"""What a running job sees: a progress reporter with a cooperative cancel check, and the
resources it works on."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from graph.errors import Stopped
from graph.jobs import progress
from graph.records.visibility import NOT_VISIBLE
from graph.security.crypto import FieldCipher
from graph.store.protocol import GraphStore


class JobCancelled(Stopped):
    """Raised at a checkpoint when someone asked the job to stop."""


@dataclass(frozen=True)
class Resources:
    """What the named jobs work on: the graph, the field cipher of personal data, the
    business time zone (the day in new records' uids), the folder where jobs leave files
    for their users (list exports), the folder of imports (uploads, failing rows) and how
    many days import and export files are kept."""

    store: GraphStore
    cipher: FieldCipher | None = None
    timezone: dt.tzinfo = dt.UTC
    files: Path | None = None
    imports: Path | None = None
    import_retention_days: int = 7  # GRAPHCRM_FILE_RETENTION_DAYS: imports' and exports
    # A record the reader may not see, as exports write it in each language (imports).
    hidden_texts: frozenset[str] = frozenset({NOT_VISIBLE})


class JobContext:
    """Progress and cancel checks for one running job.

    ``progress(stage, done, total)`` stores how far the job got (at most every
    ``interval`` seconds, and always when the stage changes or completes) and raises
    ``JobCancelled`` when a cancel was asked for: jobs call it between batches, so a
    cancel stops a job at its next batch boundary, never in the middle of a write.
    """

    def __init__(self, engine: Engine, job_id: str, *, interval: float = 0.5) -> None:
        self.engine = engine
        self.job_id = job_id
        self.interval = interval
        self._last = 0.0
        self._stage = ""

    def progress(self, stage: str, done: int, total: int) -> None:
        """Report ``done`` of ``total`` in ``stage``; raises ``JobCancelled`` if asked to stop."""
        moment = time.monotonic()
        if stage == self._stage and done < total and moment - self._last < self.interval:
            return
        self._last, self._stage = moment, stage
        if progress.report(self.engine, self.job_id, stage, done, total):
            raise JobCancelled(self.job_id)

    def checkpoint(self) -> None:
        """Raise ``JobCancelled`` when someone asked the job to stop."""
        if progress.cancel_requested(self.engine, self.job_id):
            raise JobCancelled(self.job_id)
