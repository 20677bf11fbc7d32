"""An app whose graph engine does not answer: a real store of the test engine's kind whose
server is not there (port 1), put in place of the app's store and repositories."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from app.graph_store import _repository_factory
from graph.store.backends import open_store
from graph.store.protocol import GraphStore, parse_graph_url


def unreachable_store(store: GraphStore) -> GraphStore:
    """A store of ``store``'s kind that cannot reach its server (and fails fast)."""
    if store.backend == "neo4j":
        return open_store(parse_graph_url("bolt://127.0.0.1:1?max_transaction_retry_time=0"))
    return open_store(parse_graph_url("falkordb://127.0.0.1:1/graphcrm"))


@contextmanager
def engine_down(app: Flask) -> Iterator[None]:
    """Inside, every graph call of ``app`` fails as when its engine is down."""
    extensions = app.extensions
    saved = {key: extensions[key] for key in ("graph_store", "graph_repositories")}
    down = unreachable_store(saved["graph_store"])
    extensions["graph_store"] = down
    extensions["graph_repositories"] = _repository_factory(
        down, extensions["graph_timezone"], extensions["field_cipher"]
    )
    try:
        yield
    finally:
        extensions.update(saved)
        down.close()
