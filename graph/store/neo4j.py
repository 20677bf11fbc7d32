"""Neo4j 5 backend: Bolt through the official ``neo4j`` driver (one pool per app)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import neo4j
from neo4j import exceptions as neo4j_errors
from neo4j.graph import Node, Path, Relationship

from graph.errors import (
    ConstraintViolation,
    CypherSyntaxError,
    QueryTimeout,
    StoreError,
    StoreUnavailable,
    WriteRefused,
)
from graph.store.composition import planned
from graph.store.protocol import GraphURL, Row
from graph.store.readonly import GraphNode, GraphPath, GraphRelationship, ReadonlyResult
from graph.store.statements import CypherLibrary, ScriptStatement, Statement, library
from graph.store.timing import graph_call

WRITE_REFUSED = "read-only console: writes are refused"
DEFAULT_RETRY_SECONDS = 3.0


def _plain(value: Any) -> Any:
    """Turn driver objects into plain Python values."""
    if isinstance(value, Node | Relationship):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return [_plain(n) for n in value.nodes]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _structured(value: Any) -> Any:
    """Driver objects as ``graph.store.readonly`` values (structure kept, for drawing)."""
    if isinstance(value, Node):
        props = {k: _structured(v) for k, v in value.items()}
        return GraphNode(value.element_id, tuple(sorted(value.labels)), props)
    if isinstance(value, Relationship):
        start = value.start_node.element_id if value.start_node is not None else ""
        end = value.end_node.element_id if value.end_node is not None else ""
        props = {k: _structured(v) for k, v in value.items()}
        return GraphRelationship(value.element_id, value.type, start, end, props)
    if isinstance(value, Path):
        nodes = tuple(_structured(n) for n in value.nodes)
        return GraphPath(nodes, tuple(_structured(r) for r in value.relationships))
    if isinstance(value, list):
        return [_structured(v) for v in value]
    if isinstance(value, dict):
        return {k: _structured(v) for k, v in value.items()}
    return value


def _rows(records: list[neo4j.Record]) -> list[Row]:
    return [{k: _plain(v) for k, v in record.items()} for record in records]


def translate_error(exc: Exception, address: str = "") -> StoreError:
    """Map a driver error to GraphCRM's exception types; ``address`` goes into messages."""
    where = f" at {address}" if address else ""
    if isinstance(exc, neo4j_errors.AuthError):
        return StoreUnavailable(
            f"Neo4j{where} refused the login (check the user and password in GRAPH_URL or "
            f"NEO4J_USERNAME/NEO4J_PASSWORD): {exc}"
        )
    if isinstance(exc, neo4j_errors.ServiceUnavailable | neo4j_errors.SessionExpired | OSError):
        return StoreUnavailable(f"cannot reach Neo4j{where} (check GRAPH_URL): {exc}")
    code = getattr(exc, "code", "") or ""
    if isinstance(exc, neo4j_errors.ConstraintError) or "ConstraintValidationFailed" in code:
        return ConstraintViolation(str(exc))
    if isinstance(exc, neo4j_errors.CypherSyntaxError) or code.endswith("SyntaxError"):
        return CypherSyntaxError(str(exc))
    if "TransactionTimedOut" in code or "Timeout" in code:
        return QueryTimeout(str(exc))
    return StoreError(str(exc))


_ERRORS = (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError)


class _Neo4jUnit:
    """Writes in one explicit transaction, committed when the block ends."""

    def __init__(self, store: Neo4jStore, tx: neo4j.Transaction) -> None:
        self._store = store
        self._tx = tx
        self.results: list[list[Row]] = []

    def write(self, name: str | Statement, /, **params: Any) -> None:
        statement = self._store.cypher.statement(name)
        statement.check_params(params)
        self.results.append(_rows(list(self._tx.run(statement.text, params))))


class Neo4jStore:
    """A ``GraphStore`` on Neo4j 5 (single server, cluster or Aura)."""

    backend = "neo4j"

    def __init__(self, url: GraphURL) -> None:
        self.url = url
        self.cypher: CypherLibrary = library(self.backend)
        # The login comes with the URL (``graph.store.protocol.with_login`` adds the settings').
        username = url.username or "neo4j"
        password = url.password or ""
        self.address = address = f"{url.scheme}://{url.host}:{url.port}"
        self.database = url.database or None
        # How long a transaction function retries while the server is unreachable or a
        # cluster elects a leader. The driver's 30 s would hold a web request (and its
        # worker) that long when the server is down; a few seconds cover a leader switch,
        # and then the reader gets a 503 that says to try again. The URL may say otherwise.
        retry = float(url.options.get("max_transaction_retry_time", DEFAULT_RETRY_SECONDS))
        self._driver = neo4j.GraphDatabase.driver(
            address,
            auth=(username, password),
            connection_timeout=5.0,
            max_transaction_retry_time=retry,
        )

    def _session(self, mode: str) -> neo4j.Session:
        return self._driver.session(database=self.database, default_access_mode=mode)

    def read(
        self, name: str | Statement, /, *, timeout_ms: int | None = None, **params: Any
    ) -> list[Row]:
        statement = self.cypher.statement(name)
        statement.check_params(params)
        # A transaction function takes its timeout from ``unit_of_work``; a ``neo4j.Query``
        # (which carries one too) is accepted by ``session.run`` only.
        timeout = timeout_ms / 1000 if timeout_ms is not None else None

        @neo4j.unit_of_work(timeout=timeout)
        def work(tx: neo4j.ManagedTransaction) -> list[Row]:
            return _rows(list(tx.run(statement.text, params)))

        try:
            with graph_call(), self._session(neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except _ERRORS as exc:
            raise translate_error(exc, self.address) from exc

    def write(self, name: str | Statement, /, **params: Any) -> list[Row]:
        statement = self.cypher.statement(name)
        statement.check_params(params)
        try:
            with graph_call(), self._session(neo4j.WRITE_ACCESS) as session:
                return session.execute_write(lambda tx: _rows(list(tx.run(statement.text, params))))
        except _ERRORS as exc:
            raise translate_error(exc, self.address) from exc

    def run_readonly(
        self, text: str, params: dict[str, Any], *, timeout_ms: int, row_cap: int
    ) -> ReadonlyResult:
        # Two engine checks: the planner's query type (EXPLAIN runs nothing) must be read
        # only, and the session is in READ access mode, so the server refuses writes anyway.
        return self._run_in_read_session(
            text, params, timeout_ms=timeout_ms, row_cap=row_cap, planner_check=True
        )

    def _run_in_read_session(
        self,
        text: str,
        params: dict[str, Any],
        *,
        timeout_ms: int,
        row_cap: int,
        planner_check: bool,
    ) -> ReadonlyResult:
        """``run_readonly``'s work; without ``planner_check`` only the server's READ access
        mode stands between the text and the data (tests prove that it holds alone)."""
        # Auto-commit ``session.run``: the one place where a ``neo4j.Query`` timeout applies.
        timeout = timeout_ms / 1000
        rows: list[list[Any]] = []
        truncated = False
        try:
            with graph_call(), self._session(neo4j.READ_ACCESS) as session:
                if planner_check:
                    explain = neo4j.Query(planned(text, "EXPLAIN"), timeout=timeout)
                    if session.run(explain, params).consume().query_type != "r":
                        raise WriteRefused(WRITE_REFUSED)
                result = session.run(neo4j.Query(text, timeout=timeout), params)
                columns = list(result.keys())
                for record in result:
                    if len(rows) == row_cap:
                        truncated = True
                        break  # closing the session discards the rest on the server
                    rows.append([_structured(v) for v in record.values()])
        except _ERRORS as exc:
            code = getattr(exc, "code", "") or ""
            if "AccessMode" in code or "ForbiddenDueToTransactionType" in code:
                raise WriteRefused(WRITE_REFUSED) from exc
            raise translate_error(exc, self.address) from exc
        return ReadonlyResult(columns, rows, truncated)

    @contextmanager
    def unit_of_work(self) -> Iterator[_Neo4jUnit]:
        try:
            with (
                graph_call(),
                self._session(neo4j.WRITE_ACCESS) as session,
                session.begin_transaction() as tx,
            ):
                unit = _Neo4jUnit(self, tx)
                yield unit
                tx.commit()
        except _ERRORS as exc:
            raise translate_error(exc, self.address) from exc

    def ping(self) -> None:
        try:
            self._driver.verify_connectivity()
        except _ERRORS as exc:
            raise translate_error(exc, self.address) from exc

    def apply_schema(self, statements: Sequence[ScriptStatement]) -> list[str]:
        report = []
        try:
            with self._session(neo4j.WRITE_ACCESS) as session:
                for item in statements:
                    summary = session.run(item.text).consume()
                    added = summary.counters.constraints_added + summary.counters.indexes_added
                    state = "created" if added else "present"
                    report.append(f"{state}: {' '.join(item.text.split())}")
        except _ERRORS as exc:
            raise translate_error(exc, self.address) from exc
        return report

    def location(self) -> tuple[GraphURL, str | None]:
        """How another process reaches this database (see ``GraphStore.location``)."""
        return self.url, None

    def close(self) -> None:
        self._driver.close()
