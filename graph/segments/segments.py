"""Segments: saved sets of rules on customers, compiled to one parameterised Cypher query.

A segment's rules (stage, industry, tags, channel, owner, dates, orders, referrals, …) are
validated from JSON into ``Rule`` records, then compiled into extra ``WHERE`` predicates on
``Customer`` and put into the ``node_count`` / ``node_page`` templates through the same
mechanism as list filters (``graph.records.filters``), with the reader's row-level scope on top: a
salesperson counts and lists only their team's members. Rules combine with AND.

Every value is a ``$parameter``; the only text built from input is a variable-length bound,
and only from an integer this module checked (no engine takes ``*1..$n``). Each predicate is
an expression (pattern comprehensions, not bare patterns), so the same text also works in a
``RETURN`` list: ``explain`` evaluates every rule for one member in one query.

Segments are stored as ``Segment`` nodes whose ``rules`` property holds the rules as a JSON
string (neither engine stores a map-valued property).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from graph.clock import utc_now
from graph.errors import InvalidValue, NotFound, StaleVersion
from graph.model import nodes
from graph.model.nodes import SEGMENT_UID_PREFIX
from graph.model.records import ISO_DATETIME, Record, record_from_row
from graph.records.audit_intent import change_entry, intent_of
from graph.records.events import record_changed
from graph.records.filters import apply_filters, compile_filters, with_params
from graph.records.history import ChangeEntry, change_entry_of
from graph.records.repository import NodeRepository
from graph.records.serials import next_uid
from graph.records.visibility import visible_uids
from graph.security.pii import open_props
from graph.security.scope import Scope, scope_conditions
from graph.store.protocol import GraphStore
from graph.store.statements import Statement

MAX_HOPS = 10
# Descendants are counted this deep when the analytics property is missing.
DESCENDANT_DEPTH = MAX_HOPS
MAX_RULES = 30
MAX_LIST = 200
MAX_NAME = 100
MAX_DESCRIPTION = 1000
_BOUND = f"*1..{MAX_HOPS}]"  # the bound written in templates; a checked depth replaces it
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidRule(InvalidValue):
    """A rule or segment the user described cannot be saved or run; ``zh`` is the message in
    Chinese (the English one is ``str(error)``)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


@dataclass(frozen=True)
class Rule:
    """One rule: ``field`` ``op`` ``value`` (see ``FIELDS`` for what each field allows)."""

    field: str
    op: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        """The rule as stored and as the REST API shows it."""
        return {"field": self.field, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Segment:
    """A saved segment: its rules and bookkeeping."""

    uid: str
    name: str
    description: str = ""
    rules: tuple[Rule, ...] = ()
    created_by: str = ""
    created_at: str = ""
    updated_at: str = ""
    version: int = 1

    def as_dict(self) -> dict[str, Any]:
        """The segment as the REST API returns it."""
        return {
            "uid": self.uid,
            "name": self.name,
            "description": self.description,
            "rules": [rule.as_dict() for rule in self.rules],
            "created_by": self.created_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "version": self.version,
        }


@dataclass(frozen=True)
class RuleMatch:
    """Why one rule does (or does not) hold for a member: ``detail`` is a short English text,
    e.g. ``tags: VIP`` or ``referred by C2024… via C2025… (2 hops)``; ``shown`` the member's
    value the rule looked at, formatted (empty for ``referred_by``); ``path`` lists the uids
    of a referral path from the referrer down to the member (placeholders for hidden ones).
    Pages build their own text in the reader's language from ``rule``, ``shown`` and
    ``path``."""

    rule: Rule
    matched: bool
    detail: str
    path: tuple[str, ...] = ()
    shown: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The match as the REST API returns it."""
        return {
            "rule": self.rule.as_dict(),
            "matched": self.matched,
            "detail": self.detail,
            "path": list(self.path),
        }


@dataclass(frozen=True)
class Explanation:
    """For one customer: whether it is a member and, rule by rule, why."""

    uid: str
    name: str
    member: bool
    rules: list[RuleMatch] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The explanation as the REST API returns it."""
        return {
            "uid": self.uid,
            "name": self.name,
            "member": self.member,
            "rules": [match.as_dict() for match in self.rules],
        }


# -- validation -----------------------------------------------------------------------------


def _refuse(en: str, zh: str) -> InvalidRule:
    return InvalidRule(en, zh)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _refuse(f"{what}: give a non-empty text", f"{what}：请填写非空文本")
    return value.strip()


def _texts(value: Any, what: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or len(items) > MAX_LIST:
        raise _refuse(
            f"{what}: give 1 to {MAX_LIST} values", f"{what}：请给出 1 到 {MAX_LIST} 个值"
        )
    result: list[str] = []
    for item in items:
        text = _text(item, what)
        if allowed is not None and text not in allowed:
            raise _refuse(
                f"{what}: {text!r} is not one of {', '.join(allowed)}",
                f"{what}：{text!r} 不是 {', '.join(allowed)} 之一",
            )
        if text not in result:
            result.append(text)
    return result


def _integer(value: Any, what: str, low: int, high: int | None = None) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        value = None
    if high is None and (value is None or value < low):
        raise _refuse(
            f"{what}: give a whole number of at least {low}", f"{what}：请给出不小于 {low} 的整数"
        )
    if high is not None and (value is None or not low <= value <= high):
        raise _refuse(
            f"{what}: give a whole number from {low} to {high}",
            f"{what}：请给出 {low} 到 {high} 之间的整数",
        )
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _refuse(f"{what}: give a number", f"{what}：请给出数字")
    return float(value)


def _date(value: Any, what: str) -> str:
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            dt.date.fromisoformat(value.strip())
            return value.strip()
        except ValueError:
            pass
    raise _refuse(
        f"{what}: {value!r} is not a date (YYYY-MM-DD)", f"{what}：{value!r} 不是日期（YYYY-MM-DD）"
    )


def _stage(op: str, value: Any) -> Any:
    return _texts(value, "stage", tuple(c.value for c in nodes.STAGES))


def _tier(op: str, value: Any) -> Any:
    return _texts(value, "value_tier", tuple(c.value for c in nodes.TIERS))


def _column(name: str) -> Callable[[str, Any], Any]:
    def check(op: str, value: Any) -> Any:
        return _text(value, name) if op == "eq" else _texts(value, name)

    return check


def _tags(op: str, value: Any) -> Any:
    return _texts(value, "tags")


def _one_uid(name: str) -> Callable[[str, Any], Any]:
    return lambda op, value: _text(value, name)


def _created(op: str, value: Any) -> Any:
    if not isinstance(value, dict) or not set(value) <= {"from", "to"}:
        raise _refuse(
            'created: give {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} (either may be left out)',
            'created：请给出 {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}（可省略其一）',
        )
    dates = {k: _date(v, f"created {k}") for k, v in value.items() if v not in (None, "")}
    if not dates:
        raise _refuse("created: give at least one date", "created：请至少给出一个日期")
    if len(dates) == 2 and dates["from"] > dates["to"]:
        raise _refuse(
            "created: the start date is after the end date", "created：开始日期晚于结束日期"
        )
    return dates


def _follow_up(op: str, value: Any) -> Any:
    if op == "none":
        if value not in (None, "", True):
            raise _refuse("last_follow_up none takes no value", "last_follow_up 为 none 时不需要值")
        return None
    return _date(value, f"last_follow_up {op}")


def _referred(op: str, value: Any) -> Any:
    if not isinstance(value, dict) or set(value) - {"customer", "hops"}:
        raise _refuse(
            'referred_by: give {"customer": "<uid>", "hops": 1-10}',
            'referred_by：请给出 {"customer": "<uid>", "hops": 1-10}',
        )
    return {
        "customer": _text(value.get("customer"), "referred_by customer"),
        "hops": _integer(value.get("hops", 1), "referred_by hops", 1, MAX_HOPS),
    }


# field -> {op: checker(op, value) -> normalised value}
FIELDS: dict[str, dict[str, Callable[[str, Any], Any]]] = {
    "stage": {"in": _stage},
    "industry": {"eq": _column("industry"), "in": _column("industry")},
    "region": {"eq": _column("region"), "in": _column("region")},
    "tags": {"any": _tags, "all": _tags},
    "channel": {"is": _one_uid("channel")},
    "owner": {"is": _one_uid("owner")},
    "value_tier": {"in": _tier},
    "created": {"between": _created},
    "last_follow_up": {"before": _follow_up, "after": _follow_up, "none": _follow_up},
    "order_count": {"gte": lambda op, v: _integer(v, "order_count", 0)},
    "order_total": {"gte": lambda op, v: _number(v, "order_total")},
    "referred_by": {"within": _referred},
    "descendants": {"gte": lambda op, v: _integer(v, "descendants", 1)},
    "influence": {"gt": lambda op, v: _number(v, "influence")},
}


def parse_rule(data: Any) -> Rule:
    """One rule from JSON ``{"field", "op", "value"}``, checked and normalised."""
    if not isinstance(data, dict) or set(data) - {"field", "op", "value"}:
        raise _refuse(
            'a rule is an object {"field": …, "op": …, "value": …}',
            '规则应为对象 {"field": …, "op": …, "value": …}',
        )
    name, op = data.get("field"), data.get("op")
    ops = FIELDS.get(name) if isinstance(name, str) else None
    if ops is None or not isinstance(name, str):
        raise _refuse(
            f"unknown rule field {name!r}; expected one of {', '.join(FIELDS)}",
            f"未知的规则字段 {name!r}；可用：{', '.join(FIELDS)}",
        )
    if op not in ops:
        raise _refuse(
            f"{name}: unknown operator {op!r}; expected one of {', '.join(ops)}",
            f"{name}：未知的运算符 {op!r}；可用：{', '.join(ops)}",
        )
    return Rule(name, op, ops[op](op, data.get("value")))


def parse_rules(data: Any) -> tuple[Rule, ...]:
    """A segment's rules from JSON (a list of rule objects, or its JSON text)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            raise _refuse("rules are not valid JSON", "规则不是有效的 JSON") from None
    if not isinstance(data, list) or not data:
        raise _refuse("give at least one rule", "请至少给出一条规则")
    if len(data) > MAX_RULES:
        raise _refuse(f"at most {MAX_RULES} rules", f"最多 {MAX_RULES} 条规则")
    return tuple(parse_rule(item) for item in data)


def parse_segment_fields(data: Any) -> tuple[str, str, tuple[Rule, ...]]:
    """(name, description, rules) from a JSON body or form, checked."""
    if not isinstance(data, dict):
        raise _refuse("send a JSON object", "请发送 JSON 对象")
    unknown = set(data) - {"name", "description", "rules", "version"}
    if unknown:
        raise _refuse(f"unknown keys {sorted(unknown)}", f"未知的键 {sorted(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise _refuse(
            f"name: 1 to {MAX_NAME} characters required", f"名称：需要 1 到 {MAX_NAME} 个字符"
        )
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise _refuse(
            f"description: at most {MAX_DESCRIPTION} characters",
            f"描述：最多 {MAX_DESCRIPTION} 个字符",
        )
    return name.strip(), description.strip(), parse_rules(data.get("rules"))


# -- compiling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    """One rule as Cypher on the customer ``n``.

    ``value`` is what the rule looks at (shown by ``explain``). A ``plain`` rule's ``test``
    is a predicate on ``n`` for the first ``WHERE`` (properties, a referral pattern); the
    others need pattern comprehensions, which FalkorDB evaluates in a projection but not in
    ``WHERE``: their ``value`` is projected as ``v<i>`` and ``test`` reads ``v<i>``.
    """

    value: str
    test: str
    plain: bool


@dataclass(frozen=True)
class Compiled:
    """A segment's rules as Cypher, with their parameters (``s<i>``, apart from the
    ``f<i>`` of list filters and row-level scope)."""

    rules: list[CompiledRule]
    params: dict[str, Any]


def _descendants(i: int) -> str:
    """The analytics property when present, else a distinct count to a bounded depth (a
    referral loop ends at the bound and the customer itself is not counted)."""
    reach = f"[(n)-[:REFERRED*1..{DESCENDANT_DEPTH}]->(d{i}:Customer) WHERE d{i} <> n | d{i}.uid]"
    distinct = (
        f"size(reduce(seen = [], x{i} IN {reach} | "
        f"CASE WHEN x{i} IN seen THEN seen ELSE seen + x{i} END))"
    )
    return (
        f"CASE WHEN n.referral_descendants IS NULL THEN {distinct} ELSE n.referral_descendants END"
    )


def _compile_rule(i: int, rule: Rule, params: dict[str, Any]) -> CompiledRule:
    p, v = f"s{i}", f"v{i}"
    value = rule.value
    if rule.field in ("stage", "value_tier", "industry", "region", "influence"):
        params[p] = value
        op = {"eq": "=", "in": "IN", "gt": ">"}[rule.op]
        return CompiledRule(f"n.{rule.field}", f"n.{rule.field} {op} ${p}", plain=True)
    if rule.field == "created":
        # The upper bound on a substring: FalkorDB 4.16's range index answers a string
        # upper bound with every node (tests/test_segments.py checks the result).
        params[f"{p}_from"] = value.get("from", "0000-01-01")
        params[f"{p}_to"] = value.get("to", "9999-12-31")
        test = f"(n.created_at >= ${p}_from AND substring(n.created_at, 0, 10) <= ${p}_to)"
        return CompiledRule("n.created_at", test, plain=True)
    if rule.field == "referred_by":
        params[p] = value["customer"]
        hops = int(value["hops"])  # checked 1..MAX_HOPS by parse_rule
        assert 1 <= hops <= MAX_HOPS
        test = f"(n.uid <> ${p} AND (n)<-[:REFERRED*1..{hops}]-(:Customer {{uid: ${p}}}))"
        return CompiledRule("null", test, plain=True)
    if rule.field == "tags":
        params[p] = value
        names = f"[(n)-[:TAGGED]->(t{i}:Tag) WHERE t{i}.uid IN ${p} | t{i}.name]"
        test = f"size({v}) > 0" if rule.op == "any" else f"size({v}) = size(${p})"
        return CompiledRule(names, test, plain=False)
    if rule.field in ("channel", "owner"):
        params[p] = value
        if rule.field == "channel":
            names = f"[(n)-[:ACQUIRED_VIA]->(m{i}:Channel) WHERE m{i}.uid = ${p} | m{i}.name]"
        else:
            names = f"[(n)<-[:OWNS]-(m{i}:User) WHERE m{i}.uid = ${p} | m{i}.display_name]"
        return CompiledRule(names, f"size({v}) > 0", plain=False)
    if rule.field == "last_follow_up":
        dates = f"[(n)<-[:ABOUT]-(f{i}:FollowUp) | f{i}.at]"
        last = f"reduce(m{i} = '', a{i} IN {dates} | CASE WHEN a{i} > m{i} THEN a{i} ELSE m{i} END)"
        if rule.op == "none":
            return CompiledRule(last, f"{v} = ''", plain=False)
        params[p] = value
        if rule.op == "before":
            return CompiledRule(last, f"({v} <> '' AND substring({v}, 0, 10) < ${p})", False)
        return CompiledRule(last, f"substring({v}, 0, 10) >= ${p}", plain=False)
    if rule.field == "order_count":
        params[p] = value
        return CompiledRule(f"size([(n)-[:PLACED]->(o{i}:Order) | o{i}])", f"{v} >= ${p}", False)
    if rule.field == "order_total":
        params[p] = value
        amounts = f"[(n)-[:PLACED]->(o{i}:Order) | o{i}.amount]"
        total = f"reduce(s{i} = 0.0, a{i} IN {amounts} | s{i} + coalesce(a{i}, 0.0))"
        return CompiledRule(total, f"{v} >= ${p}", plain=False)
    if rule.field == "descendants":
        params[p] = value
        return CompiledRule(_descendants(i), f"{v} >= ${p}", plain=False)
    raise AssertionError(f"rule field {rule.field!r} has no compiler")  # checked by parse_rule


def compile_rules(rules: tuple[Rule, ...]) -> Compiled:
    """The rules as Cypher expressions on the customer ``n`` (see ``CompiledRule``)."""
    params: dict[str, Any] = {}
    return Compiled([_compile_rule(i, rule, params) for i, rule in enumerate(rules)], params)


_PROJECTION = "WITH n, null AS v"
_SECOND_WHERE = re.compile(r"^WHERE true$", re.MULTILINE)


def _project(text: str, values: list[tuple[int, str]]) -> str:
    """Replace the template's ``WITH n, null AS v`` line with the rules' projections."""
    if _PROJECTION not in text:
        raise AssertionError("segment template without its projection line")
    columns = "".join(f", {value} AS v{i}" for i, value in values)
    return text.replace(_PROJECTION, f"WITH n{columns}", 1)


def _members_statement(
    store: GraphStore, name: str, segment: Segment, scope: Scope
) -> tuple[Statement, dict[str, Any]]:
    """``segment_member_count`` or ``_page`` with the reader's scope and the rules."""
    anchor, predicates, params = compile_filters(
        nodes.Customer.meta, scope_conditions(nodes.Customer, scope)
    )
    compiled = compile_rules(segment.rules)
    plain = [rule.test for rule in compiled.rules if rule.plain]
    template = apply_filters(store.cypher.get(name), anchor, predicates + plain, params)
    projected = [(i, rule.value) for i, rule in enumerate(compiled.rules) if not rule.plain]
    tests = [rule.test for rule in compiled.rules if not rule.plain]
    head, tail = template.text.split(_PROJECTION, 1)
    if tests:
        # The ``WHERE true`` after the projection takes the projected rules' tests.
        tail = _SECOND_WHERE.sub(lambda _: "WHERE " + "\n  AND ".join(tests), tail, count=1)
    text = _project(head + _PROJECTION + tail, projected)
    return with_params(template, text, set(compiled.params)), params | compiled.params


def count_members(store: GraphStore, segment: Segment, scope: Scope) -> int:
    """How many customers ``scope`` may see are members of ``segment`` (one query)."""
    statement, params = _members_statement(store, "segment_member_count", segment, scope)
    return store.read(statement, **params)[0]["total"]


def member_page(
    repository: NodeRepository, segment: Segment, scope: Scope, skip: int = 0, limit: int = 25
) -> list[Record]:
    """One page of members visible to ``scope``, by name, with their relations.

    ``repository`` is the app's Customer repository (its cipher opens personal data; the
    caller masks it for readers without the permission)."""
    store = repository.store
    statement, params = _members_statement(store, "segment_member_page", segment, scope)
    rows = store.read(statement, skip=max(0, int(skip)), limit=int(limit), **params)
    records = [
        record_from_row(nodes.Customer, open_props(nodes.Customer, row["n"], repository.cipher))
        for row in rows
    ]
    repository.load_relations(records)
    return records


def _visible(store: GraphStore, uids: list[str], scope: Scope) -> set[str]:
    """Which of the customers ``uids`` ``scope`` may see."""
    return visible_uids(store, "Customer", uids, scope)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "—"
    return "—" if value in (None, "") else str(value)


def explain(store: GraphStore, segment: Segment, uid: str, scope: Scope) -> Explanation:
    """Rule by rule, why the customer ``uid`` is (or is not) a member of ``segment``, with
    the values or referral path that decided it. ``NotFound`` if ``scope`` may not see it."""
    conditions = scope_conditions(nodes.Customer, scope)
    _, visibility, scope_params = compile_filters(
        nodes.Customer.meta, conditions, anchor_allowed=False
    )
    compiled = compile_rules(segment.rules)
    template = store.cypher.get("segment_member_explain")
    text = _project(template.text, [(i, rule.value) for i, rule in enumerate(compiled.rules)])
    # A referral rule's pattern is a WHERE predicate only: its path query decides it below.
    tests = [
        "true" if rule.field == "referred_by" else cypher.test
        for rule, cypher in zip(segment.rules, compiled.rules, strict=True)
    ]
    evidence = [f"v{i}" for i in range(len(tests))]
    text = text.replace("[true] AS matched", "[" + ", ".join(tests) + "] AS matched", 1)
    text = text.replace("[null] AS evidence", "[" + ", ".join(evidence) + "] AS evidence", 1)
    statement = apply_filters(
        with_params(template, text, set(compiled.params)), None, visibility, scope_params
    )
    rows = store.read(statement, uid=uid, **scope_params, **compiled.params)
    if not rows:
        raise NotFound(f"Customer {uid} does not exist")
    row = rows[0]
    matches = []
    seen = rules_as_seen(store, segment.rules, scope)
    for rule, matched, shown, as_seen in zip(
        segment.rules, row["matched"], row["evidence"], seen, strict=True
    ):
        match = _rule_match(store, rule, bool(matched), shown, uid, scope)
        if rule != as_seen:  # the rule names a record the reader may not see
            hidden = rule.value["customer"] if rule.field == "referred_by" else None
            detail = match.detail.replace(hidden, HIDDEN) if hidden else match.detail
            match = replace(match, rule=as_seen, detail=detail)
        matches.append(match)
    return Explanation(
        uid=uid,
        name=row["name"] or "",
        member=all(m.matched for m in matches),
        rules=matches,
    )


# The node type whose uids each rule field names.
RULE_TARGETS = {"channel": "Channel", "owner": "User", "tags": "Tag", "referred_by": "Customer"}
# What a rule or a referral path shows instead of the uid of a record the reader may not see.
HIDDEN = "hidden"


def rules_as_seen(store: GraphStore, rules: tuple[Rule, ...], scope: Scope) -> tuple[Rule, ...]:
    """``rules`` as ``scope`` may read them: the uid of each record a rule names that the
    reader may not see becomes ``HIDDEN`` (``records.visibility`` decides; one query a type)."""
    named: dict[str, set[str]] = {}
    for rule in rules:
        if rule.field in RULE_TARGETS:
            named.setdefault(RULE_TARGETS[rule.field], set()).update(_named_uids(rule))
    seen = {label: visible_uids(store, label, uids, scope) for label, uids in named.items()}

    def shown(label: str, uid: Any) -> Any:
        return uid if not isinstance(uid, str) or uid in seen.get(label, set()) else HIDDEN

    result = []
    for rule in rules:
        label = RULE_TARGETS.get(rule.field)
        value = rule.value
        if label is None:
            result.append(rule)
            continue
        if isinstance(value, dict):
            value = {**value, "customer": shown(label, value.get("customer"))}
        elif isinstance(value, list):
            value = [shown(label, uid) for uid in value]
        else:
            value = shown(label, value)
        result.append(replace(rule, value=value))
    return tuple(result)


def segment_as_seen(store: GraphStore, segment: Segment, scope: Scope) -> Segment:
    """``segment`` with its rules as ``scope`` may read them (``rules_as_seen``)."""
    return replace(segment, rules=rules_as_seen(store, segment.rules, scope))


def _named_uids(rule: Rule) -> list[str]:
    value = rule.value
    if isinstance(value, dict):
        value = value.get("customer")
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def _rule_match(
    store: GraphStore, rule: Rule, matched: bool, shown: Any, uid: str, scope: Scope
) -> RuleMatch:
    labels = {
        "stage": "stage",
        "value_tier": "value tier",
        "industry": "industry",
        "region": "region",
        "tags": "tags",
        "channel": "channel",
        "owner": "owner",
        "created": "created",
        "last_follow_up": "last follow-up",
        "order_count": "orders",
        "order_total": "order total",
        "descendants": "referral descendants",
        "influence": "influence",
    }
    if rule.field == "created" and isinstance(shown, str):
        shown = shown[:10]
    if rule.field != "referred_by":
        text = _fmt(shown)
        return RuleMatch(rule, matched, f"{labels[rule.field]}: {text}", shown=text)
    referrer = rule.value["customer"]
    path = referral_path(store, referrer, uid, rule.value["hops"], scope)
    if not path or referrer == uid:
        return RuleMatch(
            rule, False, f"not referred by {referrer} within {rule.value['hops']} hops"
        )
    via = [p for p in path[1:-1]]
    detail = f"referred by {referrer}" + (f" via {', '.join(via)}" if via else "")
    hops = len(path) - 1
    return RuleMatch(rule, True, f"{detail} ({hops} hop{'s' if hops > 1 else ''})", path)


def referral_path(
    store: GraphStore, referrer: str, uid: str, hops: int, scope: Scope
) -> tuple[str, ...]:
    """The shortest referral path from ``referrer`` down to ``uid`` within ``hops`` (uids,
    the referrer first; customers ``scope`` may not see become ``hidden``), or ``()``."""
    if not 1 <= hops <= MAX_HOPS:
        raise InvalidRule(f"hops must be 1 to {MAX_HOPS}", f"跳数必须为 1 到 {MAX_HOPS}")
    template = store.cypher.get("segment_referral_path")
    statement = replace(template, text=template.text.replace(_BOUND, f"*1..{int(hops)}]", 1))
    rows = store.read(statement, referrer=referrer, uid=uid)
    if not rows:
        return ()
    uids = list(rows[0]["uids"])
    visible = _visible(store, uids, scope)
    return tuple(u if u in visible else HIDDEN for u in uids)


# -- the graph of a segment -----------------------------------------------------------------


def member_neighbours(store: GraphStore, uids: list[str], scope: Scope) -> list[dict[str, Any]]:
    """Tags, channels and referring customers of the members ``uids``: rows of
    ``{member, kind, uid, name}``; referrers ``scope`` may not see are left out."""
    rows = store.read("segment_member_neighbours", uids=uids)
    referrers = [row["uid"] for row in rows if row["kind"] == "Customer"]
    visible = _visible(store, referrers, scope)
    return [dict(row) for row in rows if row["kind"] != "Customer" or row["uid"] in visible]


# -- storage --------------------------------------------------------------------------------


def _segment(node: dict[str, Any]) -> Segment:
    return Segment(
        uid=node["uid"],
        name=node.get("name") or "",
        description=node.get("description") or "",
        rules=parse_rules(node.get("rules") or "[]")
        if node.get("rules") not in (None, "[]")
        else (),
        created_by=node.get("created_by") or "",
        created_at=node.get("created_at") or "",
        updated_at=node.get("updated_at") or "",
        version=int(node.get("version") or 1),
    )


def _rules_json(rules: tuple[Rule, ...]) -> str:
    return json.dumps([rule.as_dict() for rule in rules], ensure_ascii=False)


def _stamp(clock: Callable[[], dt.datetime]) -> str:
    return clock().astimezone(dt.UTC).strftime(ISO_DATETIME)


def list_segments(store: GraphStore) -> list[Segment]:
    """Every saved segment, by name."""
    return [_segment(row["s"]) for row in store.read("segment_list")]


def get_segment(store: GraphStore, uid: str) -> Segment:
    """The segment ``uid``; ``NotFound`` if there is none."""
    rows = store.read("segment_get", uid=uid)
    if not rows:
        raise NotFound(f"Segment {uid} does not exist")
    return _segment(rows[0]["s"])


def create_segment(
    store: GraphStore,
    name: str,
    description: str,
    rules: tuple[Rule, ...],
    actor: str,
    clock: Callable[[], dt.datetime] = utc_now,
    timezone: dt.tzinfo = dt.UTC,
) -> Segment:
    """Save a new segment (rules already checked by ``parse_rules``); its uid is allocated
    like every record's (``graph.records.serials``, days counted in ``timezone``)."""
    moment = clock()
    now = moment.astimezone(dt.UTC).strftime(ISO_DATETIME)
    change = change_entry("Segment", "create", now, actor, _changes(None, name, description, rules))
    rows = store.write(
        "segment_create",
        uid=next_uid(store, SEGMENT_UID_PREFIX, moment, timezone),
        name=name,
        description=description,
        rules=_rules_json(rules),
        actor=actor,
        now=now,
        change=change,
    )
    segment = _segment(rows[0]["s"])
    record_changed.send("Segment", intent=intent_of(change, segment.uid))
    return segment


def update_segment(
    store: GraphStore,
    uid: str,
    version: int,
    name: str,
    description: str,
    rules: tuple[Rule, ...],
    actor: str,
    clock: Callable[[], dt.datetime] = utc_now,
) -> Segment:
    """Change a segment if nobody changed it since ``version``; ``StaleVersion`` if they did,
    ``NotFound`` if it is gone."""
    current = get_segment(store, uid)
    if current.version != version:
        raise StaleVersion(
            f"Segment {uid} was changed by someone else "
            f"(version {current.version}, yours {version})"
        )
    now = _stamp(clock)
    fields = _changes(current, name, description, rules)
    change = change_entry("Segment", "update", now, actor, fields)
    rows = store.write(
        "segment_update",
        uid=uid,
        version=int(version),
        name=name,
        description=description,
        rules=_rules_json(rules),
        now=now,
        change=change,
    )
    if not rows:
        current = get_segment(store, uid)
        raise StaleVersion(
            f"Segment {uid} was changed by someone else "
            f"(version {current.version}, yours {version})"
        )
    record_changed.send("Segment", intent=intent_of(change, uid))
    return _segment(rows[0]["s"])


def delete_segment(store: GraphStore, uid: str, actor: str) -> None:
    """Delete a segment; ``NotFound`` if there is none. Its history entry keeps what it was."""
    fields = _changes(get_segment(store, uid), None, None, None)
    change = change_entry("Segment", "delete", _stamp(utc_now), actor, fields)
    rows = store.write("segment_delete", uid=uid, change=change)
    if not rows or not rows[0]["deleted"]:
        raise NotFound(f"Segment {uid} does not exist")
    record_changed.send("Segment", intent=intent_of(change, uid))


def segment_history(store: GraphStore, uid: str, limit: int = 200) -> list[ChangeEntry]:
    """History entries of the segment ``uid``, newest first (kept after a delete); the
    ``rules`` values are the rules' JSON text (``rules_in_history`` reads them)."""
    rows = store.read("change_list_for_entity", entity="Segment", uid=uid, limit=limit)
    return [change_entry_of(row["c"]) for row in rows]


def rules_in_history(value: Any) -> tuple[Rule, ...]:
    """The rules a history entry's ``rules`` value holds (none for a blank or unreadable one)."""
    if not isinstance(value, str) or not value.strip():
        return ()
    try:
        return parse_rules(value)
    except InvalidRule:
        return ()


def _changes(
    old: Segment | None,
    name: str | None,
    description: str | None,
    rules: tuple[Rule, ...] | None,
) -> str:
    """The field changes of a history entry as JSON: each of name, description and rules
    (as JSON text) whose value differs, ``None`` for a value that is not there."""
    before = (
        {"name": old.name, "description": old.description, "rules": _rules_json(old.rules)}
        if old is not None
        else dict.fromkeys(("name", "description", "rules"))
    )
    after = {
        "name": name,
        "description": description,
        "rules": _rules_json(rules) if rules is not None else None,
    }
    items = [
        {"field": field, "old": before[field], "new": after[field]}
        for field in ("name", "description", "rules")
        if before[field] != after[field]
    ]
    return json.dumps(items, ensure_ascii=False)
