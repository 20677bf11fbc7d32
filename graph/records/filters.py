"""Statements for declared node types, rendered from the templates in ``cypher/node_*.cypher``.

Templates are valid Cypher (so the Neo4j lint gate checks them) written with placeholder
names: ``__Label__``, ``__Target__``, ``__REL__`` and ``__prop__``. Rendering replaces them
with names taken only from node declarations (``graph.model.base``), never from request input,
replaces ``WHERE true`` with compiled filter predicates, and splices relation parts after
the first ``WITH n`` line. Every value stays a ``$parameter``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from graph.model.base import REGISTRY, SYSTEM_PROPS, Meta, Prop, Rel
from graph.model.conditions import Condition
from graph.security.crypto import FieldCipher
from graph.security.pii import index_name
from graph.security.scope import VISIBLE_TO
from graph.store.statements import Statement
from graph.store.templates import InvalidQuery

# Filter operators. Property operators take a value; relation operators take a uid.
PROP_OPS = ("eq", "neq", "ct", "sw", "gt", "lt", "in", "empty")
# Personal data is stored encrypted: only its blind index can be matched, exactly.
PII_OPS = ("eq", "empty")
REL_OPS = ("rel_eq", "rel_empty")
ORDERABLE_SYSTEM = ("created_at", "updated_at", "uid")

_WHERE = re.compile(r"^WHERE true$", re.MULTILINE)
_SPLICE = "\nWITH n\n"


def suffix_params(statement: Statement, suffix: str, keep: tuple[str, ...] = ()) -> Statement:
    """Rename every parameter ``$p`` to ``$p_<suffix>`` except those in ``keep``."""
    renamed = {p: p if p in keep else f"{p}_{suffix}" for p in statement.params}
    text = re.sub(
        r"\$([A-Za-z_][A-Za-z0-9_]*)\b", lambda m: "$" + renamed.get(m[1], m[1]), statement.text
    )
    return replace(statement, text=text, params=frozenset(renamed.values()))


def with_params(statement: Statement, text: str, extra: set[str]) -> Statement:
    """A derived statement with new text and additional parameters."""
    return replace(statement, text=text, params=statement.params | frozenset(extra))


def _rel_pattern(rel: Rel, target_var: str, uid_param: str | None) -> str:
    node = f"({target_var}:{rel.target}" + (f" {{uid: ${uid_param}}})" if uid_param else ")")
    arrow = f"-[:{rel.type}]->" if rel.direction == "out" else f"<-[:{rel.type}]-"
    return f"(n){arrow}{node}"


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


def visibility_patterns(meta: Meta, param: str) -> tuple[str, str]:
    """(anchor, predicate) patterns meaning "visible to the user named $param".

    The anchor starts at the user and walks down the team to the node (cheap for a list);
    the predicate starts at the node (for one record). Names come from declarations only.
    """
    hops = _owner_hops(meta)
    predicate = "(n)"
    for rel, _ in hops:
        arrow = f"-[:{rel.type}]->" if rel.direction == "out" else f"<-[:{rel.type}]-"
        predicate += f"{arrow}(:{rel.target})"
    predicate += f"-[:REPORTS_TO*0..]->(:User {{username: ${param}}})"
    anchor = f"(:User {{username: ${param}}})<-[:REPORTS_TO*0..]-(:User)"
    for index, (rel, source) in enumerate(reversed(hops)):
        arrow = f"<-[:{rel.type}]-" if rel.direction == "out" else f"-[:{rel.type}]->"
        node = f"n:{source}" if index == len(hops) - 1 else f":{source}"
        anchor += f"{arrow}({node})"
    return anchor, predicate


def compile_filters(
    meta: Meta,
    conditions: list[Condition],
    *,
    anchor_allowed: bool = True,
    cipher: FieldCipher | None = None,
) -> tuple[str | None, list[str], dict[str, Any]]:
    """Compile conditions to (anchor pattern, predicates, parameters).

    The first relation-equality condition becomes the MATCH anchor, so that e.g. "owner is X"
    starts from X's node instead of scanning every customer. On personal data only ``eq``
    and ``empty`` apply; with a ``cipher``, ``eq`` matches the blind index of the normalised
    value (under every configured key, so a rotation in progress does not hide records).
    """
    anchor: str | None = None
    predicates: list[str] = []
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
                    anchor = _rel_pattern(rel, f"a{index}", name)
                else:
                    # A pattern predicate may not introduce a variable (FalkorDB: "Unable
                    # to resolve filtered alias"), so the target stays anonymous here.
                    predicates.append(_rel_pattern(rel, "", name))
            elif cond.op == "rel_empty":
                negate = "NOT " if cond.value in (True, "1", "true", "y") else ""
                predicates.append(negate + _rel_pattern(rel, "", None))
            else:
                raise InvalidQuery(f"operator {cond.op!r} does not apply to {cond.field!r}")
            continue
        prop = meta.prop(cond.field)
        if prop is None and cond.field not in SYSTEM_PROPS:
            raise InvalidQuery(f"{meta.label} has no field {cond.field!r}")
        if cond.op not in PROP_OPS or (prop is not None and prop.pii and cond.op not in PII_OPS):
            raise InvalidQuery(f"operator {cond.op!r} does not apply to {cond.field!r}")
        field = f"n.{cond.field}"
        if prop is not None and prop.pii and cond.op == "eq" and cipher is not None:
            params[name] = cipher.blind_indexes(str(cond.value), prop.kind)
            predicates.append(f"n.{index_name(prop.name)} IN ${name}")
            continue
        if cond.op == "empty":
            truthy = cond.value in (True, "1", "true", "y")
            predicates.append(f"{field} IS NULL" if truthy else f"{field} IS NOT NULL")
            continue
        params[name] = cond.value
        predicates.append(
            {
                "eq": f"{field} = ${name}",
                "neq": f"({field} IS NULL OR {field} <> ${name})",
                "ct": f"toLower(toString({field})) CONTAINS toLower(toString(${name}))",
                "sw": f"{field} STARTS WITH ${name}",
                "gt": f"{field} > ${name}",
                "lt": f"{field} < ${name}",
                "in": f"{field} IN ${name}",
            }[cond.op]
        )
    return anchor, predicates, params


def apply_filters(
    statement: Statement, anchor: str | None, predicates: list[str], params: dict[str, Any]
) -> Statement:
    """Put compiled filters into a rendered template's ``MATCH (n:L)`` / ``WHERE true``."""
    text = statement.text
    if anchor is not None:
        match = re.search(r"^MATCH \(n:([A-Z][A-Za-z0-9_]*)\)$", text, re.MULTILINE)
        if match is None:
            raise InvalidQuery(f"{statement.name} has no 'MATCH (n:Label)' line to anchor")
        label = match[1]
        anchored = anchor.replace("(n)", f"(n:{label})", 1)
        text = text[: match.start()] + f"MATCH {anchored}" + text[match.end() :]
    if predicates:
        if not _WHERE.search(text):
            raise InvalidQuery(f"{statement.name} has no 'WHERE true' line for filters")
        text = _WHERE.sub(lambda _: "WHERE " + "\n  AND ".join(predicates), text, count=1)
    return with_params(statement, text, set(params))


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
    """Turn a rendered page template's ascending sort on ``column`` into a descending one."""
    text = statement.text.replace(f"n.{column}, n.uid", f"n.{column} DESC, n.uid DESC", 1)
    return replace(statement, text=text)


def splice(main: Statement, parts: list[Statement]) -> Statement:
    """Insert each part's body (between its first and last ``WITH n``) after main's first."""
    if not parts:
        return main
    at = main.text.index(_SPLICE) + len(_SPLICE)
    bodies = []
    extra: set[str] = set()
    for part in parts:
        start = part.text.index(_SPLICE) + len(_SPLICE)
        end = part.text.rindex(_SPLICE) + len(_SPLICE)
        bodies.append(part.text[start:end].lstrip("\n"))
        extra |= part.params
    text = main.text[:at] + "".join(bodies) + main.text[at:]
    return with_params(main, text, extra)


def union(parts: list[Statement], name: str) -> Statement:
    """Join read parts with UNION ALL (each part already has its own parameters)."""
    text = "\nUNION ALL\n".join(part.text for part in parts)
    params = frozenset().union(*(p.params for p in parts))
    return replace(parts[0], name=name, text=text, params=params)
