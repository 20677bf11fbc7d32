"""Referral analytics: descendants, depth, influence and community of every customer.

``refresh`` reads the customer-to-customer referral graph in pages, computes with networkx
and writes four derived properties back on every ``Customer`` whose values changed, in
batched ``UNWIND`` writes:

- ``referral_descendants``: distinct customers downstream (referred, referred by those, ...).
- ``referral_depth``: customer hops from the root of the chain (0 for a customer no customer
  referred). Chains started by a ``Contact`` or an external ``Referrer`` start at 0 too:
  only customers take part in these numbers.
- ``influence``: PageRank on the referral graph with edges pointing from the referred
  customer to its referrer (credit flows upstream), scaled by the number of customers so
  that 1.0 is the average customer and a super-referrer scores well above it.
- ``community``: the referral network (weakly connected component) a customer belongs to,
  numbered 1, 2, ... from the largest; 0 for a customer in no referral at all.

Referral loops are legal data (a bad import, a merge): the members of a loop form one
strongly connected component, are counted once, share the loop's depth, and each has the
rest of the loop among its descendants. Nothing here recurses or walks paths, so a loop
cannot hang the computation. The values are derived: ``version`` and ``updated_at`` stay
as they are, so a refresh never makes a user's open edit stale.
"""

from __future__ import annotations

import resource
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx

from graph.store import GraphStore

Progress = Callable[[str, int, int], None]  # (phase, done, total)
PAGERANK_ALPHA = 0.85
# A stand-in for every customer without any referral in PageRank (see _influence).
_ISOLATED = -1


@dataclass(frozen=True)
class CustomerAnalytics:
    """The derived referral values of one customer."""

    descendants: int
    depth: int
    influence: float
    community: int


@dataclass
class AnalyticsReport:
    """What a refresh did, how long each phase took and the process's peak memory."""

    customers: int = 0
    referrals: int = 0
    looped_customers: int = 0
    communities: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    peak_memory_mb: float = 0.0

    @property
    def total_seconds(self) -> float:
        """Wall time of the whole refresh."""
        return sum(self.seconds.values())

    def lines(self) -> list[str]:
        """The report as lines for a terminal or a flash message."""
        phases = ", ".join(f"{name} {sec:.2f} s" for name, sec in self.seconds.items())
        return [
            f"{self.customers} customers, {self.referrals} customer referrals, "
            f"{self.communities} referral communities, {self.looped_customers} customers in "
            "referral loops",
            f"{self.updated} customers updated, {self.unchanged} unchanged, in "
            f"{self.total_seconds:.2f} s ({phases})",
            f"peak memory (process RSS): {self.peak_memory_mb:.0f} MB",
        ]


def _read_pages(
    store: GraphStore, name: str, page_size: int, progress: Progress | None, phase: str, total: int
) -> list[dict]:
    """Every row of a paged (``$skip``/``$limit``) statement."""
    rows: list[dict] = []
    while True:
        page = store.read(name, skip=len(rows), limit=page_size)
        rows.extend(page)
        if progress is not None:
            progress(phase, len(rows), max(total, len(rows)))
        if len(page) < page_size:
            return rows


@dataclass(frozen=True)
class Analysis:
    """The values per customer uid, and how many customers are on referral loops."""

    values: dict[str, CustomerAnalytics]
    looped: int


def compute(uids: list[str], edges: list[tuple[str, str]]) -> Analysis:
    """The analytics of every customer in ``uids`` given the referral ``edges``
    (referrer uid, referred uid). Edges naming unknown customers and self-referrals are
    ignored. Pure: no graph access, so it is tested on hand-built graphs."""
    index = {uid: i for i, uid in enumerate(uids)}
    graph = nx.DiGraph()
    graph.add_edges_from(
        (index[a], index[b]) for a, b in edges if a != b and a in index and b in index
    )
    comp, size, children, parents = _condense(graph)
    depth = _depths(comp, children, parents)
    below = _descendants(comp, size, children, parents)
    influence = _influence(graph, len(uids))
    community = _communities(graph, uids)
    base = influence.get(_ISOLATED, 1.0)
    result = {}
    for i, uid in enumerate(uids):
        if i not in graph:
            result[uid] = CustomerAnalytics(0, 0, base, 0)
            continue
        c = comp.get(i, i)
        result[uid] = CustomerAnalytics(
            descendants=below.get(c, 0) + size.get(c, 1) - 1,
            depth=depth[c],
            influence=influence[i],
            community=community[i],
        )
    return Analysis(result, looped=len(comp))


def _condense(
    graph: nx.DiGraph,
) -> tuple[dict[int, int], dict[int, int], dict[int, set[int]], dict[int, set[int]]]:
    """Collapse referral loops: (node -> loop representative for looped nodes only,
    representative -> loop size, and children/parents between components)."""
    comp: dict[int, int] = {}
    size: dict[int, int] = {}
    if not nx.is_directed_acyclic_graph(graph):
        # Only a node with both a referrer and a referral can be on a loop.
        inner = [v for v in graph if graph.in_degree(v) and graph.out_degree(v)]
        for members in nx.strongly_connected_components(graph.subgraph(inner)):
            if len(members) > 1:
                head = min(members)
                size[head] = len(members)
                comp.update(dict.fromkeys(members, head))
    children: dict[int, set[int]] = {}
    parents: dict[int, set[int]] = {}
    for a, b in graph.edges:
        ca, cb = comp.get(a, a), comp.get(b, b)
        if ca != cb:
            children.setdefault(ca, set()).add(cb)
            parents.setdefault(cb, set()).add(ca)
    return comp, size, children, parents


def _topological(nodes: list[int], children: dict, parents: dict) -> list[int]:
    """Components parents-first (Kahn); the component graph has no loops by construction."""
    waiting = {c: len(parents.get(c, ())) for c in nodes}
    queue = deque(c for c in nodes if not waiting[c])
    order = []
    while queue:
        c = queue.popleft()
        order.append(c)
        for child in children.get(c, ()):
            waiting[child] -= 1
            if not waiting[child]:
                queue.append(child)
    return order


def _components(comp: dict[int, int], children: dict, parents: dict) -> list[int]:
    return list({*children, *parents, *comp.values()})


def _depths(comp: dict[int, int], children: dict, parents: dict) -> dict[int, int]:
    """Shortest number of hops from a chain root (a component nobody outside it referred)."""
    depth: dict[int, int] = {}
    for c in _topological(_components(comp, children, parents), children, parents):
        ups = parents.get(c)
        depth[c] = min(depth[p] for p in ups) + 1 if ups else 0
    return depth


def _descendants(
    comp: dict[int, int], size: dict[int, int], children: dict, parents: dict
) -> dict[int, int]:
    """Customers strictly below each component. Summing children's counts is exact where
    the component graph below is a tree; above a customer with several referrers the
    counts are taken by a walk instead, so no one is counted twice."""
    order = _topological(_components(comp, children, parents), children, parents)
    shared = [c for c in order if len(parents.get(c, ())) > 1]
    walked = set(shared)
    stack = list(shared)
    while stack:  # every ancestor of a customer with several referrers
        for p in parents.get(stack.pop(), ()):
            if p not in walked:
                walked.add(p)
                stack.append(p)
    below: dict[int, int] = {}
    for c in reversed(order):
        if c in walked:
            seen, todo, total = {c}, [c], 0
            while todo:
                for child in children.get(todo.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
                        total += size.get(child, 1)
            below[c] = total
        else:
            below[c] = sum(size.get(k, 1) + below[k] for k in children.get(c, ()))
    return below


def _influence(graph: nx.DiGraph, customers: int) -> dict[int, float]:
    """PageRank x number of customers, credit flowing from referred to referrer.

    Customers without any referral are all alike: they are lumped into one stand-in node
    (``_ISOLATED``) whose teleport and dangling weight is their number, which gives each
    of them exactly the score they would have as separate nodes, at a fraction of the cost.
    """
    if customers == 0:
        return {}
    credit = graph.reverse(copy=True)
    isolated = customers - credit.number_of_nodes()
    weights = dict.fromkeys(credit, 1.0)
    if isolated:
        credit.add_node(_ISOLATED)
        weights[_ISOLATED] = float(isolated)
    if credit.number_of_nodes() == 0:
        return {}
    rank = nx.pagerank(
        credit,
        alpha=PAGERANK_ALPHA,
        personalization=weights,
        dangling=weights,
        tol=1e-9,
        max_iter=1000,
    )
    scores = {v: round(r * customers, 6) for v, r in rank.items()}
    if isolated:
        scores[_ISOLATED] = round(rank[_ISOLATED] * customers / isolated, 6)
    return scores


def _communities(graph: nx.DiGraph, uids: list[str]) -> dict[int, int]:
    """Referral networks numbered 1.. from the largest (ties: smallest member uid)."""
    networks = sorted(
        nx.weakly_connected_components(graph),
        key=lambda members: (-len(members), min(uids[v] for v in members)),
    )
    return {v: number for number, members in enumerate(networks, 1) for v in members}


def refresh(
    store: GraphStore,
    progress: Progress | None = None,
    *,
    read_page: int = 100_000,
    write_batch: int = 5_000,
) -> AnalyticsReport:
    """Recompute the referral analytics of every customer and write them back.

    Reads customers and customer-to-customer REFERRED edges in pages of ``read_page``
    rows, computes (``compute``) and writes ``write_batch`` customers per statement, only
    those whose values changed: a repeated refresh costs the read and the computation, and
    writes as much as the referral network moved.
    ``progress(phase, done, total)`` is called after each page and batch, phases being
    ``customers``, ``referrals``, ``compute`` and ``write``. Each batch is atomic; a
    refresh interrupted half-way leaves some customers with the previous values until the
    next one. Customers created during a refresh get their values at the next.
    """
    if read_page < 1 or write_batch < 1:
        raise ValueError("read_page and write_batch must be at least 1")
    report = AnalyticsReport()
    started = time.perf_counter()
    total = store.read("customer_count")[0]["count"]
    held: dict[str, tuple] = {}  # a concurrent insert may shift a page: no duplicates
    for row in _read_pages(
        store, "customer_list_analytics", read_page, progress, "customers", total
    ):
        held[row["uid"]] = (row["descendants"], row["depth"], row["influence"], row["community"])
    uids = list(held)
    edges = [
        (row["source"], row["target"])
        for row in _read_pages(
            store, "customer_list_referral_edges", read_page, progress, "referrals", 0
        )
    ]
    report.seconds["read"] = time.perf_counter() - started
    started = time.perf_counter()
    if progress is not None:
        progress("compute", 0, 1)
    analysis = compute(uids, edges)
    values = analysis.values
    if progress is not None:
        progress("compute", 1, 1)
    report.seconds["compute"] = time.perf_counter() - started
    started = time.perf_counter()
    rows = []
    for uid, v in values.items():
        row = (v.descendants, v.depth, v.influence, v.community)
        if row != held[uid]:
            rows.append([uid, *row])
    report.unchanged = len(values) - len(rows)
    for start in range(0, len(rows), write_batch):
        batch = rows[start : start + write_batch]
        report.updated += store.write("customer_update_analytics", rows=batch)[0]["updated"]
        if progress is not None:
            progress("write", start + len(batch), len(rows))
    report.seconds["write"] = time.perf_counter() - started
    report.customers = len(uids)
    report.referrals = len(edges)
    report.looped_customers = analysis.looped
    report.communities = len({v.community for v in values.values()} - {0})
    report.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report
