"""Global search: customers, contacts and referrers by name, pinyin, initials, id, phone
(any format, or its last four digits) and e-mail, in one round trip.

A query is read as one or more probes, each an index seek on a stored key:

- an id (``C20240520001``, ``K00000012``, or its start): the uid;
- an e-mail (has ``@``): the e-mail's blind index, exactly;
- a phone (at least 7 digits, in any format): the E.164 blind index, exactly;
- four digits: the keyed index of a phone's last four digits;
- other text: the folded name, full pinyin and initials by prefix
  (``graph.records.search_keys``); Chinese text that starts fewer names than the limit is
  also looked for inside names (a scan, so only then).

Personal data stays encrypted: phones and e-mails are found through their keyed indexes
only. A reader who sees personal data masked gets no personal-data probe at all (the
result names the fields left out), so search is no oracle for masked values; the fields a
permitted reader searched are returned for the audit log. Results follow the reader's
scope: the row-level conditions of each type (``graph.security.scope``) go into every
probe, and types the reader may not read are not searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graph.errors import InvalidValue
from graph.model.base import NodeModel
from graph.records.filters import apply_filters, compile_filters, suffix_params, union
from graph.records.search_keys import INITIALS_KEY, NAME_KEY, PINYIN_KEY, SEARCHED, fold
from graph.security.crypto import FieldCipher
from graph.security.pii import index_name, last4_index_name
from graph.security.scope import Scope, scope_conditions
from graph.store.protocol import GraphStore
from graph.store.statements import CypherLibrary, Statement
from graph.store.templates import render

# How a probe compares its key, and the statement template that does so.
TEMPLATES = {
    "prefix": "search_list_prefix",
    "exact": "search_list_exact",
    "contains": "search_list_contains",
}
MAX_QUERY = 100  # characters; longer input is refused, not searched
DEFAULT_LIMIT = 8  # results per type
MAX_LIMIT = 50

_ID = re.compile(r"[A-Za-z]{1,3}[0-9]{3,}")
_PHONE = re.compile(r"\+?[0-9 ()./\-]*[0-9][0-9 ()./\-]*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Probe:
    """One way a query is matched: a stored key (``prop``) by ``op`` (prefix, exact,
    contains) with ``value``; ``field`` names it for readers (name, pinyin, phone, ...);
    ``personal`` marks probes on personal data."""

    field: str
    op: str
    prop: str
    value: Any
    personal: bool = False


@dataclass(frozen=True)
class Hit:
    """One record found: its type, uid, title and the field that matched."""

    label: str
    uid: str
    title: str
    matched: str


@dataclass(frozen=True)
class SearchResult:
    """What a search found, per type in ``SEARCHED`` order; ``skipped`` are the
    personal-data fields not searched because the reader sees them masked, ``personal``
    the ones searched (for the audit log)."""

    hits: list[Hit] = field(default_factory=list)
    skipped: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()


def clean_query(text: str) -> str:
    """The query as searched: control characters dropped, spaces collapsed; an over-long
    query raises ``InvalidValue``."""
    cleaned = " ".join(_CONTROL.sub(" ", text or "").split())
    if len(cleaned) > MAX_QUERY:
        raise InvalidValue(f"a search is at most {MAX_QUERY} characters")
    return cleaned


def probes(query: str, cipher: FieldCipher | None) -> list[Probe]:
    """How ``query`` (already cleaned) is looked for, before the reader's rights apply
    (personal data only through its keyed indexes: without a ``cipher`` nothing matches)."""
    if not query:
        return []
    if "@" in query:
        values = cipher.blind_indexes(query, "email") if cipher else []
        return [Probe("email", "exact", index_name("email"), values, personal=True)]
    if _PHONE.fullmatch(query):
        digits = re.sub(r"[^0-9]", "", query)
        if len(digits) == 4:
            values = cipher.suffix_indexes(digits) if cipher else []
            return [Probe("phone_last4", "exact", last4_index_name("phone"), values, True)]
        if len(digits) >= 7:
            values = cipher.blind_indexes(query, "phone") if cipher else []
            return [Probe("phone", "exact", index_name("phone"), values, personal=True)]
        return []
    if _ID.fullmatch(query):
        return [Probe("id", "prefix", "uid", query.upper())]
    text = fold(query)
    if not text:
        return []
    found = [Probe("name", "prefix", NAME_KEY, text)]
    if text.isascii() and text.isalnum():
        found += [
            Probe("pinyin", "prefix", PINYIN_KEY, text),
            Probe("initials", "prefix", INITIALS_KEY, text),
        ]
    return found


def search(
    store: GraphStore,
    query: str,
    scope: Scope,
    cipher: FieldCipher | None,
    *,
    limit: int = DEFAULT_LIMIT,
) -> SearchResult:
    """Records of the searched types that ``query`` finds and ``scope`` may see, at most
    ``limit`` per type, best first (exact matches, then shorter names)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    query = clean_query(query)
    planned = probes(query, cipher)
    skipped = tuple(sorted({p.field for p in planned if p.personal and not scope.pii}))
    planned = [p for p in planned if scope.pii or not p.personal]
    personal = tuple(sorted({p.field for p in planned if p.personal}))
    models = [m for m in SEARCHED if scope.may_read(m)]
    hits = _run(store, models, planned, scope, limit)
    text = fold(query)
    if _CJK.search(text) and len({h.uid for h in hits}) < limit:
        # Few names start so: look inside names too (a scan, so only then).
        contains = [Probe("name", "contains", NAME_KEY, text)]
        hits += _run(store, [m for m in models if _count(hits, m) < limit], contains, scope, limit)
    return SearchResult(_ranked(hits, text, limit), skipped, personal)


def _count(hits: list[Hit], model: type[NodeModel]) -> int:
    return len({h.uid for h in hits if h.label == model.label})


def _run(
    store: GraphStore,
    models: list[type[NodeModel]],
    planned: list[Probe],
    scope: Scope,
    limit: int,
) -> list[Hit]:
    """Run every (type, probe) pair as one UNION ALL statement."""
    parts: list[Statement] = []
    params: dict[str, Any] = {}
    pairs: list[tuple[type[NodeModel], Probe]] = []
    for model in models:
        for probe in planned:
            if probe.op == "exact" and not probe.value:
                continue  # nothing can match (e.g. no cipher for an index)
            index = str(len(pairs))
            statement, own = _part(store, model, probe, scope, limit)
            parts.append(suffix_params(statement, index))
            params.update({f"{name}_{index}": value for name, value in own.items()})
            params[f"part_{index}"] = index
            pairs.append((model, probe))
    if not parts:
        return []
    rows = store.read(union(parts, "search_list"), **params)
    hits = []
    for row in rows:
        model, probe = pairs[int(row["part"])]
        node = row["n"]
        title = node.get(model.meta.title)
        hits.append(Hit(model.label, node["uid"], "" if title is None else str(title), probe.field))
    return hits


def _part(
    store: GraphStore, model: type[NodeModel], probe: Probe, scope: Scope, limit: int
) -> tuple[Statement, dict[str, Any]]:
    """One probe on one type, with the reader's row-level conditions, and its parameters
    (all but ``part``, which the caller numbers)."""
    conditions = scope_conditions(model, scope)
    # The key's index finds the few candidates; visibility is then checked per candidate
    # (anchoring at the reader's team would walk all of its customers first).
    _, predicates, params = compile_filters(model.meta, conditions, anchor_allowed=False)
    statement = apply_filters(
        _template(store.cypher, probe.op, model.label, probe.prop), None, predicates, params
    )
    params["limit"] = limit
    if probe.op == "exact":
        params["values"] = list(probe.value)
    else:
        params["text"] = probe.value
        if probe.op == "prefix":
            params["upper"] = successor(probe.value)
    return statement, params


def successor(text: str) -> str:
    """The least string above every string starting with ``text``: its last character
    moved one code point up (FalkorDB's index answers a range to a bound such as
    ``text + "\\U0010ffff"`` wrongly, so the bound stays close to the text)."""
    point = ord(text[-1]) + 1
    if 0xD800 <= point <= 0xDFFF:
        point = 0xE000  # past the surrogates, which are no characters
    return text[:-1] + chr(min(point, 0x10FFFF))


# Cached per statement library (one per dialect), never per store (see the repository's).
@cache
def _template(cypher: CypherLibrary, op: str, label: str, prop: str) -> Statement:
    return render(cypher.get(TEMPLATES[op]), Label=label, prop=prop)


def _ranked(hits: list[Hit], text: str, limit: int) -> list[Hit]:
    """Hits without duplicates, grouped by type in ``SEARCHED`` order; within a type exact
    matches first (an id, phone or e-mail, or the whole name), then shorter names."""
    order = {model.label: index for index, model in enumerate(SEARCHED)}
    exact_fields = ("id", "email", "phone", "phone_last4")

    def key(hit: Hit) -> tuple[int, int, int, str, str]:
        exact = hit.matched in exact_fields or fold(hit.title) == text
        return (order[hit.label], 0 if exact else 1, len(hit.title), hit.title, hit.uid)

    seen: set[str] = set()
    kept: list[Hit] = []
    per_label: dict[str, int] = {}
    for hit in sorted(hits, key=key):
        if hit.uid in seen or per_label.get(hit.label, 0) >= limit:
            continue
        seen.add(hit.uid)
        per_label[hit.label] = per_label.get(hit.label, 0) + 1
        kept.append(hit)
    return kept
