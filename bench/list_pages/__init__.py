"""List benchmark: customers filtered by stage and owner, sorted by name, page 1 and last page.

    python -m bench.list_pages --sizes 100000,1000000 [--repeat 30] [--data-dir DIR]
                               [--graph-url bolt://127.0.0.1:7688]

For each size the deterministic dataset (``graph.demo.dataset``, seed 7) is loaded into a fresh
embedded FalkorDB under ``DIR/n<size>/`` and, from the same chunks, into an SQLite database
served by a stock Flask-AppBuilder app (``bench.fab_sqlite``). A folder that already holds a
complete load of that size is reused (loading 1M customers takes minutes).

The filter is stage 'deal' and the owner with the most customers in that stage (ties: the
smallest uid). For page 1 and the last page it measures, interleaved, ``--repeat`` times after
``--warmup`` rounds: our data layer (``NodeRepository.list``: count, page and relations round
trips, plus the engine's own execution time of each), the equivalent raw SQL on SQLite, our
HTML list view and REST API end to end and FAB's stock ones on SQLite end to end (Flask test
clients in this process, both logged in as an admin). It prints one table per size with
medians, p95s and ours/SQLite ratios, and the targets. ``--profile`` adds FalkorDB's
GRAPH.PROFILE of each statement and SQLite's query plan.

``--graph-url bolt://host:port`` adds GraphCRM on that Neo4j 5 server as a third column,
measured in the same run (``bench.engines``: the same dataset, loaded there once and
reused; Neo4j's PROFILE with ``--profile``).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time
from html import escape
from pathlib import Path
from typing import Any

from bench import fab_sqlite
from bench.engines import neo4j_url
from bench.harness.apps import ADMIN_PASSWORD, ADMIN_USER, AccessMeter, SQLMeter, login, our_apps
from bench.harness.output import machine, quiet_logs, say, wait_for_quiet
from bench.harness.timing import Probe, Results, measure, median, p95
from bench.harness.workspace import (
    DEFAULT_DATA_DIR,
    Workspace,
    prepare,
    prepare_neo4j_copy,
    shutdown,
)
from bench.list_pages.probes import (
    api_url,
    html_check,
    http_probe,
    json_check,
    list_url,
    our_probes,
    select,
    sql_probe,
    sqlite_plan,
)
from bench.list_pages.report import report
from graph.store.embedded import EmbeddedServer


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    ws = Workspace(args.data_dir / f"n{size}")
    say(f"\n## {size:,} customers in {ws.root}")
    server, store = prepare(ws, size)
    try:
        if args.graph_url:
            prepare_neo4j_copy(ws, size, args.graph_url).close()
        return measure_size(size, ws, server, args)
    finally:
        store.close()
        shutdown(server)
        say(f"  stopped the graph server of {ws.graph_dir}")


def measure_size(
    size: int, ws: Workspace, server: EmbeddedServer, args: argparse.Namespace
) -> dict[str, Any]:
    from app.accounts import ensure_admin

    started = time.perf_counter()
    apps = our_apps(ws, server, args)
    with quiet_logs():
        theirs = fab_sqlite.create_stock_app(ws.sqlite, args.stock_api_columns)
        ensure_admin(theirs, ADMIN_USER, ADMIN_PASSWORD)
        their_client = theirs.test_client()
        their_token = login(their_client)
    sel = select(ws.sqlite)
    sql_meter = SQLMeter(theirs)
    their_access = AccessMeter(theirs)
    sql_db = sqlite3.connect(f"file:{ws.sqlite}?mode=ro", uri=True)

    notes = [
        f"stock FAB REST list columns: {args.stock_api_columns} "
        + (
            "(the list view's; relations as ids)"
            if args.stock_api_columns == "list"
            else "(our API's payload, relations dotted)"
        )
    ]
    first = apps[0]
    probe_rest = first.client.get(
        api_url(sel.owner_uid, 0), headers={"Authorization": f"Bearer {first.token}"}
    )
    has_rest = probe_rest.status_code != 404
    if not has_rest:
        notes.append("note: /api/v1/customer/ answers 404 (no views/crud/api.py yet): REST skipped")
        say("  " + notes[-1])

    probes: dict[tuple[str, str], Probe] = {}
    profiles = []
    for case in sel.cases:
        for ours in apps:
            mine, reads = our_probes(ours, sel, case, has_rest)
            probes.update({(case.label, name): probe for name, probe in mine.items()})
            if args.profile:
                profiles.append(
                    f"\n{case.label}, {ours.engine}:\n" + "\n".join(ours.replay.profile(reads))
                )
        probes[(case.label, "sql")] = sql_probe(sql_db, sel, case)
        probes[(case.label, "fab_html")] = http_probe(
            their_client,
            list_url(theirs, sel.owner_id, case.page),
            sql_meter,
            their_access,
            html_check(escape(case.first_name, quote=False)),
        )
        probes[(case.label, "fab_rest")] = http_probe(
            their_client,
            api_url(sel.owner_id, case.page),
            sql_meter,
            their_access,
            json_check(sel.total, "name", case.first_name),
            headers={"Authorization": f"Bearer {their_token}"},
        )
    if args.profile:
        profiles.append(sqlite_plan(ws.sqlite))
    wait_for_quiet(args.max_load, args.max_wait)
    results = Results()
    load_before = os.getloadavg()[0]
    measure(probes, args.repeat, args.warmup, results)
    load_after = os.getloadavg()[0]
    say(f"  measured in {time.perf_counter() - started:.0f} s")
    notes.append(
        f"machine load average (1 min) {load_before:.2f} before, {load_after:.2f} after "
        "measuring (2 cores: above ~1 means other work competed)"
    )
    engines = [(ours.engine, ours.prefix) for ours in apps]
    text = report(size, sel, results, args.repeat, notes, engines)
    say(text)
    for block in profiles:
        say(block)
    for ours in apps:
        ours.close()
    sql_db.close()
    return {
        "size": size,
        "owner": sel.owner_uid,
        "total": sel.total,
        "pages": sel.pages,
        "engines": [name for name, _ in engines],
        "rest_measured": has_rest,
        "results": {
            f"{case} | {probe} | {part}": {
                "median_ms": round(median(v), 3),
                "p95_ms": round(p95(v), 3),
            }
            for (case, probe, part), v in results.samples.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.list_pages", description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--repeat", type=int, default=30, help="measured runs per probe")
    parser.add_argument("--warmup", type=int, default=3, help="unrecorded runs per probe first")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--graph-url",
        type=neo4j_url,
        help="also measure GraphCRM on this Neo4j 5 server (bolt://host:port), loaded with the "
        "same dataset; the embedded FalkorDB is always measured",
    )
    parser.add_argument("--profile", action="store_true", help="print each engine's profiles")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--max-load",
        type=float,
        help="before measuring, wait until the 1-minute load average is at most this",
    )
    parser.add_argument("--max-wait", type=float, default=300, help="seconds, for --max-load")
    parser.add_argument(
        "--stock-api-columns",
        choices=("list", "full"),
        default="list",
        help="columns of the stock FAB REST list: the list view's (default) or our API's",
    )
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    info = machine()
    say(
        f"list benchmark {info['date']}: {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gib']} GiB, Python {info['python']}, SQLite {info['sqlite']}"
    )
    runs = [run_size(size, args) for size in sizes]
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "runs": runs}, indent=2))
    return 0
