"""Segment rules: which fields a rule may use, with which operators, and their validation.

A rule is ``{"field", "op", "value"}`` on customers. The fields come from the declarations
(``graph.model.nodes``): every Customer property and relation declared with
``segment=True`` is a field, its operators read from its declaration (``prop_ops``,
``rel_field``), plus the few fields ``DERIVED`` names that aggregate over other declared
types (follow-ups, orders, the referral chain). Values are checked and normalised into
``Rule`` records here; ``graph.segments.compiler`` turns them into Cypher.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.errors import ConfigError, InvalidValue
from graph.model import nodes
from graph.model.base import SYSTEM_PROPS, NodeModel, Prop, Rel, model_for

MAX_HOPS = 10
# Descendants are counted this deep when the analytics property is missing.
DESCENDANT_DEPTH = MAX_HOPS
MAX_RULES = 30
MAX_LIST = 200
MAX_NAME = 100
MAX_DESCRIPTION = 1000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Checker = Callable[[str, Any], Any]  # (op, value) -> the normalised value


class InvalidRule(InvalidValue):
    """A rule or segment the user described cannot be saved or run: its message ``key``
    (``rule_*``, ``segment_*``) and ``params`` say why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key=key, **params)


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
class RuleField:
    """A field rules may use and how it reads the graph.

    ``shape`` says what the compiler builds: ``prop`` (a property of the customer),
    ``many``/``one`` (a relation of the customer, matched by the related uids), ``chain`` (a
    relation to the customer's own type, followed up to a number of hops), ``between`` (a
    date range on a property), ``latest``/``count``/``sum`` (over the ``source`` records
    whose relation ``rel`` points at the customer) and ``reach`` (records reached down a
    chain, or the analytics property ``prop``).
    """

    name: str
    shape: str
    ops: dict[str, Checker]
    prop: str = ""
    rel: Rel | None = None
    source: str = ""
    # The node type whose uids the rule's value names ("" if none).
    target: str = ""


@dataclass(frozen=True)
class Derived:
    """A rule field aggregating over a declared relation: ``source``'s relation field
    ``rel`` (toward the customer) and property ``prop``, by ``shape``."""

    name: str
    shape: str
    source: str
    rel: str = ""
    prop: str = ""


# Per node type, the rule fields that are not one of its declared properties or relations,
# each named by declarations.
DERIVED: dict[str, tuple[Derived, ...]] = {
    "Customer": (
        Derived("created", "between", "Customer", prop="created_at"),
        Derived("last_follow_up", "latest", "FollowUp", rel="customer", prop="at"),
        Derived("order_count", "count", "Order", rel="customer"),
        Derived("order_total", "sum", "Order", rel="customer", prop="amount"),
        Derived("descendants", "reach", "Customer", rel="referred_by", prop="referral_descendants"),
    ),
}


# -- value checkers ---------------------------------------------------------------------------


def _refuse(key: str, **params: Any) -> InvalidRule:
    return InvalidRule(key, **params)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _refuse("rule_text", what=what)
    return value.strip()


def _texts(value: Any, what: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or len(items) > MAX_LIST:
        raise _refuse("rule_count", what=what, max=MAX_LIST)
    result: list[str] = []
    for item in items:
        text = _text(item, what)
        if allowed is not None and text not in allowed:
            raise _refuse("rule_choice", what=what, value=repr(text), allowed=", ".join(allowed))
        if text not in result:
            result.append(text)
    return result


def _integer(value: Any, what: str, low: int, high: int | None = None) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        value = None
    if high is None and (value is None or value < low):
        raise _refuse("rule_at_least", what=what, low=low)
    if high is not None and (value is None or not low <= value <= high):
        raise _refuse("rule_range", what=what, low=low, high=high)
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _refuse("rule_number", what=what)
    return float(value)


def _date(value: Any, what: str) -> str:
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            dt.date.fromisoformat(value.strip())
            return value.strip()
        except ValueError:
            pass
    raise _refuse("rule_date", what=what, value=repr(value))


def _date_range(name: str) -> Checker:
    def check(op: str, value: Any) -> Any:
        if not isinstance(value, dict) or not set(value) <= {"from", "to"}:
            raise _refuse("rule_dates", what=name)
        dates = {k: _date(v, f"{name} {k}") for k, v in value.items() if v not in (None, "")}
        if not dates:
            raise _refuse("rule_dates_empty", what=name)
        if len(dates) == 2 and dates["from"] > dates["to"]:
            raise _refuse("rule_dates_order", what=name)
        return dates

    return check


def _latest(name: str) -> Checker:
    def check(op: str, value: Any) -> Any:
        if op == "none":
            if value not in (None, "", True):
                raise _refuse("rule_no_value", what=f"{name} none")
            return None
        return _date(value, f"{name} {op}")

    return check


def _chain(name: str) -> Checker:
    def check(op: str, value: Any) -> Any:
        if not isinstance(value, dict) or set(value) - {"customer", "hops"}:
            raise _refuse("rule_chain", what=name, max=MAX_HOPS)
        return {
            "customer": _text(value.get("customer"), f"{name} customer"),
            "hops": _integer(value.get("hops", 1), f"{name} hops", 1, MAX_HOPS),
        }

    return check


# -- fields from declarations -----------------------------------------------------------------


def prop_ops(prop: Prop) -> dict[str, Checker]:
    """The rule operators of a property, by its declaration: a choice of values takes
    ``in``, other text ``eq`` or ``in``, a number ``gt`` (by its kind's ``rule_compare``)."""
    name = prop.name
    if prop.choices:
        allowed = prop.choice_values()
        return {"in": lambda op, value: _texts(value, name, allowed)}
    compare = prop.field_kind.rule_compare
    if compare == "text":
        return {
            "eq": lambda op, value: _text(value, name),
            "in": lambda op, value: _texts(value, name),
        }
    if compare == "number":
        return {"gt": lambda op, value: _number(value, name)}
    raise ConfigError(f"{name}: a {prop.kind} property cannot be a segment rule field")


def rel_field(model: type[NodeModel], rel: Rel) -> RuleField:
    """The rule field of a relation, by its declaration: ``any``/``all`` of a many
    relation's uids, ``within`` hops of a chain to the model's own type, else ``is``."""
    name = rel.name
    if rel.many:
        ops: dict[str, Checker] = {
            "any": lambda op, value: _texts(value, name),
            "all": lambda op, value: _texts(value, name),
        }
        return RuleField(name, "many", ops, rel=rel, target=rel.target)
    if rel.target == model.label:
        return RuleField(name, "chain", {"within": _chain(name)}, rel=rel, target=rel.target)
    ops = {"is": lambda op, value: _text(value, name)}
    return RuleField(name, "one", ops, rel=rel, target=rel.target)


def derived_field(derived: Derived) -> RuleField:
    """The rule field of a ``Derived`` entry, its relation looked up in the declarations."""
    source = model_for(derived.source)
    rel = source.meta.rel(derived.rel) if derived.rel else None
    if derived.rel and rel is None:
        raise ConfigError(f"{derived.name}: {derived.source} has no relation {derived.rel!r}")
    if derived.prop and derived.prop not in SYSTEM_PROPS and source.meta.prop(derived.prop) is None:
        raise ConfigError(f"{derived.name}: {derived.source} has no property {derived.prop!r}")
    name = derived.name
    ops: dict[str, Checker] = {
        "between": {"between": _date_range(name)},
        "latest": dict.fromkeys(("before", "after", "none"), _latest(name)),
        "count": {"gte": lambda op, value: _integer(value, name, 0)},
        "sum": {"gte": lambda op, value: _number(value, name)},
        "reach": {"gte": lambda op, value: _integer(value, name, 1)},
    }[derived.shape]
    return RuleField(name, derived.shape, ops, prop=derived.prop, rel=rel, source=derived.source)


def rule_fields(model: type[NodeModel] = nodes.Customer) -> dict[str, RuleField]:
    """Every field a segment rule on ``model`` may use: its properties and relations
    declared with ``segment=True``, then its ``DERIVED`` ones. Personal data is never a rule
    field."""
    found: dict[str, RuleField] = {}
    for prop in model.meta.props:
        if prop.segment:
            if prop.pii:
                raise ConfigError(f"{model.label}.{prop.name}: personal data is not a rule field")
            found[prop.name] = RuleField(prop.name, "prop", prop_ops(prop), prop=prop.name)
    for rel in model.meta.rels:
        if rel.segment:
            found[rel.name] = rel_field(model, rel)
    for derived in DERIVED.get(model.label, ()):
        if derived.name in found:
            raise ConfigError(f"{model.label}: rule field {derived.name!r} is declared twice")
        found[derived.name] = derived_field(derived)
    return found


FIELDS = rule_fields()
# The node type whose uids each rule field names.
RULE_TARGETS = {name: f.target for name, f in FIELDS.items() if f.target}


# -- parsing ----------------------------------------------------------------------------------


def parse_rule(data: Any) -> Rule:
    """One rule from JSON ``{"field", "op", "value"}``, checked and normalised."""
    if not isinstance(data, dict) or set(data) - {"field", "op", "value"}:
        raise _refuse("rule_object")
    name, op = data.get("field"), data.get("op")
    found = FIELDS.get(name) if isinstance(name, str) else None
    if found is None:
        raise _refuse("rule_field", field=repr(name), known=", ".join(FIELDS))
    if op not in found.ops:
        raise _refuse("rule_operator", what=name, op=repr(op), known=", ".join(found.ops))
    return Rule(str(name), op, found.ops[op](op, data.get("value")))


def parse_rules(data: Any) -> tuple[Rule, ...]:
    """A segment's rules from JSON (a list of rule objects, or its JSON text)."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            raise _refuse("rules_json") from None
    if not isinstance(data, list) or not data:
        raise _refuse("rules_empty")
    if len(data) > MAX_RULES:
        raise _refuse("rules_too_many", max=MAX_RULES)
    return tuple(parse_rule(item) for item in data)


def parse_segment_fields(data: Any) -> tuple[str, str, tuple[Rule, ...]]:
    """(name, description, rules) from a JSON body or form, checked."""
    if not isinstance(data, dict):
        raise _refuse("segment_object")
    unknown = set(data) - {"name", "description", "rules", "version"}
    if unknown:
        raise _refuse("segment_keys", keys=", ".join(sorted(unknown)))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise _refuse("segment_name", max=MAX_NAME)
    description = data.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise _refuse("segment_description", max=MAX_DESCRIPTION)
    return name.strip(), description.strip(), parse_rules(data.get("rules"))
