"""What the dialect schema file asks for, compared with what the engine has."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graph.store import GraphStore

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


def expected_items(store: GraphStore) -> list[SchemaItem]:
    """The constraints and indexes the store's dialect schema file declares."""
    items: list[SchemaItem] = []
    for statement in store.cypher.schema():
        text = " ".join(statement.text.split())
        if match := _UNIQUE.search(text):
            items.append(("UNIQUE", match.group(2), match.group(3)))
        elif match := _INDEX.search(text):
            items.append(("INDEX", match.group(2), match.group(3)))
    return items


def schema_status(store: GraphStore) -> SchemaReport:
    """Compare the declared schema with the engine's indexes and constraints."""
    rows = store.read("schema_index_list") + store.read("schema_constraint_list")
    actual = {(row["kind"], row["label"], row["property"]) for row in rows}
    building = sorted(
        f"{row['kind']} {row['label']}.{row['property']}"
        for row in rows
        if row.get("ready") is False
    )
    return SchemaReport(expected=expected_items(store), actual=actual, building=building)
