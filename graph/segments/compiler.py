"""Compiling segment rules to one parameterised Cypher query on ``Customer``.

Each rule becomes the named fragments of ``cypher/fragments/segments.cypher`` (and the
property tests of ``filters.cypher``), filled with the relationship types, labels and
properties of the rule field's declarations (``graph.segments.rules``) and spliced into the
``segment_member_*`` templates by ``graph.store.composition``, with the reader's row-level
scope on top through the list filters' own mechanism (``graph.records.filters``). Rules
combine with AND.

Every value is a ``$parameter``; the only number composed into the text is a
variable-length bound, from an integer checked here (no engine takes ``*1..$n``). Each
predicate is an expression (pattern comprehensions, not bare patterns), so the same text
also works in a ``RETURN`` list: ``explain`` evaluates every rule for one member in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.model.base import model_for
from graph.records.filters import apply_filters
from graph.segments.rules import DESCENDANT_DEPTH, FIELDS, MAX_HOPS, Rule
from graph.store import composition
from graph.store.composition import fragment_piece
from graph.store.statements import Statement

FRAGMENTS = "segments"
PROJECTION = "WITH n, null AS v"  # the template line the rules' values replace


@dataclass(frozen=True)
class CompiledRule:
    """One rule as Cypher on the customer ``n``.

    ``value`` is what the rule looks at (shown by ``explain``). A ``plain`` rule's ``test``
    is a predicate on ``n`` for the first ``WHERE`` (properties, a referral pattern); the
    others need pattern comprehensions, which FalkorDB evaluates in a projection but not in
    ``WHERE``: their ``value`` is projected as ``v<i>`` and ``test`` reads ``v<i>``.
    ``shape`` is the rule field's (``graph.segments.rules.RuleField``).
    """

    value: Statement
    test: Statement
    plain: bool
    shape: str


@dataclass(frozen=True)
class Compiled:
    """A segment's rules as Cypher, with their parameters (``s<i>``, apart from the
    ``f<i>`` of list filters and row-level scope)."""

    rules: list[CompiledRule]
    params: dict[str, Any]


def _piece(name: str, value: str | None = None, /, **names: str | int) -> Statement:
    return fragment_piece(FRAGMENTS, name, {"value": value} if value else None, **names)


def _title(label: str) -> str:
    return model_for(label).meta.title


def compile_rule(i: int, rule: Rule, params: dict[str, Any]) -> CompiledRule:
    """Rule number ``i`` as Cypher; its values go into ``params`` as ``s<i>``."""
    spec = FIELDS[rule.field]
    p = f"s{i}"
    value = rule.value
    rel = spec.rel
    if spec.shape == "prop":
        params[p] = value
        test = fragment_piece("filters", f"prop_{rule.op}", {"value": p}, prop=spec.prop)
        return CompiledRule(_piece("prop_value", prop=spec.prop), test, True, spec.shape)
    if spec.shape == "between":
        params[f"{p}_from"] = value.get("from", "0000-01-01")
        params[f"{p}_to"] = value.get("to", "9999-12-31")
        dates = {"from": f"{p}_from", "to": f"{p}_to"}
        test = fragment_piece(FRAGMENTS, "between", dates, prop=spec.prop)
        return CompiledRule(_piece("prop_value", prop=spec.prop), test, True, spec.shape)
    assert rel is not None, f"{rule.field}: a {spec.shape} rule field walks a relation"
    if spec.shape == "chain":
        params[p] = value["customer"]
        hops = int(value["hops"])  # checked 1..MAX_HOPS by parse_rule
        if not 1 <= hops <= MAX_HOPS:
            raise AssertionError(f"{rule.field}: hops {hops} outside 1..{MAX_HOPS}")
        test = _piece(f"chain_{rel.direction}", p, REL=rel.type, Target=rel.target, hops=hops)
        return CompiledRule(_piece("no_value"), test, True, spec.shape)
    if spec.shape in ("many", "one"):
        params[p] = value
        names: dict[str, str | int] = {
            "REL": rel.type,
            "Target": rel.target,
            "prop": _title(rel.target),
            "i": i,
        }
        shown = _piece(f"{spec.shape}_{rel.direction}", p, **names)
        test = _piece("test_all", p, i=i) if rule.op == "all" else _piece("test_any", i=i)
        return CompiledRule(shown, test, False, spec.shape)
    if spec.shape == "latest":
        names = {"REL": rel.type, "Source": spec.source, "prop": spec.prop, "i": i}
        latest = _piece(f"latest_via_{rel.direction}", **names)
        if rule.op == "none":
            return CompiledRule(latest, _piece("test_blank", i=i), False, spec.shape)
        params[p] = value
        test = _piece("test_date_before" if rule.op == "before" else "test_date_from", p, i=i)
        return CompiledRule(latest, test, False, spec.shape)
    params[p] = value
    at_least = _piece("test_at_least", p, i=i)
    if spec.shape == "count":
        counted = _piece(f"count_via_{rel.direction}", REL=rel.type, Source=spec.source, i=i)
        return CompiledRule(counted, at_least, False, spec.shape)
    if spec.shape == "sum":
        names = {"REL": rel.type, "Source": spec.source, "prop": spec.prop, "i": i}
        return CompiledRule(_piece(f"sum_via_{rel.direction}", **names), at_least, False, "sum")
    if spec.shape == "reach":
        names = {"REL": rel.type, "Label": rel.target, "prop": spec.prop, "i": i}
        reach = _piece(f"reach_{rel.direction}", hops=DESCENDANT_DEPTH, **names)
        return CompiledRule(reach, at_least, False, spec.shape)
    raise AssertionError(f"rule field {rule.field!r} has no compiler for {spec.shape!r}")


def compile_rules(rules: tuple[Rule, ...]) -> Compiled:
    """The rules as Cypher expressions on the customer ``n`` (see ``CompiledRule``)."""
    params: dict[str, Any] = {}
    return Compiled([compile_rule(i, rule, params) for i, rule in enumerate(rules)], params)


def members_statement(
    template: Statement,
    compiled: Compiled,
    anchor: Statement | None,
    predicates: list[Statement],
    params: dict[str, Any],
) -> Statement:
    """A ``segment_member_count``/``_page`` template with the reader's scope (``anchor``,
    ``predicates``: compiled list filters) and the rules: plain tests in the first
    ``WHERE true``, projected values in place of ``WITH n, null AS v``, their tests in the
    second ``WHERE true``."""
    projected = [(rule.value, i) for i, rule in enumerate(compiled.rules) if not rule.plain]
    tests = [rule.test for rule in compiled.rules if not rule.plain]
    plain = [rule.test for rule in compiled.rules if rule.plain]
    statement = composition.where(template, tests, occurrence=2)
    statement = composition.replace_line(statement, PROJECTION, composition.projection(projected))
    return apply_filters(statement, anchor, predicates + plain, params)


def explain_statement(
    template: Statement,
    compiled: Compiled,
    visibility: list[Statement],
    params: dict[str, Any],
) -> Statement:
    """The ``segment_member_explain`` template evaluating every rule for one customer:
    values projected, tests in place of ``[true]`` and values in place of ``[null]``. A
    chain rule's test (a pattern) is a ``WHERE`` predicate only: it shows ``true`` here and
    its path query decides it."""
    values = [(rule.value, i) for i, rule in enumerate(compiled.rules)]
    tests = [_piece("always") if rule.shape == "chain" else rule.test for rule in compiled.rules]
    evidence = [_piece("evidence", i=i) for i in range(len(compiled.rules))]
    statement = composition.replace_line(template, PROJECTION, composition.projection(values))
    statement = composition.replace_text(statement, "[true]", composition.list_of(tests))
    statement = composition.replace_text(statement, "[null]", composition.list_of(evidence))
    return apply_filters(statement, None, visibility, params)


def referral_path_statement(template: Statement, hops: int) -> Statement:
    """``segment_referral_path`` bounded to ``hops`` (checked 1 to ``MAX_HOPS``)."""
    return composition.with_bound(template, hops, MAX_HOPS)
