"""Segment rule fields come from the node declarations, and the compiler takes every
relationship type and label from them (``graph/segments/rules.py``, ``compiler.py``)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import cast

import pytest

from graph.errors import ConfigError
from graph.model import nodes
from graph.model.base import REGISTRY, Choice, NodeModel, Prop, Rel
from graph.segments.compiler import compile_rules
from graph.segments.rules import DERIVED, FIELDS, parse_rule, prop_ops, rel_field, rule_fields

SEGMENTS = Path(__file__).resolve().parent.parent / "graph" / "segments"


def test_rule_fields_are_the_flagged_declarations_and_the_derived_ones() -> None:
    meta = nodes.Customer.meta
    flagged = [p.name for p in meta.props if p.segment] + [r.name for r in meta.rels if r.segment]
    derived = [d.name for d in DERIVED["Customer"]]
    assert list(FIELDS) == flagged + derived
    assert {"stage", "tags", "owner", "referred_by", "created", "order_total"} <= set(FIELDS)
    assert not {p.name for p in meta.props if p.pii} & set(FIELDS)


def test_a_property_takes_its_operators_from_its_declaration() -> None:
    choice = Prop("level", "Level", "级别", choices=(Choice("a", "A", "甲"),), segment=True)
    assert list(prop_ops(choice)) == ["in"]
    assert list(prop_ops(Prop("city", "City", "城市", segment=True))) == ["eq", "in"]
    assert list(prop_ops(Prop("score", "Score", "分数", kind="integer"))) == ["gt"]
    with pytest.raises(ConfigError):
        prop_ops(Prop("notes", "Notes", "备注", kind="text"))


def test_a_relation_takes_its_operators_from_its_declaration() -> None:
    many = Rel("labels", "Labels", "标签", type="LABELLED", target="Tag", many=True)
    one = Rel("agent", "Agent", "代理", type="SERVED_BY", target="User", direction="in")
    chain = Rel("parent", "Parent", "上级", type="CHILD_OF", target="Customer")
    assert list(rel_field(nodes.Customer, many).ops) == ["any", "all"]
    assert list(rel_field(nodes.Customer, one).ops) == ["is"]
    assert list(rel_field(nodes.Customer, chain).ops) == ["within"]


def test_personal_data_cannot_be_a_rule_field() -> None:
    class Probe:  # a stand-in declaration: not registered, nothing else sees it
        label = "Customer"
        meta = replace(
            nodes.Customer.meta,
            props=(Prop("phone", "Phone", "电话", kind="phone", pii=True, segment=True),),
            rels=(),
        )

    with pytest.raises(ConfigError, match="personal data"):
        rule_fields(cast(type[NodeModel], Probe))


def test_compiled_rules_use_the_declared_relationship_types_and_labels() -> None:
    rules = (
        parse_rule({"field": "owner", "op": "is", "value": "U1"}),
        parse_rule({"field": "tags", "op": "all", "value": ["T1"]}),
        parse_rule(
            {"field": "referred_by", "op": "within", "value": {"customer": "C1", "hops": 3}}
        ),
        parse_rule({"field": "last_follow_up", "op": "none"}),
        parse_rule({"field": "order_total", "op": "gte", "value": 10}),
    )
    compiled = compile_rules(rules)
    text = " ".join(f"{r.value.text} {r.test.text}" for r in compiled.rules)
    owner, tags, referred = (nodes.Customer.meta.rel(n) for n in ("owner", "tags", "referred_by"))
    about, placed = nodes.FollowUp.meta.rel("customer"), nodes.Order.meta.rel("customer")
    assert owner and tags and referred and about and placed
    assert f"(n)<-[:{owner.type}]-(m0:{owner.target})" in text
    assert f"(n)-[:{tags.type}]->(t1:{tags.target})" in text
    assert f"(n)<-[:{referred.type}*1..3]-(:Customer {{uid: $s2}})" in text
    assert f"(n)<-[:{about.type}]-(f3:FollowUp)" in text
    assert f"(n)-[:{placed.type}]->(o4:Order)" in text
    assert "__" not in text and set(compiled.params) == {"s0", "s1", "s2", "s4"}


def test_the_segment_modules_name_no_relationship_type_or_label() -> None:
    declared = {rel.type for model in REGISTRY.values() for rel in model.meta.rels}
    declared |= set(REGISTRY) - {"Customer"}  # the module is about customers by name
    for path in SEGMENTS.glob("*.py"):
        code = re.sub(r'"""[\s\S]*?"""|#.*', "", path.read_text(encoding="utf-8"))
        named = {name for name in declared if re.search(rf"\[:{name}\b|:{name}\)", code)}
        assert not named, f"{path.name} hard-codes {sorted(named)}"
