"""The graph store protocol and the choice of backend from ``GRAPH_URL``.

One narrow interface, two engines: FalkorDB over its own protocol (``embedded:`` or
``falkordb://host:port/graph``) and Neo4j over Bolt (``neo4j://``, ``neo4j+s://``,
``bolt://``...). Callers pass statement *names* from ``cypher/``; values are always
parameters; rows come back as plain dicts (nodes and relationships as property dicts).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from graph.errors import ConfigError
from graph.store.readonly import ReadonlyResult
from graph.store.statements import CypherLibrary, ScriptStatement, Statement

Row = dict[str, Any]

NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
FALKORDB_SCHEMES = ("embedded", "falkordb", "falkordbs", "redis", "rediss", "unix")
DEFAULT_GRAPH_NAME = "graphcrm"


class UnitOfWork(Protocol):
    """Statements that commit together when the ``with`` block ends without error."""

    results: list[list[Row]]

    def write(self, name: str | Statement, /, **params: Any) -> None:
        """Queue (FalkorDB) or run (Neo4j) a named write inside this unit."""


class GraphStore(Protocol):
    """What the rest of GraphCRM may ask of a graph engine."""

    backend: str  # "falkordb" or "neo4j": also the Cypher dialect folder name
    cypher: CypherLibrary  # the named statements of that dialect

    def read(
        self, name: str | Statement, /, *, timeout_ms: int | None = None, **params: Any
    ) -> list[Row]:
        """Run a read-only statement (a name in ``cypher/`` or a rendered template)."""

    def write(self, name: str | Statement, /, **params: Any) -> list[Row]:
        """Run a statement that may change the graph, atomically."""

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        """Group several named writes so they commit together or not at all.

        On Neo4j this is one transaction with rollback on any error. FalkorDB has no
        multi-statement transactions: the writes are queued and sent together in one
        MULTI/EXEC block when the block ends, so nothing is sent if the block raises and no
        other client interleaves; an engine error in one statement does not undo the others,
        which is why each logical change should still be one statement.
        """

    def run_readonly(
        self, text: str, params: dict[str, Any], *, timeout_ms: int, row_cap: int
    ) -> ReadonlyResult:
        """Run user-written Cypher (the console) that the *engine* guarantees is read-only.

        Not a named statement: the text comes from a user. Any write is refused by the
        engine with ``WriteRefused``; the engine stops the query after ``timeout_ms``
        (``QueryTimeout``); at most ``row_cap`` rows come back, ``truncated`` if there were
        more. Nodes, relationships and paths keep their structure (``graph.store.readonly``).
        """

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the engine answers."""

    def apply_schema(self, statements: Sequence[ScriptStatement]) -> list[str]:
        """Create the constraints and indexes of ``statements``, idempotently (the whole
        schema: ``graph.records.schema.schema_statements``).

        Returns a line per statement saying whether it was created or already there.
        """

    def location(self) -> tuple[GraphURL, str | None]:
        """How another process reaches the same database: the URL (with its login) and the
        embedded engine's socket, as ``graph.store.backends.open_store`` takes them (the
        engine is started first when this process runs it)."""

    def close(self) -> None:
        """Release connections (the embedded server is stopped by its manager, not here)."""


@dataclass(frozen=True)
class GraphURL:
    """A parsed ``GRAPH_URL``."""

    raw: str
    backend: str
    scheme: str
    host: str | None = None
    port: int | None = None
    socket_path: str | None = None
    database: str | None = None
    username: str | None = None
    password: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """True when GraphCRM starts the engine itself from the instance folder."""
        return self.scheme == "embedded"

    def redacted(self) -> str:
        """The URL without its password, for messages and status pages."""
        if not self.password:
            return self.raw
        # Rebuilt from the raw text: the password there may be percent-encoded (p%40ss).
        parts = urlsplit(self.raw)
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{hostport}"))


def with_login(url: GraphURL, username: str, password: str) -> GraphURL:
    """``url`` with the login of the settings (``NEO4J_USERNAME``/``NEO4J_PASSWORD``)
    where the URL itself carries none."""
    return replace(url, username=url.username or username, password=url.password or password)


def parse_graph_url(raw: str) -> GraphURL:
    """Parse ``GRAPH_URL``; any unsupported scheme is a ``ConfigError`` naming the setting."""
    text = (raw or "").strip()
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme == "embedded":
        name = text.split(":", 1)[1].strip("/") or DEFAULT_GRAPH_NAME
        return GraphURL(raw=text, backend="falkordb", scheme="embedded", database=name)
    parts = urlsplit(text)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"GRAPH_URL has an invalid port: {text!r}") from exc
    if scheme in NEO4J_SCHEMES:
        if not parts.hostname:
            raise ConfigError(f"GRAPH_URL {text!r} names no host")
        return GraphURL(
            raw=text,
            backend="neo4j",
            scheme=scheme,
            host=parts.hostname,
            port=port or 7687,
            database=parts.path.strip("/") or options.get("database"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            options=options,
        )
    if scheme in FALKORDB_SCHEMES:
        if scheme == "unix":
            socket_path = parts.path
            if not socket_path:
                # An empty path would silently fall back to the client's default localhost:6379.
                raise ConfigError(f"GRAPH_URL {text!r} names no socket path")
            database = options.get("graph", DEFAULT_GRAPH_NAME)
            return GraphURL(
                raw=text,
                backend="falkordb",
                scheme=scheme,
                socket_path=socket_path,
                database=database,
                options=options,
            )
        if not parts.hostname:
            raise ConfigError(f"GRAPH_URL {text!r} names no host")
        return GraphURL(
            raw=text,
            backend="falkordb",
            scheme=scheme,
            host=parts.hostname,
            port=port or 6379,
            database=parts.path.strip("/") or DEFAULT_GRAPH_NAME,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            options=options,
        )
    raise ConfigError(
        f"GRAPH_URL {text!r} is not supported: use embedded:, falkordb://host:port/graph, "
        "neo4j://host:7687, neo4j+s://host or bolt://host:7687"
    )


def iter_rows(header: list[str], records: list[list[Any]]) -> Iterator[Row]:
    """Zip column names with values: the plain-row shape every backend returns."""
    for record in records:
        yield dict(zip(header, record, strict=True))
