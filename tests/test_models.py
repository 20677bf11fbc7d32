"""Node declarations, the schema they need, and validation built from them."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from graph.errors import ConfigError
from graph.model import nodes
from graph.model.base import REGISTRY, NodeModel, Prop, Rel, check_registry
from graph.model.validation import Message, clean_text, key_text, validate_values
from graph.records.schema import declared_items, expected_items
from graph.security.pii import index_name
from graph.store.schema import schema_item
from graph.store.statements import library


def test_declaration_errors_name_the_bad_option() -> None:
    with pytest.raises(ConfigError, match="E001"):
        type("Customer", (NodeModel,), {"props": (Prop("name", "N", "名"),)})
    with pytest.raises(ConfigError, match="E004"):
        type("Bad1", (NodeModel,), {"props": (Prop("Name", "N", "名"),)})
    with pytest.raises(ConfigError, match="E003"):
        type("Bad2", (NodeModel,), {"props": [Prop("name", "N", "名")]})
    with pytest.raises(ConfigError, match="E007"):
        rel = Rel("x", "X", "X", type="bad type", target="Customer")
        type("Bad3", (NodeModel,), {"props": (Prop("name", "N", "名"),), "rels": (rel,)})
    assert not {"Bad1", "Bad2", "Bad3"} & REGISTRY.keys()


def test_uid_prefixes_and_delete_rules_are_checked_at_declaration() -> None:
    name = (Prop("name", "N", "名"),)
    with pytest.raises(ConfigError, match="E017"):
        type("NoPrefix", (NodeModel,), {"props": name})
    with pytest.raises(ConfigError, match="E017"):
        type("LowerPrefix", (NodeModel,), {"props": name, "uid_prefix": "x"})
    optional = Rel("c", "C", "C", type="ABOUT", target="Customer", on_target_delete="cascade")
    with pytest.raises(ConfigError, match="E018"):
        type("Bad4", (NodeModel,), {"props": name, "uid_prefix": "QQ", "rels": (optional,)})
    with pytest.raises(ConfigError, match="E019"):
        check_registry("F")  # a second type claiming the follow-ups' prefix
    assert not {"NoPrefix", "LowerPrefix", "Bad4"} & REGISTRY.keys()
    prefixes = [model.meta.uid_prefix for model in REGISTRY.values()]
    assert len(set(prefixes)) == len(prefixes) and nodes.SEGMENT_UID_PREFIX not in prefixes


def test_a_relationship_type_is_named_alike_by_every_relation_of_it() -> None:
    from graph.explore.network import relationship_names, relationship_types

    names = relationship_names()
    assert names["REFERRED"] == ("Referred", "推荐") and names.keys() == set(relationship_types())
    other = Rel("c", "C", "C", type="PLACED", type_en="Bought", type_zh="买", target="Customer")
    type("Odd", (NodeModel,), {"props": (Prop("name", "N", "名"),), "uid_prefix": "OD",
                               "rels": (other,)})  # fmt: skip
    try:
        with pytest.raises(ConfigError, match="E020"):
            check_registry()
    finally:
        REGISTRY.pop("Odd", None)


@pytest.mark.parametrize("dialect", ["falkordb", "neo4j"])
def test_schema_backs_every_unique_indexed_and_personal_data_property(dialect: str) -> None:
    items = set(expected_items(library(dialect)))
    for model in REGISTRY.values():
        assert ("UNIQUE", model.label, "uid") in items
        for prop in model.meta.props:
            if prop.unique:
                assert ("UNIQUE", model.label, prop.name) in items
            elif prop.indexed:
                assert ("INDEX", model.label, prop.name) in items
            if prop.pii:  # stored encrypted: exact search goes through the blind index
                assert ("INDEX", model.label, index_name(prop.name)) in items


@pytest.mark.parametrize("dialect", ["falkordb", "neo4j"])
def test_schema_file_holds_only_what_no_declaration_covers(dialect: str) -> None:
    declared = {(label, prop) for _, label, prop in declared_items()}
    for statement in library(dialect).schema():
        item = schema_item(statement.text)
        assert item is not None, f"{statement.path}:{statement.line}: not a schema item"
        assert item[1:] not in declared, f"{statement.path}:{statement.line}: declared already"
    items = expected_items(library(dialect))
    assert len(items) == len(set(items))


def test_every_field_has_english_and_chinese_labels() -> None:
    for model in REGISTRY.values():
        meta = model.meta
        assert meta.en and meta.zh and meta.en_plural and meta.zh_plural
        for item in (*meta.props, *meta.rels):
            assert item.en and item.zh, f"{model.label}.{item.name}"
        for prop in meta.props:
            assert all(c.en and c.zh for c in prop.choices)


def test_values_are_normalised() -> None:
    data = validate_values(
        nodes.Customer,
        {
            "name": "  Ａｃｍｅ　（上海）  Ltd ",
            "stage": "deal",
            "phone": "138-1234-5678",
            "email": "Sales@Example.COM",
        },
    )
    assert data["name"] == "Acme （上海） Ltd"  # letters folded, punctuation as typed
    assert data["phone"] == "+8613812345678"
    assert data["email"] == "Sales@example.com"
    assert (
        validate_values(nodes.Customer, {"name": "x", "stage": "deal", "phone": "+1 650 253 0000"})[
            "phone"
        ]
        == "+16502530000"
    )
    assert clean_text("ＡＢＣ１２３＠") == "ABC123＠"
    assert key_text(" ＡＢＣ（１２３）＠ ") == "ABC(123)@"


def test_invalid_values_are_reported_per_field() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_values(
            nodes.Customer,
            {"name": "   ", "stage": "won", "phone": "12345", "email": "nope", "tags": "T1"},
        )
    errors = caught.value.messages
    assert set(errors) == {"stage", "phone", "email", "tags"}
    assert [(m.key, m.params) for m in errors["stage"]] == [
        ("choice", {"choices": "potential, intent, deal, lost"})
    ]
    with pytest.raises(ValidationError) as caught:
        validate_values(nodes.Customer, {"name": "   ", "stage": "deal"})
    assert caught.value.messages == {"name": [Message("required")]}
    with pytest.raises(ValidationError) as caught:
        validate_values(nodes.Order, {"product": "x" * 201, "amount": "1e", "at": "tomorrow"})
    assert set(caught.value.messages) == {"product", "amount", "at", "customer"}


def test_control_characters_are_dropped() -> None:
    data = validate_values(nodes.Customer, {"name": "A\x00B\x07C", "stage": "deal"})
    assert data["name"] == "ABC"


def test_every_declared_kind_is_registered_and_drives_storage() -> None:
    from graph.model.kinds import FIELD_KINDS
    from graph.model.records import from_graph, to_graph

    kinds = {prop.kind for model in REGISTRY.values() for prop in model.meta.props}
    assert kinds <= FIELD_KINDS.keys()
    amount = nodes.Order.meta.prop("amount")
    satisfaction = nodes.Ticket.meta.prop("satisfaction")
    at = nodes.Order.meta.prop("at")
    assert to_graph(amount, "12") == 12.0 and to_graph(satisfaction, "4") == 4
    assert from_graph(at, "2024-05-20T10:30:00Z").hour == 10
    assert not FIELD_KINDS["text"].orderable and FIELD_KINDS["phone"].orderable


def test_the_schema_declares_every_node_type_when_imported_on_its_own() -> None:
    # A program that applies the schema without importing the declarations itself (a
    # script, a benchmark) must not get the schema file's items only: no uid constraints.
    import subprocess
    import sys

    script = (
        "from graph.records.schema import declared_items\n"
        "print(sorted({label for _, label, prop in declared_items() if prop == 'uid'}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "'Customer'" in found and "'Contact'" in found
