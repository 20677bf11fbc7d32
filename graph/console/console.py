"""The analysts' Cypher console: user-written, engine-enforced read-only queries.

This is the one place where Cypher text comes from a user instead of ``cypher/``: it goes
to ``GraphStore.run_readonly``, which makes the *engine* refuse writes (FalkorDB
``GRAPH.RO_QUERY``; Neo4j READ sessions plus the planner's query type), stops the query at
a time limit and returns at most a row cap. Here the rows become JSON-ready values, the
nodes and relationships they hold are collected for drawing, and personal data is
protected: sealed values (``enc:v1:...``) are decrypted for readers with the personal-data
permission and masked for everyone else (plaintext never leaves for a masked reader).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graph.clock import utc_now
from graph.errors import InvalidValue, MaskedField, UnreadableValue
from graph.model.base import REGISTRY, Prop
from graph.security.crypto import FieldCipher
from graph.security.masking import mask_value
from graph.security.pii import INDEX_SUFFIX, index_names, pii_props
from graph.store.protocol import GraphStore
from graph.store.readonly import GraphNode, GraphPath, GraphRelationship

DEFAULT_TIMEOUT_MS = 10_000
DEFAULT_ROW_CAP = 5_000
HIDDEN = "•••"  # a sealed value that this reader may not (or the app cannot) read
_SEALED = re.compile(r"enc:v\d+:[0-9A-Za-z]*:[A-Za-z0-9_\-]+")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Starter queries shown as examples on the console page: named statements in cypher/, with
# example parameters (computed when the page is shown).
STARTERS = (
    "console_starter_top_referrers",
    "console_starter_stale_customers",
    "console_starter_customers_by_channel_stage",
    "console_starter_referral_network",
)


@dataclass(frozen=True)
class ConsoleResult:
    """A console run: JSON-ready rows, and the nodes and relationships found in them."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    duration_ms: float
    nodes: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Starter:
    """An example query for the console: its name, what it answers, text and parameters."""

    name: str
    description: str
    text: str
    params: dict[str, Any]


def parse_params(raw: Any) -> dict[str, Any]:
    """The query parameters from a JSON object (or its text); ``InvalidValue`` otherwise.

    Names must be plain identifiers (they are sent as ``$name``) and numbers finite.
    """
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw, parse_constant=_refuse_constant)
        except ValueError:
            raise InvalidValue(key="params_object") from None
    if not isinstance(raw, dict):
        raise InvalidValue(key="params_object")
    for name, value in raw.items():
        if not _PARAM_NAME.match(name):
            raise InvalidValue(key="param_name", name=repr(name))
        _check_value(name, value)
    return raw


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_value(name: str, value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue(key="param_finite", name=repr(name))
    if isinstance(value, list):
        for item in value:
            _check_value(name, item)
    elif isinstance(value, dict):
        for item in value.values():
            _check_value(name, item)
    elif value is not None and not isinstance(value, str | int | float | bool):
        raise InvalidValue(key="param_value", name=repr(name))


_LOAD_CSV = re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE)
_STRINGS_AND_COMMENTS = re.compile(
    r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.DOTALL
)


def _code_only(text: str) -> str:
    """The query with string literals, quoted names and comments blanked out."""
    return _STRINGS_AND_COMMENTS.sub(" ", text)


# Ways to reach a property whose name is not written in the query: a subscript whose key is
# not a number (``c[$k]``, ``c['phone_bi' + 'dx']``, ``c[k]``), and functions or projections
# that hand over every property (``properties(c)``, ``keys(c)``, ``c{.*}``).
_WORD_BEFORE = re.compile(r"(\w+)\s*$")
_NUMERIC_INDEX = re.compile(r"^\s*-?\d*\s*(?:\.\.\s*-?\d*\s*)?$")
# Words after which ``[`` opens a list, not a subscript.
_LIST_AFTER = {"IN", "RETURN", "WITH", "WHERE", "AND", "OR", "XOR", "NOT", "THEN", "ELSE", "WHEN",
               "CASE", "UNWIND", "AS", "BY", "CONTAINS", "DISTINCT", "ANY", "ALL", "NONE",
               "SINGLE", "SET", "IS", "STARTS", "ENDS", "YIELD"}  # fmt: skip


def _dynamic_subscripts(code: str) -> bool:
    """True when ``code`` subscripts a value by anything but a number or a slice.

    A ``[`` right after a name (not a keyword), ``)`` or ``]`` is a subscript; its key runs
    to the matching ``]``, nested brackets included.
    """
    for start, char in enumerate(code):
        if char != "[":
            continue
        before = code[:start].rstrip()
        word = _WORD_BEFORE.search(before)
        if not before or (word is None and before[-1] not in ")]"):
            continue  # a list literal
        if word is not None and (word.group(1).upper() in _LIST_AFTER or word.group(1).isdigit()):
            continue
        depth, end = 0, start
        for end in range(start, len(code)):
            depth += {"[": 1, "]": -1}.get(code[end], 0)
            if depth == 0:
                break
        if not _NUMERIC_INDEX.match(code[start + 1 : end]):
            return True
    return False


_ALL_PROPERTIES = re.compile(r"\b(?:properties|keys)\s*\(|\.\s*\*", re.IGNORECASE)


def _refuse_blind_indexes(text: str, params: Mapping[str, Any]) -> None:
    """A masked reader may not reach a blind index: not by name (code, strings, parameters),
    nor through a property name built at run time, nor through every property at once.

    Blind indexes are deterministic: filtering, grouping or joining on them would link
    records by a value the reader is not allowed to see. Ciphertext is not an oracle (a
    fresh nonce per value), so returning a masked ``c.phone`` stays allowed.
    """
    mentioned = INDEX_SUFFIX.lstrip("_") in (text + json.dumps(params, default=str)).lower()
    code = _code_only(text)
    if mentioned or _dynamic_subscripts(code) or _ALL_PROPERTIES.search(code):
        raise MaskedField("console", sorted(_index_names()))


def run_readonly(
    store: GraphStore,
    text: str,
    params: Mapping[str, Any] | None = None,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    row_cap: int = DEFAULT_ROW_CAP,
    reveal: bool = False,
    cipher: FieldCipher | None = None,
) -> ConsoleResult:
    """Run user-written Cypher read-only, within ``timeout_ms``, at most ``row_cap`` rows.

    ``reveal`` is the reader's personal-data permission: with it sealed values are
    decrypted with ``cipher``; without it they come back masked and blind indexes hidden,
    and a query naming a blind index raises ``MaskedField``. Raises ``WriteRefused``,
    ``QueryTimeout``, ``CypherSyntaxError``, ``InvalidValue`` (bad parameters or text) or
    another ``StoreError``.
    """
    if not text or not text.strip():
        raise InvalidValue(key="query_empty")
    if _LOAD_CSV.search(_code_only(text)):
        # Read-only engines still run LOAD CSV, which makes the graph server fetch URLs:
        # a console query must not reach other hosts or the server's files.
        raise InvalidValue(key="load_csv")
    checked = parse_params(dict(params or {}))
    if not reveal:
        _refuse_blind_indexes(text, checked)
    started = time.perf_counter()
    raw = store.run_readonly(text, checked, timeout_ms=int(timeout_ms), row_cap=int(row_cap))
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    converter = _Converter(reveal, cipher)
    rows = [[converter.value(v) for v in row] for row in raw.rows]
    return ConsoleResult(
        columns=list(raw.columns),
        rows=rows,
        truncated=raw.truncated,
        duration_ms=duration_ms,
        nodes=list(converter.nodes.values()),
        relationships=list(converter.relationships.values()),
    )


class _Converter:
    """Turns result values into JSON-ready ones, protecting personal data on the way."""

    def __init__(self, reveal: bool, cipher: FieldCipher | None) -> None:
        self.reveal = reveal
        self.cipher = cipher
        self.nodes: dict[str, dict[str, Any]] = {}
        self.relationships: dict[str, dict[str, Any]] = {}

    def value(self, value: Any, context: tuple[str, str] | None = None) -> Any:
        if isinstance(value, GraphNode):
            return self.node(value)
        if isinstance(value, GraphRelationship):
            return self.relationship(value)
        if isinstance(value, GraphPath):
            return {
                "nodes": [self.node(n) for n in value.nodes],
                "relationships": [self.relationship(r) for r in value.relationships],
            }
        if isinstance(value, list | tuple):
            return [self.value(v, context) for v in value]
        if isinstance(value, dict):
            return {str(k): self.entry(str(k), v, context) for k, v in value.items()}
        if isinstance(value, str):
            return self.text(value, context)
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, dt.datetime | dt.date | dt.time):
            return value.isoformat()
        return str(value)  # engine temporal, point and duration types

    def entry(self, key: str, value: Any, context: tuple[str, str] | None) -> Any:
        """A map entry (``properties(c)``, a projection): blind indexes hidden when masked."""
        if not self.reveal and key in _index_names() and value is not None:
            return HIDDEN
        return self.value(value, context)

    def node(self, node: GraphNode) -> dict[str, Any]:
        if node.id in self.nodes:
            return self.nodes[node.id]
        properties = {}
        for name, value in node.properties.items():
            prop = _pii_prop(node.labels, name)
            if not self.reveal and name in _index_names() and value is not None:
                properties[name] = HIDDEN  # a blind index links records like the value
            elif prop is not None and isinstance(value, str) and not _SEALED.search(value):
                # Plaintext personal data (written without a key): masked like the rest.
                properties[name] = value if self.reveal else mask_value(prop[1], value)
            else:
                properties[name] = self.value(value, (prop[0], name) if prop else None)
        converted = {"id": node.id, "labels": list(node.labels), "properties": properties}
        self.nodes[node.id] = converted
        return converted

    def relationship(self, rel: GraphRelationship) -> dict[str, Any]:
        if rel.id in self.relationships:
            return self.relationships[rel.id]
        converted = {
            "id": rel.id,
            "type": rel.type,
            "start": rel.start,
            "end": rel.end,
            "properties": {k: self.value(v) for k, v in rel.properties.items()},
        }
        self.relationships[rel.id] = converted
        return converted

    def text(self, value: str, context: tuple[str, str] | None) -> str:
        if "enc:" not in value:
            return value
        return _SEALED.sub(lambda match: self.sealed(match.group(), context), value)

    def sealed(self, token: str, context: tuple[str, str] | None) -> str:
        """One sealed value as this reader may see it: plaintext, masked, or hidden."""
        if self.cipher is None:
            return HIDDEN
        candidates = _candidates() if context is None else ((context, *_candidates()))
        for label, name in candidates:
            try:
                plain = self.cipher.decrypt(label, name, token)
            except UnreadableValue:
                continue
            if self.reveal:
                return plain
            prop = REGISTRY[label].meta.prop(name)
            return str(mask_value(prop, plain)) if prop is not None else HIDDEN
        return HIDDEN


def _pii_prop(labels: tuple[str, ...], name: str) -> tuple[str, Prop] | None:
    """The personal-data property ``name`` of the first declared label, if any."""
    for label in labels:
        model = REGISTRY.get(label)
        prop = model.meta.prop(name) if model is not None else None
        if prop is not None and prop.pii:
            return label, prop
    return None


@cache
def _index_names() -> frozenset[str]:
    """The blind-index property names of every personal-data property."""
    models = REGISTRY.values()
    return frozenset(name for m in models for prop in pii_props(m) for name in index_names(prop))


@cache
def _candidates() -> tuple[tuple[str, str], ...]:
    """Every (label, property) whose values are sealed: a value's associated data is one
    of these, so a value returned without its node (``RETURN c.phone``) can still be read."""
    return tuple(
        (label, prop.name)
        for label, model in REGISTRY.items()
        for prop in model.meta.props
        if prop.pii
    )


def starters(store: GraphStore, today: dt.date | None = None) -> list[Starter]:
    """The starter queries with example parameters (stale means 90 days before ``today``)."""
    today = today or utc_now().date()
    examples: dict[str, dict[str, Any]] = {
        "console_starter_stale_customers": {
            "since": f"{today - dt.timedelta(days=90):%Y-%m-%d}T00:00:00Z"
        },
    }
    found = []
    for name in STARTERS:
        statement = store.cypher.get(name)
        header = statement.path.read_text(encoding="utf-8").splitlines()
        described = [
            line.strip()[2:].strip()
            for line in header
            if line.strip().startswith("//") and "params:" not in line
        ]
        description = " ".join(described).removeprefix("returns ").strip()
        found.append(Starter(name, description, statement.text, examples.get(name, {})))
    return found
