"""Load a generated dataset into the graph in batches, and seed the demo once.

Each kind of row has its own named statement, ``UNWIND $rows AS row`` plus a ``CREATE``:
labels and relationship types cannot be parameters, and FalkorDB has no label
alternatives in ``MATCH``, so REFERRED has one statement per source label. Relationships
find their ends by the indexed ``uid``; apply the schema first (``store.apply_schema()``)
or every batch scans whole labels. With a cipher, personal data (phones, e-mails) is
written encrypted with its blind index, as the repositories write it (``graph.security.pii``),
and names with their search keys (``graph.records.search_keys``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from graph.demo.dataset import Dataset, generate
from graph.errors import NotFound
from graph.model import nodes
from graph.model.base import NodeModel
from graph.records.search_keys import searched, with_search_keys
from graph.security.crypto import FieldCipher
from graph.security.pii import seal_rows
from graph.store.protocol import GraphStore

# Dataset field -> statement, nodes before the relationships that need them.
NODE_STATEMENTS = (
    ("users", "dataset_load_user"),
    ("channels", "dataset_load_channel"),
    ("tags", "dataset_load_tag"),
    ("referrers", "dataset_load_referrer"),
    ("customers", "dataset_load_customer"),
    ("contacts", "dataset_load_contact"),
    ("follow_ups", "dataset_load_follow_up"),
    ("orders", "dataset_load_order"),
    ("tickets", "dataset_load_ticket"),
)
LINK_STATEMENTS = (
    ("reports_to", "dataset_link_reports_to"),
    ("part_of", "dataset_link_part_of"),
    ("owns", "dataset_link_owns"),
    ("acquired_via", "dataset_link_acquired_via"),
    ("tagged", "dataset_link_tagged"),
    ("referred_from_customer", "dataset_link_referred_from_customer"),
    ("referred_from_contact", "dataset_link_referred_from_contact"),
    ("referred_from_referrer", "dataset_link_referred_from_referrer"),
    ("works_for", "dataset_link_works_for"),
    ("about", "dataset_link_about"),
    ("logged", "dataset_link_logged"),
    ("placed", "dataset_link_placed"),
    ("raised", "dataset_link_raised"),
)
# Dataset field -> the node type its rows are (for sealing personal data).
NODE_MODELS: dict[str, type[NodeModel]] = {
    "users": nodes.User,
    "channels": nodes.Channel,
    "tags": nodes.Tag,
    "referrers": nodes.Referrer,
    "customers": nodes.Customer,
    "contacts": nodes.Contact,
    "follow_ups": nodes.FollowUp,
    "orders": nodes.Order,
    "tickets": nodes.Ticket,
}
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
    counts = {kind: 0 for kind, _ in NODE_STATEMENTS + LINK_STATEMENTS}
    for chunk in chunks:
        for kind, statement in NODE_STATEMENTS + LINK_STATEMENTS:
            rows = getattr(chunk, kind)
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                if kind in NODE_MODELS and searched(NODE_MODELS[kind]):
                    batch = [with_search_keys(NODE_MODELS[kind], row) for row in batch]
                if cipher is not None and kind in NODE_MODELS:
                    batch = seal_rows(NODE_MODELS[kind], batch, cipher)
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
