"""Relations an import's update changes (owner, channel, tags …), and their undo.

An update row carries, per changed relation, the uids to unlink and to link
(``row.unlink.<rel>``, ``row.link.<rel>``); ``relinked`` splices one part per relation into
the update statement, so the record, its relations and its history entry change together.
The history entry keeps the uids before and after (``links``, JSON) beside the titles it
shows, which is what undo reads to put the previous relations back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from graph.model.base import NodeModel, Rel, model_for
from graph.records.repository import NodeRepository, relations_statement
from graph.security.crypto import FieldCipher
from graph.store.composition import between_lines, insert_after
from graph.store.protocol import GraphStore
from graph.store.statements import Statement
from graph.store.templates import render

_MARKER = "WITH n, row"
LINKS = "links"  # the history entry's property: {rel: {"old": [uids], "new": [uids]}}
# A referral-link import's entry that replaced links: [{"source": uid, "props": {...}}], the
# replaced links' referrers and properties (JSON), which undo links back as they were.
REPLACED = "replaced"


def relinked(
    store: GraphStore, model: type[NodeModel], statement: Statement, rels: Iterable[Rel]
) -> Statement:
    """``statement`` (import_update_batch or import_undo_update_batch, rendered for
    ``model``) with a part per relation of ``rels`` that unlinks and links what each row
    names."""
    parts = []
    for rel in rels:
        name = "import_relink_out" if rel.direction == "out" else "import_relink_in"
        part = render(
            store.cypher.get(name),
            Label=model.label,
            Target=rel.target,
            REL=rel.type,
            prop=rel.name,
        )
        parts.append(between_lines(part, _MARKER))
    return insert_after(statement, _MARKER, parts)


def current_links(
    store: GraphStore, model: type[NodeModel], uids: list[str]
) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """uid -> relation name -> [(related uid, title)] for the ``model`` records ``uids``."""
    found: dict[str, dict[str, list[tuple[str, str]]]] = {}
    rels = model.meta.rels
    if not uids or not rels:
        return found
    params: dict[str, Any] = {"uids": uids}
    params.update({f"field_{i}": rel.name for i, rel in enumerate(rels)})
    for row in store.read(relations_statement(store.cypher, model.label), **params):
        title = "" if row["title"] is None else str(row["title"])
        found.setdefault(row["uid"], {}).setdefault(row["field"], []).append((row["target"], title))
    return found


def titles(
    store: GraphStore, cipher: FieldCipher | None, rel: Rel, uids: set[str]
) -> dict[str, str]:
    """uid -> title of the records of ``rel``'s target among ``uids`` (one round trip)."""
    if not uids:
        return {}
    target = NodeRepository(store, model_for(rel.target), cipher=cipher)
    return {uid: str(title) for uid, title in target.titles(sorted(uids)).items()}


def shown(names: Iterable[str]) -> str | None:
    """Titles as a history entry shows a relation's value (as the record forms write it)."""
    ordered = sorted(n for n in names if n)
    return ", ".join(ordered) if ordered else None


def undo_links(change: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(unlink, link) per relation that put back what a history entry's ``links`` held
    before the change."""
    unlink: dict[str, list[str]] = {}
    link: dict[str, list[str]] = {}
    for name, uids in json.loads(change.get(LINKS) or "{}").items():
        old, new = set(uids.get("old") or []), set(uids.get("new") or [])
        unlink[name], link[name] = sorted(new - old), sorted(old - new)
    return unlink, link
