"""Validation and normalisation of node values, built from the node declarations.

One marshmallow schema per node type serves forms (each field's validator), REST (422 with a
field map) and repositories' callers. Normalisation: text trimmed and full-width ASCII folded
to half-width; phone numbers parsed (default region configurable) and stored in E.164;
e-mails checked and lower-cased in the domain part; choices checked.

Messages are ``Message`` strings: English text that also carries its template and
parameters, so the web layer can show them in the user's language.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import phonenumbers
from marshmallow import Schema, ValidationError, fields, validate

from graph.model import NodeModel, Prop, Rel

# Every message a user can get from validation, as translatable templates.
MESSAGES = {
    "required": "This field is required.",
    "too_long": "At most {max} characters.",
    "choice": "Choose one of: {choices}.",
    "email": "Not a valid e-mail address.",
    "phone": "Not a valid phone number.",
    "integer": "Not a whole number.",
    "number": "Not a number.",
    "datetime": "Not a valid date and time.",
    "date": "Not a valid date.",
    "boolean": "Not a yes/no value.",
    "relation": "Not a valid reference.",
    "unknown": "Unknown field.",
    "version": "Send the version this edit is based on (the record's version when you read it).",
}


class Message(str):
    """A validation message: English text plus its template key and parameters."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Message:
        text = MESSAGES[key].format(**params)
        message = super().__new__(cls, text)
        message.key = key
        message.params = params
        return message


def fold_width(text: str) -> str:
    """Full-width ASCII (Ａ１＠) and the ideographic space become half-width (A1@ and ' ');
    control characters other than tab and newline are dropped (FalkorDB refuses NUL)."""
    return "".join(
        chr(ord(ch) - 0xFEE0) if 0xFF01 <= ord(ch) <= 0xFF5E else " " if ch == "\u3000" else ch
        for ch in text
        if ch in "\t\n" or ord(ch) >= 32
    )


def clean_text(value: Any) -> str:
    """Trimmed text with full-width ASCII folded; inner runs of spaces collapsed."""
    return " ".join(fold_width(str(value)).split())


class Text(fields.String):
    """A string field that trims, folds full-width ASCII and treats blank as missing."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.multiline:
            cleaned = fold_width(text).strip()
        else:
            cleaned = clean_text(text)
        return cleaned or None


class Phone(fields.String):
    """A phone number, stored in E.164 (+8613812345678)."""

    def __init__(self, *, region: str = "CN", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.region = region

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = clean_text(super()._deserialize(value, attr, data, **kwargs))
        if not text:
            return None
        try:
            number = phonenumbers.parse(text, self.region)
        except phonenumbers.NumberParseException:
            raise ValidationError(Message("phone")) from None
        if not phonenumbers.is_valid_number(number):
            raise ValidationError(Message("phone"))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Email(fields.String):
    """An e-mail address, trimmed, with a lower-case domain."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = clean_text(super()._deserialize(value, attr, data, **kwargs))
        if not text:
            return None
        try:
            validate.Email()(text)
        except ValidationError:
            raise ValidationError(Message("email")) from None
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"


class When(fields.Field):
    """A date-time: a ``datetime`` or an ISO 8601 string (naive means UTC)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(Message("datetime")) from None
        return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, dt.datetime) else value


class Reference(fields.Field):
    """A related node's uid (or a list of uids for a to-many relation)."""

    def __init__(self, *, many: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.many = many

    def _one(self, value: Any) -> str:
        uid = getattr(value, "uid", value)
        if not isinstance(uid, str) or not uid.strip() or len(uid) > 64:
            raise ValidationError(Message("relation"))
        return uid.strip()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if self.many:
            if value in (None, ""):
                return []
            if not isinstance(value, list | tuple):
                raise ValidationError(Message("relation"))
            return sorted({self._one(v) for v in value if v not in (None, "")})
        if value in (None, ""):
            return None
        return self._one(value)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if self.many:
            return [getattr(v, "uid", v) for v in value or []]
        return getattr(value, "uid", value)


def _unless_blank(check: Any) -> Any:
    """A validator that leaves blank values to the required check."""

    def run(value: Any) -> Any:
        return None if value is None else check(value)

    return run


def _field(prop: Prop, region: str) -> fields.Field:
    common: dict[str, Any] = {
        "required": prop.required,
        "allow_none": not prop.required,
        "error_messages": {"required": Message("required"), "null": Message("required")},
    }
    checks: list[Any] = []
    if prop.max_length:
        checks.append(
            validate.Length(max=prop.max_length, error=Message("too_long", max=prop.max_length))
        )
    if prop.choices:
        values = prop.choice_values()
        checks.append(validate.OneOf(values, error=Message("choice", choices=", ".join(values))))
    if checks:
        common["validate"] = [_unless_blank(check) for check in checks]
    kind = prop.kind
    if kind == "phone":
        return Phone(region=region, **common)
    if kind == "email":
        return Email(**common)
    if kind == "integer":
        common["error_messages"]["invalid"] = Message("integer")
        return fields.Integer(strict=False, **common)
    if kind == "float":
        common["error_messages"]["invalid"] = Message("number")
        return fields.Float(allow_nan=False, **common)
    if kind == "boolean":
        common["error_messages"]["invalid"] = Message("boolean")
        return fields.Boolean(**common)
    if kind in ("datetime", "date"):
        return When(**common)
    common["error_messages"]["invalid"] = Message("required")
    return Text(multiline=kind == "text", **common)


def _reference(rel: Rel) -> fields.Field:
    return Reference(
        many=rel.many,
        required=rel.required,
        allow_none=not rel.required,
        error_messages={"required": Message("required"), "null": Message("required")},
    )


class NodeSchema(Schema):
    """Base of the generated schemas: a required blank becomes 'This field is required.'"""

    class Meta:
        unknown = "raise"


@cache
def schema_class(model: type[NodeModel], region: str = "CN") -> type[NodeSchema]:
    """The marshmallow schema class for a node type (cached per model and phone region)."""
    declared: dict[str, fields.Field] = {}
    for prop in model.meta.props:
        if prop.editable:
            declared[prop.name] = _field(prop, region)
    for rel in model.meta.rels:
        if rel.editable:
            declared[rel.name] = _reference(rel)
    schema = NodeSchema.from_dict(declared, name=f"{model.label}Schema")
    return schema


def field_for(model: type[NodeModel], name: str, region: str = "CN") -> fields.Field:
    """The bound schema field ``name`` of a node type, for single-field validation."""
    return schema_class(model, region)().fields[name]


def validate_values(
    model: type[NodeModel], values: dict[str, Any], *, region: str = "CN", partial: bool = False
) -> dict[str, Any]:
    """Normalised values, or ``ValidationError`` whose ``messages`` map field -> messages.

    A required field that normalises to blank (e.g. only spaces) is reported as required.
    """
    data = schema_class(model, region)().load(values, partial=partial)
    missing = {
        name: [Message("required")]
        for name, item in model.meta.by_name.items()
        if item.required and name in data and data[name] in (None, [], "")
    }
    if missing:
        raise ValidationError(missing)
    return data
