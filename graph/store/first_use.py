"""A store that gets its engine ready on first use, so building an app touches no engine.

``PreparedOnFirstUse`` wraps a ``GraphStore``: the first call that needs the engine starts
it (``start``: the embedded server, when this process runs it) and applies the schema
(``schema``: ``graph.records.schema.apply_schema``, from the declarations), once, under a
lock; a failure (engine down) is raised to that caller as the store would raise it and
tried again by the next call. ``prepare`` does both at once, for the commands that prepare
the graph explicitly (``graphcrm init``, ``serve``, ``demo``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from graph.store.protocol import GraphStore, GraphURL, Row, UnitOfWork
from graph.store.readonly import ReadonlyResult
from graph.store.statements import ScriptStatement, Statement


class PreparedOnFirstUse:
    """A ``GraphStore`` that runs ``start`` and applies ``schema`` before its first use."""

    def __init__(
        self,
        store: GraphStore,
        schema: Callable[[GraphStore], list[str]],
        start: Callable[[], object] = lambda: None,
    ) -> None:
        self.store = store
        self._schema = schema
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
        report = self._schema(self.store)
        self._prepared = True
        return report

    def prepare(self) -> list[str]:
        """Start the engine if this process runs it, then apply the schema (idempotent);
        a line per schema statement."""
        with self._lock:
            return self._prepare()

    def location(self) -> tuple[GraphURL, str | None]:
        """How another process reaches the same database (see ``GraphStore.location``),
        once the engine is started."""
        return self._ready().location()

    def apply_schema(self, statements: Sequence[ScriptStatement]) -> list[str]:
        """Create ``statements`` idempotently (see ``GraphStore.apply_schema``)."""
        return self._ready().apply_schema(statements)

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
