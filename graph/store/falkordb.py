"""FalkorDB backend: the engine's own protocol (RESP) through the ``falkordb`` client."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import redis
from falkordb import Edge, FalkorDB, Graph, Node, Path
from falkordb.query_result import QueryResult

from graph.errors import (
    ConstraintViolation,
    CypherSyntaxError,
    InvalidValue,
    QueryTimeout,
    StoreError,
    StoreUnavailable,
    WriteRefused,
)
from graph.store.falkordb_params import NulCharacter, cypher_query
from graph.store.protocol import GraphURL, Row, iter_rows
from graph.store.readonly import GraphNode, GraphPath, GraphRelationship, ReadonlyResult
from graph.store.schema import existing_items, schema_item
from graph.store.statements import CypherLibrary, ScriptStatement, Statement, library
from graph.store.timing import graph_call

# The dialect schema writes unique constraints in Neo4j's words; FalkorDB creates them with
# the GRAPH.CONSTRAINT command instead of Cypher, so this exact form is translated.
_UNIQUE = re.compile(
    r"^CREATE CONSTRAINT FOR \((\w+):([A-Z][A-Za-z0-9_]*)\) "
    r"REQUIRE \1\.([A-Za-z_][A-Za-z0-9_]*) IS UNIQUE$"
)
_ALREADY = ("already indexed", "already exists")
REWRITE_WAIT_S = 10.0  # how long apply_schema waits for new constraints before the rewrite
_EMPTY_KEY = "Invalid graph operation on empty key"
# Parse and planning errors; "not defined" is an undefined variable, a SyntaxError on Neo4j.
_SYNTAX = ("errmsg:", "invalid input", "unknown function", "not defined")
# GRAPH.RO_QUERY's answer to any statement that would write (clauses and procedures alike).
_READ_ONLY = "to be executed only on read-only queries"
WRITE_REFUSED = "read-only console: writes are refused"


def _plain(value: Any) -> Any:
    """Turn client objects into plain Python values."""
    if isinstance(value, Node | Edge):
        return {k: _plain(v) for k, v in value.properties.items()}
    if isinstance(value, Path):
        return [_plain(n) for n in value.nodes()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _structured(value: Any) -> Any:
    """Client objects as ``graph.store.readonly`` values (structure kept, for drawing)."""
    if isinstance(value, Node):
        props = {k: _structured(v) for k, v in value.properties.items()}
        return GraphNode(str(value.id), tuple(value.labels or ()), props)
    if isinstance(value, Edge):
        props = {k: _structured(v) for k, v in value.properties.items()}
        start, end = str(value.src_node), str(value.dest_node)
        return GraphRelationship(str(value.id), str(value.relation), start, end, props)
    if isinstance(value, Path):
        nodes = tuple(_structured(n) for n in value.nodes())
        return GraphPath(nodes, tuple(_structured(e) for e in value.edges()))
    if isinstance(value, list):
        return [_structured(v) for v in value]
    if isinstance(value, dict):
        return {k: _structured(v) for k, v in value.items()}
    return value


def _rows(result: QueryResult) -> list[Row]:
    header = [column[1] for column in result.header]
    return [{k: _plain(v) for k, v in row.items()} for row in iter_rows(header, result.result_set)]


def translate_error(exc: Exception) -> StoreError:
    """Map a client or engine error to GraphCRM's exception types."""
    if isinstance(exc, redis.exceptions.TimeoutError):
        return QueryTimeout(f"FalkorDB did not answer in time: {exc}")
    if isinstance(exc, redis.exceptions.ConnectionError):
        return StoreUnavailable(f"cannot reach FalkorDB (check GRAPH_URL): {exc}")
    message = str(exc)
    lowered = message.lower()
    if "unique constraint violation" in lowered:
        return ConstraintViolation(message)
    if "timed out" in lowered or "timeout" in lowered:
        return QueryTimeout(message)
    if any(marker in lowered for marker in _SYNTAX):
        return CypherSyntaxError(message)
    if isinstance(exc, redis.exceptions.AuthenticationError):
        return StoreUnavailable(f"FalkorDB refused the login: {message}")
    return StoreError(message)


class _FalkorUnit:
    """Queued writes sent in one MULTI/EXEC block (see ``GraphStore.unit_of_work``)."""

    def __init__(self, store: FalkorDBStore) -> None:
        self._store = store
        self.commands: list[tuple[str, ...]] = []
        self.results: list[list[Row]] = []

    def write(self, name: str | Statement, /, **params: Any) -> None:
        self.commands.append(self._store.command(name, params, read_only=False))


class FalkorDBStore:
    """A ``GraphStore`` on FalkorDB, over a unix socket or TCP."""

    backend = "falkordb"

    def __init__(self, url: GraphURL, *, socket_path: str | None = None) -> None:
        self.url = url
        self.cypher: CypherLibrary = library(self.backend)
        self.socket_path = socket_path
        self.graph_name = url.database or "graphcrm"

    @cached_property
    def _db(self) -> FalkorDB:
        # Built on first use, like Neo4j's driver: the client asks the server for INFO as soon
        # as it is created, and an engine that is down must surface as StoreUnavailable from
        # ping()/read() (inside their error translation), not as a raw redis error at open.
        if self.socket_path:
            return FalkorDB(unix_socket_path=self.socket_path, socket_timeout=60)
        return FalkorDB(
            host=self.url.host,
            port=self.url.port,
            username=self.url.username,
            password=self.url.password,
            ssl=self.url.scheme in ("falkordbs", "rediss"),
            socket_timeout=60,
            socket_connect_timeout=5,
        )

    @cached_property
    def _graph(self) -> Graph:
        return self._db.select_graph(self.graph_name)

    def command(
        self, name: str | Statement, params: dict[str, Any], *, read_only: bool
    ) -> tuple[str, ...]:
        """Build the GRAPH.QUERY command for a named statement, values as parameters."""
        statement = self.cypher.statement(name)
        statement.check_params(params)
        try:
            text = cypher_query(params, statement.text)
        except NulCharacter:
            raise InvalidValue(
                f"{statement.name}: text values cannot contain a NUL character"
            ) from None
        verb = "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY"
        return (verb, self.graph_name, text, "--compact")

    def _run(self, command: tuple[Any, ...]) -> list[Row]:
        try:
            with graph_call():
                response = self._db.connection.execute_command(*command)
            return _rows(QueryResult(self._graph, response))
        except (redis.exceptions.RedisError, OSError) as exc:
            raise translate_error(exc) from exc

    def read(
        self, name: str | Statement, /, *, timeout_ms: int | None = None, **params: Any
    ) -> list[Row]:
        command: tuple[Any, ...] = self.command(name, params, read_only=True)
        if timeout_ms is not None:
            command = (*command, "timeout", int(timeout_ms))
        try:
            return self._run(command)
        except StoreError as exc:
            # A graph nobody has written to yet has no key; it is empty, as on Neo4j.
            if _EMPTY_KEY in str(exc):
                return []
            raise

    def write(self, name: str | Statement, /, **params: Any) -> list[Row]:
        return self._run(self.command(name, params, read_only=False))

    def run_readonly(
        self, text: str, params: dict[str, Any], *, timeout_ms: int, row_cap: int
    ) -> ReadonlyResult:
        # GRAPH.RO_QUERY: the engine itself refuses anything that would write.
        nul = InvalidValue("the query and its parameters cannot contain a NUL character")
        if "\x00" in text:
            raise nul
        try:
            query = cypher_query(params, text)
        except NulCharacter:
            raise nul from None
        except ValueError as exc:  # a map key the CYPHER header cannot carry
            raise InvalidValue(f"parameters: {exc}") from exc
        command = ("GRAPH.RO_QUERY", self.graph_name, query, "--compact", "timeout", timeout_ms)
        try:
            with graph_call():
                response = self._db.connection.execute_command(*command)
            truncated = False
            if len(response) == 3:  # header, rows, statistics: parse only what is shown
                truncated = len(response[1]) > row_cap
                response = [response[0], response[1][:row_cap], response[2]]
            result = QueryResult(self._graph, response)
        except (redis.exceptions.RedisError, OSError) as exc:
            if _READ_ONLY in str(exc):
                raise WriteRefused(WRITE_REFUSED) from exc
            if _EMPTY_KEY in str(exc):  # nothing was ever written: an empty graph
                return ReadonlyResult([], [], False)
            raise translate_error(exc) from exc
        columns = [column[1] for column in result.header]
        rows = [[_structured(v) for v in record] for record in result.result_set]
        return ReadonlyResult(columns, rows, truncated)

    @contextmanager
    def unit_of_work(self) -> Iterator[_FalkorUnit]:
        unit = _FalkorUnit(self)
        yield unit
        if not unit.commands:
            return
        try:
            pipe = self._db.connection.pipeline(transaction=True)
            for command in unit.commands:
                pipe.execute_command(*command)
            with graph_call():
                responses = pipe.execute(raise_on_error=True)
        except (redis.exceptions.RedisError, OSError) as exc:
            raise translate_error(exc) from exc
        unit.results = [_rows(QueryResult(self._graph, r)) for r in responses]

    def ping(self) -> None:
        try:
            self._db.connection.ping()
        except (redis.exceptions.RedisError, OSError) as exc:
            raise translate_error(exc) from exc

    def apply_schema(self, statements: Sequence[ScriptStatement]) -> list[str]:
        # Only what is missing is sent, and after creating anything the append-only file is
        # rewritten: FalkorDB logs a GRAPH.CONSTRAINT command in a form that, replayed at the
        # next start, is refused as "Constraint already exists" (once per constraint, at
        # every start, until the AOF is rewritten from the data).
        present = {(r["kind"], r["label"], r["property"]) for r in existing_items(self)}
        report = []
        for item in statements:
            if schema_item(item.text) in present:
                report.append(f"present: {' '.join(item.text.split())}")
                continue
            match = _UNIQUE.match(" ".join(item.text.split()))
            if match:
                _, label, prop = match.groups()
                command: tuple[Any, ...] = (
                    "GRAPH.CONSTRAINT",
                    "CREATE",
                    self.graph_name,
                    "UNIQUE",
                    "NODE",
                    label,
                    "PROPERTIES",
                    1,
                    prop,
                )
            else:
                command = ("GRAPH.QUERY", self.graph_name, item.text, "--compact")
            try:
                self._db.connection.execute_command(*command)
                report.append(f"created: {' '.join(item.text.split())}")
            except redis.exceptions.ResponseError as exc:
                if not any(marker in str(exc).lower() for marker in _ALREADY):
                    raise translate_error(exc) from exc
                report.append(f"present: {' '.join(item.text.split())}")
            except (redis.exceptions.RedisError, OSError) as exc:
                raise translate_error(exc) from exc
        if any(line.startswith("created: ") for line in report):
            self._rewrite_append_only_file()
        return report

    def _rewrite_append_only_file(self) -> None:
        """Ask the server to rewrite its AOF in the background (if it keeps one, and lets us),
        once the new constraints are built: FalkorDB logs a constraint when it is done."""
        deadline = time.monotonic() + REWRITE_WAIT_S
        while any(row.get("ready") is False for row in existing_items(self)):
            if time.monotonic() > deadline:
                return  # a large graph: the server's automatic rewrite compacts it later
            time.sleep(0.05)
        try:
            self._db.connection.execute_command("BGREWRITEAOF")
        except redis.exceptions.ResponseError:
            pass  # AOF off, a rewrite already running, or the command not permitted to us
        except (redis.exceptions.RedisError, OSError) as exc:
            raise translate_error(exc) from exc

    def location(self) -> tuple[GraphURL, str | None]:
        """How another process reaches this database (see ``GraphStore.location``)."""
        return self.url, self.socket_path

    def close(self) -> None:
        if "_db" in self.__dict__:  # never connected: nothing to release
            self._db.connection.close()
