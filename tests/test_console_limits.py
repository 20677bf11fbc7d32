"""The console cannot starve the app: caps per user and in total (429 with Retry-After), an
engine time limit that holds while other queries run, a web thread freed when the engine
overruns it, and a serve setup where the console never has every request thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app.cli import _serve
from graph.console import console
from graph.errors import QueryTimeout
from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer
from views.console.gate import ConsoleBusy, ConsoleGate, current_gate

RUN = "/api/v1/console/run"
# Data-less and CPU-bound: a hundred million rows (four hundred on Neo4j), each filtered, so
# both engines stop it at their limit with a wide margin on a fast machine. FalkorDB runs the
# 3,000 x 3,000 rows in about 0.5 s on a quiet CI machine, which is why the margin is 10x.
HEAVY = {
    backend: f"UNWIND range(1, {n}) AS a UNWIND range(1, {n}) AS b WITH a, b WHERE a * b = 7 "
    "RETURN count(*) AS n"
    for backend, n in (("falkordb", 10_000), ("neo4j", 20_000))
}


class Held:
    """A console run that holds its slots until released (another worker's query, say)."""

    def __init__(self, gate: ConsoleGate, user: str) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.error: BaseException | None = None

        def work() -> None:
            self.started.set()
            self.release.wait(30)

        def run() -> None:
            try:
                gate.run(user, work, timeout_ms=30_000)
            except BaseException as exc:  # noqa: BLE001  (the test reads it)
                self.error = exc
                self.started.set()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert self.started.wait(10)
        assert self.error is None, self.error

    def end(self) -> None:
        self.release.set()
        self.thread.join(10)


def soon(gate: ConsoleGate, user: str) -> int:
    """Run a trivial query of ``user`` once a slot is free (at most 5 s: a slot is freed when
    its file is closed, and a process forked meanwhile elsewhere holds the file until it
    execs)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            return gate.run(user, lambda: 1, timeout_ms=10_000)
        except ConsoleBusy:
            assert time.monotonic() < deadline, f"{user}'s slot was never freed"
            time.sleep(0.05)


@pytest.fixture
def gate(tmp_path: Path) -> ConsoleGate:
    return ConsoleGate(tmp_path / "slots", total=2, per_user=1, grace_s=0.2)


def test_a_second_query_of_the_same_user_waits_for_the_first(gate: ConsoleGate) -> None:
    first = Held(gate, "ana")
    with pytest.raises(ConsoleBusy) as busy:
        gate.run("ana", lambda: 1, timeout_ms=10_000)
    assert busy.value.scope == "user" and busy.value.retry_after == 10
    assert gate.run("bo", lambda: 2, timeout_ms=10_000) == 2
    first.end()
    assert soon(gate, "ana") == 1


def test_the_total_cap_refuses_a_third_analyst_until_a_slot_frees(gate: ConsoleGate) -> None:
    held = [Held(gate, "ana"), Held(gate, "bo")]
    with pytest.raises(ConsoleBusy) as busy:
        gate.run("cy", lambda: 1, timeout_ms=5_000)
    assert busy.value.scope == "total" and busy.value.retry_after == 5
    held[0].end()
    assert soon(gate, "cy") == 1
    held[1].end()


def test_an_overrunning_query_frees_the_request_but_keeps_its_slot(gate: ConsoleGate) -> None:
    done = threading.Event()

    def overrun() -> None:
        time.sleep(3.0)  # an engine that ignores its own time limit
        done.set()

    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        gate.run("ana", overrun, timeout_ms=100)
    assert time.monotonic() - started < 2.0  # limit + grace, not the query's own time
    with pytest.raises(ConsoleBusy):  # still counted while the engine works on it
        gate.run("ana", lambda: 1, timeout_ms=100)
    assert done.wait(10)
    assert soon(gate, "ana") == 1


def test_the_engine_stops_each_query_at_the_limit_while_others_run(store: GraphStore) -> None:
    outcomes: list[tuple[str, float]] = []

    def one() -> None:
        started = time.monotonic()
        try:
            console.run_readonly(store, HEAVY[store.backend], timeout_ms=500)
            outcomes.append(("ok", time.monotonic() - started))
        except QueryTimeout:
            outcomes.append(("timeout", time.monotonic() - started))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [outcome for outcome, _ in outcomes] == ["timeout", "timeout"]
    assert max(seconds for _, seconds in outcomes) < 3.0, outcomes
    assert console.run_readonly(store, "RETURN 1 AS one").rows == [[1]]


@pytest.fixture
def analyst_headers(app: Flask, store: GraphStore, client: FlaskClient) -> dict[str, str]:
    staff(app, store, "analyst", "Analyst")
    return bearer(client, "analyst", PASSWORD)


@pytest.fixture
def app_gate(app: Flask) -> Iterator[ConsoleGate]:
    with app.app_context():
        yield current_gate()


def test_console_api_answers_429_with_retry_after_in_the_readers_language(
    app: Flask, client: FlaskClient, analyst_headers: dict[str, str], app_gate: ConsoleGate
) -> None:
    held = Held(app_gate, "analyst")
    try:
        refused = client.post(RUN, json={"query": "RETURN 1 AS one"}, headers=analyst_headers)
        assert refused.status_code == 429 and refused.json["error"] == "busy"
        assert refused.headers["Retry-After"] == "10"
        assert "already have a console query running" in refused.json["message"]
        zh = {**analyst_headers, "Accept-Language": "zh"}
        client.get("/lang/zh")
        refused = client.post(RUN, json={"query": "RETURN 1 AS one"}, headers=zh)
        assert refused.status_code == 429 and "正在运行" in refused.json["message"]
    finally:
        held.end()
    deadline = time.monotonic() + 5  # as in soon(): the freed slot may take a moment
    ran = client.post(RUN, json={"query": "RETURN 1 AS one"}, headers=analyst_headers)
    while ran.status_code == 429 and time.monotonic() < deadline:
        time.sleep(0.05)
        ran = client.post(RUN, json={"query": "RETURN 1 AS one"}, headers=analyst_headers)
    assert ran.status_code == 200 and ran.json["rows"] == [[1]]


def test_console_api_answers_429_when_the_console_is_full(
    client: FlaskClient, analyst_headers: dict[str, str], app_gate: ConsoleGate
) -> None:
    held = [Held(app_gate, f"other-{n}") for n in range(app_gate.total)]
    try:
        refused = client.post(RUN, json={"query": "RETURN 1 AS one"}, headers=analyst_headers)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "10"
        assert "busy with other analysts' queries" in refused.json["message"]
    finally:
        for run in held:
            run.end()


def test_serve_refuses_a_console_cap_that_could_take_every_request_thread(app: Flask) -> None:
    assert app.config["GRAPHCRM_CONSOLE_MAX_RUNNING"] == 2
    with pytest.raises(click.ClickException, match="every one of the 2 request threads"):
        _serve(app, "127.0.0.1", 0, 1, 2)


def test_embedded_engine_gets_the_thread_count_it_is_given(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "g", threads=5)
    server.ensure_running()
    try:
        client = redis.Redis(unix_socket_path=str(server.socket_path))
        assert client.execute_command("GRAPH.CONFIG", "GET", "THREAD_COUNT") == [
            b"THREAD_COUNT",
            5,
        ]
        client.close()
    finally:
        server.stop()
