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
from flask import Flask
from flask.testing import FlaskClient

import config
from graph.io.imports.engine import Importer
from graph.records.schema import apply_schema
from graph.security.crypto import FieldCipher, generate_key, parse_key
from graph.security.scope import Scope
from graph.store.backends import open_store
from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphStore, GraphURL, parse_graph_url, with_login
from tests.statements import statement

pytest_plugins = ("tests.browser",)

TEST_GRAPH_URL = os.environ.get("GRAPHCRM_TEST_GRAPH_URL", "embedded:")


@pytest.fixture(scope="session")
def graph_url() -> GraphURL:
    """The engine the integration tests run against."""
    settings = config.load()
    return with_login(
        parse_graph_url(TEST_GRAPH_URL), settings["NEO4J_USERNAME"], settings["NEO4J_PASSWORD"]
    )


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


# An index on a label no node has marks a server's database as a test one: the tests empty
# it, and the mark survives that. An unmarked database holding nodes is never emptied.
TEST_SERVER_MARK = ("INDEX", "GraphCRMTestServer", "marker")
WIPE_CONFIRMATION = "GRAPHCRM_TEST_WIPE"


def refuse_real_data(store: GraphStore, url: GraphURL) -> None:
    """Stop the test session unless the server's database is empty or marked as a test one."""
    rows = store.read("schema_index_list")
    if any((row["kind"], row["label"], row["property"]) == TEST_SERVER_MARK for row in rows):
        return
    counts = {row["label"]: row["count"] for row in store.read("node_count_by_label")}
    if counts and os.environ.get(WIPE_CONFIRMATION) != url.redacted():
        held = ", ".join(f"{count} {label}" for label, count in sorted(counts.items()))
        pytest.exit(
            f"GRAPHCRM_TEST_GRAPH_URL={url.redacted()} holds data ({held}) and is not marked "
            "as a test server. The tests empty that database: point them at a test server. "
            f"If it is one, confirm once with {WIPE_CONFIRMATION}={url.redacted()}",
            returncode=3,
        )
    store.write(statement("test_server_mark", store.backend))


@pytest.fixture(scope="session")
def session_store(
    graph_url: GraphURL, embedded_server: EmbeddedServer | None
) -> Iterator[GraphStore]:
    """One connection for the test session, with the schema applied."""
    socket = embedded_server.socket_path if embedded_server else None
    store = open_store(graph_url, socket_path=socket)
    if embedded_server is None:
        refuse_real_data(store, graph_url)
    apply_schema(store)
    yield store
    store.close()


@pytest.fixture
def store(session_store: GraphStore) -> GraphStore:
    """The session's store, emptied before the test."""
    session_store.write(statement("node_delete_all"))
    return session_store


@pytest.fixture(scope="session")
def app_graph_url(graph_url: GraphURL, embedded_server: EmbeddedServer | None) -> str:
    """A GRAPH_URL that lets an app under test attach to the test session's engine."""
    if embedded_server is not None:
        return f"unix://{embedded_server.socket_path}?graph={graph_url.database}"
    return graph_url.raw


ADMIN_PASSWORD = "Admin-pass-123"


@pytest.fixture(scope="session")
def session_app(
    session_store: GraphStore, app_graph_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """One GraphCRM app for the session, on the test engine, with an admin user."""
    from app import create_app
    from app.accounts import ensure_admin

    application = create_app(
        {
            "GRAPH_URL": app_graph_url,
            "GRAPHCRM_INSTANCE_PATH": str(tmp_path_factory.mktemp("app") / "instance"),
            "TESTING": True,
        }
    )
    ensure_admin(application, "admin", ADMIN_PASSWORD)
    yield application
    application.extensions["graph_store"].close()


@pytest.fixture
def app(session_app: Flask, store: GraphStore) -> Flask:
    """The session's app, on an emptied graph (no badge counts or home figures kept from
    the last test)."""
    from views import menu
    from views.home import HomeView

    session_app.extensions.pop(menu.KEPT, None)
    for view in session_app.appbuilder.baseviews:  # the home's kept figures, likewise
        if isinstance(view, HomeView):
            view.cache.clear()
    return session_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app`` (CSRF stays on: forms must carry their token)."""
    return app.test_client()


@pytest.fixture
def cipher() -> FieldCipher:
    """A field cipher with a fresh key (the import and crypto tests)."""
    return FieldCipher(parse_key(generate_key()))


@pytest.fixture
def importer(store: GraphStore, cipher: FieldCipher) -> Importer:
    """An import run by the system: every row, personal data unmasked."""
    return Importer(store, cipher, actor="admin", scope=Scope.everything())
