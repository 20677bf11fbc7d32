"""Which backend serves a ``GRAPH_URL``: the one place that knows both engines."""

from __future__ import annotations

from pathlib import Path

from graph.errors import ConfigError
from graph.store.protocol import GraphStore, GraphURL


def open_store(url: GraphURL, *, socket_path: Path | None = None) -> GraphStore:
    """Connect to the engine ``url`` names; ``socket_path`` serves ``embedded:`` URLs."""
    # Each driver is imported only when its engine is used.
    if url.backend == "neo4j":
        from graph.store.neo4j import Neo4jStore

        return Neo4jStore(url)
    from graph.store.falkordb import FalkorDBStore

    if url.embedded:
        if socket_path is None:
            raise ConfigError("embedded: GRAPH_URL needs the embedded server's socket")
        return FalkorDBStore(url, socket_path=str(socket_path))
    return FalkorDBStore(url, socket_path=url.socket_path)
