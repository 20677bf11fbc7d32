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
        malformed shape (``import_mapping``), an unknown type (``import_mapping_type``) or
        target (``import_mapping_target``), malformed value mappings
        (``import_mapping_values``)."""
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            raise InvalidValue(key="import_mapping")
        try:
            kind = import_type(str(data.get("type", "")))
        except KeyError:
            raise InvalidValue(key="import_mapping_type") from None
        columns: dict[str, str | None] = {}
        for header, target in data["columns"].items():
            if target in (None, ""):
                columns[str(header)] = None
            elif not isinstance(target, str) or kind.target(target) is None:
                raise InvalidValue(key="import_mapping_target", target=f"“{str(target)[:40]}”")
            else:
                columns[str(header)] = target
        values = data.get("values") or {}
        if not isinstance(values, dict) or not all(
            isinstance(v, dict) and all(isinstance(x, str) for x in v.values())
            for v in values.values()
        ):
            raise InvalidValue(key="import_mapping_values")
        return cls(kind.key, columns, {str(k): dict(v) for k, v in values.items()})

    def targets(self) -> dict[str, str]:
        """target -> header, for the mapped columns."""
        return {target: header for header, target in self.columns.items() if target}


def suggest_mapping(
    type_key: str, headers: Sequence[str], sample: Sequence[Sequence[Cell]] = ()
) -> Mapping:
    """The suggested mapping of ``headers`` for import type ``type_key``, judged by the
    header names and by ``sample`` (the first data rows, cells in header order)."""
    kind = import_type(type_key)
    columns: dict[str, str | None] = dict.fromkeys(headers)
    reasons: dict[str, str] = {}
    taken: set[str] = set()
    # Exact names first (best name of a target first), so 手机 beats a looser match.
    names = _header_index(kind)
    for header in headers:
        target = names.get(header_key(header))
        if target is not None and target not in taken:
            columns[header], reasons[header] = target, "header"
            taken.add(target)
    _by_values(kind, list(headers), sample, columns, reasons, taken)
    _contact_phone(kind, columns, taken)
    return Mapping(kind.key, columns, {}, reasons)


def _header_index(kind: ImportType) -> dict[str, str]:
    """header key -> target name; a name claimed by several targets goes to the first."""
    index: dict[str, str] = {}
    for rank in range(40):
        for target in kind.targets:
            names = header_names(target)
            if rank < len(names):
                index.setdefault(header_key(names[rank]), target.name)
    return index


def _by_values(
    kind: ImportType,
    headers: list[str],
    sample: Sequence[Sequence[Cell]],
    columns: dict[str, str | None],
    reasons: dict[str, str],
    taken: set[str],
) -> None:
    choice_targets = [t for t in kind.targets if t.prop is not None and t.prop.choices]
    for position, header in enumerate(headers):
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
        if chosen is None or share < VALUE_SHARE or chosen.name == current:
            continue
        current_target = kind.target(current) if current else None
        if current_target is not None:
            prop = current_target.prop
            if prop is None or not prop.choices:
                continue  # a text or relation field named by its header keeps the column
            words = choice_words(current_target.model, prop)
            if sum(v in words for v in values) >= len(values) / 2:
                continue  # the header's own choice field fits its values well enough
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
