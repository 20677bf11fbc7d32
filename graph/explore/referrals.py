"""Referral chains and trees: who brought a customer in, and whom it brought in.

The upstream chain follows ``REFERRED`` back from a customer to the original referrer (a
customer, a contact or an external ``Referrer``); the downstream tree follows it forward to
a chosen depth. Each is a handful of queries, whatever the number of nodes: one for the
shape, one per label for names, stages, revenue and row-level visibility.

Nodes the reader may not see (a salesperson's view of other teams' customers and their
contacts; ``graph.records.visibility`` decides) become anonymous placeholders that keep the shape
of the network and nothing else: no uid, name, stage or revenue. Referral loops (A referred
B, B referred A) end the walk at the first repeated node, so nothing hangs and nothing is
counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from graph.errors import InvalidValue, NotFound
from graph.model import nodes  # noqa: F401  (declares the node types in REGISTRY)
from graph.model.base import REGISTRY
from graph.records.visibility import AnonymousIds, scoped
from graph.security.scope import Scope
from graph.store.composition import with_bound
from graph.store.protocol import GraphStore
from graph.store.templates import render

DEFAULT_DEPTH = 3
MAX_DEPTH = 10
# The tree template is written with the largest bound; the chosen depth replaces it
# (graph.store.composition.with_bound).
# A tree larger than this is cut at the deepest level(s) and marked ``truncated``: a
# screen or an API client cannot use 90,000 nodes at once (counts belong to analytics).
MAX_TREE_NODES = 5000
# The relationship type from a referrer to the customer it brought in.
REFERRAL = "REFERRED"


def referring_labels() -> tuple[str, ...]:
    """The node types that refer customers: the source of every declared ``REFERRED``
    relation (customers, contacts and external referrers), in declaration order."""
    sources = [
        model.label if rel.direction == "out" else rel.target
        for model in REGISTRY.values()
        for rel in model.meta.rels
        if rel.type == REFERRAL
    ]
    return tuple(dict.fromkeys(sources))


@dataclass(frozen=True)
class ReferralNode:
    """One node of a chain or tree.

    ``id`` is the uid for a visible node and ``anon-<n>`` for a placeholder; ``parent`` is
    the ``id`` of the node that referred this one (None for the tree's root and the
    chain's original referrer); ``depth`` counts hops from the customer asked about.
    """

    id: str
    depth: int
    parent: str | None = None
    uid: str | None = None
    label: str | None = None
    name: str | None = None
    stage: str | None = None
    revenue: float | None = None
    placeholder: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The node as the REST API and the page's script see it (placeholders bare)."""
        if self.placeholder:
            return {"id": self.id, "placeholder": True, "depth": self.depth, "parent": self.parent}
        return {
            "id": self.id,
            "placeholder": False,
            "depth": self.depth,
            "parent": self.parent,
            "uid": self.uid,
            "label": self.label,
            "name": self.name,
            "stage": self.stage,
            "revenue": self.revenue,
        }


@dataclass(frozen=True)
class Tree:
    """The customers referred from ``root``, directly or not, down to ``depth`` hops, in
    breadth-first order (parents before children)."""

    root: ReferralNode
    depth: int
    nodes: list[ReferralNode] = field(default_factory=list)
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The tree as the REST API returns it."""
        return {
            "root": self.root.as_dict(),
            "depth": self.depth,
            "nodes": [node.as_dict() for node in self.nodes],
            "truncated": self.truncated,
        }


def parse_depth(value: Any, default: int = DEFAULT_DEPTH) -> int:
    """A tree depth from user input: an integer 1..``MAX_DEPTH`` (None gives ``default``).

    The depth becomes the bound of a variable-length pattern, which no engine takes as a
    parameter, so only a value that passed this check ever reaches Cypher text.
    """
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidValue(key="depth", max=MAX_DEPTH)
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit():
            raise InvalidValue(key="depth", max=MAX_DEPTH)
        value = int(text)
    if not isinstance(value, int) or not 1 <= value <= MAX_DEPTH:
        raise InvalidValue(key="depth", max=MAX_DEPTH)
    return value


def network_totals(
    store: GraphStore, uid: str, label: str = "Customer", *, live: bool = False
) -> tuple[int, float]:
    """(descendant customers, their order revenue) of the referral network below the
    ``label`` node ``uid``, from the values the last analytics refresh stored: one short
    read, however large the network. ``live`` walks the network now instead (~10 ms for
    30,000 members). A node that is not there, or a refresh that has not run, gives
    (0, 0.0). Counts ignore row-level rules: callers show them only to readers allowed the
    whole network."""
    if label not in referring_labels():
        raise InvalidValue(key="referral_start", labels=", ".join(referring_labels()))
    if live:
        rows = store.read(render(store.cypher.get("referral_network_walk"), Label=label), uid=uid)
    elif label == "Customer":
        rows = store.read("customer_network_totals", uid=uid)
    else:
        template = store.cypher.get("referral_network_totals")
        rows = store.read(render(template, Label=label), uid=uid)
    if not rows:
        return 0, 0.0
    return int(rows[0]["descendants"] or 0), float(rows[0]["revenue"] or 0.0)


def upstream_chain(store: GraphStore, uid: str, scope: Scope) -> list[ReferralNode]:
    """The customer ``uid`` first, then who referred it, who referred that one, and so on
    back to the original referrer (last). Raises ``NotFound`` if the customer does not
    exist or ``scope`` may not see it.

    Where a customer was referred more than once, the longest way back is followed.
    """
    rows = store.read("referral_chain_list", uid=uid)
    if not rows:
        raise NotFound(f"no customer {uid!r}")
    steps = _walk_back(uid, {row["uid"]: row for row in rows})
    by_label: dict[str, list[str]] = {}
    for node_uid, label in steps:
        by_label.setdefault(label, []).append(node_uid)
    details = _details(store, by_label, scope)
    if uid not in details:
        raise NotFound(f"no customer {uid!r}")
    ids = _Ids(details)
    chain = []
    for depth, (node_uid, label) in enumerate(steps):
        parent = ids.of(steps[depth + 1][0]) if depth + 1 < len(steps) else None
        chain.append(replace(ids.node(node_uid, label, depth), parent=parent))
    return chain


def downstream_tree(
    store: GraphStore, uid: str, depth: int = DEFAULT_DEPTH, *, scope: Scope
) -> Tree:
    """The customers ``uid`` referred, and those they referred, down to ``depth`` hops.

    Each customer appears once, at its shortest distance from the root, under the
    referrer on that shortest way (the smallest uid if there are several). Raises
    ``InvalidValue`` for a depth outside 1..``MAX_DEPTH`` and ``NotFound`` for a customer
    that does not exist or that ``scope`` may not see.
    """
    depth = parse_depth(depth)
    statement = with_bound(store.cypher.get("referral_tree_list"), depth, MAX_DEPTH)
    best: dict[str, tuple[int, str]] = {}
    for row in store.read(statement, uid=uid):
        if row["uid"] == uid:  # a loop back to the root
            continue
        found = (row["depth"], row["parent"])
        if row["uid"] not in best or found < best[row["uid"]]:
            best[row["uid"]] = found
    order = sorted(best, key=lambda u: (best[u][0], u))
    truncated = len(order) > MAX_TREE_NODES
    order = order[:MAX_TREE_NODES]
    details = _details(store, {"Customer": [uid, *order]}, scope)
    if uid not in details:
        raise NotFound(f"no customer {uid!r}")
    ids = _Ids(details)
    root = ids.node(uid, "Customer", 0)
    tree = [replace(ids.node(u, "Customer", best[u][0]), parent=ids.of(best[u][1])) for u in order]
    return Tree(root=root, depth=depth, nodes=tree, truncated=truncated)


def _walk_back(uid: str, upstream: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(uid, label) from the customer back to its original referrer through ``upstream``
    (uid -> row with ``label`` and ``referrers``), never visiting a node twice.

    Where a node was referred more than once, the way back that goes furthest is taken
    (ties: the smallest uid), so the chain ends at the earliest referrer on record.
    """
    reach: dict[str, int] = {}

    def furthest(node: str, path: frozenset[str]) -> int:
        """Hops back from ``node`` on the longest way that avoids ``path`` (loops)."""
        if node in reach:
            return reach[node]
        hops = [furthest(r, path | {r}) + 1 for r in _referrers(node, upstream) if r not in path]
        reach[node] = max(hops, default=0)
        return reach[node]

    steps, seen = [(uid, "Customer")], {uid}
    while True:
        options = [r for r in _referrers(steps[-1][0], upstream) if r not in seen]
        if not options:
            return steps
        best = max(options, key=lambda r: (furthest(r, frozenset(seen | {r})), -options.index(r)))
        seen.add(best)
        steps.append((best, upstream[best]["label"]))


def _referrers(node: str, upstream: dict[str, dict[str, Any]]) -> list[str]:
    """The uids that referred ``node`` (sorted; only nodes the chain query returned)."""
    row = upstream.get(node)
    return sorted(r for r in (row["referrers"] if row else []) if r in upstream)


def _details(
    store: GraphStore, by_label: dict[str, list[str]], scope: Scope
) -> dict[str, dict[str, Any]]:
    """Name, stage and revenue of the nodes ``scope`` may see, by uid (one query a label)."""
    found: dict[str, dict[str, Any]] = {}
    for label, uids in by_label.items():
        if label not in referring_labels():
            continue  # only customers, contacts and referrers refer: anything else is hidden
        statement, params = scoped(store, "referral_node_list", REGISTRY[label], scope)
        for row in store.read(statement, uids=uids, **params):
            found[row["uid"]] = row
    return found


class _Ids:
    """Ids for the nodes of one answer (``records.visibility.AnonymousIds``), and the nodes."""

    def __init__(self, details: dict[str, dict[str, Any]]) -> None:
        self.details = details
        self._ids = AnonymousIds(lambda uid: uid in details)

    def of(self, uid: str | None) -> str | None:
        return None if uid is None else self._ids.of(uid, uid)

    def node(self, uid: str, label: str, depth: int) -> ReferralNode:
        row = self.details.get(uid)
        if row is None:
            return ReferralNode(id=self.of(uid) or "", depth=depth, placeholder=True)
        revenue = row["revenue"]
        return ReferralNode(
            id=uid,
            depth=depth,
            uid=uid,
            label=label,
            name=row["name"],
            stage=row["stage"],
            revenue=float(revenue) if revenue is not None else 0.0,
        )
