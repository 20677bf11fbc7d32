"""What the benchmarks need of each graph engine beyond ``GraphStore``.

- ``prepare_neo4j``: the benchmarks' deterministic dataset in a Neo4j 5 database named by a
  ``GRAPH_URL`` (``--graph-url``), loaded through ``graph.demo.seed.load`` (schema first) and
  reused by later runs, as the embedded FalkorDB folder is;
- ``Replay``: the engine's own execution time and profile of statements a probe sent,
  replayed: FalkorDB's "internal execution time" from ``GRAPH.QUERY``, Neo4j's
  ``result_available_after + result_consumed_after`` from the result summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import time
from pathlib import Path
from typing import Any, Protocol

import neo4j
import redis

from bench.harness.output import say
from graph.demo.dataset import GENERATOR_VERSION, iter_chunks
from graph.demo.seed import load
from graph.errors import ConfigError
from graph.records.schema import apply_schema
from graph.store.backends import open_store
from graph.store.composition import planned
from graph.store.protocol import GraphStore, GraphURL, parse_graph_url
from graph.store.statements import Statement

Read = tuple[str | Statement, dict[str, Any]]  # a statement a probe read, and its values


def neo4j_url(raw: str) -> GraphURL:
    """``--graph-url``: the parsed URL of a Neo4j server (argparse reports anything else)."""
    try:
        url = parse_graph_url(raw)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if url.backend != "neo4j":
        raise argparse.ArgumentTypeError(
            f"--graph-url {raw!r}: the embedded FalkorDB is always measured; name a Neo4j "
            "server (bolt://host:port or neo4j://host:port) to add it"
        )
    return url


def count(store: GraphStore, statement: str) -> int:
    return int(store.read(statement)[0]["count"])


def prepare_neo4j(
    url: GraphURL, marker: Path, size: int, *, seed: int, today: dt.date, chunk_size: int
) -> GraphStore:
    """A store on ``url`` holding the dataset of ``size`` customers generated on ``today``.

    ``marker`` (a JSON file beside the embedded graph) records a complete load into that
    server and database; a later run finding it, and as many customers in the database,
    reuses the data. Otherwise the database must be empty: the benchmark loads it but never
    deletes anything on a server (empty it yourself, e.g. with a fresh database).
    """
    store = open_store(url)
    wanted = {
        "url": url.redacted(),
        "customers": size,
        "seed": seed,
        "generator": GENERATOR_VERSION,
        "today": today.isoformat(),
    }
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        recorded = {}
    try:
        customers = count(store, "customer_count")
        if {k: recorded.get(k) for k in wanted} == wanted and customers == size:
            say(f"  Neo4j {url.redacted()}: reusing the load of {recorded['loaded_at']}")
            return store
        nodes = count(store, "bench_node_count")
        if nodes:
            raise SystemExit(
                f"Neo4j {url.redacted()} holds {nodes:,} nodes ({customers:,} customers) but "
                f"no complete load of this dataset ({size:,} customers, generator "
                f"{GENERATOR_VERSION}, day {today}) recorded in {marker}: the benchmark loads "
                "only into an empty database and never deletes data; empty it or name another"
            )
        started = time.perf_counter()
        apply_schema(store)
        say(f"  loading {size:,} customers (seed {seed}, day {today}) into Neo4j {url.redacted()}")
        loaded, next_note = 0, max(chunk_size, size // 10)
        for chunk in iter_chunks(size, seed=seed, today=today, chunk_size=chunk_size):
            load(store, chunk)
            loaded += len(chunk.customers)
            if loaded >= next_note:
                say(f"    {loaded:>9,} customers  {time.perf_counter() - started:6.0f} s")
                next_note += max(chunk_size, size // 10)
        customers = count(store, "customer_count")
        if customers != size:
            raise SystemExit(f"loaded {customers} customers into Neo4j, expected {size}")
        load_s = time.perf_counter() - started
        say(f"  loaded into Neo4j in {load_s:.0f} s")
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        marker.write_text(json.dumps({**wanted, "loaded_at": stamp, "load_s": round(load_s, 1)}))
    except BaseException:
        store.close()
        raise
    return store


# -- replaying what a probe sent -------------------------------------------------------------


class Replay(Protocol):
    engine: str

    def internal_ms(self, reads: list[Read]) -> list[float]:
        """The engine's own execution time of each statement, in milliseconds."""

    def profile(self, reads: list[Read]) -> list[str]:
        """The engine's profile of each statement, as text lines."""

    def close(self) -> None: ...


_INTERNAL = re.compile(rb"internal execution time: ([0-9.]+) milliseconds")


class FalkorDBReplay:
    """Replays GRAPH.QUERY commands on the server's unix socket (no client-side parsing)."""

    engine = "FalkorDB"

    def __init__(self, store: Any, socket_path: Path) -> None:
        self._store = store  # FalkorDBStore: builds the exact command the app sends
        self._client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=600)

    def internal_ms(self, reads: list[Read]) -> list[float]:
        times = []
        for name, params in reads:
            stats = self._client.execute_command(*self._store.command(name, params, read_only=True))
            found = (
                _INTERNAL.search(s if isinstance(s, bytes) else str(s).encode()) for s in stats[-1]
            )
            times.append(next(float(m[1]) for m in found if m))
        return times

    def profile(self, reads: list[Read]) -> list[str]:
        lines = []
        for name, params in reads:
            _, graph_name, text, *_ = self._store.command(name, params, read_only=True)
            lines.append(f"--- GRAPH.PROFILE {getattr(name, 'name', name)}:")
            lines += ["    " + line for line in text.splitlines()]
            for row in self._client.execute_command("GRAPH.PROFILE", graph_name, text):
                lines.append("  | " + (row.decode() if isinstance(row, bytes) else str(row)))
        return lines

    def close(self) -> None:
        self._client.close()


class Neo4jReplay:
    """Replays statements in auto-commit transactions and reads the server's timings."""

    engine = "Neo4j"

    def __init__(self, store: Any) -> None:
        url: GraphURL = store.url
        self._store = store
        self._database = url.database or None
        self._driver = neo4j.GraphDatabase.driver(
            f"{url.scheme}://{url.host}:{url.port}",
            auth=(
                url.username or os.environ.get("NEO4J_USERNAME", "neo4j"),
                url.password or os.environ.get("NEO4J_PASSWORD", ""),
            ),
        )

    def _summary(self, name: str | Statement, params: dict[str, Any], *, profile: bool) -> Any:
        text = self._store.cypher.statement(name).text
        with self._driver.session(database=self._database) as session:
            result = session.run(planned(text, "PROFILE") if profile else text, params)
            for _ in result:  # a profile is complete only once every record was pulled
                pass
            return result.consume()

    def internal_ms(self, reads: list[Read]) -> list[float]:
        times = []
        for name, params in reads:
            summary = self._summary(name, params, profile=False)
            times.append(float(summary.result_available_after + summary.result_consumed_after))
        return times

    def profile(self, reads: list[Read]) -> list[str]:
        lines = []
        for name, params in reads:
            summary = self._summary(name, params, profile=True)
            lines.append(f"--- Neo4j PROFILE {getattr(name, 'name', name)}:")
            lines += [
                "    " + line for line in self._store.cypher.statement(name).text.splitlines()
            ]
            lines += plan_lines(summary.profile)
        return lines

    def close(self) -> None:
        self._driver.close()


def plan_lines(plan: dict[str, Any], depth: int = 0) -> list[str]:
    """A Neo4j profile tree as indented lines: operator, details, rows, db hits."""
    args = plan.get("args", {})
    details = args.get("Details", "")
    line = (
        f"  | {'  ' * depth}{plan.get('operatorType', '?')} {details}"
        f"  rows={plan.get('rows', '?')} dbHits={plan.get('dbHits', '?')}"
    )
    lines = [line]
    for child in plan.get("children", []):
        lines += plan_lines(child, depth + 1)
    return lines
