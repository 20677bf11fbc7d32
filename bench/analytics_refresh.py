"""Analytics refresh benchmark: ``graph.analytics.refresh`` on a loaded graph.

    python -m bench.analytics_refresh --graph-dir DIR [--runs 2]

``DIR`` is an embedded FalkorDB folder already holding a dataset (for instance a copy of
``/tmp/gcrm-bench/n1000000/instance/graph`` left by ``bench.list_pages``; the refresh writes
properties, so point it at a copy). After the server is up it waits until every index is
built (FalkorDB builds them in the background after loading a snapshot; a refresh on a server
that is still building them measures the building). Then it refreshes ``--runs`` times: on a
graph that never had analytics the first run writes every network customer's values, later
ones write only what changed, as a nightly refresh does (``--clear-first`` removes earlier
values first, but the index entries that leaves behind make the next writes about twice as
slow: a fresh copy of the loaded data is the honest start). Prints each run's report
(customers, referrals, time per phase, peak memory of this process) and the graph server's
peak memory (target: 1M customers in 60 s or less).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import redis

from graph.analytics.refresh import clear, refresh
from graph.records.schema import schema_report
from graph.store.backends import open_store
from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphStore, parse_graph_url

INDEX_WAIT_S = 900


def wait_for_indexes(store: GraphStore) -> float:
    """Seconds spent waiting until the engine reports no index still being built."""
    started = time.perf_counter()
    while schema_report(store).building:
        if time.perf_counter() - started > INDEX_WAIT_S:
            raise SystemExit(f"indexes still building after {INDEX_WAIT_S} s")
        time.sleep(1)
    return time.perf_counter() - started


def server_peak_mb(socket_path: str | Path) -> float:
    """The graph server's own peak memory (Redis ``used_memory_peak``), in MB."""
    client = redis.Redis(unix_socket_path=str(socket_path))
    try:
        return client.info("memory")["used_memory_peak"] / 2**20
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph-dir", type=Path, required=True)
    parser.add_argument("--write-batch", type=int, default=5_000)
    parser.add_argument("--read-page", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=2, help="refreshes in a row (first writes all)")
    parser.add_argument(
        "--clear-first",
        action="store_true",
        help="remove analytics values already on the graph first (untimed); the index entries "
        "they leave behind slow the next writes down, so measure a first refresh on a graph "
        "that never had any instead",
    )
    args = parser.parse_args(argv)
    server = EmbeddedServer(args.graph_dir)
    server.ensure_running()
    store = open_store(parse_graph_url("embedded:"), socket_path=server.socket_path)
    try:
        print(f"indexes built after waiting {wait_for_indexes(store):.1f} s", flush=True)
        if args.clear_first:
            started = time.perf_counter()
            cleared = clear(store)
            took = time.perf_counter() - started
            print(f"cleared earlier values from {cleared} customers ({took:.0f} s, untimed)")
        for run in range(1, args.runs + 1):
            report = refresh(store, read_page=args.read_page, write_batch=args.write_batch)
            print(f"run {run}:")
            for line in report.lines():
                print(f"  {line}", flush=True)
        peak = server_peak_mb(server.socket_path)
        print(f"graph server peak memory (used_memory_peak): {peak:.0f} MB")
    finally:
        store.close()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
