"""The field kinds: one class per kind, registered by name, holding what differs by kind in
the graph layer (how a value is stored and read back, how it is validated, whether lists
may be sorted by it, what "the same value" means for a blind index, how personal data of
the kind is masked).

A ``Prop`` names its kind (``kind="phone"``); ``Prop.field_kind`` is the registered object.
The web layer's behaviours (form field, REST field, display, FAB's type probes) live in
``views.crud.kinds``, one class per kind registered under the same names.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

import phonenumbers
from marshmallow import fields

from graph.model.validation import (
    Email,
    Message,
    Number,
    Phone,
    Text,
    When,
    key_text,
    parse_phone,
    phone_text,
)

# How a date-time is stored: UTC, to the second, without an offset.
ISO_DATETIME = "%Y-%m-%dT%H:%M:%SZ"
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class FieldKind:
    """A string: stored as given, trimmed and folded by validation."""

    name: ClassVar[str] = "string"
    # Whether lists may be ordered by a property of this kind (never by encrypted ones).
    orderable: ClassVar[bool] = True
    # A point in time: may start as "now" (``Prop.default_now``).
    moment: ClassVar[bool] = False
    # How a segment rule compares a property of this kind (``graph.segments.rules``):
    # "text" (equals, any of), "number" (greater than), or None (not a rule field).
    rule_compare: ClassVar[str | None] = "text"
    # Personal data also found by its last four characters (a keyed index of the suffix).
    suffix_indexed: ClassVar[bool] = False

    def to_graph(self, value: Any) -> Any:
        """A non-blank, non-time Python value as stored."""
        return value

    def from_graph(self, value: Any) -> Any:
        """A stored, non-null value as Python."""
        return value

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        """The marshmallow field validating and normalising input (``common``: required,
        allow_none, validators and error messages shared by every kind)."""
        common["error_messages"]["invalid"] = Message("required")
        return Text(multiline=False, **common)

    def match_key(self, value: str, region: str) -> str:
        """The form of a value that its blind index covers, i.e. what "the same value"
        means: text trimmed, folded and case-folded."""
        return key_text(value).casefold()

    def mask(self, value: str) -> str:
        """Personal data as a reader without the personal-data permission sees it: the
        first character and ``***`` (``lina_wx`` -> ``l***``)."""
        return f"{value[0]}***" if value else value


class TextKind(FieldKind):
    """Long text: several lines; never a sort key."""

    name = "text"
    orderable = False
    rule_compare = None

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        common["error_messages"]["invalid"] = Message("required")
        return Text(multiline=True, **common)


class IntegerKind(FieldKind):
    """A whole number."""

    name = "integer"
    rule_compare = "number"

    def to_graph(self, value: Any) -> Any:
        return int(value)

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        common["error_messages"]["invalid"] = Message("integer")
        return fields.Integer(strict=False, **common)


class FloatKind(FieldKind):
    """A number (amounts, scores)."""

    name = "float"
    rule_compare = "number"

    def to_graph(self, value: Any) -> Any:
        return float(value)

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        common["error_messages"]["invalid"] = Message("number")
        return Number(allow_nan=False, **common)


class BooleanKind(FieldKind):
    """Yes or no."""

    name = "boolean"
    rule_compare = None

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        common["error_messages"]["invalid"] = Message("boolean")
        return fields.Boolean(**common)


class DateKind(FieldKind):
    """A day, stored as ``YYYY-MM-DD``."""

    name = "date"
    moment = True
    rule_compare = None

    def from_graph(self, value: Any) -> Any:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        return When(date_only=True, **common)


class DateTimeKind(FieldKind):
    """A moment, stored as an ISO-8601 UTC string without offset."""

    name = "datetime"
    moment = True
    rule_compare = None

    def from_graph(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return dt.datetime.strptime(value, ISO_DATETIME)
        except ValueError:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        return When(date_only=False, **common)


class PhoneKind(FieldKind):
    """A phone number, stored in E.164 (parsed in the deployment's default region), with
    RFC 3966's ``;ext=`` when it has an extension."""

    name = "phone"
    suffix_indexed = True
    rule_compare = None

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        return Phone(region=region, **common)

    def match_key(self, value: str, region: str) -> str:
        """E.164: ``138 1234 5678`` and ``+86 138-1234-5678`` are one number; an extension
        is part of it (``+862112345678;ext=8``)."""
        if _E164.match(value):
            return value  # stored values are E.164 already: skip cleaning and the slow parser
        text = key_text(value)
        number = parse_phone(text, region)
        if number is not None:
            return phone_text(number)
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return re.sub(r"[^0-9+]", "", text)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def mask(self, value: str) -> str:
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


class EmailKind(FieldKind):
    """An e-mail address, its domain lower-cased."""

    name = "email"
    rule_compare = None

    def schema_field(self, common: dict[str, Any], region: str) -> fields.Field:
        return Email(**common)

    def match_key(self, value: str, region: str) -> str:
        """Trimmed and lower-cased."""
        return key_text(value).lower()

    def mask(self, value: str) -> str:
        """``zhang@example.com`` -> ``z***@example.com``."""
        local, at, domain = value.rpartition("@")
        if not at or not local:
            return super().mask(value)
        return f"{local[0]}***@{domain}"


FIELD_KINDS: dict[str, FieldKind] = {}


def register(kind: FieldKind) -> FieldKind:
    """Add a kind under its name (a name registered twice is a programming error)."""
    if kind.name in FIELD_KINDS:
        raise ValueError(f"field kind {kind.name!r} is registered twice")
    FIELD_KINDS[kind.name] = kind
    return kind


for _kind in (
    FieldKind(),
    TextKind(),
    IntegerKind(),
    FloatKind(),
    BooleanKind(),
    DateKind(),
    DateTimeKind(),
    PhoneKind(),
    EmailKind(),
):
    register(_kind)
