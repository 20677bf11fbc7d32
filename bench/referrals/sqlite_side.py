"""The SQLite side of the referral benchmark: the export from the graph, the recursive CTEs
that answer the same questions, and the largest trees."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bench.harness.output import say
from graph.store.protocol import GraphStore

CHAIN_HOPS = 100  # as referral_chain_list.cypher


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
