"""Composing statements from named templates and named fragments, failing loudly.

Templates are statements in ``cypher/`` written as valid Cypher with placeholder names and
marker lines; fragments are the pieces spliced into them, named and kept in
``cypher/fragments/<family>.cypher`` (a ``// fragment: <name>`` line starts each, then its
header, ``// params:`` line included, and its text). Composition only ever:

- fills a ``__Placeholder__`` with a checked identifier (labels and relationship types
  against ``LABEL``, property names against ``PROPERTY``) or a checked integer (``__i__``
  numbers the variables of one fragment use, ``__hops__`` is a variable-length bound, which
  neither engine takes as a parameter);
- renames a piece's ``$parameters`` (``$value`` -> ``$f3``) so that pieces do not collide;
- replaces a marker (a whole line such as ``WHERE true``, or a text such as
  ``[true] AS matched``) or inserts after one.

Each step raises ``CompositionError`` when what it fills, renames or replaces is not there,
so a template edited without its marker stops the statement instead of silently running
without its filter, order or bound. Every value stays a ``$parameter``; this module holds
the only Cypher syntax composed in Python (the joints: ``WHERE``, ``AND``, ``UNION ALL``,
projection columns and lists).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from pathlib import Path

from graph.errors import ConfigError
from graph.store.statements import CYPHER_DIR, Statement, parse_statement_lines

# Labels and relationship types; property names (the model's declarations are checked
# against the same patterns).
LABEL = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
PROPERTY = re.compile(r"^[a-z][a-z0-9_]*$")
# Placeholders filled with names, and those filled with integers.
NAMES = {"Label": LABEL, "Source": LABEL, "Target": LABEL, "REL": LABEL, "prop": PROPERTY}
NUMBERS = ("i", "hops")
FRAGMENT_DIR = CYPHER_DIR / "fragments"

_PLACEHOLDER = re.compile(r"__([A-Za-z]+)__")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\b")
_FRAGMENT_START = re.compile(r"^//\s*fragment:\s*([a-z][a-z0-9_]*)\s*$")
_BOUND = re.compile(r"\*1\.\.(\d+)\]")


class CompositionError(ValueError):
    """A template or fragment lacks the placeholder, parameter or marker composition puts
    into it, or a name given for a placeholder is not an identifier."""


def _changed(
    statement: Statement,
    *,
    text: str | None = None,
    params: frozenset[str] | None = None,
    name: str | None = None,
) -> Statement:
    """``statement`` with a new text, parameters or name (cheaper than ``dataclasses.replace``
    on a path taken by every list page)."""
    return Statement(
        name=statement.name if name is None else name,
        text=statement.text if text is None else text,
        params=statement.params if params is None else params,
        path=statement.path,
        first_line=statement.first_line,
    )


# -- pieces -----------------------------------------------------------------------------------


def _placeholders(text: str) -> set[str]:
    return {m for m in _PLACEHOLDER.findall(text) if m in NAMES or m in NUMBERS}


def fill(statement: Statement, /, **names: str | int) -> Statement:
    """Fill placeholders: ``Label=...`` fills ``__Label__``. Each name is checked against its
    pattern (or must be a non-negative ``int``), each must occur in the text, and no
    placeholder may be left unfilled."""
    text = statement.text
    present = _placeholders(text)
    for placeholder, value in names.items():
        if placeholder not in present:
            raise CompositionError(f"{statement.name}: no __{placeholder}__ to fill")
        if placeholder in NUMBERS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise CompositionError(f"__{placeholder}__ takes a whole number, not {value!r}")
            shown = str(value)
        else:
            pattern = NAMES.get(placeholder)
            if pattern is None or not isinstance(value, str) or not pattern.match(value):
                raise CompositionError(f"{value!r} is not a valid name for __{placeholder}__")
            shown = value
        text = text.replace(f"__{placeholder}__", shown)
    leftover = sorted(_placeholders(text))
    if leftover:
        raise CompositionError(f"{statement.name}: placeholders {leftover} not filled")
    return _changed(statement, text=text)


def rename_params(statement: Statement, renamed: Mapping[str, str]) -> Statement:
    """Rename parameters (``{"value": "f3"}`` turns ``$value`` into ``$f3``); each old name
    must be one of the statement's parameters."""
    missing = sorted(set(renamed) - statement.params)
    if missing:
        raise CompositionError(f"{statement.name}: no parameters {missing} to rename")
    text = _PARAM.sub(lambda m: "$" + renamed.get(m[1], m[1]), statement.text)
    params = frozenset(renamed.get(p, p) for p in statement.params)
    return _changed(statement, text=text, params=params)


def suffix_params(statement: Statement, suffix: str, keep: tuple[str, ...] = ()) -> Statement:
    """Rename every parameter ``$p`` to ``$p_<suffix>`` except those in ``keep``."""
    return rename_params(statement, {p: f"{p}_{suffix}" for p in statement.params if p not in keep})


def piece(
    statement: Statement, params: Mapping[str, str] | None = None, /, **names: str | int
) -> Statement:
    """A fragment or template filled with ``names`` and its parameters renamed (``fill``
    then ``rename_params``)."""
    return rename_params(fill(statement, **names), params or {})


def fragment_piece(
    family: str, name: str, params: Mapping[str, str] | None = None, /, **names: str | int
) -> Statement:
    """``piece`` of the fragment ``name`` of ``family``; each distinct piece is composed once
    per process (lists and segments ask for the same few on every request)."""
    return _fragment_piece(
        family, name, tuple(sorted((params or {}).items())), tuple(sorted(names.items()))
    )


@lru_cache(maxsize=8192)
def _fragment_piece(
    family: str,
    name: str,
    params: tuple[tuple[str, str], ...],
    names: tuple[tuple[str, str | int], ...],
) -> Statement:
    return piece(fragment(family, name), dict(params), **dict(names))


@cache
def fragments(family: str, root: Path = FRAGMENT_DIR) -> dict[str, Statement]:
    """The named fragments of ``cypher/fragments/<family>.cypher``, checked when loaded
    (each fragment's ``// params:`` line must match the parameters it uses)."""
    path = root / f"{family}.cypher"
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [(n, m[1]) for n, line in enumerate(lines) if (m := _FRAGMENT_START.match(line))]
    if not starts:
        raise ConfigError(f"{path}:1: no '// fragment: <name>' line")
    found: dict[str, Statement] = {}
    ends = [n for n, _ in starts[1:]] + [len(lines)]
    for (start, name), end in zip(starts, ends, strict=True):
        if name in found:
            raise ConfigError(f"{path}:{start + 1}: fragment {name!r} is defined twice")
        body = lines[start + 1 : end]
        while body and not body[-1].strip():
            body.pop()
        found[name] = parse_statement_lines(body, path, f"{family}.{name}", offset=start + 1)
    return found


def fragment(family: str, name: str) -> Statement:
    """The fragment ``name`` of ``family``; unknown names are a programming error."""
    try:
        return fragments(family)[name]
    except KeyError:
        raise CompositionError(f"no fragment {name!r} in {FRAGMENT_DIR / family}.cypher") from None


# -- splicing into templates ----------------------------------------------------------------


def _merged(statement: Statement, text: str, parts: Iterable[Statement]) -> Statement:
    params = statement.params.union(*(part.params for part in parts))
    return _changed(statement, text=text, params=frozenset(params))


def _line_span(statement: Statement, marker: str, occurrence: int) -> tuple[int, int]:
    """(start, end) of the ``occurrence``-th line that reads exactly ``marker``."""
    text = statement.text
    seen = 0
    start = text.find(marker)
    while start >= 0:
        end = start + len(marker)
        if (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n"):
            seen += 1
            if seen == occurrence:
                return start, end
        start = text.find(marker, start + 1)
    raise CompositionError(
        f"{statement.name}: no line {occurrence} reading {marker!r} to compose at"
    )


def _line_count(statement: Statement, marker: str) -> int:
    """How many lines read exactly ``marker``."""
    return sum(1 for line in statement.text.split("\n") if line == marker)


def replace_line(
    statement: Statement,
    marker: str,
    replacement: Statement | str,
    *,
    occurrence: int = 1,
) -> Statement:
    """Replace the ``occurrence``-th line reading exactly ``marker`` with ``replacement``
    (a piece, whose parameters join the statement's, or plain text)."""
    start, end = _line_span(statement, marker, occurrence)
    parts = [replacement] if isinstance(replacement, Statement) else []
    body = replacement.text if isinstance(replacement, Statement) else replacement
    return _merged(statement, statement.text[:start] + body + statement.text[end:], parts)


def replace_line_matching(
    statement: Statement, pattern: re.Pattern[str], replacement: Statement
) -> Statement:
    """Replace the first line matching ``pattern`` (anchored to whole lines) with a piece."""
    match = pattern.search(statement.text)
    if match is None:
        raise CompositionError(f"{statement.name}: no line matching {pattern.pattern!r}")
    text = statement.text[: match.start()] + replacement.text + statement.text[match.end() :]
    return _merged(statement, text, [replacement])


def replace_text(statement: Statement, marker: str, replacement: Statement) -> Statement:
    """Replace the one occurrence of ``marker`` (e.g. ``[true]``) with a piece."""
    if statement.text.count(marker) != 1:
        raise CompositionError(f"{statement.name}: expected {marker!r} exactly once")
    return _merged(statement, statement.text.replace(marker, replacement.text), [replacement])


def where(statement: Statement, predicates: list[Statement], *, occurrence: int = 1) -> Statement:
    """Put ``predicates`` (ANDed) in place of the ``occurrence``-th ``WHERE true`` line; no
    predicates leave the template as it is (the marker must still be there)."""
    _line_span(statement, "WHERE true", occurrence)
    if not predicates:
        return statement
    text = "WHERE " + "\n  AND ".join(p.text for p in predicates)
    replaced = replace_line(statement, "WHERE true", text, occurrence=occurrence)
    return _merged(replaced, replaced.text, predicates)


def between_lines(statement: Statement, marker: str) -> Statement:
    """The text between the first and the last line reading ``marker`` (the last included),
    with the statement's parameters: the body of a part spliced by ``insert_after``."""
    start = _line_span(statement, marker, 1)[1]
    end = _line_span(statement, marker, _line_count(statement, marker))[1]
    if end <= start:
        raise CompositionError(f"{statement.name}: needs two lines reading {marker!r}")
    return _changed(statement, text=statement.text[start:end].lstrip("\n") + "\n")


def insert_after(statement: Statement, marker: str, parts: list[Statement]) -> Statement:
    """Insert the parts' texts after the first line reading ``marker``."""
    if not parts:
        return statement
    at = _line_span(statement, marker, 1)[1] + 1
    text = statement.text[:at] + "".join(p.text for p in parts) + statement.text[at:]
    return _merged(statement, text, parts)


def union_all(parts: list[Statement], name: str) -> Statement:
    """Join read parts with ``UNION ALL`` (each already has its own parameters)."""
    if not parts:
        raise CompositionError(f"{name}: nothing to join")
    text = "\nUNION ALL\n".join(part.text for part in parts)
    return _changed(_merged(parts[0], text, parts), name=name)


def _joined(name: str, text: str, parts: list[Statement]) -> Statement:
    params = frozenset().union(*(part.params for part in parts))
    return Statement(name=name, text=text, params=params, path=FRAGMENT_DIR, first_line=1)


def projection(columns: list[tuple[Statement, int]]) -> Statement:
    """``WITH n, <value> AS v<i>, …``: the line that projects each piece as ``v<i>``."""
    text = "WITH n" + "".join(", " + value.text + " AS v" + str(int(i)) for value, i in columns)
    return _joined("projection", text, [value for value, _ in columns])


def list_of(items: list[Statement]) -> Statement:
    """A Cypher list literal of the pieces' expressions."""
    return _joined("list", "[" + ", ".join(item.text for item in items) + "]", items)


def extend_map(statement: Statement, marker: str, items: list[Statement]) -> Statement:
    """Add the pieces' entries (``name: value``) at the end of the map literal that the one
    occurrence of ``marker`` closes (``import_id: $import_id}``: the properties a ``CREATE``
    gives a node); no pieces leave it as it is (the marker must still be there)."""
    if not marker.endswith("}") or statement.text.count(marker) != 1:
        raise CompositionError(f"{statement.name}: expected one map ending {marker!r}")
    if not items:
        return statement
    extended = marker[:-1] + ", " + ", ".join(item.text for item in items) + "}"
    return _merged(statement, statement.text.replace(marker, extended), items)


def with_bound(statement: Statement, depth: int, maximum: int) -> Statement:
    """Replace the template's one ``*1..<maximum>]`` bound with ``*1..<depth>]``, ``depth``
    a checked integer from 1 to ``maximum``."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= maximum:
        raise CompositionError(f"a bound is a whole number from 1 to {maximum}, not {depth!r}")
    bounds = _BOUND.findall(statement.text)
    if bounds != [str(maximum)]:
        raise CompositionError(
            f"{statement.name}: expected exactly one bound *1..{maximum}], found {bounds}"
        )
    text = _BOUND.sub(lambda _: "*1.." + str(depth) + "]", statement.text)
    return _changed(statement, text=text)


def chain(pieces: list[Statement], name: str) -> Statement:
    """The pieces' texts one after the other (a path built hop by hop), with their
    parameters."""
    if not pieces:
        raise CompositionError(f"{name}: nothing to chain")
    return _changed(_merged(pieces[0], "".join(p.text for p in pieces), pieces), name=name)


PLANNER_MODES = ("EXPLAIN", "PROFILE")


def planned(text: str, mode: str) -> str:
    """``text`` run by the planner only (``EXPLAIN``) or with its profile (``PROFILE``)."""
    if mode not in PLANNER_MODES:
        raise CompositionError(f"planner mode {mode!r} is not one of {PLANNER_MODES}")
    return mode + " " + text
