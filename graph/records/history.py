"""History entries: who changed which fields of a record, when, and how they read back.

A change is written with the record it describes (one statement, see
``graph.records.repository``) as a ``Change`` node; personal data in it is sealed like the
node's own, and ``key_id`` names the key so that a key rotation finds the entries to
re-encrypt.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from graph.model.base import NodeModel
from graph.model.records import ISO_DATETIME
from graph.security.crypto import FieldCipher
from graph.security.masking import mask_value
from graph.security.pii import seal_value


@dataclass(frozen=True)
class FieldChange:
    """One field's old and new value in a history entry."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ChangeEntry:
    """A history entry: who changed what, when."""

    uid: str
    at: dt.datetime | None
    by: str
    action: str
    version: int | None
    changes: tuple[FieldChange, ...]
    import_id: str = ""  # the import that wrote it (its batch entry, or a record it updated)


def change_entry_of(
    change: dict[str, Any], opened: Callable[[str, Any], Any] = lambda field, value: value
) -> ChangeEntry:
    """A stored ``Change`` node as a history entry; ``opened`` reads each stored value
    (decrypting personal data)."""
    fields = tuple(
        FieldChange(
            item["field"], opened(item["field"], item["old"]), opened(item["field"], item["new"])
        )
        for item in json.loads(change.get("fields") or "[]")
    )
    at = change.get("at")
    return ChangeEntry(
        uid=change["uid"],
        at=dt.datetime.strptime(at, ISO_DATETIME) if at else None,
        by=change.get("by") or "",
        action=change.get("action") or "",
        version=change.get("version"),
        changes=fields,
        import_id=change.get("import_id") or "",
    )


def entry_props(entity: str, action: str, stamp: str, actor: str, fields: str) -> dict[str, Any]:
    """The properties of a new ``Change`` node; ``fields`` is the JSON list of changes."""
    return {
        "uid": secrets.token_hex(8),
        "at": stamp,
        "by": actor,
        "action": action,
        "entity": entity,
        "fields": fields,
    }


def history_entry(
    model: type[NodeModel],
    action: str,
    stamp: str,
    actor: str,
    changes: Iterable[FieldChange],
    cipher: FieldCipher | None,
) -> dict[str, Any]:
    """A new history entry about a ``model`` node; personal data in it is sealed with
    ``cipher`` like the node's own, and ``key_id`` names the key when anything was."""
    items, sealed = [], False
    for c in changes:
        old = None if c.old is None else seal_value(model, c.field, c.old, cipher)
        new = seal_value(model, c.field, c.new, cipher)
        sealed = sealed or (old, new) != (c.old, c.new)
        items.append({"field": c.field, "old": old, "new": new})
    fields = json.dumps(items, ensure_ascii=False, default=str)
    change = entry_props(model.label, action, stamp, actor, fields)
    if sealed and cipher is not None:
        change["key_id"] = cipher.key_id
    return change


def mask_history(model: type[NodeModel], entries: list[ChangeEntry]) -> list[ChangeEntry]:
    """History entries of a ``model`` node with personal-data values masked."""
    masked = []
    for entry in entries:
        changes = []
        for change in entry.changes:
            prop = model.meta.prop(change.field)
            if prop is not None and prop.pii:
                change = replace(
                    change, old=mask_value(prop, change.old), new=mask_value(prop, change.new)
                )
            changes.append(change)
        masked.append(replace(entry, changes=tuple(changes)))
    return masked
