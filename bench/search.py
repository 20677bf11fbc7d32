"""Global search benchmark: ``GET /api/v1/search/?q=`` at 1M customers, end to end, next to
the customer list's plain name-prefix filter in the same run.

    python -m bench.search [--size 1000000] [--repeat 30] [--data-dir /tmp/gcrm-bench-search]

The deterministic dataset of ``bench.list_pages`` (``graph.demo.dataset``, seed 7) is loaded
into a fresh embedded FalkorDB under ``DIR/n<size>/`` the way the app writes it: personal data
encrypted with its blind indexes (and a phone's last-four index) under the app's own key,
names with their search keys. A folder that already holds a complete load is reused.

Queries are taken from real rows (``--targets`` customers with a Chinese name, a phone and
an e-mail, spread over the graph) and each probe cycles through them: full pinyin, initials,
the first two characters of the name, a phone's last four digits, the whole phone as people
type it (``138 1234 5678``), the uid, the e-mail. Each is one request through the REST
endpoint in this process (Flask test client, an admin's JWT), measured ``--repeat`` times
after ``--warmup`` rounds, interleaved with the baseline: the customer list's REST filter
"name starts with" (``opr:sw``, page 1 of 25, as the list's search form asks it). Each search
is also timed through ``graph.records.search.search`` alone (no HTTP, login or JSON), to
tell the engine's share from the app's per-request cost.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import prison
from flask.testing import FlaskClient

import graph.store.embedded
from bench.engines import FalkorDBReplay
from bench.harness.apps import our_app
from bench.harness.output import machine, quiet_logs, say, wait_for_quiet
from bench.harness.timing import median, ms, p95
from bench.harness.workspace import (
    CHUNK_SIZE,
    SEED,
    START_TIMEOUT_S,
    Workspace,
    compact_aof,
    graph_count,
    shutdown,
)
from bench.harness.workspace import PatientServer as Server
from graph.demo.dataset import GENERATOR_VERSION, iter_chunks
from graph.demo.seed import load
from graph.model.nodes import Customer
from graph.records.repository import NodeRepository
from graph.records.search import search as run_search
from graph.records.search_keys import name_keys
from graph.security.scope import Scope

DEFAULT_DATA_DIR = Path("/tmp/gcrm-bench-search")  # short: unix socket paths hold 107 bytes
DEFAULT_SIZE = 1_000_000
TARGET_MEDIAN_MS = 50.0
SEARCH_VERSION = 1  # of the keys the load writes (graph.records.search_keys.KEYS_VERSION)

Probe = Callable[[int], None]


def prepared(ws: Workspace, size: int, args: argparse.Namespace) -> tuple[Server, Any]:
    """The folder's graph server and our app on it, with the dataset loaded (or reused)."""
    marker = ws.read_marker() or {}
    complete = marker.get("customers") == size and marker.get("search") == SEARCH_VERSION
    complete = complete and marker.get("generator") == GENERATOR_VERSION
    if not complete and ws.root.exists():
        say(f"  {ws.root}: no complete load of {size:,} customers: starting afresh")
        server = Server(ws.graph_dir)
        if server.answers():
            shutdown(server)
        shutil.rmtree(ws.root)
    ws.root.mkdir(parents=True, exist_ok=True)
    graph.store.embedded.START_TIMEOUT_S = START_TIMEOUT_S  # a big graph loads for minutes
    server = Server(ws.graph_dir)
    server.ensure_running()
    replay = lambda store: FalkorDBReplay(store, server.socket_path)  # noqa: E731
    ours = our_app("FalkorDB", "", "embedded:", ws.instance, replay)
    store = ours.store
    if complete:
        say(f"  reusing the graph loaded on {marker['loaded_at']} ({graph_count(store):,})")
        return server, ours
    cipher = ours.app.extensions["field_cipher"]
    started, next_note, loaded = time.perf_counter(), 0, 0
    say(f"  loading {size:,} customers (seed {SEED}) with the app's cipher and search keys")
    for chunk in iter_chunks(size, seed=SEED, chunk_size=CHUNK_SIZE):
        load(store, chunk, cipher=cipher)
        loaded += len(chunk.customers)
        if loaded >= next_note:
            say(f"    {loaded:>9,} customers  {time.perf_counter() - started:6.0f} s")
            next_note += max(CHUNK_SIZE, size // 10)
    compact_aof(server.socket_path)
    ws.marker.write_text(
        json.dumps(
            {
                "customers": size,
                "seed": SEED,
                "generator": GENERATOR_VERSION,
                "search": SEARCH_VERSION,
                "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "load_s": round(time.perf_counter() - started, 1),
            }
        )
    )
    say(f"  loaded in {time.perf_counter() - started:.0f} s")
    return server, ours


def targets(ours: Any, count: int) -> list[Any]:
    """``count`` customers with a Chinese name, a phone and an e-mail, spread over the graph."""
    repository: NodeRepository = ours.app.extensions["graph_repositories"](Customer)
    total = repository.count()
    found: list[Any] = []
    step = max(1, total // (count * 3))
    for skip in range(0, total, step):
        for record in repository.page(order="uid", skip=skip, limit=3):
            name = record.name or ""
            if name and not name.isascii() and record.phone and record.email:
                found.append(record)
                break
        if len(found) == count:
            break
    return found


def search_probe(client: FlaskClient, token: str, queries: list[str]) -> Probe:
    headers = {"Authorization": f"Bearer {token}"}

    def run(round_number: int) -> None:
        q = queries[round_number % len(queries)]
        response = client.get("/api/v1/search/", query_string={"q": q}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["groups"], f"nothing found for {q!r}"

    return run


def list_probe(client: FlaskClient, token: str, prefixes: list[str]) -> Probe:
    headers = {"Authorization": f"Bearer {token}"}

    def run(round_number: int) -> None:
        flt = [{"col": "name", "opr": "sw", "value": prefixes[round_number % len(prefixes)]}]
        q = prison.dumps({"filters": flt, "page": 0, "page_size": 25})
        response = client.get("/api/v1/customer/", query_string={"q": q}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["count"], "the name prefix found nothing"

    return run


def phone_as_typed(e164: str) -> str:
    national = e164.removeprefix("+86")
    return f"{national[:3]} {national[3:7]} {national[7:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="customers")
    parser.add_argument("--repeat", type=int, default=30, help="measured runs per probe")
    parser.add_argument("--warmup", type=int, default=3, help="unrecorded runs per probe first")
    parser.add_argument("--targets", type=int, default=10, help="customers the queries name")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--max-load", type=float, help="wait for this 1-minute load average")
    parser.add_argument("--max-wait", type=float, default=300, help="seconds, for --max-load")
    args = parser.parse_args(argv)
    info = machine()
    say(f"search benchmark {info['date']}: {info['cpu']}, {info['cores']} cores")
    ws = Workspace(args.data_dir.resolve() / f"n{args.size}")
    say(f"\n## {args.size:,} customers in {ws.root}")
    server, ours = prepared(ws, args.size, args)
    try:
        with quiet_logs():
            measured = measure(ours, args)
    finally:
        ours.close()
        shutdown(server)
    report(measured, args)
    return 0


def measure(
    ours: Any, args: argparse.Namespace
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """REST samples of every probe, and the graph layer's alone (``graph.records.search``)."""
    chosen = targets(ours, args.targets)
    say(f"  {len(chosen)} target customers, e.g. {chosen[0].name} {chosen[0].uid}")
    keys = [name_keys(c.name) for c in chosen]
    client, token = ours.client, ours.token
    chosen_queries = {
        "pinyin (full)": [k[1] for k in keys],
        "initials": [k[2] for k in keys],
        "name start (2 characters)": [c.name[:2] for c in chosen],
        "phone, last 4 digits": [c.phone[-4:] for c in chosen],
        "phone, as typed": [phone_as_typed(c.phone) for c in chosen],
        "id": [c.uid for c in chosen],
        "e-mail": [c.email for c in chosen],
    }
    probes: dict[str, Probe] = {
        name: search_probe(client, token, queries) for name, queries in chosen_queries.items()
    }
    probes["baseline: customer list REST, name starts with"] = list_probe(
        client, token, chosen_queries["name start (2 characters)"]
    )
    wait_for_quiet(args.max_load, args.max_wait)
    layer = {name: graph_probe(ours, queries) for name, queries in chosen_queries.items()}
    samples: dict[str, list[float]] = {name: [] for name in probes}
    inner: dict[str, list[float]] = {name: [] for name in layer}
    for round_number in range(args.warmup + args.repeat):
        for name, probe in probes.items():
            started = time.perf_counter()
            probe(round_number)
            if round_number >= args.warmup:
                samples[name].append(ms(time.perf_counter() - started))
            if name in layer:
                started = time.perf_counter()
                layer[name](round_number)
                if round_number >= args.warmup:
                    inner[name].append(ms(time.perf_counter() - started))
    return samples, inner


def graph_probe(ours: Any, queries: list[str]) -> Probe:
    """The same search through ``graph.records.search`` alone: the engine's round trip and
    the Python around it, without the HTTP request, login check and JSON."""
    store, cipher = ours.store, ours.app.extensions["field_cipher"]

    def run(round_number: int) -> None:
        run_search(store, queries[round_number % len(queries)], Scope.everything(), cipher)

    return run


def report(
    measured: tuple[dict[str, list[float]], dict[str, list[float]]], args: argparse.Namespace
) -> None:
    samples, inner = measured
    say(
        f"\n| query ({args.size:,} customers) | REST median ms | REST p95 ms | search() median ms |"
    )
    say("|---|---:|---:|---:|")
    for name, values in samples.items():
        alone = f"{median(inner[name]):.2f}" if name in inner else "–"
        say(f"| {name} | {median(values):.2f} | {p95(values):.2f} | {alone} |")
    worst = max(median(v) for n, v in samples.items() if n in inner)
    verdict = "met" if worst <= TARGET_MEDIAN_MS else "NOT met"
    say(
        f"\ntarget: every search median <= {TARGET_MEDIAN_MS:.0f} ms: {verdict} (worst {worst:.2f})"
    )


if __name__ == "__main__":
    sys.exit(main())
