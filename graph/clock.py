"""The one clock: every "now" in GraphCRM comes from here (tests and tools pass their own
``Clock`` where the time matters)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def naive_utc_now() -> dt.datetime:
    """The current UTC time without its zone, for the SQL store's naive UTC columns."""
    return utc_now().replace(tzinfo=None)
