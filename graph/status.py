"""What the home page and ``graphcrm check`` report about the graph."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.errors import StoreError
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
    counts = {row["label"]: row["count"] for row in rows if row["label"]}
    return GraphStatus(backend=store.backend, reachable=True, counts=counts)
