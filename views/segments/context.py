"""What the segment pages and API share: the customers' repository, the signed-in user,
paging, members as shown, and history as the reader may see it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from flask import request

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.security.masking import mask_record
from graph.security.scope import Scope
from graph.segments.members import (
    rules_as_seen,
)
from graph.segments.storage import (
    rules_in_history,
    segment_history,
)
from views.crud.history import NOTHING, ShownChange, ShownEntry
from views.scope import current_actor, current_repository, current_store

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
GRAPH_MEMBERS = 100  # members drawn in the graph; with their neighbours at most MAX_GRAPH
MAX_GRAPH = 300
EXPORT_CHUNK = 500
CSV_COLUMNS = ("uid", "name", "stage", "industry", "region", "value_tier", "phone", "email")


def customers() -> NodeRepository:
    """The customers' repository of this request."""
    return current_repository(nodes.Customer)


def actor() -> str:
    """The signed-in user (session or JWT) as recorded on a segment."""
    return current_actor() or ""


def member_row(record: Record, scope: Scope) -> dict[str, Any]:
    """A member as the API, the page and the CSV show it (masked without the permission)."""
    if not scope.pii:
        mask_record(record)
    row = {name: getattr(record, name, None) for name in CSV_COLUMNS}
    row["owner"] = str(record.owner) if getattr(record, "owner", None) else None
    row["channel"] = str(record.channel) if getattr(record, "channel", None) else None
    return row


def page_args() -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        text = request.args.get(name, "")
        return int(text) if text.isascii() and text.isdigit() else default

    size = min(max(number("page_size", PAGE_SIZE), 1), MAX_PAGE_SIZE)
    return max(number("page", 0), 0), size


def version_of(value: Any) -> int | None:
    """The version an edit is based on, from a form field or a JSON body (None if missing
    or not a whole number)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def history_as_seen(uid: str, scope: Scope) -> list[Any]:
    """The segment's history with every rule naming a record the reader may not see
    hidden (rules as JSON text, as stored)."""
    store = current_store()

    def seen(field: str, value: Any) -> Any:
        if field != "rules" or value is None:
            return value
        rules = rules_as_seen(store, rules_in_history(value), scope)
        return json.dumps([rule.as_dict() for rule in rules], ensure_ascii=False)

    return [
        replace(
            entry,
            changes=tuple(
                replace(c, old=seen(c.field, c.old), new=seen(c.field, c.new))
                for c in entry.changes
            ),
        )  # fmt: skip
        for entry in segment_history(store, uid)
    ]


def readable_history(uid: str, scope: Scope) -> list[ShownEntry]:
    """The segment's history as the record pages show theirs."""
    return [
        ShownEntry(
            entry,
            tuple(
                ShownChange(
                    c.field,
                    NOTHING if c.old in (None, "") else str(c.old),
                    NOTHING if c.new in (None, "") else str(c.new),
                )
                for c in entry.changes
            ),
        )  # fmt: skip
        for entry in history_as_seen(uid, scope)
    ]
