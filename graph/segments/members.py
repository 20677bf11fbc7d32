"""Members of a segment: how many, which, and rule by rule why one customer is a member,
always within the reader's row-level scope (a salesperson counts and lists only their team's
members); records a rule names that the reader may not see show as ``HIDDEN``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from graph.errors import NotFound
from graph.model import nodes
from graph.model.records import Record, record_from_row
from graph.records.filters import compile_filters
from graph.records.repository import NodeRepository
from graph.records.visibility import visible_uids
from graph.security.pii import open_props
from graph.security.scope import Scope, scope_conditions
from graph.segments.compiler import (
    compile_rules,
    explain_statement,
    members_statement,
    referral_path_statement,
)
from graph.segments.rules import FIELDS, MAX_HOPS, RULE_TARGETS, InvalidRule, Rule
from graph.segments.storage import Segment
from graph.store.protocol import GraphStore
from graph.store.statements import Statement

# What a rule or a referral path shows instead of the uid of a record the reader may not see.
HIDDEN = "hidden"
# What an explanation's English detail calls a rule field (else its name, spaced).
DETAIL_LABELS = {
    "value_tier": "value tier",
    "last_follow_up": "last follow-up",
    "order_count": "orders",
    "order_total": "order total",
    "descendants": "referral descendants",
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


def _members_statement(
    store: GraphStore, name: str, segment: Segment, scope: Scope
) -> tuple[Statement, dict[str, Any]]:
    """``segment_member_count`` or ``_page`` with the reader's scope and the rules."""
    anchor, predicates, params = compile_filters(
        nodes.Customer.meta, scope_conditions(nodes.Customer, scope)
    )
    compiled = compile_rules(segment.rules)
    statement = members_statement(store.cypher.get(name), compiled, anchor, predicates, params)
    return statement, params | compiled.params


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
    statement = explain_statement(template, compiled, visibility, scope_params)
    # A chain rule's own value is not in the text: its path query decides it below.
    used = {k: v for k, v in compiled.params.items() if k in statement.params}
    rows = store.read(statement, uid=uid, **scope_params, **used)
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
            chain = FIELDS[rule.field].shape == "chain"
            hidden = rule.value["customer"] if chain else None
            detail = match.detail.replace(hidden, HIDDEN) if hidden else match.detail
            match = replace(match, rule=as_seen, detail=detail)
        matches.append(match)
    return Explanation(
        uid=uid,
        name=row["name"] or "",
        member=all(m.matched for m in matches),
        rules=matches,
    )


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
    shape = FIELDS[rule.field].shape
    if shape == "between" and isinstance(shown, str):
        shown = shown[:10]
    if shape != "chain":
        text = _fmt(shown)
        label = DETAIL_LABELS.get(rule.field, rule.field.replace("_", " "))
        return RuleMatch(rule, matched, f"{label}: {text}", shown=text)
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
        raise InvalidRule("rule_range", what="hops", low=1, high=MAX_HOPS)
    statement = referral_path_statement(store.cypher.get("segment_referral_path"), int(hops))
    rows = store.read(statement, referrer=referrer, uid=uid)
    if not rows:
        return ()
    uids = list(rows[0]["uids"])
    visible = _visible(store, uids, scope)
    return tuple(u if u in visible else HIDDEN for u in uids)
