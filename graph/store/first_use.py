"""A store that gets its engine ready on first use, so building an app touches no engine.

``PreparedOnFirstUse`` wraps a ``GraphStore``: the first call that needs the engine starts
it (``start``: the embedded server, when this process runs it) and applies the schema,
once, under a lock; a failure (engine down) is raised to that caller as the store would
raise it and tried again by the next call. ``apply_schema`` does both at once, for the
commands that prepare the graph explicitly (``graphcrm init``, ``serve``, ``demo``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from graph.store.protocol import GraphStore, Row, UnitOfWork
from graph.store.readonly import ReadonlyResult
from graph.store.statements import Statement


class PreparedOnFirstUse:
    """A ``GraphStore`` that runs ``start`` and applies the schema before its first use."""

    def __init__(self, store: GraphStore, start: Callable[[], object] = lambda: None) -> None:
        self.store = store
        self.backend = store.backend
        self.cypher = store.cypher
        self._start = start
        self._lock = threading.Lock()
        self._prepared = False

    def _ready(self) -> GraphStore:
        if not self._prepared:
            with self._lock:
                if not self._prepared:
                    self._prepare()
        return self.store

    def _prepare(self) -> list[str]:
        self._start()
        report = self.store.apply_schema()
        self._prepared = True
        return report

    def apply_schema(self) -> list[str]:
        """Start the engine if this process runs it, then apply the schema (idempotent)."""
        with self._lock:
            return self._prepare()

    def read(
        self, name: str | Statement, /, *, timeout_ms: int | None = None, **params: Any
    ) -> list[Row]:
        """Run a read-only statement (see ``GraphStore.read``)."""
        return self._ready().read(name, timeout_ms=timeout_ms, **params)

    def write(self, name: str | Statement, /, **params: Any) -> list[Row]:
        """Run a statement that may change the graph (see ``GraphStore.write``)."""
        return self._ready().write(name, **params)

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """Group writes that commit together (see ``GraphStore.unit_of_work``)."""
        return self._ready().unit_of_work()

    def run_readonly(
        self, text: str, params: dict[str, Any], *, timeout_ms: int, row_cap: int
    ) -> ReadonlyResult:
        """Run user-written read-only Cypher (see ``GraphStore.run_readonly``)."""
        return self._ready().run_readonly(text, params, timeout_ms=timeout_ms, row_cap=row_cap)

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the engine answers with the schema in place."""
        self._ready().ping()

    def close(self) -> None:
        """Release connections; nothing is started to close an unused store."""
        self.store.close()
