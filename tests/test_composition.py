"""Composition (``graph/store/composition.py``): every splice fails loudly when its template
lacks what it puts in, names are checked identifiers, bounds are checked integers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.errors import ConfigError
from graph.model import nodes
from graph.records.filters import Condition, apply_filters, compile_filters, descending
from graph.store.composition import (
    CompositionError,
    extend_map,
    fill,
    fragment,
    fragment_piece,
    fragments,
    piece,
    rename_params,
    replace_line,
    replace_text,
    where,
    with_bound,
)
from graph.store.statements import Statement, library
from graph.store.templates import render


def statement(text: str, params: tuple[str, ...] = (), name: str = "t") -> Statement:
    return Statement(name, text, frozenset(params), Path("t.cypher"), 1)


PAGE = library("neo4j").get("node_page")


def test_fill_puts_declared_names_in_and_refuses_what_is_not_an_identifier() -> None:
    template = statement("MATCH (n:__Label__)-[:__REL__]->(m) RETURN n.__prop__")
    filled = fill(template, Label="Customer", REL="TAGGED", prop="name")
    assert filled.text == "MATCH (n:Customer)-[:TAGGED]->(m) RETURN n.name"
    for bad in ({"Label": "Customer) DETACH DELETE (x"}, {"REL": "tagged"}, {"prop": "Name"}):
        with pytest.raises(CompositionError):
            fill(template, **{"Label": "Customer", "REL": "TAGGED", "prop": "name", **bad})


def test_fill_refuses_a_name_the_template_does_not_hold_and_leftover_placeholders() -> None:
    template = statement("MATCH (n:__Label__) RETURN n")
    with pytest.raises(CompositionError, match="no __Target__"):
        fill(template, Label="Customer", Target="Tag")
    with pytest.raises(CompositionError, match="not filled"):
        fill(statement("MATCH (n:__Label__)-[:__REL__]->() RETURN n"), Label="Customer")


def test_numbers_fill_only_from_whole_numbers() -> None:
    template = statement("MATCH (n)-[:R*1..__hops__]->(m) RETURN m")
    assert "*1..3]" in fill(template, hops=3).text
    bad_values: list[Any] = ["3", -1, True, "1..100"]
    for bad in bad_values:
        with pytest.raises(CompositionError):
            fill(template, hops=bad)


def test_rename_params_refuses_a_parameter_the_piece_does_not_have() -> None:
    part = statement("n.x = $value", ("value",))
    assert rename_params(part, {"value": "f3"}).text == "n.x = $f3"
    with pytest.raises(CompositionError):
        rename_params(part, {"other": "f3"})


def test_where_and_replace_line_raise_when_the_marker_line_is_gone() -> None:
    edited = statement("MATCH (n:Customer)\nWHERE n.x = 1\nRETURN n")
    predicate = piece(fragment("filters", "prop_eq"), {"value": "f0"}, prop="stage")
    with pytest.raises(CompositionError, match="WHERE true"):
        where(edited, [predicate])
    with pytest.raises(CompositionError, match="WHERE true"):
        where(edited, [])  # even with nothing to put in: the template is not what it was
    with pytest.raises(CompositionError):
        replace_line(edited, "WITH n, null AS v", "WITH n")
    with pytest.raises(CompositionError):
        replace_text(edited, "[true]", predicate)


def test_extend_map_adds_entries_to_the_one_map_its_marker_closes() -> None:
    template = statement(
        "UNWIND $rows AS row\nCREATE (n:Customer {uid: row[0], x: $x})", ("rows", "x")
    )
    items = [
        fragment_piece("imports", "record_column", prop=name, i=i)
        for i, name in enumerate(["name", "email"], start=1)
    ]
    extended = extend_map(template, "x: $x}", items)
    assert extended.text.endswith("{uid: row[0], x: $x, name: row[1], email: row[2]})")
    assert extend_map(template, "x: $x}", []) is template
    with pytest.raises(CompositionError):
        extend_map(template, "y: $y}", items)  # the map's end is not there
    with pytest.raises(CompositionError):
        extend_map(statement(template.text + " + {x: $x}"), "x: $x}", items)  # twice


def test_descending_raises_when_the_ordering_line_changed() -> None:
    rendered = render(PAGE, Label="Customer", prop="name")
    assert "n.name DESC, n.uid DESC" in descending(rendered, "name").text
    changed = statement(rendered.text.replace("ORDER BY n.name IS NULL, ", "ORDER BY "))
    with pytest.raises(CompositionError):
        descending(changed, "name")


def test_filters_raise_when_the_template_has_no_match_or_where_line() -> None:
    anchor, predicates, params = compile_filters(
        nodes.Customer.meta, [Condition("owner", "rel_eq", "U1"), Condition("stage", "eq", "deal")]
    )
    assert anchor is not None and predicates and params == {"f0": "U1", "f1": "deal"}
    composed = apply_filters(
        render(PAGE, Label="Customer", prop="name"), anchor, predicates, params
    )
    assert "MATCH (n:Customer)<-[:OWNS]-(a0:User {uid: $f0})" in composed.text
    assert "WHERE n.stage = $f1" in composed.text and {"f0", "f1"} <= composed.params
    with pytest.raises(CompositionError):
        apply_filters(statement("MATCH (n)\nRETURN n"), anchor, predicates, params)


def test_bounds_replace_the_one_template_bound_with_a_checked_depth() -> None:
    template = statement("MATCH (a)-[:REFERRED*1..10]->(b) RETURN b")
    assert "*1..4]" in with_bound(template, 4, 10).text
    bad_depths: list[Any] = [0, 11, "3", True]
    for bad in bad_depths:
        with pytest.raises(CompositionError):
            with_bound(template, bad, 10)
    with pytest.raises(CompositionError, match="exactly one bound"):
        with_bound(statement("MATCH (a)-[:REFERRED*1..5]->(b) RETURN b"), 4, 10)


def test_a_fragment_file_is_checked_when_loaded(tmp_path: Path) -> None:
    (tmp_path / "bad.cypher").write_text("// fragment: one\n// params: value\nn.x = $other\n")
    with pytest.raises(ConfigError, match="bad.cypher:3"):
        fragments("bad", tmp_path)
    (tmp_path / "twice.cypher").write_text(
        "// fragment: one\n// params: none\ntrue\n// fragment: one\n// params: none\nfalse\n"
    )
    with pytest.raises(ConfigError, match="defined twice"):
        fragments("twice", tmp_path)
    with pytest.raises(CompositionError):
        fragment("filters", "no_such_fragment")
