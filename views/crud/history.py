"""A record's change history as a person reads it: related records by name, choices by
their label in the reader's language, times in the business time zone, numbers and phones
as their field kinds show them (``views.crud.kinds``), "—" for nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.model.base import NodeModel, model_for
from graph.records.history import ChangeEntry
from graph.security.scope import scope_conditions
from views.crud import kinds
from views.crud.interface import GraphInterface
from views.labels import choice_label
from views.scope import current_repository

NOTHING = "—"
SEPARATOR = ", "  # how a history entry joins the titles of a many-valued relation


@dataclass(frozen=True)
class ShownChange:
    """One field's change, both values as text for the reader."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ShownEntry:
    """A history entry with its changes as text for the reader."""

    entry: ChangeEntry
    changes: tuple[ShownChange, ...]


def readable_history(datamodel: GraphInterface, uid: str) -> list[ShownEntry]:
    """The history of record ``uid`` (masked as the reader must see it), ready to show.

    Relation values are stored as the titles of the records linked at the time; entries
    written before that was so hold uids there, which are shown by the titles of the
    records the reader may see (one read per related type)."""
    model = datamodel.model
    entries = datamodel.history(uid)
    titles = _titles_of_uids(model, entries, datamodel)
    return [
        ShownEntry(
            entry,
            tuple(
                ShownChange(
                    c.field,
                    shown_value(model, c.field, c.old, titles),
                    shown_value(model, c.field, c.new, titles),
                )
                for c in entry.changes
            ),
        )
        for entry in entries
    ]


def shown_value(
    model: type[NodeModel], field: str, value: Any, titles: dict[str, dict[str, str]]
) -> str:
    """One stored history value as text for the reader."""
    if value is None or value == "" or value == []:
        return NOTHING
    rel = model.meta.rel(field)
    if rel is not None:
        known = titles.get(rel.target, {})
        return SEPARATOR.join(known.get(token, token) for token in str(value).split(SEPARATOR))
    prop = model.meta.prop(field)
    if prop is not None and prop.choices:
        return choice_label(prop.choices, value)
    return kinds.shown_value(prop, value)


def _titles_of_uids(
    model: type[NodeModel], entries: list[ChangeEntry], datamodel: GraphInterface
) -> dict[str, dict[str, str]]:
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        for change in entry.changes:
            rel = model.meta.rel(change.field)
            if rel is None:
                continue
            for value in (change.old, change.new):
                if value:
                    wanted.setdefault(rel.target, set()).update(str(value).split(SEPARATOR))
    scope = datamodel.scope()
    found = {}
    for label, tokens in wanted.items():
        target = model_for(label)
        repository = current_repository(target)
        found[label] = repository.titles(sorted(tokens), scope_conditions(target, scope))
    return found
