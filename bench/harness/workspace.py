"""A size's data folder: the embedded graph server and the dataset loaded into it and
into the SQLite baseline (reused when a complete load is there)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

import graph.store.embedded
from bench import fab_sqlite
from bench.engines import prepare_neo4j
from bench.harness.output import say
from graph.demo.dataset import GENERATOR_VERSION, iter_chunks
from graph.demo.seed import load
from graph.errors import ConfigError
from graph.records.schema import apply_schema
from graph.store.backends import open_store
from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphStore, GraphURL, parse_graph_url

DEFAULT_DATA_DIR = Path("/tmp/gcrm-bench")  # short: unix socket paths hold 107 bytes
SEED = 7
CHUNK_SIZE = 10_000
# Starting the embedded server on a reused 1M graph loads its snapshot for ~25 s, longer than
# the 20 s graph.store.embedded allows (see the README's findings): the benchmark waits longer.
START_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Workspace:
    """One size's folder: the GraphCRM instance (with the graph) and the SQLite baseline."""

    root: Path

    @property
    def instance(self) -> Path:
        return self.root / "instance"

    @property
    def graph_dir(self) -> Path:
        return self.instance / "graph"

    @property
    def sqlite(self) -> Path:
        return self.root / "fab.sqlite"

    @property
    def marker(self) -> Path:
        return self.root / "dataset.json"

    @property
    def sqlite_marker(self) -> Path:
        return self.root / "fab.json"

    def sqlite_current(self) -> bool:
        """True when the SQLite baseline was built completely with today's table layout."""
        try:
            built = json.loads(self.sqlite_marker.read_text())
        except (OSError, ValueError):
            return False
        return built.get("schema") == fab_sqlite.SCHEMA_VERSION and self.sqlite.exists()

    def sqlite_built(self, customers: int) -> None:
        self.sqlite_marker.write_text(
            json.dumps({"schema": fab_sqlite.SCHEMA_VERSION, "customers": customers})
        )

    def read_marker(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.marker.read_text())
        except (OSError, ValueError):
            return None


class PatientServer(EmbeddedServer):
    """The embedded server, waiting out a server too busy loading a big graph to answer.

    While FalkorDB decodes a large snapshot (it builds the indexes for ~18 s at 1M customers)
    redis-server answers nothing, not even LOADING; ``EmbeddedServer.answers`` takes the
    resulting read timeout for "not a FalkorDB server" and gives up (see the README).
    """

    def answers(self) -> bool:
        try:
            return super().answers()
        except ConfigError as exc:
            if isinstance(exc.__cause__, redis.exceptions.TimeoutError):
                return False
            raise


def shutdown(server: EmbeddedServer) -> None:
    """Stop the server in our folder, whether this object started it or found it running."""
    if server.owned:
        server.stop()
        return
    if server.socket_path.exists():
        client = redis.Redis(unix_socket_path=str(server.socket_path), socket_timeout=60)
        try:
            client.shutdown(nosave=True)
        except redis.exceptions.ConnectionError:
            pass  # gone already, or it went away as asked


def graph_count(store: GraphStore) -> int:
    return int(store.read("customer_count")[0]["count"])


def compact_aof(socket_path: Path) -> float:
    """Rewrite the AOF as an RDB snapshot so that a restart loads it instead of replaying
    every load statement; returns the seconds it took."""
    client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=600)
    started = time.perf_counter()

    def busy() -> bool:
        info = client.info("persistence")
        return bool(info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"])

    while busy():  # an automatic rewrite may be running
        time.sleep(0.5)
    client.bgrewriteaof()
    time.sleep(0.2)
    while busy():
        time.sleep(0.5)
    status = client.info("persistence")["aof_last_bgrewrite_status"]
    client.close()
    if status != "ok":
        raise RuntimeError(f"AOF rewrite failed: {status}")
    return time.perf_counter() - started


def prepare(ws: Workspace, size: int) -> tuple[EmbeddedServer, GraphStore]:
    """Start the folder's graph server with the dataset of ``size`` loaded (reused if there)."""
    graph.store.embedded.START_TIMEOUT_S = START_TIMEOUT_S
    marker = ws.read_marker()
    server = PatientServer(ws.graph_dir)
    complete = (
        marker is not None
        and marker.get("customers") == size
        and marker["seed"] == SEED
        and marker.get("generator") == GENERATOR_VERSION
    )
    if not complete and ws.root.exists():
        say(
            f"  {ws.root}: no complete load of {size:,} customers by this generator "
            f"(version {GENERATOR_VERSION}), starting afresh"
        )
        if server.answers():
            shutdown(server)
        shutil.rmtree(ws.root)
    ws.root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        server.ensure_running()
    except BaseException:
        server.stop()  # a server that started but never answered must not be left behind
        raise
    store = open_store(parse_graph_url("embedded:"), socket_path=server.socket_path)
    try:
        if complete:
            assert marker is not None
            reuse(ws, size, store, marker, time.perf_counter() - started)
        else:
            load_both(ws, size, server, store)
    except BaseException:
        store.close()
        shutdown(server)
        raise
    return server, store


def reuse(
    ws: Workspace, size: int, store: GraphStore, marker: dict[str, Any], start_s: float
) -> None:
    """Check the loaded graph; rebuild the SQLite baseline if it is missing or outdated."""
    found = graph_count(store)
    if found != size:
        raise SystemExit(f"{ws.root} says {size} customers but the graph has {found}")
    say(
        f"  reusing the graph loaded on {marker['loaded_at']} ({found:,} customers, "
        f"server up in {start_s:.1f} s)"
    )
    if not ws.sqlite_current():
        say("  SQLite baseline missing or of an older layout: rebuilding it")
        t0 = time.perf_counter()
        today = dt.date.fromisoformat(marker["today"])
        built = fab_sqlite.build(ws.sqlite, iter_chunks(size, seed=SEED, today=today))
        ws.sqlite_built(built)
        say(f"  SQLite rebuilt in {time.perf_counter() - t0:.0f} s")


def load_both(ws: Workspace, size: int, server: EmbeddedServer, store: GraphStore) -> None:
    """Generate the dataset once, loading each chunk into the graph and into SQLite."""
    started = time.perf_counter()
    apply_schema(store)
    today = dt.datetime.now(dt.UTC).date()
    say(f"  loading {size:,} customers (seed {SEED}, today {today}) into FalkorDB and SQLite")
    builder = fab_sqlite.SQLiteBuilder(ws.sqlite)
    load_s = sqlite_s = 0.0
    next_note = 0
    for chunk in iter_chunks(size, seed=SEED, today=today, chunk_size=CHUNK_SIZE):
        t0 = time.perf_counter()
        load(store, chunk)
        t1 = time.perf_counter()
        builder.add(chunk)
        load_s, sqlite_s = load_s + t1 - t0, sqlite_s + time.perf_counter() - t1
        if builder.customers >= next_note:
            say(
                f"    {builder.customers:>9,} customers  {time.perf_counter() - started:6.0f} s"
                f"  (graph {load_s:.0f} s, SQLite {sqlite_s:.0f} s)"
            )
            next_note += max(CHUNK_SIZE, size // 10)
    builder.close()
    ws.sqlite_built(builder.customers)
    rewrite_s = compact_aof(server.socket_path)
    found = graph_count(store)
    if found != size:
        raise SystemExit(f"loaded {found} customers, expected {size}")
    say(
        f"  loaded in {time.perf_counter() - started:.0f} s (graph {load_s:.0f} s, SQLite "
        f"{sqlite_s:.0f} s, AOF rewrite {rewrite_s:.0f} s)"
    )
    ws.marker.write_text(
        json.dumps(
            {
                "customers": size,
                "seed": SEED,
                "generator": GENERATOR_VERSION,
                "today": today.isoformat(),
                "loaded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "graph_load_s": round(load_s, 1),
            }
        )
    )


def prepare_neo4j_copy(ws: Workspace, size: int, url: GraphURL) -> GraphStore:
    """The same dataset as the embedded graph's (same generator day) in Neo4j at ``url``."""
    marker = ws.read_marker()
    assert marker is not None, "prepare() records the embedded load first"
    return prepare_neo4j(
        url,
        ws.root / "neo4j.json",
        size,
        seed=SEED,
        today=dt.date.fromisoformat(marker["today"]),
        chunk_size=CHUNK_SIZE,
    )
