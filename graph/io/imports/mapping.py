"""Column mappings: which header fills which target, suggested from the header names and
the values below them, edited by people and saved by name.

``suggest_mapping`` reads the headers in English and Chinese (``targets.header_names``)
and then the values: a column whose values are mostly the choices of some field maps to
that field whatever its header says (the common customer sheet's 客户类型 holds 潜在客户 /
意向客户 / 成交客户 / 流失客户: the stage, not company vs person). A mapping is plain data
(``Mapping.as_dict`` / ``Mapping.from_dict``, JSON for ``--mapping FILE`` and REST).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.errors import InvalidValue
from graph.io.imports.readers import Cell
from graph.io.imports.targets import (
    CONTACT_PREFIX,
    ImportType,
    Target,
    choice_words,
    header_key,
    header_names,
    import_type,
    value_key,
)
from graph.store.protocol import GraphStore

# A column maps to a choice field by its values when at least this share of its non-blank
# sample values are choices of that field.
VALUE_SHARE = 0.8
# ... or more than half, when the field its header names has choices that fit fewer than
# half of them.
MAJORITY_SHARE = 0.51
MAX_MAPPING_NAME = 100


@dataclass
class Mapping:
    """How a file's columns fill an import type's targets.

    ``columns``: header -> target name (None: the column is ignored). ``values``: target
    name -> {value as written -> choice code}, read before the built-in value words.
    """

    type: str
    columns: dict[str, str | None]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # header -> "header" | "values"

    def as_dict(self) -> dict[str, Any]:
        """The mapping as JSON-ready data (what ``from_dict`` reads back)."""
        return {"type": self.type, "columns": dict(self.columns), "values": self.values}

    @classmethod
    def from_dict(cls, data: Any) -> Mapping:
        """A mapping from ``as_dict`` data; ``InvalidValue`` says what is wrong by its key: a
        malformed shape (``import_mapping``), a missing or unknown type
        (``import_mapping_untyped``, ``import_mapping_unknown_type``), an unknown target
        (``import_mapping_target``), a target two columns fill (``import_mapping_twice``),
        malformed value mappings (``import_mapping_values``) or a value mapped to no choice
        of its field (``import_mapping_choice``).

        A value mapping's target may be written as the choice's code or as any word the
        file's own values may use for it (its English or Chinese label, a synonym): it is
        kept as the code. Only choice fields take value mappings."""
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            raise InvalidValue(key="import_mapping")
        type_key = data.get("type")
        if not isinstance(type_key, str) or not type_key.strip():
            raise InvalidValue(key="import_mapping_untyped")
        try:
            kind = import_type(type_key)
        except KeyError:
            raise InvalidValue(key="import_mapping_unknown_type", type=_quoted(type_key)) from None
        columns: dict[str, str | None] = {}
        filled: dict[str, list[str]] = {}  # target -> the headers that fill it
        for header, target in data["columns"].items():
            if target in (None, ""):
                columns[str(header)] = None
            elif not isinstance(target, str) or kind.target(target) is None:
                raise InvalidValue(key="import_mapping_target", target=_quoted(str(target)))
            else:
                columns[str(header)] = target
                filled.setdefault(target, []).append(str(header))
        for target, headers in filled.items():
            if len(headers) > 1:
                raise InvalidValue(
                    key="import_mapping_twice",
                    target=_quoted(target),
                    headers=", ".join(_quoted(h) for h in headers[:5]),
                )
        return cls(kind.key, columns, _value_mappings(kind, data.get("values") or {}))

    def targets(self) -> dict[str, str]:
        """target -> header, for the mapped columns."""
        return {target: header for header, target in self.columns.items() if target}


def _quoted(text: str) -> str:
    """A name from the mapping, quoted (and cut) for a message."""
    return f"“{text[:40]}”"


def _value_mappings(kind: ImportType, values: Any) -> dict[str, dict[str, str]]:
    """``Mapping.values`` from its JSON: target -> {value as written -> choice code}."""
    if not isinstance(values, dict) or not all(
        isinstance(v, dict) and all(isinstance(x, str) for x in v.values()) for v in values.values()
    ):
        raise InvalidValue(key="import_mapping_values")
    checked: dict[str, dict[str, str]] = {}
    for name, pairs in values.items():
        target = kind.target(str(name))
        prop = target.prop if target is not None else None
        if target is None or prop is None or not prop.choices:
            raise InvalidValue(key="import_mapping_values_field", target=_quoted(str(name)))
        words = choice_words(target.model, prop)
        codes: dict[str, str] = {}
        for written, choice in pairs.items():
            code = words.get(value_key(choice))
            if code is None:
                raise InvalidValue(
                    key="import_mapping_choice",
                    value=_quoted(str(written)),
                    choice=_quoted(choice),
                    target=_quoted(str(name)),
                    choices=", ".join(prop.choice_values()),
                )
            codes[str(written)] = code
        checked[str(name)] = codes
    return checked


def suggest_mapping(
    type_key: str, headers: Sequence[str], sample: Sequence[Sequence[Cell]] = ()
) -> Mapping:
    """The suggested mapping of ``headers`` for import type ``type_key``, judged by the
    header names and by ``sample`` (the first data rows, cells in header order)."""
    kind = import_type(type_key)
    columns: dict[str, str | None] = dict.fromkeys(headers)
    reasons: dict[str, str] = {}
    taken: set[str] = set()
    # Exact names, the most telling first (a target's best names before its looser ones),
    # so 联系人手机 takes the contact's phone before 手机 does; a header whose contact field
    # a more telling header took fills the customer's own field of that name (手机 beside
    # 联系人手机 is the customer's mobile).
    names = _header_index(kind)
    named = sorted(
        ((names[key], header) for header in headers if (key := header_key(header)) in names),
        key=lambda found: found[0][0],
    )
    for (_, target), header in named:
        if target in taken and target.startswith(CONTACT_PREFIX):
            target = target.removeprefix(CONTACT_PREFIX)
            if kind.target(target) is None:
                continue
        if target not in taken:
            columns[header], reasons[header] = target, "header"
            taken.add(target)
    # A column named for a field by its header is not taken for another by its values,
    # even when its field is taken (a second 客户名称 holding "B" is no value tier).
    kept = {header for (_, target), header in named if not _has_choices(kind, target)}
    kept |= {h for h in headers if _copy_of(h, names)}
    header_fields = {header: target for (_, target), header in named}
    _by_values(kind, list(headers), sample, columns, reasons, taken, kept, header_fields)
    _contact_phone(kind, columns, taken)
    return Mapping(kind.key, columns, {}, reasons)


def _has_choices(kind: ImportType, name: str) -> bool:
    """Whether target ``name`` is a field with choices."""
    target = kind.target(name)
    prop = target.prop if target is not None else None
    return bool(prop is not None and prop.choices)


def _copy_of(header: str, names: dict[str, tuple[int, str]]) -> bool:
    """Whether ``header`` is a repeated header the reader numbered (客户名称 (2)) whose name
    names a field."""
    base, _, number = header.rpartition(" (")
    return bool(base) and number[:-1].isdigit() and header_key(base) in names


def _header_index(kind: ImportType) -> dict[str, tuple[int, str]]:
    """header key -> (rank, target name): the rank of the name among the target's names
    (0: its best); a name claimed by several targets goes to the first at the best rank."""
    index: dict[str, tuple[int, str]] = {}
    for rank in range(40):
        for target in kind.targets:
            names = header_names(target)
            if rank < len(names):
                index.setdefault(header_key(names[rank]), (rank, target.name))
    return index


def _by_values(
    kind: ImportType,
    headers: list[str],
    sample: Sequence[Sequence[Cell]],
    columns: dict[str, str | None],
    reasons: dict[str, str],
    taken: set[str],
    kept: set[str],
    header_fields: dict[str, str],
) -> None:
    """Map columns whose values are mostly the choices of one field to that field (the
    columns in ``kept`` excepted: their headers name another field). ``header_fields``:
    the field each header names (taken by it or, when another header took it, not)."""
    choice_targets = [t for t in kind.targets if t.prop is not None and t.prop.choices]
    for position, header in enumerate(headers):
        if header in kept:
            continue
        values = [
            value_key(row[position])
            for row in sample
            if position < len(row) and str(row[position] or "").strip()
        ]
        if not values:
            continue
        current = columns.get(header)
        best: tuple[float, Target | None] = (0.0, None)
        for target in choice_targets:
            words = choice_words(target.model, target.prop)  # type: ignore[arg-type]
            share = sum(1 for v in values if v in words) / len(values)
            if share > best[0]:
                best = (share, target)
        share, chosen = best
        if chosen is None or chosen.name == current:
            continue
        needed = VALUE_SHARE
        named = current or header_fields.get(header)
        current_target = kind.target(named) if named else None
        if current_target is not None:
            prop = current_target.prop
            if prop is None or not prop.choices:
                continue  # a text or relation field named by its header keeps the column
            words = choice_words(current_target.model, prop)
            if sum(v in words for v in values) >= len(values) / 2:
                continue  # the header's own choice field fits its values well enough
            # The header's choice field fits fewer than half of them: another field that
            # fits most of them is the better guess (客户类型 holding 意向客户, 成交客户 and a
            # typo is the stage, not company vs person).
            needed = MAJORITY_SHARE
        if share < needed:
            continue
        if chosen.name in taken:
            # The field was claimed by another column's header: values are stronger evidence.
            for other, name in list(columns.items()):
                if name == chosen.name:
                    columns[other] = None
                    reasons.pop(other, None)
        if current:
            taken.discard(current)
        columns[header], reasons[header] = chosen.name, "values"
        taken.add(chosen.name)


def _contact_phone(kind: ImportType, columns: dict[str, str | None], taken: set[str]) -> None:
    """In a customer sheet without a contact, 手机 (mobile) is the customer's phone."""
    if kind.key != "customer" or "contact.name" in taken:
        return
    for header, target in list(columns.items()):
        if (
            target
            and target.startswith("contact.")
            and target.removeprefix("contact.") in ("phone", "email")
        ):
            plain = target.removeprefix("contact.")
            columns[header] = plain if plain not in taken else None
            taken.add(plain)


# -- saved mappings ------------------------------------------------------------------------


def save_mapping(store: GraphStore, name: str, mapping: Mapping, actor: str) -> None:
    """Save ``mapping`` under ``name`` (replacing one of that name and import type)."""
    name = " ".join(str(name).split())
    if not name or len(name) > MAX_MAPPING_NAME:
        raise InvalidValue(key="import_mapping_name", max=MAX_MAPPING_NAME)
    store.write(
        "import_mapping_save",
        uid=f"{mapping.type}:{name}",
        props={
            "name": name,
            "type": mapping.type,
            "body": json.dumps(mapping.as_dict(), ensure_ascii=False),
            "by": actor,
        },
    )


def load_mapping(store: GraphStore, type_key: str, name: str) -> Mapping | None:
    """The mapping saved as ``name`` for ``type_key``, or None."""
    rows = store.read("import_mapping_get", uid=f"{type_key}:{' '.join(str(name).split())}")
    return Mapping.from_dict(json.loads(rows[0]["body"])) if rows else None


def list_mappings(store: GraphStore, type_key: str) -> list[str]:
    """The names of the mappings saved for ``type_key``, sorted."""
    return [row["name"] for row in store.read("import_mapping_list", type=type_key)]
