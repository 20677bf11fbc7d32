"""The network explorer: the direct neighbours of one node, one step at a time.

Start from a customer, tag, channel (any declared node type) or a saved segment and ask
for its neighbours over every declared relationship type, or only over some of them. The
answer is a handful of queries: one for the relationships (both directions, by type), then
one per neighbour label for titles and row-level visibility. A segment's neighbours are its
first members (``MEMBER`` edges, not stored: membership is computed from the rules).

Neighbours the reader may not see (a salesperson's view of other teams' customers and
their contacts, follow-ups, orders and tickets) become anonymous placeholders that keep the
shape of the network and nothing else: no uid, label or title. Only titles are shown, never
personal data (``graph.security.masking``: a title is never a PII field).
"""

from __future__ import annotations

from typing import Any

from graph.errors import InvalidValue, NotFound
from graph.model import nodes
from graph.model.base import REGISTRY
from graph.records.repository import NodeRepository
from graph.records.visibility import AnonymousIds, scoped
from graph.security.scope import Scope
from graph.segments import get_segment, member_page
from graph.store.protocol import GraphStore
from graph.store.templates import render

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
SEGMENT = "Segment"
# The edge from a segment to each of its members (computed, never stored).
MEMBER = "MEMBER"


def relationship_types() -> tuple[str, ...]:
    """Every relationship type a node declaration names, in declaration order."""
    return tuple(dict.fromkeys(rel.type for model in REGISTRY.values() for rel in model.meta.rels))


def relationship_names() -> dict[str, tuple[str, str]]:
    """The English and Chinese name of each declared relationship type (``Rel.type_en``,
    ``Rel.type_zh``), the type itself where no relation names it."""
    names = {rel_type: (rel_type, rel_type) for rel_type in relationship_types()}
    for model in REGISTRY.values():
        for rel in model.meta.rels:
            if rel.type_en or rel.type_zh:
                names[rel.type] = (rel.type_en or rel.type, rel.type_zh or rel.type)
    return names


def all_types() -> tuple[str, ...]:
    """The relationship types a reader may ask for: the declared ones and ``MEMBER``."""
    return (*relationship_types(), MEMBER)


def start_labels() -> tuple[str, ...]:
    """What the explorer starts from: every declared node type and a saved segment."""
    return (*REGISTRY, SEGMENT)


def parse_types(value: Any) -> list[str] | None:
    """Relationship types from user input (a comma-separated string or a list), each one
    checked against the declared types (plus ``MEMBER``); None or empty means all.

    Only names that passed this check ever reach a query, and then only as a parameter.
    """
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise InvalidValue(key="types", known=", ".join(all_types()))
    wanted = [str(item).strip() for item in items if str(item).strip()]
    known = all_types()
    unknown = sorted({t for t in wanted if t not in known})
    if unknown:
        raise InvalidValue(key="types", known=", ".join(all_types()))
    return list(dict.fromkeys(wanted)) or None


def neighbours(
    store: GraphStore,
    label: str,
    uid: str,
    scope: Scope,
    rel_types: list[str] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """The node ``label``/``uid`` (first in ``nodes``) and its direct neighbours.

    Returns ``{"nodes": [...], "edges": [...], "truncated": bool}``. A visible node is
    ``{id, uid, label, title, placeholder: False}`` (its id is its uid); a placeholder is
    ``{id: "anon-<n>", placeholder: True}``. An edge is ``{id, source, target, type}``.
    At most ``limit`` neighbours are returned (``truncated`` says some were left out).

    Raises ``NotFound`` for an unknown label, a node that does not exist or one ``scope``
    may not see, and ``InvalidValue`` for an undeclared relationship type.
    """
    types = parse_types(rel_types)
    limit = max(1, min(int(limit), MAX_LIMIT))
    if label == SEGMENT:
        return _segment_members(store, uid, scope, types, limit)
    if label not in REGISTRY:
        raise NotFound(f"no node type {label!r}")
    wanted = [t for t in relationship_types() if types is None or t in types]
    statement = render(store.cypher.get("network_neighbour_list"), Label=label)
    rows = store.read(statement, uid=uid, types=wanted, limit=limit + 1) if wanted else []
    # Only declared node types are shown; a neighbour reached twice keeps every edge.
    rows = [r for r in rows if r["uid"] and _label_of(r["labels"])]
    rows.sort(key=lambda r: (r["uid"], r["type"], not r["outgoing"]))
    uids = list(dict.fromkeys(r["uid"] for r in rows))
    truncated = len(uids) > limit
    kept = set(uids[:limit])
    rows = [r for r in rows if r["uid"] in kept]
    by_label: dict[str, list[str]] = {label: [uid]}
    for row in rows:
        by_label.setdefault(_label_of(row["labels"]) or "", []).append(row["uid"])
    titles = _titles(store, by_label, scope)
    if (label, uid) not in titles:
        raise NotFound(f"no {label} {uid!r}")
    ids = _Ids(titles)
    found = [ids.node(label, uid)]
    edges: list[dict[str, Any]] = []
    for row in rows:
        other = _label_of(row["labels"]) or ""
        found.append(ids.node(other, row["uid"]))
        other_id = ids.of(other, row["uid"])
        source, target = (uid, other_id) if row["outgoing"] else (other_id, uid)
        edges.append(_edge(source, target, row["type"]))
    return {"nodes": _unique(found), "edges": _unique(edges), "truncated": truncated}


def _segment_members(
    store: GraphStore, uid: str, scope: Scope, types: list[str] | None, limit: int
) -> dict[str, Any]:
    """A segment and its first ``limit`` members that ``scope`` may see (by name)."""
    segment = get_segment(store, uid)
    start = {"id": uid, "uid": uid, "label": SEGMENT, "title": segment.name, "placeholder": False}
    if types is not None and MEMBER not in types:
        return {"nodes": [start], "edges": [], "truncated": False}
    repository = NodeRepository(store, nodes.Customer)
    members = member_page(repository, segment, scope, 0, limit + 1)
    found = [start]
    edges = []
    for record in members[:limit]:
        found.append(
            {
                "id": record.uid,
                "uid": record.uid,
                "label": "Customer",
                "title": record.name or "",
                "placeholder": False,
            }
        )
        edges.append(_edge(uid, record.uid or "", MEMBER))
    return {"nodes": found, "edges": edges, "truncated": len(members) > limit}


def _label_of(labels: list[str]) -> str | None:
    """The declared node type among a node's labels, or None (undeclared nodes are skipped)."""
    return next((name for name in labels if name in REGISTRY), None)


def _titles(
    store: GraphStore, by_label: dict[str, list[str]], scope: Scope
) -> dict[tuple[str, str], str]:
    """The title of every node ``scope`` may see, by (label, uid): one query a label."""
    found: dict[tuple[str, str], str] = {}
    for label, uids in by_label.items():
        model = REGISTRY[label]
        statement, params = scoped(store, "network_node_list", model, scope, prop=model.meta.title)
        for row in store.read(statement, uids=list(dict.fromkeys(uids)), **params):
            found[(label, row["uid"])] = "" if row["title"] is None else str(row["title"])
    return found


def _edge(source: str, target: str, kind: str) -> dict[str, Any]:
    return {"id": f"{source}-{kind}->{target}", "source": source, "target": target, "type": kind}


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items in order, each id once."""
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(item["id"], item)
    return list(seen.values())


class _Ids:
    """Ids for the nodes of one answer (``records.visibility.AnonymousIds``), and the nodes."""

    def __init__(self, titles: dict[tuple[str, str], str]) -> None:
        self.titles = titles
        self._ids = AnonymousIds(lambda key: key in titles)

    def of(self, label: str, uid: str) -> str:
        return self._ids.of((label, uid), uid)

    def node(self, label: str, uid: str) -> dict[str, Any]:
        key = (label, uid)
        if key not in self.titles:
            return {"id": self.of(label, uid), "placeholder": True}
        return {
            "id": uid,
            "uid": uid,
            "label": label,
            "title": self.titles[key],
            "placeholder": False,
        }
