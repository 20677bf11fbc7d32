"""Nodes as Python objects: what forms fill, lists show and repositories write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.model.base import NodeModel, Prop
from graph.model.kinds import FIELD_KINDS, ISO_DATETIME


@dataclass(frozen=True)
class Ref:
    """A related node: enough to link to it and to show it.

    A placeholder (``hidden``) stands for a node the reader may not see: it has no uid,
    and its title is the "not visible to you" text (see ``graph.records.visibility``).
    """

    label: str
    uid: str
    title: str = ""
    hidden: bool = False

    def __str__(self) -> str:
        return self.title or self.uid

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and (self.label, self.uid) == (other.label, other.uid)

    def __hash__(self) -> int:
        return hash((self.label, self.uid))


class Record:
    """One node of a declared type; properties and relation fields are attributes.

    Select widgets find the current value with ``==`` and label options with ``str()``,
    so equality is by label and uid and ``str`` is the node's title.
    """

    def __init__(self, model: type[NodeModel], values: dict[str, Any] | None = None) -> None:
        self.model = model
        self.uid: str | None = None
        self.version: int | None = None
        self.created_at: dt.datetime | None = None
        self.updated_at: dt.datetime | None = None
        for prop in model.meta.props:
            setattr(self, prop.name, prop.default)
        for rel in model.meta.rels:
            setattr(self, rel.name, [] if rel.many else None)
        for key, value in (values or {}).items():
            setattr(self, key, value)

    if TYPE_CHECKING:
        # Properties and relation fields are set from the declaration: any name, any value.
        def __getattr__(self, name: str) -> Any: ...

    @property
    def label(self) -> str:
        """The node label."""
        return self.model.label

    def ref(self) -> Ref:
        """A reference to this record."""
        return Ref(self.label, self.uid or "", str(self))

    def __str__(self) -> str:
        title = getattr(self, self.model.meta.title, None)
        return str(title) if title not in (None, "") else (self.uid or "")

    def __repr__(self) -> str:
        return f"<{self.label} {self.uid}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Ref):
            return (self.label, self.uid) == (other.label, other.uid)
        return isinstance(other, Record) and (self.label, self.uid) == (other.label, other.uid)

    def __hash__(self) -> int:
        return hash((self.label, self.uid))


def to_graph(prop: Prop | None, value: Any) -> Any:
    """A Python value as stored in the graph: ISO strings for times, None for blanks."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime(ISO_DATETIME)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value if prop is None else prop.field_kind.to_graph(value)


def from_graph(prop: Prop | None, value: Any) -> Any:
    """A stored value as Python: datetimes and dates parsed back from ISO strings."""
    if value is None:
        return None
    # System times (prop None: created_at, updated_at) are date-times.
    kind = prop.field_kind if prop is not None else FIELD_KINDS["datetime"]
    return kind.from_graph(value)


def record_from_row(model: type[NodeModel], node: dict[str, Any]) -> Record:
    """Build a record from a node's stored properties (relations are filled separately)."""
    meta = model.meta
    record = Record(model)
    for key, value in node.items():
        prop = meta.prop(key)
        if prop is not None:
            setattr(record, key, from_graph(prop, value))
    record.uid = node.get("uid")
    record.version = node.get("version")
    record.created_at = from_graph(None, node.get("created_at"))
    record.updated_at = from_graph(None, node.get("updated_at"))
    return record
