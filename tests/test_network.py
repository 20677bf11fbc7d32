"""The network explorer (``graph.explore.network``) on a small hand-built graph: neighbours of a
customer, tag, channel and segment, the type filter, placeholders for a salesperson, the
REST API and the page in a real browser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import views
from app import roles
from graph.errors import InvalidValue, NotFound
from graph.explore.network import MEMBER, neighbours, parse_types
from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.security.scope import Scope
from graph.segments.rules import parse_rules
from graph.segments.storage import create_segment
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.test_referrals import customer, refer
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login
from views.explore import network

EVERYTHING = Scope.everything()
PERMISSIONS = [
    ["Network(View|Api)$", "can_(explore|neighbours)$"],
    ["Network explorer$", "menu_access$"],
]


@pytest.fixture(scope="module")
def network_app(
    session_app: Flask, app_graph_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The session's app if it already has the explorer, else one built with it (and with
    the explorer's permissions for Sales, Marketing and Analyst)."""
    if "NetworkApi" in {type(v).__name__ for v in session_app.appbuilder.baseviews}:
        yield session_app
        return
    from app import create_app
    from app.accounts import ensure_admin

    register = views.register

    def with_network(appbuilder: Any) -> None:
        register(appbuilder)
        network.register(appbuilder)

    granted = {
        name: [*rules, *PERMISSIONS] if name in ("Sales", "Marketing", "Analyst") else rules
        for name, rules in roles.role_permissions().items()
    }
    views.register = with_network
    try:
        application = create_app(
            {
                "GRAPH_URL": app_graph_url,
                "GRAPHCRM_INSTANCE_PATH": str(tmp_path_factory.mktemp("net") / "instance"),
                "TESTING": True,
                "FAB_ROLES": granted,
                # The same graph as the session's app: the same key for personal data.
                "FIELD_ENCRYPTION_KEY": session_app.config["FIELD_ENCRYPTION_KEY"],
                "FIELD_ENCRYPTION_OLD_KEYS": session_app.config["FIELD_ENCRYPTION_OLD_KEYS"],
            }
        )
    finally:
        views.register = register
    ensure_admin(application, "admin", ADMIN_PASSWORD)
    yield application
    application.extensions["graph_store"].close()


@pytest.fixture
def app(network_app: Flask, store: GraphStore) -> Flask:
    """The explorer's app, on an emptied graph (overrides conftest's ``app``)."""
    return network_app


@pytest.fixture
def world(app: Flask, store: GraphStore) -> dict[str, Record]:
    """ana's customers A (tagged vip, via web) and B (referred by A); bo's customer X
    (tagged vip, referred A); A's contact and order."""
    ana = staff(app, store, "ana", "Sales")
    bo = staff(app, store, "bo", "Sales")
    tags = NodeRepository(store, nodes.Tag)
    vip, cold = tags.create({"name": "vip"}, "setup"), tags.create({"name": "cold"}, "setup")
    web = NodeRepository(store, nodes.Channel).create({"name": "web"}, "setup")
    a = customer(store, "A", owner=ana, tags=[vip], channel=web)
    b = customer(store, "B", stage="intent", owner=ana, channel=web)
    x = customer(store, "X", owner=bo, tags=[vip, cold])
    refer(store, a, b)
    refer(store, x, a)
    carol = NodeRepository(store, nodes.Contact).create({"name": "Carol", "customer": a}, "s")
    return {"ana": ana, "bo": bo, "vip": vip, "cold": cold, "web": web, "a": a, "b": b, "x": x,
            "carol": carol}  # fmt: skip


def _shape(graph: dict[str, Any]) -> tuple[set, set]:
    """(visible node titles with labels, edges as (source title, type, target title))."""
    # A User's title is its mirrored display name: "ana" or "ana", by timing.
    title = {n["id"]: n.get("title", "?").removesuffix(" Test") for n in graph["nodes"]}
    found = {(n["label"], title[n["id"]]) for n in graph["nodes"] if not n["placeholder"]}
    edges = {(title[e["source"]], e["type"], title[e["target"]]) for e in graph["edges"]}
    return found, edges


def test_neighbours_of_a_customer_over_every_relationship(world: dict, store: GraphStore) -> None:
    graph = neighbours(store, "Customer", world["a"].uid, EVERYTHING)
    start = {"id": world["a"].uid, "uid": world["a"].uid, "label": "Customer", "title": "A"}
    assert graph["nodes"][0] == {**start, "placeholder": False}
    found, edges = _shape(graph)
    assert found == {("Customer", "A"), ("Customer", "B"), ("Customer", "X"), ("Tag", "vip"),
                     ("Channel", "web"), ("User", "ana"), ("Contact", "Carol")}  # fmt: skip
    assert edges == {("A", "TAGGED", "vip"), ("A", "ACQUIRED_VIA", "web"), ("ana", "OWNS", "A"),
                     ("A", "REFERRED", "B"), ("X", "REFERRED", "A"),
                     ("Carol", "WORKS_FOR", "A")}  # fmt: skip
    assert graph["truncated"] is False
    # Titles only: no personal data or other properties on any node.
    assert all(set(n) <= {"id", "uid", "label", "title", "placeholder"} for n in graph["nodes"])


def test_neighbours_of_a_tag_and_a_channel(world: dict, store: GraphStore) -> None:
    found, edges = _shape(neighbours(store, "Tag", world["vip"].uid, EVERYTHING))
    assert found == {("Tag", "vip"), ("Customer", "A"), ("Customer", "X")}
    assert edges == {("A", "TAGGED", "vip"), ("X", "TAGGED", "vip")}
    found, edges = _shape(neighbours(store, "Channel", world["web"].uid, EVERYTHING))
    assert found == {("Channel", "web"), ("Customer", "A"), ("Customer", "B")}
    assert edges == {("A", "ACQUIRED_VIA", "web"), ("B", "ACQUIRED_VIA", "web")}


def test_type_filter_keeps_only_the_given_relationship_types(
    world: dict, store: GraphStore
) -> None:
    graph = neighbours(store, "Customer", world["a"].uid, EVERYTHING, ["TAGGED", "OWNS"])
    found, edges = _shape(graph)
    assert found == {("Customer", "A"), ("Tag", "vip"), ("User", "ana")}
    assert edges == {("A", "TAGGED", "vip"), ("ana", "OWNS", "A")}


@pytest.mark.parametrize("bad", ["NOPE", "TAGGED,NOPE", "tagged", "TAGGED]->(m) DETACH DELETE m//"])
def test_unknown_relationship_type_is_refused(bad: str, world: dict, store: GraphStore) -> None:
    with pytest.raises(InvalidValue):
        neighbours(store, "Customer", world["a"].uid, EVERYTHING, parse_types(bad))
    with pytest.raises(InvalidValue):
        parse_types(bad)


def test_parse_types_accepts_declared_types_and_empty() -> None:
    assert parse_types(None) is None and parse_types("") is None
    assert parse_types(" TAGGED , OWNS,TAGGED") == ["TAGGED", "OWNS"]
    assert parse_types([MEMBER]) == [MEMBER]


def test_neighbours_of_a_segment_are_its_members(world: dict, store: GraphStore) -> None:
    rules = parse_rules([{"field": "stage", "op": "in", "value": ["deal"]}])
    segment = create_segment(store, "Deals", "", rules, "admin")
    graph = neighbours(store, "Segment", segment.uid, EVERYTHING)
    found, edges = _shape(graph)
    assert found == {("Segment", "Deals"), ("Customer", "A"), ("Customer", "X")}
    assert edges == {("Deals", MEMBER, "A"), ("Deals", MEMBER, "X")}
    # A salesperson sees only the members of their team.
    ana = Scope("ana", team_only=True)
    assert _shape(neighbours(store, "Segment", segment.uid, ana))[0] == {
        ("Segment", "Deals"),
        ("Customer", "A"),
    }
    only_tags = neighbours(store, "Segment", segment.uid, EVERYTHING, ["TAGGED"])
    assert len(only_tags["nodes"]) == 1 and only_tags["edges"] == []


def test_segment_members_are_limited(world: dict, store: GraphStore) -> None:
    segment = create_segment(store, "All", "", (), "admin")
    graph = neighbours(store, "Segment", segment.uid, EVERYTHING, limit=2)
    assert len(graph["nodes"]) == 3 and graph["truncated"] is True


def test_neighbours_are_limited(world: dict, store: GraphStore) -> None:
    graph = neighbours(store, "Customer", world["a"].uid, EVERYTHING, limit=3)
    assert len(graph["nodes"]) == 4 and graph["truncated"] is True
    assert len(graph["edges"]) >= 3


def test_unknown_or_missing_start_is_not_found(world: dict, store: GraphStore) -> None:
    with pytest.raises(NotFound):
        neighbours(store, "Customer", "C-none", EVERYTHING)
    with pytest.raises(NotFound):
        neighbours(store, "Nope", world["a"].uid, EVERYTHING)
    with pytest.raises(NotFound):
        neighbours(store, "Segment", "none", EVERYTHING)


def test_sales_sees_placeholders_for_other_teams_customers(world: dict, store: GraphStore) -> None:
    ana = Scope("ana", team_only=True)
    graph = neighbours(store, "Tag", world["vip"].uid, ana)
    found, _ = _shape(graph)
    assert found == {("Tag", "vip"), ("Customer", "A")}
    hidden = [n for n in graph["nodes"] if n["placeholder"]]
    assert hidden == [{"id": "anon-1", "placeholder": True}]
    assert {(e["source"], e["type"], e["target"]) for e in graph["edges"]} == {
        (world["a"].uid, "TAGGED", world["vip"].uid),
        ("anon-1", "TAGGED", world["vip"].uid),
    }
    text = json.dumps(graph)
    assert world["x"].uid not in text and '"X"' not in text
    # Bo's customer itself answers NotFound; its neighbour A is still seen from A's side.
    with pytest.raises(NotFound):
        neighbours(store, "Customer", world["x"].uid, ana)
    from_a = json.dumps(neighbours(store, "Customer", world["a"].uid, ana))
    assert world["x"].uid not in from_a and "anon-1" in from_a


def test_rest_shape_filter_and_errors(client: FlaskClient, world: dict) -> None:
    headers = bearer(client)
    url = f"/api/v1/network/Customer/{world['a'].uid}/neighbours"
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.json["result"]
    assert set(result) == {"nodes", "edges", "truncated"}
    assert result["nodes"][0]["uid"] == world["a"].uid and len(result["nodes"]) == 7
    assert set(result["edges"][0]) == {"id", "source", "target", "type"}
    filtered = client.get(url + "?types=TAGGED,OWNS", headers=headers).json["result"]
    assert {e["type"] for e in filtered["edges"]} == {"TAGGED", "OWNS"}
    bad = client.get(url + "?types=TAGGED,NOPE", headers=headers)
    assert bad.status_code == 400 and "TAGGED" in bad.json["message"]
    assert client.get("/api/v1/network/Nope/x/neighbours", headers=headers).status_code == 404
    missing = client.get("/api/v1/network/Customer/C-none/neighbours", headers=headers)
    assert missing.status_code == 404
    spec = client.get("/api/v1/_openapi", headers=headers).json
    assert "/api/v1/network/{label}/{uid}/neighbours" in spec["paths"]
    assert "Network" in spec["components"]["schemas"]


def test_rest_gives_sales_placeholders(client: FlaskClient, world: dict) -> None:
    headers = bearer(client, "ana", PASSWORD)
    response = client.get(f"/api/v1/network/Tag/{world['vip'].uid}/neighbours", headers=headers)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert world["x"].uid not in text and '"X"' not in text and "anon-1" in text
    theirs = client.get(f"/api/v1/network/Customer/{world['x'].uid}/neighbours", headers=headers)
    assert theirs.status_code == 404


def test_page_shows_picker_and_graph_data(client: FlaskClient, world: dict) -> None:
    login(client)
    empty = client.get("/network/")
    assert empty.status_code == 200
    html = empty.get_data(as_text=True)
    assert 'class="form-control graphcrm-relation"' in html and "/graphcrm/choices/Tag" in html
    page = client.get(f"/network/?start=Customer:{world['a'].uid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Export PNG" in html and "Export JSON" in html
    assert 'value="TAGGED"' in html
    assert client.get("/network/?start=Customer:C-none").status_code == 404
    client.get("/lang/zh")
    zh = client.get(f"/network/?start=Tag:{world['vip'].uid}")
    assert "关系网络探索" in zh.get_data(as_text=True)


def test_sales_page_404s_other_teams_customer(client: FlaskClient, world: dict) -> None:
    login(client, "ana", PASSWORD)
    assert client.get(f"/network/?start=Customer:{world['a'].uid}").status_code == 200
    assert client.get(f"/network/?start=Customer:{world['x'].uid}").status_code == 404


def test_browser_explores_from_a_customer_and_expands(
    page: Any, live_server: str, world: dict
) -> None:
    page.goto(f"{live_server}/login/")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("[type=submit]")
    page.goto(f"{live_server}/network/?start=Customer:{world['b'].uid}")
    page.wait_for_function("window.cy && window.cy.nodes().length > 0")
    # B, its owner ana, channel web and referrer A.
    assert page.evaluate("window.cy.nodes().length") == 4
    assert page.evaluate("window.cy.edges().length") == 3
    # Click A: its tag, contact and referrer X join the graph.
    page.locator("#network-graph").scroll_into_view_if_needed()
    # Click where A is once the layout has settled (it animates; under load it takes a while).
    settled = f"""(() => {{ const p = window.cy.getElementById({json.dumps(world["a"].uid)})
        .renderedPosition(); const key = Math.round(p.x) + ',' + Math.round(p.y);
        const same = window.__lastA === key; window.__lastA = key; return same; }})()"""
    page.wait_for_function(settled, polling=250)
    position = page.evaluate(
        f"""(() => {{ const p = window.cy.getElementById({json.dumps(world["a"].uid)})
            .renderedPosition(); const box = document.getElementById('network-graph')
            .getBoundingClientRect(); return {{x: box.left + p.x, y: box.top + p.y}}; }})()"""
    )
    page.mouse.click(position["x"], position["y"])
    page.wait_for_function("window.cy.nodes().length > 4")
    assert page.evaluate("window.cy.nodes().length") == 7
    titles = page.evaluate("window.cy.nodes().map(n => n.data('title').split(' ')[0]).sort()")
    assert titles == sorted(["A", "B", "Carol", "X", "ana", "vip", "web"])
    # Unchecking TAGGED hides the tag; the JSON export is the Cytoscape document.
    page.uncheck(".network-type[value=TAGGED]")
    assert (
        page.evaluate(f"window.cy.getElementById({json.dumps(world['vip'].uid)}).visible()")
        is False
    )
    with page.expect_download() as download:
        page.click("#network-export-json")
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert len(exported["visible"]["nodes"]) == 6 and "elements" in exported["cytoscape"]
    with page.expect_download() as download:
        page.click("#network-export-png")
    assert open(download.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
