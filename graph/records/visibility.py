"""What a reader may see of the records around the ones they open: the visibility choke point.

Every name or uid of a related record that reaches a reader passes through here: relation
titles (show pages, REST, edit forms, exports), history entries, the customer 360 lists,
referral chains and trees, the network explorer, segment graphs, relation pickers and the
figures of the home page. A record the reader may not see (another team's customer, a
record type their role may not read) becomes a placeholder that keeps the shape of the
answer and nothing else: no uid, name, stage or amount; its text is ``NOT_VISIBLE``.
Figures count only what the reader may see. A reader of unknown scope
(``Scope.nobody()``) sees nothing: the rules fail closed.

Each check is one query per node type, whatever the number of records asked about, and
none at all for a reader who sees every record of that type. (When graph/ becomes packages,
this module is ``graph/records/visibility.py``.)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import replace
from typing import Any

from graph.model import nodes  # noqa: F401  (declares the node types in REGISTRY)
from graph.model.base import REGISTRY, NodeModel
from graph.model.records import Record, Ref
from graph.records.filters import Condition, apply_filters, compile_filters
from graph.records.history import ChangeEntry
from graph.security.masking import mask_record
from graph.security.scope import Scope, scope_conditions
from graph.store.protocol import GraphStore
from graph.store.statements import Statement
from graph.store.templates import render

# What a reader sees in place of a record they may not see (the web layer translates it).
NOT_VISIBLE = "Not visible to you"


def scoped(
    store: GraphStore, template: str, model: type[NodeModel], scope: Scope, **names: str
) -> tuple[Statement, dict[str, Any]]:
    """The node template ``template`` rendered for ``model`` and limited (in its
    ``WHERE true`` line) to the nodes ``scope`` may see, with the parameters that takes.

    The template's own anchor (usually ``$uids``) stays the start of the match: the
    row-level rules become predicates, as for reading one record.
    """
    statement = render(store.cypher.get(template), Label=model.label, **names)
    anchor, predicates, params = compile_filters(
        model.meta, scope_conditions(model, scope), anchor_allowed=False
    )
    return apply_filters(statement, anchor, predicates, params), params


def visible_uids(store: GraphStore, label: str, uids: Iterable[str], scope: Scope) -> set[str]:
    """The uids among ``uids`` of ``label`` nodes that ``scope`` may see (an unknown label,
    or a node that does not exist, is not visible)."""
    wanted = sorted({uid for uid in uids if uid})
    model = REGISTRY.get(label)
    if not wanted or model is None or not scope.may_read(model):
        return set()
    if not scope.limits(model):
        return set(wanted)
    statement, params = scoped(store, "node_list_titles", model, scope, prop=model.meta.title)
    return {row["uid"] for row in store.read(statement, uids=wanted, **params)}


def placeholder(label: str, text: str = NOT_VISIBLE) -> Ref:
    """A reference standing for a ``label`` node the reader may not see."""
    return Ref(label, "", text, hidden=True)


def hide_related(
    store: GraphStore, records: list[Record], scope: Scope, text: str = NOT_VISIBLE
) -> list[Record]:
    """``records`` (in place) with every relation to a node ``scope`` may not see replaced
    by a placeholder titled ``text`` (one query per related node type that needs one)."""
    if not records:
        return records
    rels = records[0].model.meta.rels
    wanted: dict[str, set[str]] = {}
    for record in records:
        for rel in rels:
            wanted.setdefault(rel.target, set()).update(_uids(getattr(record, rel.name, None)))
    seen = {label: visible_uids(store, label, uids, scope) for label, uids in wanted.items()}
    for record in records:
        for rel in rels:
            value = getattr(record, rel.name, None)
            shown = seen.get(rel.target, set())
            if rel.many:
                setattr(record, rel.name, [_shown(ref, shown, text) for ref in value or []])
            elif value is not None:
                setattr(record, rel.name, _shown(value, shown, text))
    return records


def as_seen(
    store: GraphStore, records: list[Record], scope: Scope, text: str = NOT_VISIBLE
) -> list[Record]:
    """``records`` (in place) as ``scope`` may see them: personal data masked unless the
    reader has the personal-data permission, and related records they may not see as
    placeholders titled ``text``. Lists, record pages, REST and exports all present records
    through here, so an export shows exactly what the list does."""
    if not scope.pii:
        for record in records:
            mask_record(record)
    return hide_related(store, records, scope, text)


def hidden_links(store: GraphStore, record: Record, scope: Scope) -> dict[str, list[Ref]]:
    """The relations of ``record`` (as stored) to nodes ``scope`` may not see, by field:
    what an edit by that reader keeps, since they can neither see nor choose them."""
    hidden: dict[str, list[Ref]] = {}
    for rel in record.model.meta.rels:
        value = getattr(record, rel.name, None)
        refs = [r for r in (value if rel.many else [value]) or [] if isinstance(r, Ref)]
        shown = visible_uids(store, rel.target, _uids(refs), scope) if refs else set()
        unseen = [ref for ref in refs if ref.uid not in shown]
        if unseen:
            hidden[rel.name] = unseen
    return hidden


def hide_in_history(
    store: GraphStore,
    model: type[NodeModel],
    entries: list[ChangeEntry],
    scope: Scope,
    text: str = NOT_VISIBLE,
) -> list[ChangeEntry]:
    """History entries of a ``model`` node with each related record's title that ``scope``
    may not see replaced by ``text``.

    Entries keep the titles of related records as they were written, not their uids, so
    a title is shown only if a record ``scope`` may see has it now (a renamed or deleted
    one becomes the placeholder too: the rule fails closed).
    """
    limited = {
        rel.name: REGISTRY[rel.target]
        for rel in model.meta.rels
        if scope.limits(REGISTRY[rel.target])
    }
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        for change in entry.changes:
            if change.field in limited:
                titles = {v for v in (change.old, change.new) if isinstance(v, str) and v}
                wanted.setdefault(limited[change.field].label, set()).update(titles)
    seen = {label: _visible_titles(store, label, titles, scope) for label, titles in wanted.items()}

    def shown(field: str, value: Any) -> Any:
        if field not in limited or value in (None, ""):
            return value
        return value if value in seen.get(limited[field].label, set()) else text

    return [
        replace(
            entry,
            changes=tuple(
                replace(c, old=shown(c.field, c.old), new=shown(c.field, c.new))
                for c in entry.changes
            ),
        )
        for entry in entries
    ]


def _visible_titles(store: GraphStore, label: str, titles: set[str], scope: Scope) -> set[str]:
    model = REGISTRY[label]
    if not titles or not scope.may_read(model):
        return set()
    conditions = [
        *scope_conditions(model, scope),
        Condition(model.meta.title, "in", sorted(titles)),
    ]
    anchor, predicates, params = compile_filters(model.meta, conditions)
    template = render(
        store.cypher.get("node_list_title_values"), Label=model.label, prop=model.meta.title
    )
    statement = apply_filters(template, anchor, predicates, params)
    return {row["title"] for row in store.read(statement, **params)}


def count_visible(store: GraphStore, model: type[NodeModel], scope: Scope) -> int:
    """How many ``model`` records ``scope`` may see (a figure that reveals no more)."""
    if not scope.may_read(model):
        return 0
    anchor, predicates, params = compile_filters(model.meta, scope_conditions(model, scope))
    statement = apply_filters(
        render(store.cypher.get("node_count"), Label=model.label), anchor, predicates, params
    )
    return int(store.read(statement, **params)[0]["total"])


class AnonymousIds:
    """Ids for the nodes of one answer (a referral chain or tree, a network): the uid of a
    node the reader may see, ``anon-1``, ``anon-2``... for each other one, the same node
    keeping the same id within the answer, so the shape survives and nothing else."""

    def __init__(self, visible: Callable[[Hashable], bool]) -> None:
        self._visible = visible
        self._anonymous: dict[Hashable, str] = {}

    def of(self, key: Hashable, uid: str) -> str:
        """The id of the node ``key`` (whose uid is ``uid``) in this answer."""
        if self._visible(key):
            return uid
        if key not in self._anonymous:
            self._anonymous[key] = f"anon-{len(self._anonymous) + 1}"
        return self._anonymous[key]


def _uids(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [item.uid for item in items if isinstance(item, Ref) and item.uid]


def _shown(ref: Any, shown: set[str], text: str) -> Any:
    if not isinstance(ref, Ref) or ref.hidden or ref.uid in shown:
        return ref
    return placeholder(ref.label, text)
