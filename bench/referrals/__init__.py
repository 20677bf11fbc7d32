"""Referral benchmark: chains, trees and the largest trees' aggregates, graph vs SQLite.

    python -m bench.referrals --size 1000000 [--samples 300] [--data-dir DIR]
                              [--agg-repeat 3] [--max-load 1.2] [--refresh]
                              [--graph-url bolt://127.0.0.1:7688]

Reuses the graph that ``bench.list_pages`` loaded into ``DIR/n<size>/`` (loading 1M
customers takes minutes; a missing or incomplete folder is loaded afresh the same way).
From that graph it exports, in this run, every REFERRED edge, every customer (uid, name,
stage) and every order amount into ``DIR/n<size>/referrals.sqlite`` (tables ``node``,
``edge``, ``orders``, indexed on both edge ends and on the order's customer), so both sides
answer from the same data.

For a deterministic random sample of customers (seed 7) it measures, interleaved: the
upstream chain and the downstream tree at depth 3 and 6 through ``graph.explore.referrals`` (raw
engine, every round trip included), the engine's own execution time of the statements
that call sent (replayed; no socket, no parsing), the same answers from SQLite recursive
CTEs (names, stages and revenue included, trees cut at the same 5,000 nodes) and our REST
API end to end (Flask test client in this process, JWT of an admin). Then for the 50
customers with the largest downstream trees: descendant count and the revenue of their
orders, one Cypher statement with a bounded variable-length pattern vs one recursive CTE.
It prints one table (median, p95, ratios) and the targets. ``--refresh`` also times
``analytics refresh`` (``bench.analytics_refresh``) on a copy of the graph afterwards (the
loaded graph itself never gets analytics values, so every run's first refresh starts from
none), then asks that refreshed copy the same 50 trees' totals as stored by the refresh
(``graph.explore.referrals.network_totals``), interleaved with SQLite's CTE again.

``--graph-url bolt://host:port`` adds GraphCRM on that Neo4j 5 server (same dataset, loaded
there once by ``bench.engines`` and reused) as a column beside FalkorDB's, for every probe
except the refresh and the stored totals (embedded FalkorDB only).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

from bench.engines import neo4j_url
from bench.harness.apps import our_apps
from bench.harness.output import machine, say, wait_for_quiet
from bench.harness.timing import median, ms, p95
from bench.harness.workspace import (
    DEFAULT_DATA_DIR,
    SEED,
    PatientServer,
    Workspace,
    prepare,
    prepare_neo4j_copy,
)
from bench.referrals.probes import Samples, graph_call, rest_call, sql_call, timed
from bench.referrals.refresh import run_refresh
from bench.referrals.report import AGGREGATE, report, verdicts
from bench.referrals.sqlite_side import SQL_AGGREGATE, export, largest_trees
from graph.explore.referrals import (
    network_totals,
)
from graph.security.scope import Scope
from graph.store.protocol import GraphStore

DEPTHS = (3, 6)
TOP_TREES = 50


def run(args: argparse.Namespace) -> int:
    ws = Workspace(args.data_dir / f"n{args.size}")
    say(f"\n## {args.size:,} customers in {ws.root}")
    server, store = prepare(ws, args.size)
    try:
        if args.graph_url:
            prepare_neo4j_copy(ws, args.size, args.graph_url).close()
        samples, questions, notes, roots, labels, engines = measure(ws, server, store, args)
    finally:
        store.close()
        if server.owned:
            server.stop()
            say(f"  stopped the graph server of {ws.graph_dir}")
        else:
            say(f"  left running the graph server we found in {ws.graph_dir}")
    refresh = run_refresh(ws, args, roots, labels, samples) if args.refresh else None
    say(report(samples, questions, notes, engines))
    say("\n".join(verdicts(samples, args.size, refresh)))
    return 0


def measure(
    ws: Workspace, server: PatientServer, store: GraphStore, args: argparse.Namespace
) -> tuple[
    Samples, list[str], list[str], list[tuple[str, int]], dict[str, str], list[tuple[str, str]]
]:
    uids, children, labels, export_s = export(store, ws.root / "referrals.sqlite")
    db = sqlite3.connect(f"file:{ws.root / 'referrals.sqlite'}?mode=ro", uri=True)
    apps = our_apps(ws, server, args)
    scope = Scope.everything()
    sample = random.Random(SEED).sample(uids, min(args.samples, len(uids)))
    questions = ["chain", *(f"tree depth {d}" for d in DEPTHS)]
    calls = {
        q: (
            [
                (ours, graph_call(q, ours.store, scope), rest_call(q, ours.client, ours.token))
                for ours in apps
            ],
            sql_call(q, db),
        )
        for q in questions
    }
    samples = Samples()
    wait_for_quiet(args.max_load, args.max_wait)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    for uid in sample[: args.warmup]:  # warm-up, unrecorded
        for engines, sql in calls.values():
            sql(uid)
            for _, engine, rest in engines:
                engine(uid), rest(uid)
    sizes: dict[str, list[int]] = {q: [] for q in questions}
    for number, uid in enumerate(sample, 1):
        for question, (engines, sql) in calls.items():
            sql_ms, n_sql = timed(sql, uid)
            samples.add(question, "sql", sql_ms)
            sizes[question].append(n_sql)
            for ours, engine, rest in engines:
                ours.meter.reset()
                engine_ms, n_graph = timed(engine, uid)
                reads = list(ours.meter.reads)
                rest_ms, n_rest = timed(rest, uid)
                assert n_graph == n_sql == n_rest, (
                    ours.engine,
                    uid,
                    question,
                    n_graph,
                    n_sql,
                    n_rest,
                )
                samples.add(question, ours.prefix + "engine", engine_ms)
                samples.add(question, ours.prefix + "internal", sum(ours.replay.internal_ms(reads)))
                samples.add(question, ours.prefix + "rest", rest_ms)
        if number % 100 == 0:
            say(f"    {number} customers measured ({time.perf_counter() - started:.0f} s)")
    sample_s = time.perf_counter() - started
    # The largest trees: one aggregate per root, each engine vs SQLite, interleaved.
    roots = largest_trees(children, TOP_TREES)
    agg = AGGREGATE
    t0 = time.perf_counter()
    for round_number in range(args.agg_repeat + 1):  # round 0 checks the answers, unrecorded
        for uid, expected in roots:
            t1 = time.perf_counter()
            count, revenue = db.execute(SQL_AGGREGATE, (uid, labels[uid])).fetchone()
            sql_ms = ms(time.perf_counter() - t1)
            for ours in apps:
                t1 = time.perf_counter()
                walked = network_totals(ours.store, uid, labels[uid], live=True)
                graph_ms = ms(time.perf_counter() - t1)
                if round_number == 0:
                    assert walked[0] == count == expected, (
                        ours.engine,
                        uid,
                        walked,
                        count,
                        expected,
                    )
                    assert abs(walked[1] - (revenue or 0)) < 0.01 * max(1, revenue or 0), walked
                else:
                    samples.add(agg, ours.prefix + "engine", graph_ms)
            if round_number:
                samples.add(agg, "sql", sql_ms)
    agg_s = time.perf_counter() - t0
    load_after = os.getloadavg()[0]
    # The engine-internal time of the aggregate, once per root (a replay would double it).
    for ours in apps:
        for uid, _ in roots:
            ours.meter.reset()
            network_totals(ours.store, uid, labels[uid], live=True)
            samples.add(
                agg, ours.prefix + "internal", sum(ours.replay.internal_ms(ours.meter.reads))
            )
    questions.append(agg)

    def spread(values: list[int]) -> str:
        ordered = sorted(values)
        return f"median {median(ordered):.0f}, p95 {p95(ordered):.0f}, max {ordered[-1]}"

    notes = [
        f"{len(sample)} random customers (seed {SEED}; {args.warmup} more first, unrecorded), "
        f"each asked its chain, tree at depth 3 and 6 by each probe in turn "
        f"({sample_s:.0f} s)",
        f"answer sizes (nodes): chain {spread(sizes['chain'])}; "
        + "; ".join(f"depth {d} {spread(sizes[f'tree depth {d}'])}" for d in DEPTHS),
        f"largest trees: the {len(roots)} referrers (customers, contacts, partners) with the "
        f"most descendant customers ({roots[0][1]:,} .. {roots[-1][1]:,}; roots: "
        + ", ".join(
            f"{n} {label}" for label, n in sorted(Counter(labels[u] for u, _ in roots).items())
        )
        + f"), {args.agg_repeat} rounds after a checking "
        f"round ({agg_s:.0f} s); walked live = explore.referrals.network_totals(live=True), one "
        "statement (-[:REFERRED*1..100]->, collect(DISTINCT), OPTIONAL MATCH orders), "
        "client-side round trip; stored = graph.explore.referrals.network_totals (the root's own "
        "values for a customer, one hop for a contact or partner) on the refreshed copy "
        "(--refresh, embedded FalkorDB only), against SQLite again",
        f"SQLite {sqlite3.sqlite_version} built from the graph in this run ({export_s:.0f} s), "
        "same uids, names, stages, order amounts",
        "milliseconds; every answer checked equal in size (trees: same 5,000-node cut)",
        f"machine load average (1 min) {load_before:.2f} before, {load_after:.2f} after "
        "(2 cores: above ~1 means other work competed)",
    ]
    for ours in apps:
        ours.close()
    db.close()
    engines = [(ours.engine, ours.prefix) for ours in apps]
    return samples, questions, notes, roots, labels, engines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.referrals", description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300, help="random customers measured")
    parser.add_argument("--warmup", type=int, default=10, help="customers asked first, unrecorded")
    parser.add_argument("--agg-repeat", type=int, default=3, help="rounds over the 50 largest")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--graph-url",
        type=neo4j_url,
        help="also measure GraphCRM on this Neo4j 5 server (bolt://host:port), loaded with the "
        "same dataset; the embedded FalkorDB is always measured",
    )
    parser.add_argument("--max-load", type=float, help="wait until the load average is this")
    parser.add_argument("--max-wait", type=float, default=300, help="seconds, for --max-load")
    parser.add_argument("--refresh", action="store_true", help="also time analytics refresh")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    info = machine()
    say(
        f"referral benchmark {info['date']}: {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gib']} GiB, Python {info['python']}, SQLite {info['sqlite']}"
    )
    return run(args)
