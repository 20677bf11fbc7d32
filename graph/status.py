"""What the home page and ``graphcrm check`` report about the graph."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph import nodes  # noqa: F401  (registers the node types)
from graph.errors import StoreError
from graph.model import REGISTRY
from graph.store import GraphStore


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


def graph_status(store: GraphStore) -> GraphStatus:
    """Ask the engine for its record counts; an unreachable engine is a status, not a crash."""
    try:
        rows = store.read("node_count_by_label")
    except StoreError as exc:
        return GraphStatus(backend=store.backend, reachable=False, error=str(exc))
    # Record types only: history entries and id counters are bookkeeping, not records.
    counts = {row["label"]: row["count"] for row in rows if row["label"] in REGISTRY}
    return GraphStatus(backend=store.backend, reachable=True, counts=counts)
