"""One declaration and one admin entry make a node type: screens, REST, roles and schema.

The ``Gadget`` type below exists only in this test. Declaring it and registering its
``NodeAdmin`` entry before ``create_app`` is the whole edit; everything else follows from
the registries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.roles import role_permissions
from graph.errors import ConfigError
from graph.model.base import REGISTRY, NodeModel, Prop, Rel
from graph.model.nodes import Customer
from graph.records.schema import expected_items, schema_report
from graph.security.scope import Scope
from graph.segments.members import count_members
from graph.segments.rules import FIELDS, parse_rule, rule_fields
from graph.segments.storage import Segment
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login
from views import admin_registry
from views.admin_registry import FULL, SETUP, NodeAdmin


def _declare() -> type[NodeModel]:
    class Gadget(NodeModel):
        """A throwaway node type."""

        en, zh = "Gadget", "小工具"
        uid_prefix = "GD"
        props = (
            Prop("name", "Name", "名称", required=True, max_length=50, listed=True, indexed=True),
            Prop("weight", "Weight", "重量", kind="float", listed=True),
        )
        rels = (Rel("customer", "Customer", "客户", type="USES_GADGET", target="Customer"),)

    return Gadget


@pytest.fixture(scope="module")
def gadget_app(
    session_app: Flask, app_graph_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """An app built after declaring ``Gadget`` (Sales: full access), forgotten afterwards."""
    from app import create_app
    from app.accounts import ensure_admin

    gadget = _declare()
    try:
        admin_registry.register(NodeAdmin(gadget, SETUP, "fa-cube", {"Sales": FULL}))
        application = create_app(
            {
                "GRAPH_URL": app_graph_url,
                "GRAPHCRM_INSTANCE_PATH": str(tmp_path_factory.mktemp("gadget") / "instance"),
                "TESTING": True,
                "FIELD_ENCRYPTION_KEY": session_app.config["FIELD_ENCRYPTION_KEY"],
                "FIELD_ENCRYPTION_OLD_KEYS": session_app.config["FIELD_ENCRYPTION_OLD_KEYS"],
            }
        )
        ensure_admin(application, "admin", ADMIN_PASSWORD)
        yield application
        application.extensions["graph_store"].close()
    finally:
        admin_registry.ADMIN.pop("Gadget", None)
        REGISTRY.pop("Gadget", None)


@pytest.fixture
def client(gadget_app: Flask, store: GraphStore) -> FlaskClient:
    return gadget_app.test_client()


def test_declared_type_gets_screens_under_its_menu(gadget_app: Flask, client: FlaskClient) -> None:
    login(client, "admin", ADMIN_PASSWORD)
    headers = bearer(client)
    uid = client.post("/api/v1/gadget/", json={"name": "Sprocket"}, headers=headers).json["id"]
    listing = client.get("/gadget/list/")
    assert listing.status_code == 200 and "Sprocket" in listing.text
    assert client.get("/gadget/add").status_code == 200
    assert "Sprocket" in client.get(f"/gadget/show/{uid}").text
    assert uid.startswith("GD")
    menu = client.get("/api/v1/menu/", headers=headers).json["result"]
    setup = next(item for item in menu if item["name"] == "Setup")
    assert "Gadgets" in [child["name"] for child in setup["childs"] if child != "-"]


def test_declared_type_gets_rest_crud(client: FlaskClient) -> None:
    headers = bearer(client)
    created = client.post("/api/v1/gadget/", json={"name": "Cog", "weight": 2.5}, headers=headers)
    assert created.status_code == 201, created.json
    url = f"/api/v1/gadget/{created.json['id']}"
    assert client.get(url, headers=headers).json["result"]["weight"] == 2.5
    changed = client.put(url, json={"name": "Big cog", "version": 1}, headers=headers)
    assert changed.status_code == 200 and changed.json["result"]["name"] == "Big cog"
    listed = client.get("/api/v1/gadget/", headers=headers).json
    assert [row["name"] for row in listed["result"]] == ["Big cog"]
    assert client.delete(url, headers=headers).status_code == 200
    assert client.get(url, headers=headers).status_code == 404
    refused = client.post("/api/v1/gadget/", json={"weight": "heavy"}, headers=headers)
    assert refused.status_code == 422 and set(refused.json["message"]) == {"name", "weight"}


def test_role_groups_of_the_entry_give_sales_access_and_no_one_else(
    gadget_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    assert any("Gadget" in rule[0] for rule in role_permissions()["Sales"])
    staff(gadget_app, store, "sally", "Sales")
    staff(gadget_app, store, "sam", "Service")
    sales = bearer(client, "sally", PASSWORD)
    created = client.post("/api/v1/gadget/", json={"name": "Gear"}, headers=sales)
    assert created.status_code == 201
    assert client.delete(f"/api/v1/gadget/{created.json['id']}", headers=sales).status_code == 200
    service = bearer(client, "sam", PASSWORD)
    assert client.get("/api/v1/gadget/", headers=service).status_code == 403
    login(client, "sam", PASSWORD)
    assert client.get("/gadget/list/").status_code in (302, 403)


def test_declared_type_gets_its_uid_constraint_and_indexes(
    gadget_app: Flask, store: GraphStore
) -> None:
    expected = set(expected_items(store.cypher))
    assert {("UNIQUE", "Gadget", "uid"), ("INDEX", "Gadget", "name")} <= expected
    report = schema_report(store)
    assert report.missing == []
    assert ("UNIQUE", "Gadget", "uid") in report.actual


def test_explorer_document_of_each_app_names_the_types_declared_for_it(
    gadget_app: Flask, session_app: Flask
) -> None:
    def start_enum(application: Flask) -> list[str]:
        client = application.test_client()
        spec = client.get("/api/v1/_openapi", headers=bearer(client)).json
        path = spec["paths"]["/api/v1/network/{label}/{uid}/neighbours"]["get"]
        label = next(p for p in path["parameters"] if p["name"] == "label")
        return label["schema"]["enum"]

    assert "Gadget" in start_enum(gadget_app)
    assert "Gadget" not in start_enum(session_app) and "Customer" in start_enum(session_app)


def test_a_declared_type_without_an_admin_entry_is_refused(gadget_app: Flask) -> None:
    class Orphan(NodeModel):
        en, zh = "Orphan", "孤儿"
        uid_prefix = "OR"
        props = (Prop("name", "Name", "名称"),)

    try:
        with pytest.raises(ConfigError, match="A005"):
            admin_registry.check_entries()
    finally:
        REGISTRY.pop("Orphan", None)
    with pytest.raises(ConfigError, match="A002"):
        admin_registry.register(NodeAdmin(REGISTRY["Gadget"], SETUP, "fa-cube"))


def test_a_segment_flagged_relation_from_customer_to_the_declared_type_is_a_rule_field(
    gadget_app: Flask, client: FlaskClient, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments select customers: their rule fields are Customer's segment-flagged
    declarations (``rule_fields``), read when ``graph.segments.rules`` is imported. A new type
    joins them through a relation declared on Customer with ``segment=True``; here that
    declaration is added to Customer's for this test only, and the app's fields for it."""
    headers = bearer(client)
    body = {"kind": "company", "stage": "potential"}
    customers = [
        client.post("/api/v1/customer/", json={**body, "name": name}, headers=headers).json["id"]
        for name in ("Gadget user", "Gadget-less")
    ]
    made = client.post(
        "/api/v1/gadget/", json={"name": "Flywheel", "customer": customers[0]}, headers=headers
    )
    assert made.status_code == 201, made.json
    assert "gadgets" not in rule_fields(Customer)

    # Only the segment functions run while Customer's declaration is patched: the record
    # statements cached per label (``relations_statement``) must not see the extra relation.
    gadgets = Rel(
        "gadgets", "Gadgets", "小工具", type="USES_GADGET", target="Gadget", direction="in",
        many=True, segment=True,
    )  # fmt: skip
    meta = Customer.meta
    monkeypatch.setattr(
        Customer,
        "meta",
        replace(meta, rels=(*meta.rels, gadgets), by_name={**meta.by_name, "gadgets": gadgets}),
    )
    field = rule_fields(Customer)["gadgets"]
    assert (field.shape, field.target, sorted(field.ops)) == ("many", "Gadget", ["all", "any"])
    monkeypatch.setitem(FIELDS, "gadgets", field)
    rule = parse_rule({"field": "gadgets", "op": "any", "value": [made.json["id"]]})
    assert count_members(store, Segment("SG1", "uses it", rules=(rule,)), Scope.everything()) == 1
