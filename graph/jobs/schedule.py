"""Periodic jobs, declared in one place: which named job runs when, in business time
(``GRAPHCRM_TIMEZONE``). The worker looks every minute (``due``) and starts what is due
with the job's idempotency key, so several workers looking at once start it once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph.jobs.catalog import ANALYTICS_REFRESH, IMPORT_CLEANUP


@dataclass(frozen=True)
class Periodic:
    """Run ``job`` every day at ``at`` (business time)."""

    job: str
    at: dt.time


SCHEDULE: tuple[Periodic, ...] = (
    # Nightly, while nobody works: the top referrers and attribution pages read its result.
    Periodic(ANALYTICS_REFRESH, dt.time(2, 0)),
    # Old import uploads, failing-row files and list-export files
    # (GRAPHCRM_FILE_RETENTION_DAYS).
    Periodic(IMPORT_CLEANUP, dt.time(3, 30)),
)


def due(moment: dt.datetime, schedule: tuple[Periodic, ...] = SCHEDULE) -> list[Periodic]:
    """The entries due in the minute of ``moment`` (a business-time clock reading)."""
    return [p for p in schedule if (p.at.hour, p.at.minute) == (moment.hour, moment.minute)]
