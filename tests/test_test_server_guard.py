"""The suite never empties a server's database that holds data and is not a test one."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from graph.store.backends import open_store
from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphStore, GraphURL
from tests.conftest import WIPE_CONFIRMATION, refuse_real_data
from tests.statements import statement


def test_unmarked_database_with_data_stops_the_suite_until_confirmed(
    store: GraphStore,
    graph_url: GraphURL,
    embedded_server: EmbeddedServer | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if store.backend != "falkordb":
        pytest.skip("needs a second database of its own: FalkorDB keeps one graph per key, "
                    "Neo4j databases are created by admins")  # fmt: skip
    name = f"gcrm_guard_{uuid.uuid4().hex[:8]}"
    socket = embedded_server.socket_path if embedded_server else None
    url = dataclasses.replace(graph_url, database=name, raw=f"falkordb://test/{name}")
    other = open_store(url, socket_path=socket)
    try:
        refuse_real_data(other, url)  # empty: marked, allowed
        other.write(statement("tag_create"), uid="T1", name="real", now="2026-01-01T00:00:00Z")
        refuse_real_data(other, url)  # marked: allowed though it holds data now
        real = dataclasses.replace(url, database=f"{name}_real", raw=f"falkordb://real/{name}")
        held = open_store(real, socket_path=socket)
        try:
            held.write(statement("tag_create"), uid="T1", name="real", now="2026-01-01T00:00:00Z")
            with pytest.raises(pytest.exit.Exception, match="holds data \\(1 Tag\\)"):
                refuse_real_data(held, real)
            assert held.read(statement("tag_get"), uid="T1")  # nothing was emptied
            monkeypatch.setenv(WIPE_CONFIRMATION, real.redacted())
            refuse_real_data(held, real)  # confirmed once: marked from now on
            monkeypatch.delenv(WIPE_CONFIRMATION)
            refuse_real_data(held, real)
        finally:
            held.close()
    finally:
        other.close()
