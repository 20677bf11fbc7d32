"""Schema statements read as (kind, label, property), compared with what the engine has."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graph.store.protocol import GraphStore

_INDEX = re.compile(r"FOR \((\w+):([A-Z][A-Za-z0-9_]*)\) ON \(\1\.(\w+)\)")
_UNIQUE = re.compile(r"FOR \((\w+):([A-Z][A-Za-z0-9_]*)\) REQUIRE \1\.(\w+) IS UNIQUE")

SchemaItem = tuple[str, str, str]  # kind (INDEX or UNIQUE), label, property


@dataclass(frozen=True)
class SchemaReport:
    """Expected schema items, which of them the engine has, and the indexes it is still
    building (as readable lines: they exist but do not serve queries yet)."""

    expected: list[SchemaItem]
    actual: set[SchemaItem]
    building: list[str] = field(default_factory=list)

    @property
    def present(self) -> list[SchemaItem]:
        """Expected items the engine has."""
        return [item for item in self.expected if item in self.actual]

    @property
    def missing(self) -> list[str]:
        """Expected items the engine lacks, as readable lines."""
        return [
            f"{kind} {label}.{prop}"
            for kind, label, prop in self.expected
            if (kind, label, prop) not in self.actual
        ]


def schema_item(text: str) -> SchemaItem | None:
    """What one schema statement declares (None for a statement of another shape)."""
    text = " ".join(text.split())
    if match := _UNIQUE.search(text):
        return ("UNIQUE", match.group(2), match.group(3))
    if match := _INDEX.search(text):
        return ("INDEX", match.group(2), match.group(3))
    return None


def existing_items(store: GraphStore) -> list[dict]:
    """The engine's single-property indexes and unique constraints, as rows."""
    return store.read("schema_index_list") + store.read("schema_constraint_list")


def schema_status(store: GraphStore, expected: list[SchemaItem]) -> SchemaReport:
    """Compare the ``expected`` schema items with the engine's indexes and constraints."""
    rows = existing_items(store)
    actual = {(row["kind"], row["label"], row["property"]) for row in rows}
    building = sorted(
        f"{row['kind']} {row['label']}.{row['property']}"
        for row in rows
        if row.get("ready") is False
    )
    return SchemaReport(expected=expected, actual=actual, building=building)
