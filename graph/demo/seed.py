"""Load a generated dataset into the graph in batches, and seed the demo once.

Each kind of row has its own named statement, ``UNWIND $rows AS row`` plus a ``CREATE``:
labels and relationship types cannot be parameters, and FalkorDB has no label
alternatives in ``MATCH``, so REFERRED has one statement per source label. Relationships
find their ends by the indexed ``uid``; apply the schema first
(``graph.records.schema.apply_schema``) or every batch scans whole labels. With a cipher,
personal data (phones, e-mails) is written encrypted with its blind index, as the
repositories write it (``graph.security.pii``), and names with their search keys
(``graph.records.search_keys``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

from graph.demo.dataset import Dataset, generate
from graph.errors import ConfigError, NotFound
from graph.model import nodes  # noqa: F401  (declares the node types in REGISTRY)
from graph.model.base import REGISTRY, NodeModel
from graph.records.search_keys import searched, with_search_keys
from graph.security.crypto import FieldCipher
from graph.security.pii import seal_rows
from graph.store.protocol import GraphStore


def _snake(label: str) -> str:
    """``FollowUp`` -> ``follow_up``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", label).lower()


@dataclass(frozen=True)
class Step:
    """One kind of row to load: the ``Dataset`` field, its statement and, for node rows,
    the node type (whose personal data is sealed)."""

    field: str
    statement: str
    model: type[NodeModel] | None = None


def load_plan() -> tuple[Step, ...]:
    """What ``load`` writes, derived from the declarations, nodes before relationships.

    A node type's rows are the field ``<snake label>s`` (``follow_ups``) loaded by
    ``dataset_load_<snake label>``; a relationship's rows the field ``<type>`` (``owns``),
    or ``<type>_from_<snake source>`` where one type joins several pairs of labels
    (REFERRED), loaded by ``dataset_link_<field>``. Declared types the generator makes no
    rows for are left out; a ``Dataset`` field no declaration explains is a ``ConfigError``.
    """
    generated = {item.name for item in dataclass_fields(Dataset)}
    steps = [
        Step(f"{_snake(label)}s", f"dataset_load_{_snake(label)}", model)
        for label, model in REGISTRY.items()
    ]
    pairs: dict[tuple[str, str, str], None] = {}
    for model in REGISTRY.values():
        for rel in model.meta.rels:
            ends = (
                (model.label, rel.target) if rel.direction == "out" else (rel.target, model.label)
            )
            pairs[(rel.type, *ends)] = None
    for kind, source, _ in pairs:
        shared = sum(1 for other, _, _ in pairs if other == kind) > 1
        field = f"{kind.lower()}_from_{_snake(source)}" if shared else kind.lower()
        steps.append(Step(field, f"dataset_link_{field}"))
    plan = tuple(step for step in steps if step.field in generated)
    unexplained = generated - {step.field for step in plan}
    if unexplained:
        raise ConfigError(f"Dataset fields {sorted(unexplained)} match no declaration")
    return plan


DEMO_CUSTOMERS = 300


def load(
    store: GraphStore,
    dataset: Dataset | Iterable[Dataset],
    *,
    batch_size: int = 2000,
    progress: Callable[[str, int], None] | None = None,
    cipher: FieldCipher | None = None,
) -> dict[str, int]:
    """Create every node and relationship of ``dataset`` and return how many per kind.

    ``dataset`` may be one ``Dataset`` or the chunks of ``iter_chunks``, loaded in order so
    that memory stays flat. With a ``cipher`` personal data is stored encrypted and
    indexed; without, as generated. Each batch of up to ``batch_size`` rows is one atomic write;
    ``progress(kind, loaded_so_far)`` is called after each. Nodes are created, not merged:
    loading the same rows twice breaks the ``uid`` unique constraint. A relationship row
    naming a missing node raises ``NotFound`` (the rows before it stay written).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    chunks = [dataset] if isinstance(dataset, Dataset) else dataset
    plan = load_plan()
    for step in plan:
        store.cypher.get(step.statement)  # a missing statement fails before anything is written
    counts = {step.field: 0 for step in plan}
    for chunk in chunks:
        for step in plan:
            kind, statement = step.field, step.statement
            rows = getattr(chunk, kind)
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                if step.model is not None and searched(step.model):
                    batch = [with_search_keys(step.model, row) for row in batch]
                if cipher is not None and step.model is not None:
                    batch = seal_rows(step.model, batch, cipher)
                created = store.write(statement, rows=batch)[0]["created"]
                if created != len(batch):
                    raise NotFound(
                        f"{statement}: {len(batch) - created} of {len(batch)} rows name a node "
                        "that is not in the graph"
                    )
                counts[kind] += created
                if progress is not None:
                    progress(kind, counts[kind])
    return counts


def seed_demo(
    store: GraphStore,
    *,
    cipher: FieldCipher | None,
    customers: int = DEMO_CUSTOMERS,
    today: dt.date | None = None,
) -> bool:
    """Load the demo dataset into a graph without customers; True if it did.

    A graph that already has a customer is left alone, so running the demo twice never
    duplicates data (nor mixes demo rows into real ones). ``cipher`` is the app's (required,
    so that demo personal data is never written in clear by accident; None only for tools).
    """
    if store.read("customer_count")[0]["count"]:
        return False
    load(store, generate(customers, today=today), cipher=cipher)
    return True
