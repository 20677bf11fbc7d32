"""Sending an import's batch statements while the next batch is prepared.

One batch at most is in flight: ``send`` hands a statement over and returns at once,
``wait`` blocks until it is written and raises its error. Two ways, the same behaviour:

- ``ThreadSender``: a background thread of this process writes it (waiting on the socket
  releases the GIL, so the engine works while the next batch is read, cleaned and sealed).
  Writing a batch's parameter text still takes the GIL, about a fifth of an import's CPU.
- ``ProcessSender``: a second process, with its own connection to the same database,
  writes it: the parameter text is made there, on the other core, and this process only
  serialises the parameters with ``marshal`` (a C routine, several times cheaper; ``pickle``
  took three times as long to write a batch's rows and half as long again to read them,
  and parameters are plain values that ``marshal`` carries whole). Starting the process
  (importing the modules it needs) takes about 0.2 s, which a small import would not win
  back, so only large ones use it (``sender_for``).

Either way each statement is written whole or not at all (one statement per batch); a
batch is written by one sender at a time, in order.
"""

from __future__ import annotations

import contextvars
import marshal
import os
import pickle
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from graph.errors import StoreError, StoreUnavailable
from graph.store.backends import open_store
from graph.store.protocol import GraphStore, GraphURL
from graph.store.statements import Statement

# Estimated rows from which an import writes from a second process.
PROCESS_ROWS = 20_000
_STOP = None  # what the parent sends the writing process to end it


class Sender(Protocol):
    """Writes an import's batch statements one at a time, in the background."""

    def send(self, statement: Statement, params: dict[str, Any]) -> None:
        """Start writing ``statement`` (the previous one must have been waited for)."""

    def wait(self) -> None:
        """Block until the statement sent last is written; raise its error."""

    def close(self) -> None:
        """Stop (after ``wait``); what was sent and not waited for may still land."""


class InBackground:
    """``call(*args, **kwargs)`` run by a background thread (in a copy of the caller's
    context, so its engine time still counts where the caller measures); ``result`` waits
    for it and returns its value or raises its error."""

    def __init__(self, name: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=contextvars.copy_context().run,
            args=(self._run, call, args, kwargs),
            name=name,
            daemon=True,
        )
        self._thread.start()

    def _run(self, call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            self._value = call(*args, **kwargs)
        except BaseException as exc:  # handed to the waiting thread by result()
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


class ThreadSender:
    """Each statement written by a background thread (``InBackground``)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._pending: InBackground | None = None

    def send(self, statement: Statement, params: dict[str, Any]) -> None:
        self._pending = InBackground("import-write", self._store.write, statement, **params)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        pass


class ProcessSender:
    """Each statement written by a second process with its own connection.

    The process runs this module (``python -m graph.io.imports.sender``, with the importing
    process's import path) and talks over a socket pair; unlike ``multiprocessing``'s
    spawn, it never runs the importing program's main module a second time."""

    def __init__(self, url: GraphURL, socket_path: str | None) -> None:
        mine, theirs = socket.socketpair()
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=environment,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._conn = Connection(mine.detach())
        self._pending = False
        self._send((url, socket_path))

    def _send(self, item: Any) -> None:
        try:
            self._conn.send(item)
        except (BrokenPipeError, EOFError, OSError) as exc:
            raise StoreUnavailable("the import's writing process has stopped") from exc

    def send(self, statement: Statement, params: dict[str, Any]) -> None:
        self._send((statement, _packed(params)))
        self._pending = True

    def wait(self) -> None:
        if not self._pending:
            return
        self._pending = False
        try:
            error = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise StoreUnavailable("the import's writing process has stopped") from exc
        if error is not None:
            raise error

    def close(self) -> None:
        try:
            self._conn.send(_STOP)
        except (BrokenPipeError, EOFError, OSError):
            pass
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)
        self._conn.close()

    @property
    def running(self) -> bool:
        """Whether the writing process is still there."""
        return self._process.poll() is None


def sender_for(store: GraphStore, estimated_rows: int) -> Sender:
    """A ``ProcessSender`` (reaching ``store``'s database at its ``location``) for an import
    of ``estimated_rows`` or more rows; a ``ThreadSender`` otherwise."""
    if estimated_rows < PROCESS_ROWS:
        return ThreadSender(store)
    return ProcessSender(*store.location())


def _serve(conn: Connection) -> None:
    """The writing process: opens the store it is told, writes each statement received,
    answers None or its error, until told to stop or the importing process is gone."""
    try:
        url, socket_path = conn.recv()
    except (EOFError, OSError):
        return
    store = open_store(url, socket_path=Path(socket_path) if socket_path else None)
    try:
        while True:
            try:
                item = conn.recv()
            except (EOFError, OSError):
                return  # the importing process ended
            if item is _STOP:
                return
            statement, packed = item
            try:
                store.write(statement, **_unpacked(packed))
            except Exception as exc:  # noqa: BLE001 (handed to the importing process)
                conn.send(_portable(exc))
            else:
                conn.send(None)
    finally:
        store.close()


def _packed(params: dict[str, Any]) -> bytes | dict[str, Any]:
    """``params`` as ``marshal`` bytes (the writing process reads them back with
    ``_unpacked``); ``params`` themselves, pickled with the message, when they hold a value
    ``marshal`` does not carry (a date, say)."""
    try:
        return marshal.dumps(params)
    except ValueError:
        return params


def _unpacked(packed: bytes | dict[str, Any]) -> dict[str, Any]:
    """The parameters ``_packed`` made: written by the same interpreter (the writing process
    runs ``sys.executable``), so its ``marshal`` format is this one's."""
    return marshal.loads(packed) if isinstance(packed, bytes) else packed


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling whole, else a ``StoreError`` saying what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 (any failure to pickle means: describe it instead)
        return StoreError(f"{type(exc).__name__}: {exc}")
    return exc


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
