"""Time spent in the graph engine, counted per unit of work (a web request, a command).

``measure()`` starts a count in the current context; every statement a backend runs adds
its wall time to it (``graph_call``). The web layer turns the count into a
``Server-Timing`` header and a log line, so an operator sees where a request's time went.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class GraphTime:
    """Statements run and seconds spent waiting for the engine."""

    calls: int = 0
    seconds: float = 0.0


_current: contextvars.ContextVar[GraphTime | None] = contextvars.ContextVar(
    "graphcrm_graph_time", default=None
)


def measure() -> tuple[GraphTime, contextvars.Token[GraphTime | None]]:
    """Start counting for the current context; give the token back to ``stop``."""
    counter = GraphTime()
    return counter, _current.set(counter)


def stop(token: contextvars.Token[GraphTime | None]) -> None:
    """Stop the count that ``measure`` started."""
    _current.reset(token)


@contextmanager
def graph_call() -> Iterator[None]:
    """Count one round trip to the engine (and its time) when a count is running."""
    counter = _current.get()
    if counter is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        counter.calls += 1
        counter.seconds += time.perf_counter() - started
