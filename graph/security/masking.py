"""Masked personal data, for readers without the personal-data permission.

``138****5678`` keeps a phone's first three and last four national digits,
``z***@example.com`` an e-mail's first letter and domain, ``z***`` other text's first
character: enough to tell records apart on a call, not enough to contact anyone.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from graph.model.base import Prop
from graph.model.records import Record


def mask_phone(value: str) -> str:
    """``+8613812345678`` -> ``138****5678`` (first 3 and last 4 national digits kept)."""
    digits = re.sub(r"\D", "", value)
    try:
        digits = str(phonenumbers.parse(value, None).national_number)
    except phonenumbers.NumberParseException:
        pass  # not in international form: mask the digits as written
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "****"


def mask_email(value: str) -> str:
    """``zhang@example.com`` -> ``z***@example.com``."""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return mask_text(value)
    return f"{local[0]}***@{domain}"


def mask_text(value: str) -> str:
    """Other personal text (a WeChat id, an ID number): first character and ``***``."""
    return f"{value[0]}***" if value else value


def mask_value(prop: Prop, value: Any) -> Any:
    """A property's value as a reader without the personal-data permission sees it."""
    if not prop.pii or value is None or value == "":
        return value
    text = str(value)
    if prop.kind == "phone":
        return mask_phone(text)
    if prop.kind == "email":
        return mask_email(text)
    return mask_text(text)


def mask_record(record: Record) -> Record:
    """Mask the personal-data properties of ``record`` in place; returns it."""
    for prop in record.model.meta.props:
        if prop.pii:
            setattr(record, prop.name, mask_value(prop, getattr(record, prop.name, None)))
    return record
