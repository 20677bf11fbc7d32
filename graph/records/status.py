"""What the home page and ``graphcrm check`` report about the graph."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.errors import StoreError
from graph.model import nodes  # noqa: F401  (registers the node types)
from graph.model.base import REGISTRY
from graph.records.visibility import count_visible
from graph.security.scope import Scope
from graph.store.protocol import GraphStore


@dataclass(frozen=True)
class GraphStatus:
    """Reachability and record counts per node label."""

    backend: str
    reachable: bool
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def total(self) -> int:
        """All nodes, every label together."""
        return sum(self.counts.values())


def graph_status(store: GraphStore, scope: Scope | None = None) -> GraphStatus:
    """Ask the engine for its record counts; an unreachable engine is a status, not a crash.

    With a ``scope``, the counts are that reader's: only the record types their role may
    read, and of those only the records they may see (``graph.records.visibility``).
    """
    try:
        rows = store.read("node_count_by_label")
        # Record types only: history entries and id counters are bookkeeping, not records.
        counts = {row["label"]: row["count"] for row in rows if row["label"] in REGISTRY}
        if scope is not None:
            counts = {
                label: count_visible(store, REGISTRY[label], scope)
                if scope.limits(REGISTRY[label])
                else count
                for label, count in counts.items()
                if scope.may_read(REGISTRY[label])
            }
    except StoreError as exc:
        return GraphStatus(backend=store.backend, reachable=False, error=str(exc))
    return GraphStatus(backend=store.backend, reachable=True, counts=counts)
