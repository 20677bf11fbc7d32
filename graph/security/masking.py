"""Masked personal data, for readers without the personal-data permission.

Each field kind masks its own values (``FieldKind.mask`` in ``graph.model.kinds``):
``138****5678`` keeps a phone's first three and last four national digits,
``z***@example.com`` an e-mail's first letter and domain, ``z***`` other text's first
character: enough to tell records apart on a call, not enough to contact anyone.
"""

from __future__ import annotations

from typing import Any

from graph.model.base import Prop
from graph.model.records import Record


def mask_value(prop: Prop, value: Any) -> Any:
    """A property's value as a reader without the personal-data permission sees it."""
    if not prop.pii or value is None or value == "":
        return value
    return prop.field_kind.mask(str(value))


def mask_record(record: Record) -> Record:
    """Mask the personal-data properties of ``record`` in place; returns it."""
    for prop in record.model.meta.props:
        if prop.pii:
            setattr(record, prop.name, mask_value(prop, getattr(record, prop.name, None)))
    return record
