"""The referral benchmark's questions asked of the graph, SQLite and the REST API, timed."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.harness.timing import ms
from bench.referrals.sqlite_side import SQL_CHAIN, SQL_TREE
from graph.explore.referrals import (
    MAX_TREE_NODES,
    downstream_tree,
    parse_depth,
    upstream_chain,
)
from graph.security.scope import Scope
from graph.store.protocol import GraphStore


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
