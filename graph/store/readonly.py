"""What a read-only query of user-written Cypher returns, with its graph structure kept.

The Cypher console is the one place where statement text comes from a user, so its
results are not flattened to property dicts like named statements' rows: nodes,
relationships and paths stay recognisable so that they can be drawn. Each backend turns its
driver's objects into these engine-neutral values (``GraphStore.run_readonly``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GraphNode:
    """A node: the engine's id (as text), its labels and its properties."""

    id: str
    labels: tuple[str, ...]
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphRelationship:
    """A relationship: its engine id, type, start and end node ids, and properties."""

    id: str
    type: str
    start: str
    end: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphPath:
    """A path: its nodes and relationships in order."""

    nodes: tuple[GraphNode, ...]
    relationships: tuple[GraphRelationship, ...]


@dataclass(frozen=True)
class ReadonlyResult:
    """Columns and at most ``row_cap`` rows; ``truncated`` when the query had more."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
