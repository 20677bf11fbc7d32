"""Validation and normalisation of node values, built from the node declarations.

One marshmallow schema per node type serves forms (each field's validator), REST (422 with a
field map) and repositories' callers. Normalisation: text trimmed and full-width ASCII folded
to half-width; phone numbers parsed (default region configurable) and stored in E.164;
e-mails checked and lower-cased in the domain part; choices checked.

Messages are ``Message`` strings: a message key and parameters, never text, so that the web
layer can say them in the user's language.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any, cast

import phonenumbers
from marshmallow import Schema, ValidationError, fields, validate

from graph.clock import utc_now
from graph.model.per_type import cache_per_type

if TYPE_CHECKING:
    from graph.model.base import NodeModel, Prop, Rel


class Message(str):
    """A validation message: its key (also its text, for logs) and parameters. The web
    layer's error table (``views/messages.py``) says it in the reader's language."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Message:
        message = super().__new__(cls, key)
        message.key = key
        message.params = params
        return message

    def format(self, *args: Any, **kwargs: Any) -> Message:
        """Itself: marshmallow's validators fill their error text in with the input, but a
        message's parameters are already set."""
        return self


# What the folds change: control characters, surrogates, full-width forms, ideographic space.
_FOLDED = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\uff01-\uff5e\u3000]")


def _kept(ch: str) -> bool:
    """Tab, newline and printable characters; not control characters (FalkorDB refuses NUL)
    nor lone surrogates (no encoding can carry them to the graph)."""
    code = ord(ch)
    return (code >= 32 or ch in "\t\n") and not 0xD800 <= code <= 0xDFFF


def _is_letter_or_digit(code: int) -> bool:
    """Full-width Latin letters and digits: Ａ-Ｚ, ａ-ｚ, ０-９."""
    return 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A


def fold_width(text: str) -> str:
    """Full-width Latin letters and digits (Ａ１) become half-width (A1) and the ideographic
    space a plain space; punctuation is kept as typed, so a registered name such as
    华为技术（北京）有限公司 keeps its full-width parentheses. Control characters other than
    tab and newline, and lone surrogates, are dropped."""
    if not _FOLDED.search(text):
        return text  # nothing to fold or drop (most text): skip the per-character pass
    return "".join(
        chr(ord(ch) - 0xFEE0) if _is_letter_or_digit(ord(ch)) else " " if ch == "\u3000" else ch
        for ch in text
        if _kept(ch)
    )


def fold_ascii(text: str) -> str:
    """Like ``fold_width``, but every full-width ASCII form (Ａ１＠（＋) becomes half-width:
    for values whose punctuation means nothing beyond ASCII (phones, e-mails) and for
    matching keys, never for text stored as typed."""
    if not _FOLDED.search(text):
        return text
    return "".join(
        chr(ord(ch) - 0xFEE0) if 0xFF01 <= ord(ch) <= 0xFF5E else " " if ch == "\u3000" else ch
        for ch in text
        if _kept(ch)
    )


def clean_text(value: Any) -> str:
    """Text as stored: trimmed, full-width letters and digits folded, inner runs of spaces
    collapsed; punctuation kept."""
    return " ".join(fold_width(str(value)).split())


def key_text(value: Any) -> str:
    """A matching key of text: like ``clean_text`` with all full-width ASCII folded, so
    （北京） and (北京) match."""
    return " ".join(fold_ascii(str(value)).split())


class Text(fields.String):
    """A string field that trims, folds full-width ASCII and treats blank as missing."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(  # type: ignore[override]  # blank input loads as None
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.multiline:
            cleaned = fold_width(text).strip()
        else:
            cleaned = clean_text(text)
        return cleaned or None


# What people put around a number: spaces and apostrophes grouping digits, currency signs
# and codes. Commas and dots are read by ``_separators``.
_NUMBER_NOISE = re.compile(r"[\s'’_]|[¥￥$€£]|RMB|CNY|USD|EUR|元", re.IGNORECASE)
_SIGNED = re.compile(r"([+-]?)([0-9][0-9.,]*)")


def parse_number_text(text: str) -> float:
    """A number as people write it: ``1,234.50``, ``1.234,50``, ``¥1 234``, ``(1,234)``
    (negative), ``12.5元``, full-width digits; ``ValueError`` if it is none, if its commas
    and dots could mean two numbers (``_separators``), or if it is not finite."""
    folded = fold_width(text).strip()
    negative = folded.startswith("(") and folded.endswith(")")
    body = _NUMBER_NOISE.sub("", folded.strip("()")).replace("，", ",")
    if "," in body or body.count(".") > 1:
        body = _separators(body)
    value = float(body)
    if not math.isfinite(value):
        raise ValueError("not finite")
    return -value if negative else value


def _separators(body: str) -> str:
    """``body`` (digits, commas and dots) with its thousands separators dropped and a dot
    as its decimal point; ``ValueError`` where that is not clear.

    The rule: with both commas and dots, the last one written is the decimal point and
    the other groups thousands (1,234.50 and 1.234,50 are both 1234.5). Several of one
    kind group thousands (1,234,567 and 1.234.567). One comma followed by exactly three
    digits groups thousands (1,234 is 1234); followed by one or two it is a decimal comma
    (1,5 is 1.5, 12,50 is 12.5). One dot alone is the decimal point (1.234 is 1.234, as
    Python and a Chinese reader read it; it never reaches here). Groups of thousands must
    be whole, 1 to 3 digits then threes: 1,2,3, 1234,567 and 1,2345 are refused rather
    than guessed at."""
    signed = _SIGNED.fullmatch(body)
    if signed is None:
        raise ValueError(f"not a number: {body!r}")
    sign, digits = signed.groups()
    if "," in digits and "." in digits:
        point = "," if digits.rfind(",") > digits.rfind(".") else "."
        whole, _, fraction = digits.rpartition(point)
        if point in whole or not fraction:
            raise ValueError(f"two decimal points or none: {body!r}")
        return f"{sign}{_thousands(whole, '.' if point == ',' else ',')}.{fraction}"
    separator = "," if "," in digits else "."
    whole, _, fraction = digits.partition(separator)
    if separator in fraction or len(fraction) == 3:
        return sign + _thousands(digits, separator)
    if separator == "," and 1 <= len(fraction) <= 2:
        return f"{sign}{whole}.{fraction}"
    raise ValueError(f"unclear separators: {body!r}")


def _thousands(text: str, separator: str) -> str:
    """``text``'s digits, if ``separator`` groups them by thousands (1 to 3, then threes)."""
    groups = text.split(separator)
    if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        raise ValueError(f"not grouped by thousands: {text!r}")
    return "".join(groups)


class Number(fields.Float):
    """A number that also accepts text as people type it (``128,000.50``, ``¥1 234``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            try:
                value = parse_number_text(value)
            except ValueError:
                raise self.make_error("invalid") from None
        return super()._deserialize(value, attr, data, **kwargs)


class Phone(fields.String):
    """A phone number, stored in E.164 (+8613812345678)."""

    def __init__(self, *, region: str = "CN", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.region = region

    def _deserialize(  # type: ignore[override]  # blank input loads as None
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str | None:
        text = key_text(super()._deserialize(value, attr, data, **kwargs))
        if not text:
            return None
        number = parse_phone(text, self.region)
        if number is None:
            raise ValidationError(Message("phone"))
        return phone_text(number)


# How people write an extension after a number: 转, 分机 (号) and 转分机 in Chinese; ext,
# ext., x and # are the phonenumbers parser's own.
_EXTENSION_WORDS = re.compile(r"\s*(?:转分机|分机号?|转)\s*")
# A number, a dash and up to six digits: a mainland extension written the short way
# (021-12345678-808), taken as one when the digits before the dash are a number alone.
_DASH_EXTENSION = re.compile(r"^(.*[0-9)])\s*-\s*([0-9]{1,6})$")


def parse_phone(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """A valid phone number from ``text`` as people type it (folded already, see
    ``key_text``), in ``region`` unless it says its country; its extension kept (``转 8``,
    ``分机 8``, ``ext. 8``, ``x8``, ``#8``, ``;ext=8``, and ``021-12345678-8`` when
    ``021-12345678`` is a valid number alone). None when it is not a valid number."""
    spoken = _EXTENSION_WORDS.sub(" ext ", text)
    try:
        number = phonenumbers.parse(spoken, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return number
    dashed = _DASH_EXTENSION.match(spoken)
    if dashed is None:
        return None
    head = parse_phone(dashed.group(1), region)
    if head is None or head.extension:
        return None
    head.extension = dashed.group(2)
    return head


def phone_text(number: phonenumbers.PhoneNumber) -> str:
    """A number as stored: E.164 (``+862112345678``), with RFC 3966's extension parameter
    when it has one (``+862112345678;ext=8``)."""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164


class Email(fields.String):
    """An e-mail address, trimmed, with a lower-case domain."""

    def _deserialize(  # type: ignore[override]  # blank input loads as None
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str | None:
        text = key_text(super()._deserialize(value, attr, data, **kwargs))
        if not text:
            return None
        try:
            validate.Email()(text)
        except ValidationError:
            raise ValidationError(Message("email")) from None
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"


# Dates as people type them: 2024-05-20, 2024/5/20, 2024.5.20, 2024年5月20日, each with an
# optional time 10:30, 10:30:15 or 10时30分 (full-width digits and colons are folded first).
_TYPED_WHEN = re.compile(
    r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<hour>\d{1,2})\s*[:时点]\s*(?P<minute>\d{1,2})\s*分?"
    r"(?:\s*:?\s*(?P<second>\d{1,2})(?:\.\d{1,6})?\s*秒?)?)?"
)
# Longer input is not a date; the cap keeps hostile input cheap.
MAX_WHEN_LENGTH = 64
# A CRM's dates; outside this range a typed year is a typo (and years below 1000 do not
# round-trip through ISO strings).
MIN_YEAR, MAX_YEAR = 1900, 2999


def parse_when(text: str, zone: dt.tzinfo | None = None) -> dt.datetime:
    """A naive date-time from text as people type it, or ``ValueError``.

    Accepts a date alone (midnight), a date with minutes or seconds, ``2024/5/20``,
    ``2024年5月20日 10:30`` and ISO 8601; an offset (``+08:00``, ``Z``) is converted to UTC.
    A time without an offset is kept as typed, or, given ``zone``, read as a time there
    and converted to UTC (forms speak the business time zone).
    """
    folded = fold_ascii(text).strip()
    if not folded or len(folded) > MAX_WHEN_LENGTH:
        raise ValueError("not a date")
    match = _TYPED_WHEN.fullmatch(folded)
    if match:
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
        parsed = dt.datetime(
            parts["year"],
            parts["month"],
            parts["day"],
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
        )
    else:
        parsed = dt.datetime.fromisoformat(folded.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None and zone is not None:
        parsed = parsed.replace(tzinfo=zone)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"year {parsed.year} is out of range")
    return parsed.replace(microsecond=0)


def current_minute(now: dt.datetime | None = None) -> dt.datetime:
    """``now`` (default: the current time) as a naive UTC value to the minute: what a
    "now" default holds, since people log times to the minute."""
    moment = now or utc_now()
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(second=0, microsecond=0)


class When(fields.Field):
    """A date-time (or a date, with ``date_only``): a ``datetime``, ``date`` or text that
    ``parse_when`` reads. Naive values are kept as given; offsets are converted to UTC."""

    def __init__(self, *, date_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.date_only = date_only

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dt.datetime):
            parsed = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        elif isinstance(value, dt.date):
            parsed = dt.datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                parsed = parse_when(value)
            except (ValueError, OverflowError):
                raise ValidationError(Message("date" if self.date_only else "datetime")) from None
        else:
            raise ValidationError(Message("date" if self.date_only else "datetime"))
        return parsed.date() if self.date_only else parsed

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
    return prop.field_kind.schema_field(common, region)


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


@cache_per_type
def schema_class(model: type[NodeModel], region: str = "CN") -> type[NodeSchema]:
    """The marshmallow schema class for a node type (cached per model and phone region)."""
    declared: dict[str, fields.Field] = {}
    for prop in model.meta.props:
        if prop.editable:
            declared[prop.name] = _field(prop, region)
    for rel in model.meta.rels:
        if rel.editable:
            declared[rel.name] = _reference(rel)
    return cast(type[NodeSchema], NodeSchema.from_dict(declared, name=f"{model.label}Schema"))


def field_for(model: type[NodeModel], name: str, region: str = "CN") -> fields.Field:
    """The bound schema field ``name`` of a node type, for single-field validation."""
    return schema_class(model, region)().fields[name]


def validate_values(
    model: type[NodeModel],
    values: dict[str, Any],
    *,
    region: str = "CN",
    partial: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Normalised values, or ``ValidationError`` whose ``messages`` map field -> messages.

    A required field that normalises to blank (e.g. only spaces) is reported as required.
    A whole (not ``partial``) record without a ``default_now`` property gets ``now`` (UTC,
    to the second) there; one that sends it blank is told it is required.
    """
    if not partial:
        values = dict(values)
        for prop in model.meta.props:
            if prop.default_now and prop.editable and prop.name not in values:
                values[prop.name] = current_minute(now)
    data = schema_class(model, region)().load(values, partial=partial)
    missing = {
        name: [Message("required")]
        for name, item in model.meta.by_name.items()
        if item.required and name in data and data[name] in (None, [], "")
    }
    if missing:
        raise ValidationError(missing)
    return data
