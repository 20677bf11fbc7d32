"""Saved segments: ``Segment`` nodes whose ``rules`` property holds the rules as a JSON
string (neither engine stores a map-valued property), with their history entries.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.clock import utc_now
from graph.errors import NotFound, StaleVersion
from graph.model.nodes import SEGMENT_UID_PREFIX
from graph.model.records import ISO_DATETIME
from graph.records.audit_intent import change_entry, intent_of
from graph.records.events import record_changed
from graph.records.history import ChangeEntry, change_entry_of
from graph.records.serials import next_uid
from graph.segments.rules import InvalidRule, Rule, parse_rules
from graph.store.protocol import GraphStore


@dataclass(frozen=True)
class Segment:
    """A saved segment: its rules and bookkeeping."""

    uid: str
    name: str
    description: str = ""
    rules: tuple[Rule, ...] = ()
    created_by: str = ""
    created_at: str = ""
    updated_at: str = ""
    version: int = 1

    def as_dict(self) -> dict[str, Any]:
        """The segment as the REST API returns it."""
        return {
            "uid": self.uid,
            "name": self.name,
            "description": self.description,
            "rules": [rule.as_dict() for rule in self.rules],
            "created_by": self.created_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "version": self.version,
        }


def _segment(node: dict[str, Any]) -> Segment:
    return Segment(
        uid=node["uid"],
        name=node.get("name") or "",
        description=node.get("description") or "",
        rules=parse_rules(node.get("rules") or "[]")
        if node.get("rules") not in (None, "[]")
        else (),
        created_by=node.get("created_by") or "",
        created_at=node.get("created_at") or "",
        updated_at=node.get("updated_at") or "",
        version=int(node.get("version") or 1),
    )


def _rules_json(rules: tuple[Rule, ...]) -> str:
    return json.dumps([rule.as_dict() for rule in rules], ensure_ascii=False)


def _stamp(clock: Callable[[], dt.datetime]) -> str:
    return clock().astimezone(dt.UTC).strftime(ISO_DATETIME)


def list_segments(store: GraphStore) -> list[Segment]:
    """Every saved segment, by name."""
    return [_segment(row["s"]) for row in store.read("segment_list")]


def get_segment(store: GraphStore, uid: str) -> Segment:
    """The segment ``uid``; ``NotFound`` if there is none."""
    rows = store.read("segment_get", uid=uid)
    if not rows:
        raise NotFound(f"Segment {uid} does not exist")
    return _segment(rows[0]["s"])


def create_segment(
    store: GraphStore,
    name: str,
    description: str,
    rules: tuple[Rule, ...],
    actor: str,
    clock: Callable[[], dt.datetime] = utc_now,
    timezone: dt.tzinfo = dt.UTC,
) -> Segment:
    """Save a new segment (rules already checked by ``parse_rules``); its uid is allocated
    like every record's (``graph.records.serials``, days counted in ``timezone``)."""
    moment = clock()
    now = moment.astimezone(dt.UTC).strftime(ISO_DATETIME)
    change = change_entry("Segment", "create", now, actor, _changes(None, name, description, rules))
    rows = store.write(
        "segment_create",
        uid=next_uid(store, SEGMENT_UID_PREFIX, moment, timezone),
        name=name,
        description=description,
        rules=_rules_json(rules),
        actor=actor,
        now=now,
        change=change,
    )
    segment = _segment(rows[0]["s"])
    record_changed.send("Segment", intent=intent_of(change, segment.uid))
    return segment


def update_segment(
    store: GraphStore,
    uid: str,
    version: int,
    name: str,
    description: str,
    rules: tuple[Rule, ...],
    actor: str,
    clock: Callable[[], dt.datetime] = utc_now,
) -> Segment:
    """Change a segment if nobody changed it since ``version``; ``StaleVersion`` if they did,
    ``NotFound`` if it is gone."""
    current = get_segment(store, uid)
    if current.version != version:
        raise StaleVersion(
            f"Segment {uid} was changed by someone else "
            f"(version {current.version}, yours {version})"
        )
    now = _stamp(clock)
    fields = _changes(current, name, description, rules)
    change = change_entry("Segment", "update", now, actor, fields)
    rows = store.write(
        "segment_update",
        uid=uid,
        version=int(version),
        name=name,
        description=description,
        rules=_rules_json(rules),
        now=now,
        change=change,
    )
    if not rows:
        current = get_segment(store, uid)
        raise StaleVersion(
            f"Segment {uid} was changed by someone else "
            f"(version {current.version}, yours {version})"
        )
    record_changed.send("Segment", intent=intent_of(change, uid))
    return _segment(rows[0]["s"])


def delete_segment(store: GraphStore, uid: str, actor: str) -> None:
    """Delete a segment; ``NotFound`` if there is none. Its history entry keeps what it was."""
    fields = _changes(get_segment(store, uid), None, None, None)
    change = change_entry("Segment", "delete", _stamp(utc_now), actor, fields)
    rows = store.write("segment_delete", uid=uid, change=change)
    if not rows or not rows[0]["deleted"]:
        raise NotFound(f"Segment {uid} does not exist")
    record_changed.send("Segment", intent=intent_of(change, uid))


def segment_history(store: GraphStore, uid: str, limit: int = 200) -> list[ChangeEntry]:
    """History entries of the segment ``uid``, newest first (kept after a delete); the
    ``rules`` values are the rules' JSON text (``rules_in_history`` reads them)."""
    rows = store.read("change_list_for_entity", entity="Segment", uid=uid, limit=limit)
    return [change_entry_of(row["c"]) for row in rows]


def rules_in_history(value: Any) -> tuple[Rule, ...]:
    """The rules a history entry's ``rules`` value holds (none for a blank or unreadable one)."""
    if not isinstance(value, str) or not value.strip():
        return ()
    try:
        return parse_rules(value)
    except InvalidRule:
        return ()


def _changes(
    old: Segment | None,
    name: str | None,
    description: str | None,
    rules: tuple[Rule, ...] | None,
) -> str:
    """The field changes of a history entry as JSON: each of name, description and rules
    (as JSON text) whose value differs, ``None`` for a value that is not there."""
    before = (
        {"name": old.name, "description": old.description, "rules": _rules_json(old.rules)}
        if old is not None
        else dict.fromkeys(("name", "description", "rules"))
    )
    after = {
        "name": name,
        "description": description,
        "rules": _rules_json(rules) if rules is not None else None,
    }
    items = [
        {"field": field, "old": before[field], "new": after[field]}
        for field in ("name", "description", "rules")
        if before[field] != after[field]
    ]
    return json.dumps(items, ensure_ascii=False)
