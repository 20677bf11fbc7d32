"""``kill -9`` of the embedded engine under ``graphcrm serve`` while people write.

The serving process restarts the engine by itself; meanwhile every answer is the record's
201 or a 503 with Retry-After (never a 500), and every acknowledged write is still there
afterwards. The restart is an audit event.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.test_cli import run, serve

PASSWORD = "Crash-test-123"


def _call(method: str, url: str, body: dict | None = None, token: str | None = None):  # type: ignore[no-untyped-def]
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = Path(tempfile.mkdtemp(prefix="gcrm-"))  # short: the socket path must fit
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH", "SECRET"))}
    env.update(GRAPH_URL="embedded:", GRAPHCRM_INSTANCE_PATH=str(folder))
    assert run("init", "--admin-password", PASSWORD, env=env).returncode == 0
    server, base = serve(env, workers=2)
    try:
        yield base, folder, server
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
        print(output[-3000:])


def test_killed_engine_is_restarted_and_no_acknowledged_write_is_lost(served) -> None:  # type: ignore[no-untyped-def]
    base, folder, server = served
    status, _, body = _call(
        "POST",
        f"{base}/api/v1/security/login",
        {"username": "admin", "password": PASSWORD, "provider": "db"},
    )
    assert status == 200, body
    token = body["access_token"]
    acknowledged: list[str] = []
    answers: dict[int, int] = {}
    stop = threading.Event()

    def write() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            code, headers, reply = _call("POST", f"{base}/api/v1/tag/", {"name": f"t{i}"}, token)
            answers[code] = answers.get(code, 0) + 1
            if code == 201:
                acknowledged.append(reply["id"])
            elif code == 503:
                assert headers.get("Retry-After", "").isdigit()
                time.sleep(0.05)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        time.sleep(1.0)
        pid = int((folder / "graph" / "falkordb.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        # Back by itself: a read succeeds again, from a new engine process.
        recovered = None
        while time.monotonic() - killed_at < 60:
            code, _, _ = _call("GET", f"{base}/api/v1/tag/", token=token)
            if code == 200:
                new_pid = int((folder / "graph" / "falkordb.pid").read_text())
                if new_pid != pid:
                    recovered = time.monotonic() - killed_at
                    break
            time.sleep(0.2)
        assert recovered is not None, "the engine did not come back within 60 s"
        time.sleep(1.0)  # and writes go on after it
    finally:
        stop.set()
        writer.join(timeout=60)
    print(f"engine back {recovered:.1f} s after kill -9; answers {answers}")
    assert set(answers) <= {201, 503}, answers
    assert answers.get(201, 0) > 10
    for uid in acknowledged:
        code, _, _ = _call("GET", f"{base}/api/v1/tag/{uid}", token=token)
        assert code == 200, f"acknowledged tag {uid} is lost"
    assert server.poll() is None, "graphcrm serve must survive the engine's crash"
    with sqlite3.connect(folder / "security.db") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit_event")]
    assert "graph_engine_down" in actions and "graph_engine_restarted" in actions
