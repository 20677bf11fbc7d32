"""Every declared relation filter works for a salesperson (row-level rules on), in REST and
in the HTML lists. The list of filters is derived from ``graph/model/nodes.py``, so a new relation
is covered without touching this file."""

from __future__ import annotations

from typing import Any

import prison
import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes  # noqa: F401  (declares the node types)
from graph.model.base import REGISTRY, NodeModel, Prop, Rel
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

RELATION_FILTERS = [
    (label, rel.name) for label, model in REGISTRY.items() for rel in model.meta.rels
]
SAMPLE = {
    "string": "sample",
    "text": "sample",
    "integer": 1,
    "float": 1.0,
    "datetime": "2026-01-02T03:04:05",
    "date": "2026-01-02",
    "boolean": True,
    "phone": "13812345678",
    "email": "sample@example.com",
}


def _required_values(model: type[NodeModel], tag: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for prop in model.meta.props:
        if prop.required or prop.unique:
            values[prop.name] = _sample(prop, tag)
    return values


def _sample(prop: Prop, tag: str) -> Any:
    if prop.choices:
        return prop.choices[0].value
    value = SAMPLE[prop.kind]
    return f"{value}-{tag}" if prop.kind in ("string", "text") else value


@pytest.fixture
def linked(app: Flask, store: GraphStore) -> dict[str, Record]:
    """One record per node type, visible to the salesperson ``ana`` and linked by every
    declared relation: to the other types' records, or to a second record of its own type."""
    ana = staff(app, store, "ana", "Sales")
    boss = staff(app, store, "boss", "Sales")
    primary: dict[str, Record] = {"User": ana}
    second: dict[str, Record] = {"User": boss}
    repos = {label: NodeRepository(store, model) for label, model in REGISTRY.items()}

    def target_of(label: str, rel: Rel) -> Record:
        return second[rel.target] if rel.target == label else primary[rel.target]

    pending = [label for label in REGISTRY if label not in primary]
    while pending:
        for label in list(pending):
            model = REGISTRY[label]
            required = [r for r in model.meta.rels if r.required]
            if any(r.target not in primary for r in required):
                continue
            owner = {"owner": ana} if model.meta.rel("owner") else {}
            for bucket, tag in ((primary, "p"), (second, "s")):
                values = {**_required_values(model, f"{label}-{tag}"), **owner}
                values.update({r.name: primary[r.target] for r in required})
                bucket[label] = repos[label].create(values, "setup")
            pending.remove(label)
    for label, model in REGISTRY.items():
        links = {
            rel.name: [target_of(label, rel)] if rel.many else target_of(label, rel)
            for rel in model.meta.rels
            if rel.editable
        }
        if links:
            record = repos[label].get(primary[label].uid or "")
            assert record is not None
            primary[label] = repos[label].update(record, links, "setup")
    return {**primary, **{f"second:{k}": v for k, v in second.items()}}


def _target_uid(linked: dict[str, Record], label: str, rel: Rel) -> str:
    target = linked[f"second:{rel.target}"] if rel.target == label else linked[rel.target]
    return target.uid or ""


@pytest.mark.parametrize(("label", "field"), RELATION_FILTERS)
def test_sales_can_use_every_relation_filter_in_rest(
    label: str, field: str, client: FlaskClient, linked: dict[str, Record]
) -> None:
    rel = REGISTRY[label].meta.rel(field)
    assert rel is not None
    headers = bearer(client, "ana", PASSWORD)
    operator = "rel_m_m" if rel.many else "rel_o_m"
    uid = _target_uid(linked, label, rel)
    for opr, value, expect in ((operator, uid, True), ("rel_empty", True, False)):
        q = prison.dumps({"filters": [{"col": field, "opr": opr, "value": value}]})
        response = client.get(f"/api/v1/{label.lower()}/", query_string={"q": q}, headers=headers)
        assert response.status_code == 200, (label, field, opr, response.get_data(as_text=True))
        assert (linked[label].uid in response.json["ids"]) == expect, (label, field, opr)


@pytest.mark.parametrize(("label", "field"), RELATION_FILTERS)
def test_sales_can_use_every_relation_filter_in_html_lists(
    label: str, field: str, client: FlaskClient, linked: dict[str, Record], app: Flask
) -> None:
    rel = REGISTRY[label].meta.rel(field)
    assert rel is not None
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == f"{label}View")
    offered = [f.arg_name for f in view._filters._search_filters[field]]
    login(client, "ana", PASSWORD)
    uid = _target_uid(linked, label, rel)
    for arg_name, value, expect in (
        ("rel_m_m" if rel.many else "rel_o_m", uid, True),
        ("rel_empty", "y", False),
    ):
        url = f"/{label.lower()}/list/?_flt_{offered.index(arg_name)}_{field}={value}"
        response = client.get(url)
        assert response.status_code == 200, (label, field, arg_name)
        assert (linked[label].uid in response.get_data(as_text=True)) == expect, (label, field)
