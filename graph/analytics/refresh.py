"""Referral analytics: descendants, depth, influence, community and network revenue of the
customers in referral networks.

``refresh`` reads the customer-to-customer referral graph and the customers' order revenue
in pages, computes with networkx and writes five derived properties back on every
``Customer`` in a referral network whose values changed, in batched ``UNWIND`` writes. A
customer in no referral network (no customer referred it, it referred no customer) holds
none of them: null reads as "not part of any network" (``compute`` gives such a customer
0, 0, the base influence, community 0 and 0.0, which is what the nulls stand for).

- ``referral_descendants``: distinct customers downstream (referred, referred by those, ...).
- ``referral_depth``: customer hops from the root of the chain (0 for a customer no customer
  referred). Chains started by a ``Contact`` or an external ``Referrer`` start at 0 too:
  only customers take part in these numbers.
- ``influence``: PageRank on the referral graph with edges pointing from the referred
  customer to its referrer (credit flows upstream), scaled by the number of customers so
  that 1.0 is the average customer and a super-referrer scores well above it.
- ``community``: the referral network (weakly connected component) a customer belongs to,
  numbered 1, 2, ... from the largest.
- ``referral_revenue``: the order revenue of the customer's descendants: what the network it
  started brought in (its own orders not included).

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx

from graph.analytics.attribution import referred_by_hop, store_referred_by_hop
from graph.clock import utc_now
from graph.store.protocol import GraphStore

Progress = Callable[[str, int, int], None]  # (phase, done, total)
PAGERANK_ALPHA = 0.85
# A stand-in for every customer without any referral in PageRank (see _influence).
_ISOLATED = -1


class CustomerAnalytics(NamedTuple):
    """The derived referral values of one customer (a tuple: a million are made per refresh)."""

    descendants: int
    depth: int
    influence: float
    community: int
    revenue: float = 0.0  # the descendants' order revenue (the network this one started)


@dataclass
class AnalyticsReport:
    """What a refresh did, how long each phase took and the process's peak memory."""

    customers: int = 0
    members: int = 0  # customers in a referral network: the ones that hold values
    referrals: int = 0
    looped_customers: int = 0
    communities: int = 0
    updated: int = 0
    unchanged: int = 0
    cleared: int = 0  # customers that left every network: their values removed
    channels: int = 0  # channels given their referral attribution
    seconds: dict[str, float] = field(default_factory=dict)
    peak_memory_mb: float = 0.0
    wall_seconds: float = 0.0  # the phases overlap, so their sum is more than this

    @property
    def total_seconds(self) -> float:
        """Wall time of the whole refresh (phases overlap: attribution runs while writing)."""
        return self.wall_seconds or sum(self.seconds.values())

    def lines(self) -> list[str]:
        """The report as lines for a terminal or a flash message."""
        phases = ", ".join(f"{name} {sec:.2f} s" for name, sec in self.seconds.items())
        return [
            f"{self.customers} customers, {self.members} of them in {self.communities} "
            f"referral communities, {self.referrals} customer referrals, "
            f"{self.looped_customers} customers in referral loops",
            f"{self.updated} customers updated, {self.cleared} cleared, {self.unchanged} "
            f"unchanged, in {self.total_seconds:.2f} s ({phases}, attribution while "
            f"writing); channel attribution stored on {self.channels} channels",
            f"peak memory (process RSS): {self.peak_memory_mb:.0f} MB",
        ]


def _read_pages(
    store: GraphStore, name: str, page_size: int, progress: Progress | None, phase: str
) -> list[dict]:
    """Every row of a paged (``$skip``/``$limit``) statement (the total is not known ahead)."""
    rows: list[dict] = []
    while True:
        page = store.read(name, skip=len(rows), limit=page_size)
        rows.extend(page)
        if progress is not None:
            progress(phase, len(rows), len(rows))
        if len(page) < page_size:
            return rows


@dataclass(frozen=True)
class Analysis:
    """The values per customer uid, and how many customers are on referral loops."""

    values: dict[str, CustomerAnalytics]
    looped: int


def compute(
    uids: list[str],
    edges: list[tuple[str, str]],
    revenue: dict[str, float] | None = None,
    *,
    customers: int | None = None,
) -> Analysis:
    """The analytics of every customer in ``uids`` given the referral ``edges``
    (referrer uid, referred uid) and each customer's order ``revenue`` (missing: 0).
    ``customers`` is the number of customers in all (default: ``len(uids)``); the ones not
    in ``uids`` count in PageRank as customers without referrals. Edges naming unknown
    customers and self-referrals are ignored. Pure: no graph access, so it is tested on
    hand-built graphs."""
    index = {uid: i for i, uid in enumerate(uids)}
    # One graph, edges pointing from the referred customer to its referrer: the direction
    # credit flows in PageRank. Loops, components and the children/parents maps read it
    # the other way round; building a second graph for them would double the cost.
    credit = nx.DiGraph()
    credit.add_edges_from(
        (index[b], index[a]) for a, b in edges if a != b and a in index and b in index
    )
    comp, size, children, parents = _condense(credit)
    order = _topological(_components(comp, children, parents), children, parents)
    depth = _depths(order, parents)
    own = {index[u]: float(r) for u, r in (revenue or {}).items() if r and u in index}
    spent = {c: own.get(c, 0.0) for c in order}  # a loop's members spend together
    for i, c in comp.items():
        if i != c:  # the representative's own revenue is in already
            spent[c] += own.get(i, 0.0)
    below, below_spent = _descendants(order, size, spent, children, parents)
    influence = _influence(credit, max(customers or 0, len(uids)))
    community = _communities(credit, uids)
    base = influence.get(_ISOLATED, 1.0)
    isolated = CustomerAnalytics(0, 0, base, 0, 0.0)
    result = {}
    for i, uid in enumerate(uids):
        if i not in credit:
            result[uid] = isolated
            continue
        c = comp.get(i, i)
        result[uid] = CustomerAnalytics(
            below.get(c, 0) + size.get(c, 1) - 1,
            depth[c],
            influence[i],
            community[i],
            round(below_spent.get(c, 0.0) + spent[c] - own.get(i, 0.0), 2),
        )
    return Analysis(result, looped=len(comp))


def _condense(
    credit: nx.DiGraph,
) -> tuple[dict[int, int], dict[int, int], dict[int, set[int]], dict[int, set[int]]]:
    """Collapse referral loops: (node -> loop representative for looped nodes only,
    representative -> loop size, and children/parents between components). ``credit``
    points from the referred customer to its referrer."""
    comp: dict[int, int] = {}
    size: dict[int, int] = {}
    if not nx.is_directed_acyclic_graph(credit):
        # Only a node with both a referrer and a referral can be on a loop.
        inner = [v for v in credit if credit.in_degree(v) and credit.out_degree(v)]
        for members in nx.strongly_connected_components(credit.subgraph(inner)):
            if len(members) > 1:
                head = min(members)
                size[head] = len(members)
                comp.update(dict.fromkeys(members, head))
    children: dict[int, set[int]] = {}
    parents: dict[int, set[int]] = {}
    for b, a in credit.edges:  # a referred b
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


def _depths(order: list[int], parents: dict) -> dict[int, int]:
    """Shortest number of hops from a chain root (a component nobody outside it referred),
    for components in topological ``order``."""
    depth: dict[int, int] = {}
    for c in order:
        ups = parents.get(c)
        depth[c] = min(depth[p] for p in ups) + 1 if ups else 0
    return depth


def _descendants(
    order: list[int], size: dict[int, int], spent: dict[int, float], children: dict, parents: dict
) -> tuple[dict[int, int], dict[int, float]]:
    """Customers strictly below each component (in topological ``order``), and what they
    spent. Summing children's totals is exact where the component graph below is a tree;
    above a customer with several referrers the totals are taken by a walk instead, so no
    one is counted twice."""
    shared = [c for c in order if len(parents.get(c, ())) > 1]
    walked = set(shared)
    stack = list(shared)
    while stack:  # every ancestor of a customer with several referrers
        for p in parents.get(stack.pop(), ()):
            if p not in walked:
                walked.add(p)
                stack.append(p)
    below: dict[int, int] = {}
    below_spent: dict[int, float] = {}
    for c in reversed(order):
        kids = children.get(c, ())
        if c in walked:
            seen, todo, total, money = {c}, [c], 0, 0.0
            while todo:
                for child in children.get(todo.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        todo.append(child)
                        total += size.get(child, 1)
                        money += spent[child]
            below[c], below_spent[c] = total, money
        elif kids:
            below[c] = sum(size.get(k, 1) + below[k] for k in kids)
            below_spent[c] = sum(spent[k] + below_spent[k] for k in kids)
        else:
            below[c], below_spent[c] = 0, 0.0
    return below, below_spent


def _influence(credit: nx.DiGraph, customers: int) -> dict[int, float]:
    """PageRank x number of customers on ``credit`` (edges from referred to referrer).

    Customers without any referral are all alike: they are lumped into one stand-in node
    (``_ISOLATED``) whose teleport and dangling weight is their number, which gives each
    of them exactly the score they would have as separate nodes, at a fraction of the cost.
    The stand-in is added to ``credit`` for the computation and removed again.
    """
    if customers == 0:
        return {}
    isolated = customers - credit.number_of_nodes()
    weights = dict.fromkeys(credit, 1.0)
    if isolated:
        credit.add_node(_ISOLATED)
        weights[_ISOLATED] = float(isolated)
    if credit.number_of_nodes() == 0:
        return {}
    try:
        rank = nx.pagerank(
            credit,
            alpha=PAGERANK_ALPHA,
            personalization=weights,
            dangling=weights,
            tol=1e-9,
            max_iter=1000,
        )
    finally:
        if isolated:
            credit.remove_node(_ISOLATED)
    scores = {v: round(r * customers, 6) for v, r in rank.items()}
    if isolated:
        scores[_ISOLATED] = round(rank[_ISOLATED] * customers / isolated, 6)
    return scores


def _communities(credit: nx.DiGraph, uids: list[str]) -> dict[int, int]:
    """Referral networks numbered 1.. from the largest (ties: smallest member uid)."""
    networks = sorted(
        nx.weakly_connected_components(credit),
        key=lambda members: (-len(members), min(uids[v] for v in members)),
    )
    return {v: number for number, members in enumerate(networks, 1) for v in members}


def refresh(
    store: GraphStore,
    progress: Progress | None = None,
    *,
    read_page: int = 250_000,
    write_batch: int = 5_000,
) -> AnalyticsReport:
    """Recompute the referral analytics and write back the values that changed.

    Only customers in a referral network (a customer-to-customer ``REFERRED`` edge either
    way) hold values; a customer in none holds none (null), and one that left every network
    has its values cleared. So the refresh reads the edges (with each end's channel) and the
    values stored now whole, and the customers' revenue in pages of ``read_page`` rows, never
    every customer, computes (``compute``; PageRank still counts every customer) and writes
    ``write_batch`` customers per statement, only those whose values changed: a repeated
    refresh costs the reads and the computation, and writes as much as the networks moved.
    The channels' referral attribution (``referred_by_hop``) is stored with them.
    ``progress(phase, done, total)`` is called after each page and batch, phases being
    ``referrals``, ``revenue``, ``compute`` and ``write``. Each batch is
    atomic; a refresh interrupted half-way leaves some customers with the previous values
    until the next one. Customers created during a refresh get their values at the next.
    """
    if read_page < 1 or write_batch < 1:
        raise ValueError("read_page and write_batch must be at least 1")
    report = AnalyticsReport()
    begun = started = time.perf_counter()
    total = store.read("customer_count")[0]["count"]
    edges, channel = [], {}
    if progress is not None:
        progress("referrals", 0, 1)
    for row in store.read("customer_list_referral_edges"):  # whole: see its comment
        edges.append((row["source"], row["target"]))
        channel[row["source"]], channel[row["target"]] = (
            row["source_channel"],
            row["target_channel"],
        )
    if progress is not None:
        progress("referrals", len(edges), len(edges))
    held: dict[str, tuple] = {}
    for row in store.read("customer_list_analytics"):  # whole: see its comment
        held[row["uid"]] = (
            row["descendants"], row["depth"], row["influence"], row["community"], row["revenue"]
        )  # fmt: skip
    revenue = {
        row["uid"]: row["revenue"]
        for row in _read_pages(store, "customer_list_revenue", read_page, progress, "revenue")
    }
    members = list(dict.fromkeys(uid for edge in edges if edge[0] != edge[1] for uid in edge))
    report.seconds["read"] = time.perf_counter() - started
    started = time.perf_counter()
    if progress is not None:
        progress("compute", 0, 1)
    analysis = compute(members, edges, revenue, customers=max(total, len(members)))
    values = analysis.values
    if progress is not None:
        progress("compute", 1, 1)
    report.seconds["compute"] = time.perf_counter() - started
    started = time.perf_counter()
    rows: list[list[Any]] = [[uid, *v] for uid, v in values.items() if tuple(v) != held.get(uid)]
    report.unchanged = len(values) - len(rows)
    gone = [[uid, None, None, None, None, None] for uid in held if uid not in values]
    report.cleared = len(gone)
    rows += gone
    # The engine writes on its own core while this one computes the channel attribution.
    with ThreadPoolExecutor(max_workers=1) as pool:
        writing = pool.submit(_write, store, rows, write_batch, progress)
        attribution_started = time.perf_counter()
        by_hop = referred_by_hop(edges, channel, revenue)
        report.seconds["attribution"] = time.perf_counter() - attribution_started
        report.updated = writing.result() - report.cleared
    stamp = utc_now().strftime("%Y-%m-%dT%H:%M:%SZ")
    report.channels = store_referred_by_hop(store, by_hop, stamp)
    report.seconds["write"] = time.perf_counter() - started
    report.wall_seconds = time.perf_counter() - begun
    report.customers = total
    report.members = len(members)
    report.referrals = len(edges)
    report.looped_customers = analysis.looped
    report.communities = len({v.community for v in values.values()} - {0})
    report.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def _write(store: GraphStore, rows: list[list], batch: int, progress: Progress | None) -> int:
    """Write ``rows`` ``batch`` at a time; returns how many customers were written."""
    written = 0
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        written += store.write("customer_update_analytics", rows=chunk)[0]["updated"]
        if progress is not None:
            progress("write", start + len(chunk), len(rows))
    return written


def clear(store: GraphStore, *, batch: int = 20_000) -> int:
    """Remove the stored referral analytics from every customer, ``batch`` per statement;
    returns how many customers held them. Lists, segments and top referrers then show no
    values until the next ``refresh`` (which will write every customer again)."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    total = 0
    while True:
        cleared = store.write("customer_clear_analytics", limit=batch)[0]["cleared"]
        total += cleared
        if cleared < batch:
            return total
