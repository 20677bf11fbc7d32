"""Cleaning one source row into values a record can hold, with per-cell errors.

Reuses the model's normalisers (``graph.model.validation``): text trimmed and full-width
letters and digits folded (CJK punctuation kept), phones to E.164 in the default region,
e-mails checked with a lower-case domain, dates as people type them, a time without an
offset in the business time zone (as the forms read it). Adds what spreadsheets bring:
workbook dates and Excel serial dates (local times too), numbers with thousands
separators and currency symbols, choices written as labels or synonyms (意向客户 →
intent), tags split on ``; , 、 |``, and the apostrophe the exporter puts before a cell
that looks like a formula (``'+8613812345678``). Relation cells stay text (names or
uids): the writer looks them up per batch.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import phonenumbers
from marshmallow import ValidationError

from graph.io.imports.mapping import Mapping
from graph.io.imports.readers import Cell, SourceRow, UnreadRow, WideRow
from graph.io.imports.targets import (
    CONTACT_PREFIX,
    FIRST_NAME,
    LAST_NAME,
    UID,
    VERSION,
    ImportType,
    Target,
    choice_words,
    value_key,
)
from graph.model.base import Prop
from graph.model.records import to_graph
from graph.model.validation import (
    Message,
    clean_text,
    field_for,
    fold_width,
    parse_number_text,
    parse_when,
)

TAG_SEPARATORS = re.compile(r"[;,、|；，｜]")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MAX_EXCEL_SERIAL = 2958465  # 9999-12-31
_FORMULA_GUARD = re.compile(r"^'[=+\-@]")
# A mainland mobile number, which needs no slow parse when the default region is CN (only
# the number plan's check, as the parse would make).
_CN_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9][0-9]{9})$")
# A mainland fixed line as written at home (trunk 0, area code, number): checked against
# the number plan without the slow parse, which only confirms it.
_CN_FIXED = re.compile(r"^0([1-9][0-9]{8,10})$")
_PHONE_NOISE = re.compile(r"[\s\-()（）.]")


@dataclass(frozen=True)
class RowError:
    """A problem with one cell (``column`` = its header; "" for the row as a whole)."""

    line: int
    column: str
    message: Message


@dataclass
class CleanRow:
    """One source row as the writer needs it.

    ``values``: target name -> stored value (properties) or text list (relations: names or
    uids to look up); ``errors``: what stops it being written."""

    line: int
    cells: tuple[Cell, ...]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


Convert = Callable[[Cell], Any]


def cell_text(cell: Cell) -> str:
    """A cell as text: whole floats without ``.0``, times ISO, the exporter's formula guard
    removed."""
    if cell.__class__ is str:  # every CSV cell: the checks below are for workbook values
        return cell[1:] if cell[:1] == "'" and _FORMULA_GUARD.match(cell) else cell
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime | dt.date):
        return cell.isoformat()
    text = str(cell)
    return text[1:] if _FORMULA_GUARD.match(text) else text


def parse_number(cell: Cell) -> float:
    """A number from a cell: 1,234.50 / ¥1 234 / (1,234) / 12.5元; ``ValueError`` else."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if isinstance(cell, float) and not math.isfinite(cell):
            raise ValueError("not finite")
        return float(cell)
    return parse_number_text(cell_text(cell))


def parse_moment(cell: Cell, zone: dt.tzinfo | None = None) -> dt.datetime:
    """A naive UTC date-time from a cell: a workbook date, an Excel serial number (45432 or
    45432.5), or text such as 2024/5/20, 2024-05-20, 2024年5月20日 10:30.

    A time that says no offset (every workbook date and serial number, text without one)
    is read in ``zone`` when given, as the forms read it in the business time zone: a
    spreadsheet holds local times (the XLSX export writes times in that zone). An offset
    in the text is converted to UTC; without ``zone`` a time is kept as written."""
    if isinstance(cell, dt.datetime):
        moment = cell.replace(microsecond=0)
    elif isinstance(cell, dt.date):
        moment = dt.datetime(cell.year, cell.month, cell.day)
    else:
        serial: float | None = None
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            serial = float(cell)
        elif re.fullmatch(r"\d{5}(\.\d+)?", cell_text(cell).strip()):
            serial = float(cell_text(cell))
        if serial is None:
            return parse_when(cell_text(cell), zone)
        if not 1 <= serial <= MAX_EXCEL_SERIAL:
            raise ValueError("not an Excel date")
        moment = (EXCEL_EPOCH + dt.timedelta(days=serial)).replace(microsecond=0)
    if moment.tzinfo is None and zone is not None:
        moment = moment.replace(tzinfo=zone)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def read_version(cell: Cell) -> int:
    """A record's version as an export wrote it (``4``; a workbook's ``4.0``)."""
    try:
        value = parse_number(cell)
    except ValueError:
        raise ValidationError(Message("integer")) from None
    if not value.is_integer():
        raise ValidationError(Message("integer"))
    return int(value)


def split_tags(cell: Cell) -> list[str]:
    """Tag names from one cell: ``VIP;重点`` -> [VIP, 重点] (also , 、 | and full-width)."""
    names = (clean_text(part) for part in TAG_SEPARATORS.split(cell_text(cell)))
    return list(dict.fromkeys(n for n in names if n))


class RowCleaner:
    """Cleans rows of one file for one mapping, with the default phone ``region`` and the
    business time ``zone`` (None: times without an offset kept as written); built once,
    used for every row.

    Each column's converter is chosen once. A column's text cells and what they clean to
    are remembered (up to ``CACHE_CELLS`` distinct cells): regions, industries, stages and
    titles repeat over a million rows, and a converter is a function of the cell alone. A
    column whose cells are nearly all different (names, phones) stops remembering once
    its cache fills within ``2 * CACHE_CELLS`` rows. Cells that fail are not remembered
    (each failure gets its own message), nor are list values (tags)."""

    def __init__(
        self,
        kind: ImportType,
        mapping: Mapping,
        headers: list[str],
        region: str,
        zone: dt.tzinfo | None = None,
    ) -> None:
        self.kind = kind
        self.region = region
        self.zone = zone
        self.plan: list[tuple[int, str, Target, Convert]] = []
        for position, header in enumerate(headers):
            name = mapping.columns.get(header)
            target = kind.target(name) if name else None
            if target is not None:
                self.plan.append((position, header, target, self._converter(target, mapping)))
        self.mapped = {target.name for _, _, target, _ in self.plan}
        self._width = max((position + 1 for position, *_ in self.plan), default=0)
        self._columns: list[_Column] = [
            (position, header, target.name, convert, None if _lists(target) else {})
            for position, header, target, convert in self.plan
        ]
        self._person = FIRST_NAME in self.mapped or LAST_NAME in self.mapped
        self._contact_targets = frozenset(n for n in self.mapped if n.startswith(CONTACT_PREFIX))
        self._rows = 0

    def clean(self, row: SourceRow) -> CleanRow:
        """``row`` cleaned: values by target and errors naming line and column."""
        line, cells = row.line, row.cells
        if row.__class__ is UnreadRow:
            return CleanRow(line, cells, errors=[RowError(line, "", Message("unclosed_quote"))])
        if row.__class__ is WideRow:
            return CleanRow(line, cells, errors=[RowError(line, "", Message("too_many_cells"))])
        if len(cells) < self._width:
            cells = tuple(cells) + ("",) * (self._width - len(cells))
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        full = False
        for position, header, name, convert, cache in self._columns:
            cell = cells[position]
            if cache is not None and cell.__class__ is str:
                value = cache.get(cell, _MISS)
                if value is _MISS:
                    if not cell.strip():
                        value = None
                    else:
                        try:
                            value = convert(cell)
                        except ValidationError as exc:
                            errors.append(RowError(line, header, _message(exc)))
                            continue
                    if len(cache) < CACHE_CELLS:
                        cache[cell] = value
                        full = full or len(cache) == CACHE_CELLS
                if value is not None and name not in values:  # never a list: not cached
                    values[name] = value
                continue
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            try:
                value = convert(cell)
            except ValidationError as exc:
                errors.append(RowError(line, header, _message(exc)))
                continue
            if value is not None and value != [] and name not in values:
                values[name] = value
        self._rows += 1
        if full:
            self._settle_caches()
        result = CleanRow(line, row.cells, values, errors)
        if self._person:
            self._person_name(result)
        self._required(result)
        return result

    def _settle_caches(self) -> None:
        """A cache that has just filled stays as it is when its column repeats (filled
        slowly), and is dropped when it hardly does (filled within twice its size in rows)."""
        for index, (position, header, name, convert, cache) in enumerate(self._columns):
            if cache is not None and len(cache) >= CACHE_CELLS and self._rows < 2 * CACHE_CELLS:
                self._columns[index] = (position, header, name, convert, None)

    # -- per target -----------------------------------------------------------------------

    def _converter(self, target: Target, mapping: Mapping) -> Convert:
        if target.name == VERSION:
            return read_version
        if target.name == UID or not target.field:  # the ID and virtual targets: text
            return lambda cell: clean_text(cell_text(cell)) or None
        rel = target.rel
        if rel is not None:
            if rel.many:
                return split_tags
            return lambda cell: clean_text(cell_text(cell)) or None
        prop = target.prop
        assert prop is not None
        if prop.choices:
            words = choice_words(target.model, prop)
            own = {value_key(k): v for k, v in mapping.values.get(target.name, {}).items()}
            # Said as the reader knows them: the labels, in their language (views say a
            # ``_zh`` parameter in Chinese), not the codes.
            allowed = {
                "choices": ", ".join(c.en for c in prop.choices),
                "choices_zh": "、".join(c.zh for c in prop.choices),
            }

            def choice(cell: Cell) -> str:
                key = value_key(cell_text(cell))
                code = own.get(key) or words.get(key)
                if code is None:
                    raise ValidationError(Message("choice", **allowed))
                return code

            return choice
        reader = CELL_READERS.get(prop.kind, _schema_reader)
        return reader(target, prop, self.region, self.zone)

    def _person_name(self, result: CleanRow) -> None:
        first = result.values.pop(FIRST_NAME, None)
        last = result.values.pop(LAST_NAME, None)
        if "name" in result.values or not (first or last):
            return
        parts = [p for p in (first, last) if p]
        cjk = any(re.search(r"[\u4e00-\u9fff]", p) for p in parts)
        # Chinese names read family name first, without a space: 张 + 伟 -> 张伟.
        result.values["name"] = "".join([last or "", first or ""]) if cjk else " ".join(parts)

    @cached_property
    def _required_targets(self) -> tuple[Target, ...]:
        """The targets a row must fill (those with a default are filled in by the writer)."""
        required = []
        for target in self.kind.targets:
            item = target.prop or target.rel
            if not (target.required or (item is not None and item.required)):
                continue
            if target.prop is not None and (
                target.prop.default is not None or target.prop.default_now
            ):
                continue
            required.append(target)
        return tuple(required)

    @cached_property
    def _required_checks(self) -> tuple[tuple[Target, bool, tuple[str, ...]], ...]:
        """Per required target: whether it is a contact's, and the headers mapped to it."""
        return tuple(
            (target, target.name.startswith(CONTACT_PREFIX), tuple(self._headers(target)))
            for target in self._required_targets
        )

    def _required(self, result: CleanRow) -> None:
        values = result.values
        has_contact: bool | None = None  # looked at once, when a contact target is missing
        for target, of_contact, headers in self._required_checks:
            if target.name in values:
                continue
            if of_contact:
                if has_contact is None:  # a value of a contact's target (all are mapped)
                    has_contact = not self._contact_targets.isdisjoint(values)
                if not has_contact:
                    continue  # no contact on this row
            if any(e.column == header for e in result.errors for header in headers):
                continue  # already reported as invalid
            column = headers[0] if headers else ""
            result.errors.append(
                RowError(
                    result.line,
                    column,
                    Message("required_column", field=target.en, field_zh=target.zh)
                    if not column
                    else Message("required"),
                )
            )

    def _headers(self, target: Target) -> list[str]:
        return [header for _, header, t, _ in self.plan if t.name == target.name]


# A column as ``RowCleaner.clean`` walks it: position, header, target name, converter, and
# its cache of cleaned cells (None: not cached).
_Column = tuple[int, str, str, Convert, dict[str, Any] | None]
CACHE_CELLS = 4096
_MISS = object()


def _lists(target: Target) -> bool:
    """Whether a target's values are lists (tags), which a cache must not share."""
    return target.rel is not None and target.rel.many


def _message(exc: ValidationError) -> Message:
    messages = exc.messages
    first = messages[0] if isinstance(messages, list) and messages else messages
    return first if isinstance(first, Message) else Message("invalid_value")


# -- readers of a cell, per field kind (kinds not named here go through the form's schema) --

# A reader gets the target, its property, the default phone region and the business time
# zone (None: times without an offset are kept as written).
Reader = Callable[[Target, Prop, str, dt.tzinfo | None], Convert]


def _too_long(value: Any, limit: int | None) -> Any:
    if limit and isinstance(value, str) and len(value) > limit:
        raise ValidationError(Message("too_long", max=limit))
    return value


def _moment_reader(date_only: bool) -> Reader:
    """Dates and times as the forms read them: a date-time without an offset in the
    business time zone, a date as written (it names a day, not a moment)."""

    def reader(target: Target, prop: Prop, region: str, zone: dt.tzinfo | None) -> Convert:
        at = None if date_only else zone

        def moment(cell: Cell) -> Any:
            try:
                parsed = parse_moment(cell, at)
            except (ValueError, OverflowError):
                raise ValidationError(Message("date" if date_only else "datetime")) from None
            return to_graph(prop, parsed.date() if date_only else parsed)

        return moment

    return reader


def _number_reader(whole: bool) -> Reader:
    def reader(target: Target, prop: Prop, region: str, zone: dt.tzinfo | None) -> Convert:
        def number(cell: Cell) -> Any:
            try:
                value = parse_number(cell)
            except ValueError:
                raise ValidationError(Message("number")) from None
            if whole:
                if not value.is_integer():
                    raise ValidationError(Message("integer"))
                return int(value)
            return value

        return number

    return reader


def _text_reader(multiline: bool) -> Reader:
    """What the schema's Text field does (``graph.model.validation.Text``), without
    marshmallow's per-value overhead: a million rows pass through here."""

    def reader(target: Target, prop: Prop, region: str, zone: dt.tzinfo | None) -> Convert:
        def plain(cell: Cell) -> Any:
            text = cell_text(cell)
            value = (fold_width(text).strip() if multiline else clean_text(text)) or None
            return _too_long(value, prop.max_length)

        return plain

    return reader


# The number types a valid number matches one of (the usual ones first: only whether one
# matches counts, not which).
_NUMBER_TYPES = (
    "mobile",
    "fixed_line",
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


def number_plan(region: str) -> Callable[[str], bool]:
    """Whether a national significant number is valid in ``region``: the test
    ``phonenumbers.is_valid_number`` makes (it matches the general description and one
    number type, each by possible length and full pattern), on the same metadata, without
    building and typing a number object for each of a million rows."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert metadata is not None

    def desc(item: Any) -> tuple[frozenset[int], Callable[[str], Any]] | None:
        if item is None or not item.national_number_pattern:
            return None
        pattern = re.compile(item.national_number_pattern)
        return frozenset(item.possible_length or ()), pattern.fullmatch

    general = desc(metadata.general_desc)
    kinds = [c for c in (desc(getattr(metadata, name)) for name in _NUMBER_TYPES) if c]

    def valid(number: str) -> bool:
        if general is None:
            return False
        length = len(number)
        lengths, full = general
        if (lengths and length not in lengths) or full(number) is None:
            return False
        for lengths, full in kinds:
            if (not lengths or length in lengths) and full(number) is not None:
                return True
        return False

    return valid


def _phone_reader(target: Target, prop: Prop, region: str, zone: dt.tzinfo | None) -> Convert:
    schema_field = field_for(target.model, prop.name, region)
    fast = region == "CN"
    valid = number_plan("CN")

    def phone(cell: Cell) -> Any:
        text = cell_text(cell)
        if fast:
            digits = text if text.isascii() and text.isdigit() else _PHONE_NOISE.sub("", text)
            found = _CN_MOBILE.match(digits) or _CN_FIXED.match(digits)
            if found and valid(found.group(1)):
                return "+86" + found.group(1)
        return schema_field.deserialize(text)

    return phone


# An address the schema's e-mail check (marshmallow's ``validate.Email``) accepts for sure:
# ASCII dot-atom local part and dotted host name, each a strict subset of its patterns.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,6}|[A-Za-z0-9\-]{2,}))"
)


def _email_reader(target: Target, prop: Prop, region: str, zone: dt.tzinfo | None) -> Convert:
    """What the schema's Email field does (``graph.model.validation.Email``), with a fast
    path for the plain addresses nearly every row has (nothing to fold or trim, accepted
    by the check): only the domain lower-cased. Anything else goes through the schema."""
    schema_field = field_for(target.model, prop.name, region)
    limit = prop.max_length
    if prop.choices:
        return _schema_reader(target, prop, region, zone)

    def email(cell: Cell) -> Any:
        text = cell_text(cell)
        plain = _PLAIN_EMAIL.fullmatch(text)
        if plain is None:
            value = schema_field.deserialize(text)
            if value and value.partition("@")[0].endswith("***"):
                # How an address is shown masked (z***@example.com), copied from a masked
                # list or failing-rows file: no one's address. (A form or REST edit that
                # sends the mask back keeps the stored value; a file has none to keep.)
                raise ValidationError(Message("email_masked"))
            return _too_long(value, limit)
        domain = plain.group(1)
        return _too_long(text[: plain.start(1)] + domain.lower(), limit)

    return email


def _schema_reader(target: Target, prop: Prop, region: str, zone: dt.tzinfo | None) -> Convert:
    schema_field = field_for(target.model, prop.name, region)

    def text(cell: Cell) -> Any:
        return _too_long(schema_field.deserialize(cell_text(cell)), prop.max_length)

    return text


CELL_READERS: dict[str, Reader] = {
    "string": _text_reader(multiline=False),
    "text": _text_reader(multiline=True),
    "integer": _number_reader(whole=True),
    "float": _number_reader(whole=False),
    "date": _moment_reader(date_only=True),
    "datetime": _moment_reader(date_only=False),
    "phone": _phone_reader,
    "email": _email_reader,
}
