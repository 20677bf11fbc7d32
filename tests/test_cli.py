"""The ``graphcrm`` command line, run as a user runs it: a subprocess with an environment."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from graph.store.protocol import GraphStore

GRAPHCRM = str(Path(sys.executable).parent / "graphcrm")


def run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GRAPHCRM, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def cli_env(app_graph_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH", "SECRET"))}
    env["GRAPH_URL"] = app_graph_url
    env["GRAPHCRM_INSTANCE_PATH"] = str(tmp_path / "instance")
    return env


def test_help_lists_commands_without_starting_anything(cli_env: dict[str, str]) -> None:
    cli_env["GRAPH_URL"] = "nonsense://"
    result = run("--help", env=cli_env)
    assert result.returncode == 0
    for command in ("serve", "demo", "init", "check"):
        assert command in result.stdout
    serve_help = run("serve", "--help", env=cli_env).stdout
    assert "--port" in serve_help and "--workers" in serve_help


@pytest.mark.parametrize(
    ("bad_url", "expected"),
    [
        ("http://localhost:7474", "GRAPH_URL"),
        ("falkordb://127.0.0.1:1/crm", "cannot reach FalkorDB"),
        ("neo4j://127.0.0.1:1", "cannot reach Neo4j"),
    ],
)
def test_bad_graph_url_is_one_line_without_traceback(
    cli_env: dict[str, str], bad_url: str, expected: str
) -> None:
    cli_env["GRAPH_URL"] = bad_url
    result = run("init", env=cli_env)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_unwritable_instance_folder_names_the_setting(cli_env: dict[str, str]) -> None:
    blocker = Path(cli_env["GRAPHCRM_INSTANCE_PATH"]).parent / "a-file"
    blocker.write_text("x")
    cli_env["GRAPHCRM_INSTANCE_PATH"] = str(blocker / "instance")
    cli_env["GRAPH_URL"] = "embedded:"
    result = run("init", env=cli_env)
    assert result.returncode != 0
    assert "GRAPHCRM_INSTANCE_PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_creates_admin_once_then_check_passes(cli_env: dict[str, str]) -> None:
    first = run("init", "--admin-user", "boss", env=cli_env)
    assert first.returncode == 0, first.stderr
    assert "password:" in first.stdout
    second = run("init", "--admin-user", "boss", env=cli_env)
    assert second.returncode == 0
    assert "password:" not in second.stdout and "exists" in second.stdout
    check = run("check", env=cli_env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "all checks passed" in check.stdout


def test_check_fails_before_init_and_when_graph_is_unreachable(cli_env: dict[str, str]) -> None:
    assert run("check", env=cli_env).returncode != 0  # no security tables yet
    cli_env["GRAPH_URL"] = "falkordb://127.0.0.1:1/crm"
    result = run("check", env=cli_env)
    assert result.returncode != 0
    assert "UNAVAILABLE" in result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.communicate()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


class Served(subprocess.Popen):
    """A server process whose output a thread reads as it comes: a pipe nobody reads fills
    up (64 KB: a few hundred request log lines) and then blocks the server's next write."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.stdout is not None
        for line in self.stdout:
            self.lines.append(line)

    def communicate(self, input: Any = None, timeout: float | None = None) -> tuple[str, None]:
        """Wait for the process to end; its whole output so far."""
        self.wait(timeout)
        self._reader.join(timeout)
        return "".join(self.lines), None


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str]:
    """``graphcrm serve`` on a free port, answering; returns the process and its base URL."""
    port = _free_port()
    server = Served(
        [GRAPHCRM, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert _wait_for(f"{base}/login/", server) == 200
    except BaseException:
        server.kill()
        raise
    return server, base


def test_serve_starts_embedded_graph_once_and_stops_it_cleanly(cli_env: dict[str, str]) -> None:
    # Its own short folder: the socket path must fit in 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="gcrm-"))
    cli_env["GRAPH_URL"] = "embedded:"
    cli_env["GRAPHCRM_INSTANCE_PATH"] = str(folder)
    server, base = serve(cli_env, workers=2)
    port = base.rsplit(":", 1)[1]
    try:
        redis_pids = subprocess.run(
            ["pgrep", "-f", f"{folder}/graph/falkordb.sock"], capture_output=True, text=True
        ).stdout.split()
        assert len(redis_pids) == 1, "one embedded server for the master and all workers"
        busy = run("serve", "--port", str(port), env=cli_env)
        assert busy.returncode != 0 and "pass --port" in busy.stderr
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert not subprocess.run(["pgrep", "-f", f"{folder}/graph/falkordb.sock"]).returncode == 0
    assert (folder / "graph" / "appendonlydir").is_dir()


def _login_opener(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """A cookie-keeping client logged in through the real login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    form = {"username": username, "password": password, "csrf_token": token.group(1)}
    opener.open(f"{base}/login/", urllib.parse.urlencode(form).encode(), timeout=30).read()
    return opener


def test_demo_on_the_test_engine_serves_the_screens(
    cli_env: dict[str, str], store: GraphStore
) -> None:
    # On whichever engine the suite runs (GRAPHCRM_TEST_GRAPH_URL): Neo4j included.
    demo = run("demo", "--no-serve", "--customers", "40", env=cli_env, timeout=300)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Demo data loaded: 40 customers" in demo.stdout
    admin_password = re.search(r"password: (\S+)\n\s+\(shown only", demo.stdout)
    rep = re.search(r"^ +Sales +(\S+) +.*: reports to .*; sees own customers$", demo.stdout, re.M)
    staff_password = re.search(r"password: (\S+)  \(the same for all", demo.stdout)
    assert admin_password and rep and staff_password, demo.stdout
    for role in ("Service", "Finance", "Marketing", "Analyst", "Auditor"):
        assert re.search(rf"^ +{role} +\S+ ", demo.stdout, re.M), role
    assert re.search(r"^ +Sales +\S+ +.*: manager of \d+ salespeople", demo.stdout, re.M)
    server, base = serve(cli_env, workers=1)
    try:
        admin = _login_opener(base, "admin", admin_password.group(1))
        listing = admin.open(f"{base}/customer/list/", timeout=30).read().decode()
        assert "Record Count:" in listing and re.search(r"C\d{11}", listing)
        uid = re.search(r"C\d{11}", listing).group(0)
        for path in (
            f"/customer/show/{uid}",
            f"/referrals/chain/{uid}",
            "/followup/list/",
            "/order/list/",
            "/analytics/top-referrers",
            "/segments/list/",
            "/analytics/channels",
        ):
            with admin.open(f"{base}{path}", timeout=30) as response:
                assert response.status == 200, path
        sales = _login_opener(base, rep.group(1), staff_password.group(1))
        mine = sales.open(f"{base}/customer/list/", timeout=30).read().decode()
        count = re.search(r"Record Count:\s*</strong>\s*(\d+)", mine)
        assert count and 0 < int(count.group(1)) < 40  # a salesperson sees their team's only
        # The demo queued the first analytics refresh; the worker serve started runs it.
        assert "Analytics refresh queued as job" in demo.stdout
        job = _wait_for_job(admin, base, "analytics_refresh")
        assert job["state"] == "done" and job["started_by"] == "admin", job
        assert job["percent"] == 100.0 and "customers" in job["result"]
        children = _children(server.pid)
        assert len(children) == 2, "gunicorn and one job worker beside it"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "children left"


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in found.stdout.split()]


def _wait_for_job(opener: urllib.request.OpenerDirector, base: str, name: str) -> dict:
    """The newest job ``name`` once it has finished (the jobs API, as a browser reads it)."""
    deadline = time.monotonic() + 120
    while True:
        with opener.open(f"{base}/api/v1/jobs/", timeout=30) as response:
            jobs = [job for job in json.load(response)["result"] if job["name"] == name]
        if jobs and jobs[0]["state"] not in ("queued", "running"):
            return jobs[0]
        assert time.monotonic() < deadline, f"{name} did not finish: {jobs}"
        time.sleep(0.5)
