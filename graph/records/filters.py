"""Statements for declared node types, rendered from the templates in ``cypher/node_*.cypher``.

Templates are valid Cypher (so the Neo4j lint gate checks them) written with placeholder
names: ``__Label__``, ``__Target__``, ``__REL__`` and ``__prop__``. Rendering fills them
with names taken only from node declarations (``graph.model.base``), never from request input;
filters are the named fragments of ``cypher/fragments/filters.cypher`` put in place of the
template's ``WHERE true`` line (and, for an anchor, its ``MATCH (n:Label)`` line); relation
parts are spliced after the first ``WITH n`` line. All of it goes through
``graph.store.composition``, which raises when a template lacks what it splices. Every value
stays a ``$parameter``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from graph.model.base import REGISTRY, SYSTEM_PROPS, Meta, Prop, Rel
from graph.model.conditions import Condition
from graph.security.crypto import FieldCipher
from graph.security.pii import index_name
from graph.security.scope import VISIBLE_TO
from graph.store import composition
from graph.store.composition import CompositionError, fragment_piece
from graph.store.statements import Statement
from graph.store.templates import InvalidQuery

# Filter operators. Property operators take a value; relation operators take a uid.
PROP_OPS = ("eq", "neq", "ct", "sw", "gt", "lt", "in", "empty")
# Personal data is stored encrypted: only its blind index can be matched, exactly.
PII_OPS = ("eq", "empty")
REL_OPS = ("rel_eq", "rel_empty")
ORDERABLE_SYSTEM = ("created_at", "updated_at", "uid")
# The relation from an owning user to their manager: the team a scope reaches.
TEAM = "manager"

FRAGMENTS = "filters"
_MATCH_LINE = re.compile(r"^MATCH \(n:[A-Z][A-Za-z0-9_]*\)$", re.MULTILINE)
_SPLICE = "WITH n"


def suffix_params(statement: Statement, suffix: str, keep: tuple[str, ...] = ()) -> Statement:
    """Rename every parameter ``$p`` to ``$p_<suffix>`` except those in ``keep``."""
    return composition.suffix_params(statement, suffix, keep)


def _fragment(name: str, value: str | None = None, /, **names: str | int) -> Statement:
    """The filter fragment ``name`` filled with ``names``, its ``$value`` renamed to
    ``value``."""
    return fragment_piece(FRAGMENTS, name, {"value": value} if value else None, **names)


def _rel_piece(kind: str, rel: Rel, value: str | None = None, **names: str | int) -> Statement:
    """A relation fragment (``rel_<direction>_<kind>``) for ``rel`` of a node."""
    return _fragment(f"rel_{rel.direction}_{kind}", value, REL=rel.type, Target=rel.target, **names)


def _owner_hops(meta: Meta) -> list[tuple[Rel, str]]:
    """(relation, source label) pairs from a node type to its customer's owning User."""
    hops = []
    current = REGISTRY[meta.label]
    for name in (*(current.scope_path or ()), "owner"):
        rel = current.meta.rel(name)
        assert rel is not None, f"{current.label}.{name}: checked by check_scope_paths"
        hops.append((rel, current.label))
        current = REGISTRY[rel.target]
    return hops


def visibility_patterns(meta: Meta, param: str) -> tuple[Statement, Statement]:
    """(anchor, predicate) pieces meaning "visible to the user named $param".

    The anchor is a MATCH line that starts at the user and walks down the team to the node
    (cheap for a list); the predicate starts at the node (for one record). Names come from
    declarations only.
    """
    return _visibility_patterns(meta.label, param)


@cache
def _visibility_patterns(label: str, param: str) -> tuple[Statement, Statement]:
    hops = _owner_hops(REGISTRY[label].meta)
    user = REGISTRY[hops[-1][0].target]
    team = user.meta.rel(TEAM)
    assert team is not None, f"{user.label}.{TEAM}: the team relation is declared"
    who = {"user": param}
    steps = [_fragment("scope_start")]
    for rel, _ in hops:
        steps.append(_fragment(f"scope_step_{rel.direction}", REL=rel.type, Target=rel.target))
    steps.append(fragment_piece(FRAGMENTS, "scope_team", who, REL=team.type, Target=user.label))
    predicate = composition.chain(steps, "visible_to")
    walk = [fragment_piece(FRAGMENTS, "scope_anchor_team", who, REL=team.type, Target=user.label)]
    for index, (rel, source) in enumerate(reversed(hops)):
        last = index == len(hops) - 1
        name = f"scope_anchor_{'node' if last else 'back'}_{rel.direction}"
        walk.append(_fragment(name, REL=rel.type, Source=source))
    return composition.chain(walk, "visible_to_anchor"), predicate


def compile_filters(
    meta: Meta,
    conditions: list[Condition],
    *,
    anchor_allowed: bool = True,
    cipher: FieldCipher | None = None,
) -> tuple[Statement | None, list[Statement], dict[str, Any]]:
    """Compile conditions to (anchor MATCH line, predicates, parameters), all fragments.

    The first relation-equality condition becomes the MATCH anchor, so that e.g. "owner is X"
    starts from X's node instead of scanning every customer. On personal data only ``eq``
    and ``empty`` apply; with a ``cipher``, ``eq`` matches the blind index of the normalised
    value (under every configured key, so a rotation in progress does not hide records).
    """
    anchor: Statement | None = None
    predicates: list[Statement] = []
    params: dict[str, Any] = {}
    for index, cond in enumerate(conditions):
        name = f"f{index}"
        if cond.op == VISIBLE_TO:
            params[name] = cond.value
            anchored, predicate = visibility_patterns(meta, name)
            if anchor is None and anchor_allowed:
                anchor = anchored
            else:
                predicates.append(predicate)
            continue
        rel = meta.rel(cond.field)
        if rel is not None:
            if cond.op == "rel_eq" and cond.value in (None, ""):
                cond = Condition(cond.field, "rel_empty", True)
            if cond.op == "rel_eq":
                params[name] = cond.value
                if anchor is None and anchor_allowed:
                    anchor = _rel_piece("anchor", rel, name, Label=meta.label, i=index)
                else:
                    predicates.append(_rel_piece("eq", rel, name))
            elif cond.op == "rel_empty":
                empty = cond.value in (True, "1", "true", "y")
                predicates.append(_rel_piece("none" if empty else "any", rel))
            else:
                raise InvalidQuery(f"operator {cond.op!r} does not apply to {cond.field!r}")
            continue
        prop = meta.prop(cond.field)
        if prop is None and cond.field not in SYSTEM_PROPS:
            raise InvalidQuery(f"{meta.label} has no field {cond.field!r}")
        if cond.op not in PROP_OPS or (prop is not None and prop.pii and cond.op not in PII_OPS):
            raise InvalidQuery(f"operator {cond.op!r} does not apply to {cond.field!r}")
        if prop is not None and prop.pii and cond.op == "eq" and cipher is not None:
            params[name] = cipher.blind_indexes(str(cond.value), prop.kind)
            predicates.append(_fragment("prop_in", name, prop=index_name(prop.name)))
            continue
        if cond.op == "empty":
            truthy = cond.value in (True, "1", "true", "y")
            predicates.append(
                _fragment("prop_null" if truthy else "prop_not_null", prop=cond.field)
            )
            continue
        params[name] = cond.value
        predicates.append(_fragment(f"prop_{cond.op}", name, prop=cond.field))
    return anchor, predicates, params


def apply_filters(
    statement: Statement,
    anchor: Statement | None,
    predicates: list[Statement],
    params: dict[str, Any],
    *,
    occurrence: int = 1,
) -> Statement:
    """Put compiled filters into a rendered template: the anchor in place of its
    ``MATCH (n:Label)`` line, the predicates in place of its (``occurrence``-th)
    ``WHERE true`` line. ``CompositionError`` if the template lacks either."""
    if anchor is not None:
        statement = composition.replace_line_matching(statement, _MATCH_LINE, anchor)
    statement = composition.where(statement, predicates, occurrence=occurrence)
    missing = set(params) - statement.params
    if missing:
        raise CompositionError(f"{statement.name}: filter parameters {sorted(missing)} unused")
    return statement


def filtered(
    template: Statement,
    meta: Meta,
    conditions: list[Condition],
    *,
    anchor_allowed: bool = True,
    cipher: FieldCipher | None = None,
) -> tuple[Statement, dict[str, Any]]:
    """A rendered template with ``conditions`` compiled into it, and their parameters."""
    anchor, predicates, params = compile_filters(
        meta, conditions, anchor_allowed=anchor_allowed, cipher=cipher
    )
    return apply_filters(template, anchor, predicates, params), params


def ordered(statement: Statement, column: str, direction: str) -> Statement:
    """A rendered page template sorted on ``column`` in ``direction`` (``asc`` or
    ``desc``); ``CompositionError`` if its ordering line is not the one on ``column``."""
    if direction.lower() == "desc":
        return descending(statement, column)
    ascending = fragment_piece(FRAGMENTS, "page_order_asc", prop=column)
    return composition.replace_line(statement, ascending.text, ascending)


def after(column: str, direction: str, value: Any, uid: str) -> tuple[Statement, dict[str, Any]]:
    """The keyset predicate "after the row whose ``column`` is ``value`` and uid ``uid``" in
    the order ``ordered`` gives (nulls last, then uid), with its parameters ``after_value``
    and ``after_uid``: the next page without SKIP, so an export's last page costs what its
    first does."""
    way = "desc" if direction.lower() == "desc" else "asc"
    if value is None:
        piece = fragment_piece(FRAGMENTS, f"page_after_null_{way}", {"uid": "after_uid"},
                               prop=column)  # fmt: skip
        return piece, {"after_uid": uid}
    names = {"value": "after_value", "uid": "after_uid"}
    piece = fragment_piece(FRAGMENTS, f"page_after_{way}", names, prop=column)
    return piece, {"after_value": value, "after_uid": uid}


def check_order(meta: Meta, column: str, direction: str) -> None:
    """Refuse an order column the model does not allow (text, personal data, relations,
    unknown names)."""
    prop = meta.prop(column)
    if not ((prop is not None and orderable(prop)) or column in ORDERABLE_SYSTEM):
        raise InvalidQuery(f"{meta.label} cannot be ordered by {column!r}")
    if direction.lower() not in ("asc", "desc"):
        raise InvalidQuery(f"order direction must be asc or desc, not {direction!r}")


def orderable(prop: Prop) -> bool:
    """Whether lists may be sorted by ``prop`` (not long text, not encrypted personal data)."""
    return prop.field_kind.orderable and not prop.pii


def descending(statement: Statement, column: str) -> Statement:
    """Turn a rendered page template's ascending sort on ``column`` into a descending one
    (``CompositionError`` if the template's ordering line is not the ascending one)."""
    ascending = fragment_piece(FRAGMENTS, "page_order_asc", prop=column)
    desc = fragment_piece(FRAGMENTS, "page_order_desc", prop=column)
    return composition.replace_line(statement, ascending.text, desc)


def splice(main: Statement, parts: list[Statement]) -> Statement:
    """Insert each part's body (between its first and last ``WITH n``) after main's first."""
    return composition.insert_after(
        main, _SPLICE, [composition.between_lines(part, _SPLICE) for part in parts]
    )


def union(parts: list[Statement], name: str) -> Statement:
    """Join read parts with UNION ALL (each part already has its own parameters)."""
    return composition.union_all(parts, name)
