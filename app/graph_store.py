"""The app's graph store: one per application (``views.scope.store_of``).

With ``GRAPH_URL=embedded:`` it also attaches to (or, on first use, starts) the embedded
FalkorDB server in the instance folder, and stops it at exit when this process started it. The field
cipher of personal data (``views.scope.cipher_of``, from ``FIELD_ENCRYPTION_KEY``)
is created here too and given to every repository.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

from graph.errors import ConfigError
from graph.model.base import NodeModel
from graph.model.per_type import cache_per_type
from graph.records.repository import NodeRepository
from graph.records.schema import apply_schema
from graph.security.crypto import FieldCipher
from graph.store.backends import open_store
from graph.store.embedded import EmbeddedServer
from graph.store.first_use import PreparedOnFirstUse
from graph.store.protocol import GraphStore, parse_graph_url, with_login
from views.console.gate import embedded_threads
from views.scope import CIPHER, REPOSITORIES, STORE, TIMEZONE, URL

# The embedded engine this process runs (absent when it attaches to one or uses a server).
SERVER = "graph_server"


def embedded_server(app: Flask) -> EmbeddedServer | None:
    """The embedded engine ``app``'s process runs, if any."""
    server = app.extensions.get(SERVER)
    return server if isinstance(server, EmbeddedServer) else None


def init_app(app: Flask) -> None:
    """Register the graph store named by ``GRAPH_URL``; nothing here touches the engine.

    The first use of the store starts the embedded server (when this process runs it) and
    applies the schema; ``graphcrm init``, ``serve`` and ``demo`` do that up front
    (``prepare``)."""
    # A malformed key or URL fails here, before any server is started or connected to.
    cipher = FieldCipher.from_settings(
        app.config["FIELD_ENCRYPTION_KEY"],
        app.config.get("FIELD_ENCRYPTION_OLD_KEYS"),
        phone_region=app.config["PHONE_DEFAULT_REGION"],
    )
    url = with_login(
        parse_graph_url(app.config["GRAPH_URL"]),
        app.config["NEO4J_USERNAME"],
        app.config["NEO4J_PASSWORD"],
    )
    # A gunicorn worker of 'graphcrm serve' only attaches: the serving process has started
    # (and supervises) the embedded server and applied the schema. A worker that boots while
    # the engine is down still serves, answering 503 until the engine is back.
    worker = app.config["GRAPHCRM_SERVE_WORKER"]
    server = None
    if url.embedded:
        server = EmbeddedServer(
            Path(app.config["GRAPHCRM_INSTANCE_PATH"]) / "graph",
            appendfsync=app.config["GRAPHCRM_EMBEDDED_APPENDFSYNC"],
            threads=embedded_threads(app.config["GRAPHCRM_CONSOLE_MAX_RUNNING"]),
        )
    # The backends connect on first use (see graph.store.falkordb and graph.store.neo4j).
    store: GraphStore = open_store(url, socket_path=server.socket_path if server else None)
    if not worker:
        store = PreparedOnFirstUse(store, schema=apply_schema, start=partial(_start, server))
    app.extensions[STORE] = store
    app.extensions[CIPHER] = cipher
    zone = _zone(app.config["GRAPHCRM_TIMEZONE"])
    app.extensions[TIMEZONE] = zone
    app.extensions[REPOSITORIES] = _repository_factory(store, zone, cipher)
    app.extensions[SERVER] = server
    app.extensions[URL] = url


def prepare(app: Flask) -> list[str]:
    """Get ``app``'s graph ready now rather than on first use: start the embedded server
    when this process runs it, and apply the schema (from the declarations). Returns the
    schema report."""
    store = app.extensions[STORE]
    if isinstance(store, PreparedOnFirstUse):
        return store.prepare()
    return apply_schema(cast(GraphStore, store))


def _start(server: EmbeddedServer | None) -> None:
    """Start the embedded server unless it runs already (then it is stopped at exit)."""
    if server is not None and server.ensure_running():
        atexit.register(server.stop)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"GRAPHCRM_TIMEZONE={timezone!r} is not a known time zone") from exc


def business_timezone(app: Flask) -> ZoneInfo:
    """The business time zone of ``app`` outside a request (pollers, commands); views use
    ``views.scope.business_timezone``."""
    return app.extensions[TIMEZONE]


def _repository_factory(
    store: GraphStore, zone: ZoneInfo, cipher: FieldCipher
) -> Callable[[type[NodeModel]], NodeRepository]:
    """One repository per node type, sharing the app's store and field cipher; serials
    count local days."""

    @cache_per_type
    def repository(model: type[NodeModel]) -> NodeRepository:
        return NodeRepository(store, model, serial_timezone=zone, cipher=cipher)

    return repository
