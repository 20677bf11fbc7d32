"""Analytics refresh benchmark: ``graph.analytics.refresh`` on a loaded graph.

    python -m bench.analytics_refresh --graph-dir DIR

``DIR`` is an embedded FalkorDB folder already holding a dataset (for instance a copy of
``/tmp/gcrm-bench/n1000000/instance/graph`` left by ``bench.list_pages``; the refresh writes
properties, so point it at a copy). Prints the refresh report: customers, referrals, time per
phase and the process's peak memory (target: 1M customers in 60 s or less).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph.analytics import refresh
from graph.embedded import EmbeddedServer
from graph.store import open_store, parse_graph_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph-dir", type=Path, required=True)
    parser.add_argument("--write-batch", type=int, default=5_000)
    parser.add_argument("--read-page", type=int, default=100_000)
    args = parser.parse_args(argv)
    server = EmbeddedServer(args.graph_dir)
    server.ensure_running()
    store = open_store(parse_graph_url("embedded:"), socket_path=server.socket_path)
    try:
        report = refresh(store, read_page=args.read_page, write_batch=args.write_batch)
    finally:
        store.close()
        server.stop()
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
