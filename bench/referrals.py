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
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.engines import neo4j_url
from bench.harness.apps import our_apps
from bench.harness.output import fmt, machine, ratio_text, say, wait_for_quiet
from bench.harness.timing import median, ms, p95
from bench.harness.workspace import (
    DEFAULT_DATA_DIR,
    PatientServer,
    Workspace,
    prepare,
    prepare_neo4j_copy,
)
from graph.analytics.attribution import channel_attribution
from graph.explore.referrals import (
    MAX_TREE_NODES,
    downstream_tree,
    network_totals,
    parse_depth,
    upstream_chain,
)
from graph.security.scope import Scope
from graph.store.backends import open_store
from graph.store.protocol import GraphStore, parse_graph_url

SEED = 7
DEPTHS = (3, 6)
TOP_TREES = 50
CHAIN_HOPS = 100  # as referral_chain_list.cypher
TARGET_SIZE = 1_000_000
TARGET_E2E_MS = 15.0
TARGET_REFRESH_S = 60.0


SQL_CHAIN = f"""
WITH RECURSIVE up(id, depth) AS (
    SELECT id, 0 FROM node WHERE uid = ? AND label = 'Customer'
    UNION
    SELECT e.src, up.depth + 1 FROM up JOIN edge e ON e.dst = up.id WHERE up.depth < {CHAIN_HOPS}
)
SELECT n.uid, n.label, n.name, n.stage, up.depth,
       (SELECT sum(o.amount) FROM orders o WHERE o.customer = n.id)
FROM up JOIN node n ON n.id = up.id ORDER BY up.depth
"""
SQL_TREE = """
WITH RECURSIVE down(id, depth, parent) AS (
    SELECT id, 0, NULL FROM node WHERE uid = ? AND label = 'Customer'
    UNION ALL
    SELECT e.dst, down.depth + 1, down.id FROM down JOIN edge e ON e.src = down.id
    WHERE down.depth < {depth}
), best AS (
    SELECT id, min(depth) AS depth, parent FROM down WHERE depth > 0 GROUP BY id
)
SELECT n.uid, n.name, n.stage, best.depth, p.uid,
       (SELECT sum(o.amount) FROM orders o WHERE o.customer = n.id)
FROM best JOIN node n ON n.id = best.id LEFT JOIN node p ON p.id = best.parent
ORDER BY best.depth, n.uid LIMIT {limit}
"""
SQL_AGGREGATE = """
WITH RECURSIVE down(id) AS (
    SELECT e.dst FROM node r JOIN edge e ON e.src = r.id WHERE r.uid = ? AND r.label = ?
    UNION
    SELECT e.dst FROM down JOIN edge e ON e.src = down.id
)
SELECT (SELECT count(*) FROM down),
       (SELECT sum(o.amount) FROM down JOIN orders o ON o.customer = down.id)
"""


# -- the SQLite side -----------------------------------------------------------------------


def export(
    store: GraphStore, path: Path
) -> tuple[list[str], dict[str, list[str]], dict[str, str], float]:
    """Copy the graph's referral edges, customers and orders into SQLite at ``path``.

    Returns the customer uids (sorted), the customers each node referred, the label of
    each referring node and the seconds it took.
    """
    started = time.perf_counter()
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    db.executescript(
        """
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE node (id INTEGER PRIMARY KEY, uid TEXT NOT NULL, label TEXT NOT NULL,
                           name TEXT, stage TEXT);
        CREATE TABLE edge (src INTEGER NOT NULL, dst INTEGER NOT NULL);
        CREATE TABLE orders (customer INTEGER NOT NULL, amount REAL);
        """
    )
    ids: dict[str, int] = {}
    customers = []
    for row in store.read("bench_export_customers"):
        ids[row["uid"]] = len(ids) + 1
        customers.append((ids[row["uid"]], row["uid"], "Customer", row["name"], row["stage"]))
    db.executemany("INSERT INTO node VALUES (?, ?, ?, ?, ?)", customers)
    edges, others, children, labels = [], [], {}, {}
    for row in store.read("bench_export_referral_edges"):
        source = row["source"]
        if source not in ids:
            ids[source] = len(ids) + 1
            others.append((ids[source], source, row["label"], row["name"], None))
        edges.append((ids[source], ids[row["target"]]))
        children.setdefault(source, []).append(row["target"])
        labels[source] = row["label"]
    db.executemany("INSERT INTO node VALUES (?, ?, ?, ?, ?)", others)
    db.executemany("INSERT INTO edge VALUES (?, ?)", edges)
    db.executemany(
        "INSERT INTO orders VALUES (?, ?)",
        ((ids[row["uid"]], row["amount"]) for row in store.read("bench_export_orders")),
    )
    db.executescript(
        """
        CREATE UNIQUE INDEX node_uid ON node (uid, label);
        CREATE INDEX edge_src ON edge (src, dst);
        CREATE INDEX edge_dst ON edge (dst, src);
        CREATE INDEX orders_customer ON orders (customer, amount);
        ANALYZE;
        """
    )
    db.commit()
    db.close()
    say(
        f"  exported to SQLite: {len(customers):,} customers, {len(others):,} other referrers, "
        f"{len(edges):,} REFERRED edges ({time.perf_counter() - started:.0f} s)"
    )
    customer_uids = sorted(u for _, u, *_ in customers)
    return customer_uids, children, labels, time.perf_counter() - started


def largest_trees(children: dict[str, list[str]], count: int) -> list[tuple[str, int]]:
    """The ``count`` nodes with the most distinct customers downstream (ties: uid)."""
    sizes: dict[str, int] = {}
    for root in children:
        if root in sizes:
            continue
        stack, order, seen = [root], [], {root}
        while stack:  # iterative post-order; a loop is cut at the first repeated node
            node = stack.pop()
            order.append(node)
            for child in children.get(node, ()):
                if child not in seen and child not in sizes:
                    seen.add(child)
                    stack.append(child)
        for node in reversed(order):
            sizes[node] = sum(1 + sizes.get(c, 0) for c in children.get(node, ()))
    return sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:count]


# -- probes --------------------------------------------------------------------------------

Probe = Callable[[str], tuple[float, int]]  # uid -> (milliseconds, size of the answer)


@dataclass
class Samples:
    values: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def add(self, question: str, probe: str, value: float) -> None:
        self.values.setdefault((question, probe), []).append(value)

    def get(self, question: str, probe: str) -> list[float] | None:
        return self.values.get((question, probe))


def graph_call(question: str, store: GraphStore, scope: Scope) -> Callable[[str], int]:
    if question == "chain":
        return lambda uid: len(upstream_chain(store, uid, scope))
    depth = parse_depth(question.split()[-1])
    return lambda uid: 1 + len(downstream_tree(store, uid, depth, scope=scope).nodes)


def sql_call(question: str, db: sqlite3.Connection) -> Callable[[str], int]:
    if question == "chain":
        return lambda uid: len(db.execute(SQL_CHAIN, (uid,)).fetchall())
    depth = parse_depth(question.split()[-1])  # validated: it becomes statement text
    text = SQL_TREE.format(depth=depth, limit=MAX_TREE_NODES)
    return lambda uid: 1 + len(db.execute(text, (uid,)).fetchall())


def rest_call(question: str, client: Any, token: str) -> Callable[[str], int]:
    headers = {"Authorization": f"Bearer {token}"}

    def run(uid: str) -> int:
        if question == "chain":
            response = client.get(f"/api/v1/referrals/{uid}/chain", headers=headers)
        else:
            depth = question.split()[-1]
            response = client.get(f"/api/v1/referrals/{uid}/tree?depth={depth}", headers=headers)
        assert response.status_code == 200, (uid, question, response.status_code)
        body = response.json
        if question == "chain":
            return len(body["result"])
        return 1 + len(body["result"]["nodes"])

    return run


def timed(call: Callable[[str], int], uid: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    size = call(uid)
    return ms(time.perf_counter() - t0), size


# -- the report ----------------------------------------------------------------------------


def measure_stored(
    ws: Workspace,
    graph_dir: Path,
    roots: list[tuple[str, int]],
    labels: dict[str, str],
    samples: Samples,
    args: argparse.Namespace,
) -> None:
    """The 50 largest trees' totals as the refresh stored them (``network_totals``) on the
    refreshed copy in ``graph_dir``, interleaved with SQLite's recursive CTE again."""
    server = PatientServer(graph_dir)
    server.ensure_running()
    store = open_store(parse_graph_url("embedded:"), socket_path=server.socket_path)
    db = sqlite3.connect(f"file:{ws.root / 'referrals.sqlite'}?mode=ro", uri=True)
    try:
        wait_for_quiet(args.max_load, args.max_wait)
        for round_number in range(args.agg_repeat + 1):  # round 0 checks, unrecorded
            for uid, expected in roots:
                t1 = time.perf_counter()
                stored = network_totals(store, uid, labels[uid])
                stored_ms = ms(time.perf_counter() - t1)
                t1 = time.perf_counter()
                count, revenue = db.execute(SQL_AGGREGATE, (uid, labels[uid])).fetchone()
                sql_ms = ms(time.perf_counter() - t1)
                if round_number == 0:
                    assert stored[0] == count == expected, (uid, stored, count, expected)
                    assert abs(stored[1] - (revenue or 0)) < 0.01 * max(1, revenue or 0)
                    continue
                samples.add(AGGREGATE, "stored", stored_ms)
                samples.add(AGGREGATE, "sql (again)", sql_ms)
        # The attribution page's question (default depth 10), from the stored table vs live.
        for live, runs in ((False, 5), (True, 2)):
            for _ in range(runs):
                t1 = time.perf_counter()
                channel_attribution(store, live=live)
                samples.add(ATTRIBUTION, "live" if live else "stored", ms(time.perf_counter() - t1))
    finally:
        db.close()
        store.close()
        server.stop()


ROWS = (
    ("graph.explore.referrals (raw engine, round trips)", "engine"),
    ("  engine-internal time of its statements", "internal"),
    ("SQLite recursive CTE", "sql"),
    ("REST API end to end (ours)", "rest"),
)
AGGREGATE_ROWS = (
    ("graph, walked live: one Cypher statement, round trip", "engine"),
    ("  engine-internal time", "internal"),
    ("SQLite recursive CTE", "sql"),
    ("graph: stored by analytics refresh (network_totals)", "stored"),
    ("  SQLite recursive CTE, measured again beside it", "sql (again)"),
)
AGGREGATE = "descendant count + revenue"
ATTRIBUTION = "channel attribution, depth 10"


def report(
    samples: Samples, questions: list[str], notes: list[str], engines: list[tuple[str, str]]
) -> str:
    """One block per question: a median and p95 column pair per engine (``engines``: column
    name and probe prefix) and SQLite's, then each engine's ratio to SQLite's answer (and
    Neo4j's to FalkorDB's when both ran)."""
    names = [name for name, _ in engines]
    columns = [*names, "SQLite"]
    header = f"{'':54}" + "".join(f" {name + ' med':>12} {'p95':>8}" for name in columns)
    header += "".join(f" {name[0] + '/SQL':>7}" for name in names)
    header += f" {'N/F':>7}" if len(names) == 2 else ""
    title = f"=== referral benchmark: GraphCRM on {' and '.join(names)} vs SQLite ==="
    lines = ["", title, *notes]
    for question in questions:
        lines += ["", question, header]
        for label, probe in AGGREGATE_ROWS if question == AGGREGATE else ROWS:
            if probe.startswith("sql"):
                cells = [*(None for _ in engines), samples.get(question, probe)]
            else:
                cells = [*(samples.get(question, prefix + probe) for _, prefix in engines), None]
            if not any(cells):
                continue
            base = samples.get(question, "sql (again)" if probe == "stored" else "sql")
            mine = cells[:-1]
            line = f"{label:54}"
            for values in cells:
                line += f" {fmt(median(values) if values else None):>12}"
                line += f" {fmt(p95(values) if values else None):>8}"
            line += "".join(f" {ratio_text(values, base):>7}" for values in mine)
            line += f" {ratio_text(mine[1], mine[0]):>7}" if len(mine) == 2 else ""
            lines.append(line.rstrip())
    return "\n".join(lines)


def verdicts(samples: Samples, size: int, refresh: str | None) -> list[str]:
    scope = "" if size >= TARGET_SIZE else " (informative below 1M)"
    lines = ["", "targets:"]
    for question in ("chain", "tree depth 6"):
        values = samples.get(question, "rest")
        if values:
            med = median(values)
            verdict = "met" if med <= TARGET_E2E_MS else "MISSED"
            lines.append(
                f"  {question} median end to end through the API {med:.2f} ms "
                f"<= {TARGET_E2E_MS:.0f} ms -> {verdict}{scope}"
            )
    for probe, how, against in (
        ("engine", "walked live", "sql"),
        ("stored", "stored by analytics refresh", "sql (again)"),
    ):
        mine, base = samples.get(AGGREGATE, probe), samples.get(AGGREGATE, against)
        if mine and base:
            verdict = "met" if median(mine) < median(base) else "MISSED"
            inside = samples.get(AGGREGATE, "internal") if probe == "engine" else None
            extra = f"; engine-internal {ratio_text(inside, base)}" if inside else ""
            lines.append(
                f"  largest trees, {AGGREGATE}, {how}: graph {median(mine):.2f} ms vs SQLite "
                f"{median(base):.2f} ms ({ratio_text(mine, base)}{extra}) -> {verdict}{scope}"
            )
    lines.append(f"  analytics refresh: {refresh or 'not run here (--refresh)'}")
    return lines


# -- analytics refresh ---------------------------------------------------------------------


def run_refresh(
    ws: Workspace,
    args: argparse.Namespace,
    roots: list[tuple[str, int]],
    labels: dict[str, str],
    samples: Samples,
) -> str:
    """``bench.analytics_refresh`` on a copy of the graph folder (the refresh writes), then
    the stored totals of the largest trees on that copy (``measure_stored``)."""
    data_dir = args.data_dir
    copy = data_dir / "refresh-copy"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(ws.graph_dir, copy, ignore=shutil.ignore_patterns("*.sock", "*.pid"))
    say(f"  analytics refresh on a copy of the graph in {copy}")
    code = (
        "import sys, graph.store.embedded, bench.analytics_refresh as a;"
        "import bench.harness.workspace as w; graph.store.embedded.START_TIMEOUT_S = 900;"
        "a.EmbeddedServer = w.PatientServer;"
        f"sys.exit(a.main(['--graph-dir', {str(copy)!r}]))"
    )
    wait_for_quiet(args.max_load, args.max_wait)
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    say(done.stdout.rstrip())
    if done.returncode:
        say(done.stderr[-2000:])
        return f"failed (exit {done.returncode})"
    say("  the largest trees' stored totals on the refreshed copy")
    try:
        measure_stored(ws, copy, roots, labels, samples, args)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    runs = [float(x) for x in re.findall(r"unchanged, in ([0-9.]+) s", done.stdout)]
    first = re.search(
        r"([0-9]+) customers updated, [0-9]+ cleared, ([0-9]+) unchanged", done.stdout
    )
    fresh = first is not None and first[2] == "0"
    memory = re.findall(r"peak memory \(process RSS\): ([0-9]+) MB", done.stdout)
    server_peak = re.search(r"used_memory_peak\): ([0-9]+) MB", done.stdout)
    waited = re.search(r"indexes built after waiting ([0-9.]+) s", done.stdout)
    seconds = runs[0] if runs else float("nan")
    verdict = "met" if seconds <= TARGET_REFRESH_S else "MISSED"
    repeat = f"; a repeat refresh (nothing changed) {runs[1]:.1f} s" if len(runs) > 1 else ""
    what = (
        f"writing all {int(first[1]):,} customers in referral networks"
        if fresh and first
        else "NOT a first refresh: the graph already held values"
    )
    stored, live = samples.get(ATTRIBUTION, "stored"), samples.get(ATTRIBUTION, "live")
    attribution = (
        f"; {ATTRIBUTION}: {median(stored):.0f} ms from the refresh's table, "
        f"{median(live) / 1000:.1f} s walked live"
        if stored and live
        else ""
    )
    return (
        f"{seconds:.1f} s {what} (<= {TARGET_REFRESH_S:.0f} s -> {verdict})"
        f"{repeat}; peak memory of the refreshing process {memory[-1] if memory else '?'} MB, "
        f"of the graph server {server_peak[1] if server_peak else '?'} MB (wall incl. server "
        f"start and {waited[1] if waited else '?'} s waiting for its indexes {wall:.0f} s; "
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after){attribution}"
    )


# -- the run -------------------------------------------------------------------------------


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


if __name__ == "__main__":
    sys.exit(main())
