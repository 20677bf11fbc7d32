"""The import record: one ``Import`` node per import, holding what it reads, how far it
got and how it ended, so that a crashed import can be resumed or undone.

States: ``running`` (also: interrupted, when its process died) → ``done`` | ``failed`` |
``cancelled``; then ``undoing`` → ``undone``. ``cursor`` is the last source line whose batch
was written; it is advanced by the batch's own statement, so it never runs ahead of, or
behind, what is in the graph. Two imports of one file (same content hash) cannot be
running at once: ``begin`` refuses the second.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import GraphCRMError, NotFound
from graph.store.protocol import GraphStore

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
UNDOING, UNDONE = "undoing", "undone"
COUNTS = ("read", "created", "updated", "skipped", "failed")


class ImportBusy(GraphCRMError):
    """An import of the same file is running or was interrupted (``import_id`` names it):
    resume or undo it first."""

    key = "import_busy"


@dataclass
class ImportRecord:
    """An import as recorded in the graph."""

    uid: str
    type: str
    file_name: str
    file_hash: str
    path: str
    state: str
    by: str
    at: str
    mapping: dict[str, Any]
    options: dict[str, Any]
    cursor: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    error: str = ""
    # Why the file could not be read, when that ended it (``UnreadableFile``'s key and
    # params, for a message in the reader's language; ``error`` says it in English).
    error_key: str = ""
    error_params: dict[str, str] = field(default_factory=dict)
    # What its undo did (``UndoReport``: deleted, restored, conflicts, unlinked, by_label).
    undo: dict[str, Any] = field(default_factory=dict)
    # The importer's display name (``listing`` reads it; "" when no user has ``by``).
    by_name: str = ""

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> ImportRecord:
        """The record from its stored node."""
        return cls(
            uid=node["uid"],
            type=node.get("type", ""),
            file_name=node.get("file_name", ""),
            file_hash=node.get("file_hash", ""),
            path=node.get("path", ""),
            state=node.get("state", ""),
            by=node.get("by", ""),
            at=node.get("at", ""),
            mapping=json.loads(node.get("mapping") or "{}"),
            options=json.loads(node.get("options") or "{}"),
            cursor=int(node.get("cursor") or 0),
            counts={**dict.fromkeys(COUNTS, 0), **json.loads(node.get("counts") or "{}")},
            error=node.get("error") or "",
            error_key=node.get("error_key") or "",
            error_params=json.loads(node.get("error_params") or "{}"),
            undo=json.loads(node.get("undo") or "{}"),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the REST status and the CLI summary)."""
        return {
            "id": self.uid,
            "type": self.type,
            "file_name": self.file_name,
            "state": self.state,
            "by": self.by,
            "at": self.at,
            "cursor": self.cursor,
            "counts": dict(self.counts),
            "error": self.error,
            "options": dict(self.options),
            "undo": dict(self.undo),
        }


def file_hash(path: Path) -> str:
    """The SHA-256 of a file's content (what "the same file" means)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_import_id(stamp: str) -> str:
    """A readable, unique import id: IM + the day + random hex (IM20240520-3fa9c1)."""
    return f"IM{stamp[:10].replace('-', '')}-{secrets.token_hex(3)}"


def begin(store: GraphStore, record: ImportRecord) -> None:
    """Store a new running import; ``ImportBusy`` when its file is being imported."""
    props = {
        "uid": record.uid,
        "type": record.type,
        "file_name": record.file_name,
        "file_hash": record.file_hash,
        "path": record.path,
        "state": RUNNING,
        "by": record.by,
        "at": record.at,
        "updated_at": record.at,
        "mapping": json.dumps(record.mapping, ensure_ascii=False),
        "options": json.dumps(record.options, ensure_ascii=False),
        "cursor": 0,
        "counts": json.dumps(record.counts),
    }
    if not store.write("import_begin", props=props, file_hash=record.file_hash):
        busy = store.read("import_list_active", file_hash=record.file_hash)
        held = busy[0]["i"]["uid"] if busy else ""
        raise ImportBusy(
            f"an import of this file is running or interrupted: {held}", import_id=held
        )


def get(store: GraphStore, import_id: str) -> ImportRecord:
    """The import ``import_id``; ``NotFound`` when there is none."""
    rows = store.read("import_get", uid=import_id)
    if not rows:
        raise NotFound(f"no import {import_id}")
    return ImportRecord.from_node(rows[0]["i"])


def set_state(
    store: GraphStore, import_id: str, state: str, *, only_from: str | None = None, **props: Any
) -> bool:
    """Set the state (and other properties, e.g. ``error``) of an import; with
    ``only_from``, only while it is in that state. Returns whether it was set."""
    values = {"state": state, **props}
    if "counts" in values and not isinstance(values["counts"], str):
        values["counts"] = json.dumps(values["counts"])
    return bool(store.write("import_update", uid=import_id, props=values, only_from=only_from))


def listing(store: GraphStore, *, by: str | None = None, limit: int = 50) -> list[ImportRecord]:
    """The newest ``limit`` imports, only those started by ``by`` when given, each with
    its importer's display name."""
    found = []
    for row in store.read("import_list", by=by, limit=int(limit)):
        record = ImportRecord.from_node(row["i"])
        record.by_name = row.get("by_name") or ""
        found.append(record)
    return found
