"""Shared fixtures: a real graph engine for every test that touches the graph.

By default a fresh embedded FalkorDB is started once per test session in a temporary
folder; set ``GRAPHCRM_TEST_GRAPH_URL`` (e.g. ``neo4j://localhost:7687``, with
``NEO4J_USERNAME``/``NEO4J_PASSWORD``) to run the same tests against another engine. The
graph is emptied before each test that asks for ``store``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedServer
from graph.store import GraphStore, GraphURL, open_store, parse_graph_url

TEST_GRAPH_URL = os.environ.get("GRAPHCRM_TEST_GRAPH_URL", "embedded:")


@pytest.fixture(scope="session")
def graph_url() -> GraphURL:
    """The engine the integration tests run against."""
    return parse_graph_url(TEST_GRAPH_URL)


@pytest.fixture(scope="session")
def embedded_server(graph_url: GraphURL) -> Iterator[EmbeddedServer | None]:
    """A FalkorDB server of its own for this test session (None for a remote engine)."""
    if not graph_url.embedded:
        yield None
        return
    # A short folder: unix socket paths are limited to 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="gcrm-"))
    server = EmbeddedServer(folder / "graph")
    server.ensure_running()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def session_store(
    graph_url: GraphURL, embedded_server: EmbeddedServer | None
) -> Iterator[GraphStore]:
    """One connection for the test session, with the schema applied."""
    socket = embedded_server.socket_path if embedded_server else None
    store = open_store(graph_url, socket_path=socket)
    store.apply_schema()
    yield store
    store.close()


@pytest.fixture
def store(session_store: GraphStore) -> GraphStore:
    """The session's store, emptied before the test."""
    session_store.write("node_delete_all")
    return session_store
