"""Key rotation: re-encrypt every personal-data value, blind index and history entry.

``rotate`` walks each personal-data property of each node type, lists the nodes whose
value is not sealed under the cipher's current key (plaintext, or an older key the cipher
still reads), and rewrites those values with their blind index in batches, one statement
each. Values already under the current key are never listed, so running it again after
an interruption finishes the job; a node edited between the read and the write keeps the
edit and is counted as remaining. History entries name their key (``key_id``) and are
re-encrypted the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graph.model.base import REGISTRY, NodeModel, Prop
from graph.security.crypto import SEALED, FieldCipher
from graph.security.pii import index_values, pii_props
from graph.store.protocol import GraphStore
from graph.store.statements import Statement
from graph.store.templates import render

HISTORY = "Change"  # the label of history entries (see graph.records.repository)
Row = dict[str, Any]
Progress = Callable[[str, int, int], None]  # (what, values done, values to do)


@dataclass
class RotationReport:
    """Values re-encrypted per label (history entries under "Change"), and how many still
    need it because they were edited meanwhile."""

    resealed: dict[str, int] = field(default_factory=dict)
    remaining: int = 0


def rotate(
    store: GraphStore,
    cipher: FieldCipher,
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> RotationReport:
    """Re-encrypt everything under ``cipher``'s current key; ``cipher`` must also hold
    every key the data is under now (``old.rotated_to(new_key)``)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    report = RotationReport()
    for model in REGISTRY.values():
        for prop in pii_props(model):
            done = _reseal_prop(store, model, prop, cipher, batch_size, progress)
            report.resealed[model.label] = report.resealed.get(model.label, 0) + done
            report.remaining += len(_stale_uids(store, model, prop, cipher))
    report.resealed[HISTORY] = _reseal_history(store, cipher, batch_size, progress)
    report.remaining += len(_stale_history(store, cipher))
    return report


def _stale_uids(
    store: GraphStore, model: type[NodeModel], prop: Prop, cipher: FieldCipher
) -> list[str]:
    statement = render(store.cypher.get("node_list_stale_pii"), Label=model.label, prop=prop.name)
    return [row["uid"] for row in store.read(statement, prefix=cipher.prefix)]


def _stale_history(store: GraphStore, cipher: FieldCipher) -> list[str]:
    return [row["uid"] for row in store.read("change_list_stale_sealed", key_id=cipher.key_id)]


def _reseal_prop(
    store: GraphStore,
    model: type[NodeModel],
    prop: Prop,
    cipher: FieldCipher,
    batch_size: int,
    progress: Progress | None,
) -> int:
    """Re-encrypt one property of one node type; returns how many values were rewritten."""
    label, name = model.label, prop.name
    read = render(store.cypher.get("node_list_pii_by_uids"), Label=label, prop=name)
    write = render(store.cypher.get("node_reseal"), Label=label)
    uids = _stale_uids(store, model, prop, cipher)
    done = 0
    for batch in _batches(uids, batch_size):
        rows = []
        for row in store.read(read, uids=batch):
            value = row["value"]
            if not isinstance(value, str) or cipher.is_current(value):
                continue
            plain = cipher.decrypt(label, name, value)
            props = {name: cipher.encrypt(label, name, plain), **index_values(prop, plain, cipher)}
            rows.append({"uid": row["uid"], "version": row["version"] or 0, "props": props})
        done += _write(store, write, rows)
        if progress is not None:
            progress(f"{label}.{name}", done, len(uids))
    return done


def _reseal_history(
    store: GraphStore, cipher: FieldCipher, batch_size: int, progress: Progress | None
) -> int:
    """Re-encrypt the personal data in history entries written under another key."""
    write = render(store.cypher.get("node_reseal"), Label=HISTORY)
    uids = _stale_history(store, cipher)
    done = 0
    for batch in _batches(uids, batch_size):
        rows = [
            {
                "uid": row["uid"],
                "version": row["version"] or 0,
                "props": _history_props(row, cipher),
            }
            for row in store.read("change_list_by_uids", uids=batch)
        ]
        done += _write(store, write, rows)
        if progress is not None:
            progress(HISTORY, done, len(uids))
    return done


def _history_props(row: Row, cipher: FieldCipher) -> Row:
    """An entry's field changes with encrypted values re-encrypted, and its new key id."""
    label = row["entity"] or ""
    model = REGISTRY.get(label)
    items = json.loads(row["fields"] or "[]")
    for item in items:
        prop = model.meta.prop(item["field"]) if model is not None else None
        if prop is None or not prop.pii:
            continue
        for side in ("old", "new"):
            value = item.get(side)
            if isinstance(value, str) and value.startswith(SEALED):
                item[side] = cipher.encrypt(
                    label, prop.name, cipher.decrypt(label, prop.name, value)
                )
    return {"fields": json.dumps(items, ensure_ascii=False), "key_id": cipher.key_id}


def _write(store: GraphStore, statement: Statement, rows: list[Row]) -> int:
    return store.write(statement, rows=rows)[0]["resealed"] if rows else 0


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
