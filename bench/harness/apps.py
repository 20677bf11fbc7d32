"""The apps measured: GraphCRM per engine and the stock FAB app, their meters, the admin login."""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from bench.engines import FalkorDBReplay, Neo4jReplay, Read, Replay
from bench.harness.output import quiet_logs
from bench.harness.timing import ms
from bench.harness.workspace import Workspace
from graph.store.embedded import EmbeddedServer
from graph.store.first_use import PreparedOnFirstUse

ADMIN_USER, ADMIN_PASSWORD = "admin", "Bench-admin-123"


class GraphMeter:
    """Times every read of a store and remembers what it read (for replay/PROFILE)."""

    def __init__(self, store: Any) -> None:
        self.calls: list[tuple[str, float]] = []
        self.reads: list[Read] = []
        read = store.read

        def timed_read(name: Any, /, *, timeout_ms: int | None = None, **params: Any) -> Any:
            self.reads.append((name, params))
            t0 = time.perf_counter()
            try:
                return read(name, timeout_ms=timeout_ms, **params)
            finally:
                self.calls.append((getattr(name, "name", str(name)), ms(time.perf_counter() - t0)))

        # An instance attribute shadows the method: the app's repositories share this store.
        store.read = timed_read

    def reset(self) -> None:
        self.calls.clear()
        self.reads.clear()

    @property
    def total(self) -> float:
        return sum(elapsed for _, elapsed in self.calls)


class SQLMeter:
    """Sums the execute time of the baseline's SQL on the customer tables."""

    def __init__(self, app: Flask) -> None:
        self.total = 0.0
        self._started = 0.0
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "bench_" in statement:
            self.total += ms(time.perf_counter() - self._started)

    def reset(self) -> None:
        self.total = 0.0


class AccessMeter:
    """Times FAB's permission checks (``has_access``: each menu entry, each button)."""

    def __init__(self, app: Flask) -> None:
        self.total = 0.0
        self.calls = 0
        manager = app.appbuilder.sm
        check = manager.has_access

        def timed(*args: Any, **kwargs: Any) -> bool:
            t0 = time.perf_counter()
            try:
                return bool(check(*args, **kwargs))
            finally:
                self.total += ms(time.perf_counter() - t0)
                self.calls += 1

        manager.has_access = timed

    def reset(self) -> None:
        self.total = 0.0
        self.calls = 0


def login(client: FlaskClient, password: str = ADMIN_PASSWORD) -> str:
    """Log ``client`` in through the login form and return a JWT for the REST API."""
    page = client.get("/login/").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token on the login page"
    response = client.post(
        "/login/",
        data={"username": ADMIN_USER, "password": password, "csrf_token": match[1]},
    )
    assert response.status_code == 302, f"login failed: {response.status_code}"
    answer = client.post(
        "/api/v1/security/login",
        json={"username": ADMIN_USER, "password": password, "provider": "db"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return str(answer.json["access_token"])  # type: ignore[index]


@dataclass
class OurApp:
    """GraphCRM on one engine: the app, its meters, a logged-in client, a replayer."""

    engine: str  # the table's column name
    prefix: str  # of its probe names
    app: Flask
    meter: GraphMeter
    access: AccessMeter
    client: FlaskClient
    token: str
    replay: Replay

    @property
    def store(self) -> Any:
        return self.app.extensions["graph_store"]

    def close(self) -> None:
        self.replay.close()
        self.store.close()


def our_app(
    engine: str, prefix: str, graph_url: str, instance: Path, replay: Callable[[Any], Replay]
) -> OurApp:
    """Create GraphCRM on ``graph_url`` with its own instance folder, admin and login."""
    from app import create_app
    from app.accounts import ensure_admin

    with quiet_logs():  # FAB warns that the login form carries no "next" address
        app = create_app(
            {"GRAPH_URL": graph_url, "GRAPHCRM_INSTANCE_PATH": str(instance), "TESTING": True}
        )
        ensure_admin(app, ADMIN_USER, ADMIN_PASSWORD)
        client = app.test_client()
        token = login(client)
    store = app.extensions["graph_store"]
    meter = GraphMeter(store)
    # The replayer builds the engine's own commands: it needs the backend, not the app's
    # wrapper that prepares it on first use (which the login above has done).
    backend = store.store if isinstance(store, PreparedOnFirstUse) else store
    return OurApp(engine, prefix, app, meter, AccessMeter(app), client, token, replay(backend))


def our_apps(ws: Workspace, server: EmbeddedServer, args: argparse.Namespace) -> list[OurApp]:
    """GraphCRM on the embedded FalkorDB, and on Neo4j if ``--graph-url`` names one."""
    apps = [
        our_app(
            "FalkorDB",
            "",
            "embedded:",
            ws.instance,
            lambda store: FalkorDBReplay(store, server.socket_path),
        )
    ]
    if args.graph_url:
        apps.append(
            our_app("Neo4j", "neo4j:", args.graph_url.raw, ws.root / "instance-neo4j", Neo4jReplay)
        )
    return apps
