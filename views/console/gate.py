"""How much of the app the Cypher console may take, so that it can never starve the rest.

- At most ``GRAPHCRM_CONSOLE_MAX_RUNNING`` console queries run at once on this machine (all
  gunicorn workers together) and at most ``GRAPHCRM_CONSOLE_MAX_PER_USER`` per user; beyond
  that a run is refused at once (``ConsoleBusy``, answered 429 with ``Retry-After``). The
  slots are ``flock`` locks on files in the instance folder: shared by every worker process,
  and released by the kernel if a worker dies.
- A query runs on a small per-process pool, never on more threads than the total cap. The
  request waits for it at most the console's time limit plus a grace period: an engine that
  overruns its own limit (FalkorDB checks it only between some operations) frees the web
  thread with a timeout answer, while the query keeps its slot until the engine lets go, so
  runaway queries are counted against the cap instead of piling up in the engine.

``graphcrm serve`` keeps the cap below its request threads (workers x threads), and the
embedded engine gets this many query threads on top of one per CPU core.
"""

from __future__ import annotations

import concurrent.futures
import fcntl
import hashlib
import math
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

from flask import Flask, current_app

from graph.errors import QueryTimeout

T = TypeVar("T")
EXTENSION = "graphcrm_console_gate"
GRACE_S = 2.0  # beyond the engine's own limit, before the web thread gives up waiting


class ConsoleBusy(Exception):
    """No console slot is free: ``scope`` is "user" or "total"; retry after ``retry_after`` s."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"console busy ({scope})")
        self.scope = scope
        self.retry_after = retry_after


class ConsoleGate:
    """Machine-wide console slots (total and per user) and this process's query pool."""

    def __init__(
        self, folder: Path, *, total: int, per_user: int, grace_s: float = GRACE_S
    ) -> None:
        self.folder = folder
        self.total = total
        self.per_user = per_user
        self.grace_s = grace_s
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:  # made in the worker process, after gunicorn's fork
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self.total, thread_name_prefix="console"
                )
            return self._pool

    def _take(self, name: str, count: int) -> IO[str] | None:
        """Lock one of ``count`` slot files called ``name``; None when all are taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for index in range(count):
            handle = open(self.folder / f"{name}-{index}.lock", "a+")  # noqa: SIM115
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            return handle
        return None

    def run(self, user: str, work: Callable[[], T], *, timeout_ms: int) -> T:
        """Run ``work`` in a console slot of ``user``: ``ConsoleBusy`` when none is free,
        ``QueryTimeout`` when it does not finish within ``timeout_ms`` plus the grace."""
        # A slot is held at most about the time limit, unless the engine overruns it.
        retry_after = max(1, math.ceil(timeout_ms / 1000))
        key = hashlib.sha256(user.encode("utf-8")).hexdigest()[:32]
        mine = self._take(f"user-{key}", self.per_user)
        if mine is None:
            raise ConsoleBusy("user", retry_after)
        shared = self._take("total", self.total)
        if shared is None:
            mine.close()
            raise ConsoleBusy("total", retry_after)

        released = threading.Lock()

        def release(_: object = None) -> None:
            # Once: by the caller when the work ended in time, else by the pool when the
            # engine finally lets go (a future's callbacks run after its waiters wake).
            if released.acquire(blocking=False):
                shared.close()  # closing the file releases its lock
                mine.close()

        try:
            future = self._executor().submit(work)
        except BaseException:
            release()
            raise
        future.add_done_callback(release)
        try:
            result = future.result(timeout=timeout_ms / 1000 + self.grace_s)
        except concurrent.futures.TimeoutError:
            raise QueryTimeout("the console query overran its time limit") from None
        except BaseException:
            release()
            raise
        release()
        return result


def init_app(app: Flask) -> None:
    """Give the app its console gate (slots under ``<instance>/console-slots``)."""
    app.extensions[EXTENSION] = ConsoleGate(
        Path(app.config["GRAPHCRM_INSTANCE_PATH"]) / "console-slots",
        total=app.config["GRAPHCRM_CONSOLE_MAX_RUNNING"],
        per_user=app.config["GRAPHCRM_CONSOLE_MAX_PER_USER"],
    )


def current_gate() -> ConsoleGate:
    """The app's console gate."""
    return current_app.extensions[EXTENSION]


def embedded_threads(console_total: int) -> int:
    """Query threads for the embedded engine: one per CPU core for the app's own queries,
    plus one per console slot, so console queries can never take every engine thread."""
    return (os.cpu_count() or 1) + console_total
