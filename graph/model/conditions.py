"""Filter conditions on a node type's fields: what a list, a search or a scope asks for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Condition:
    """One filter: ``field`` ``op`` ``value`` (field names are checked against the model)."""

    field: str
    op: str
    value: Any = None
