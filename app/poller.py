"""When a serving process should look for work left pending (outbox entries).

Outboxes are drained from request handling, at most every ``interval()`` seconds per
process, and after failed drains only once a backoff step has passed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Poller:
    """Says when to look again: every ``interval()`` seconds (read at each call, so a
    setting can change while serving), or after ``backoff[n]`` once ``n + 1`` drains in a
    row have failed."""

    def __init__(self, interval: Callable[[], float], backoff: tuple[float, ...] = ()) -> None:
        self._interval = interval
        self._backoff = backoff
        self._last: float | None = None
        self._wait = 0.0
        self._failures = 0
        self._lock = threading.Lock()

    def due(self) -> bool:
        """True (and the clock restarted) when it is time to look again."""
        with self._lock:
            now = time.monotonic()
            wait = max(self._interval(), self._wait)
            if self._last is not None and now - self._last < wait:
                return False
            self._last = now
            return True

    def failed(self) -> None:
        """A drain failed: wait the next backoff step before looking again."""
        with self._lock:
            self._failures += 1
            if self._backoff:
                self._wait = self._backoff[min(self._failures, len(self._backoff)) - 1]
            self._last = time.monotonic()

    def succeeded(self) -> None:
        """A drain succeeded: back to the normal pace."""
        with self._lock:
            self._failures = 0
            self._wait = 0.0
