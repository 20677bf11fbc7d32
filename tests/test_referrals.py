"""Referral chains and trees (``graph.explore.referrals``) on small hand-built graphs with known
answers, their page and REST API, and row-level placeholders for a salesperson."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.errors import InvalidValue, NotFound
from graph.explore.referrals import downstream_tree, parse_depth, upstream_chain
from graph.model import nodes
from graph.model.records import Record
from graph.records.filters import Condition
from graph.records.repository import NodeRepository
from graph.security.scope import Scope
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

EVERYTHING = Scope.everything()
AT = "2026-01-02T03:04:05"


def customer(store: GraphStore, name: str, stage: str = "deal", **values: Any) -> Record:
    return NodeRepository(store, nodes.Customer).create(
        {"name": name, "stage": stage, **values}, "setup"
    )


def order(store: GraphStore, who: Record, amount: float) -> None:
    NodeRepository(store, nodes.Order).create(
        {"product": "p", "amount": amount, "at": AT, "customer": who}, "setup"
    )


def refer(store: GraphStore, source: Record, target: Record) -> None:
    """``source`` referred ``target`` (a Customer, Contact or Referrer as source)."""
    name = {
        "Customer": "dataset_link_referred_from_customer",
        "Contact": "dataset_link_referred_from_contact",
        "Referrer": "dataset_link_referred_from_referrer",
    }[source.model.label]
    store.write(name, rows=[{"from": source.uid, "to": target.uid, "at": AT}])


def names(chain: list) -> list[str | None]:
    return [node.name for node in chain]


def test_chain_goes_back_to_the_external_referrer(store: GraphStore) -> None:
    partner = NodeRepository(store, nodes.Referrer).create({"name": "Partner P"}, "setup")
    a, b, c = (customer(store, n) for n in ("A", "B", "C"))
    refer(store, partner, a)
    refer(store, a, b)
    refer(store, b, c)
    chain = upstream_chain(store, c.uid, EVERYTHING)
    assert names(chain) == ["C", "B", "A", "Partner P"]
    assert [n.label for n in chain] == ["Customer", "Customer", "Customer", "Referrer"]
    assert [n.depth for n in chain] == [0, 1, 2, 3]
    assert [n.parent for n in chain] == [b.uid, a.uid, partner.uid, None]


def test_chain_goes_back_to_a_contact(store: GraphStore) -> None:
    home = customer(store, "Home Co")
    contact = NodeRepository(store, nodes.Contact).create(
        {"name": "Carol", "customer": home}, "setup"
    )
    a = customer(store, "A")
    refer(store, contact, a)
    chain = upstream_chain(store, a.uid, EVERYTHING)
    assert [(n.label, n.name) for n in chain] == [("Customer", "A"), ("Contact", "Carol")]
    assert chain[-1].parent is None and chain[-1].revenue == 0


def test_chain_of_an_unreferred_customer_is_the_customer_alone(store: GraphStore) -> None:
    a = customer(store, "A")
    assert [(n.uid, n.depth, n.parent) for n in upstream_chain(store, a.uid, EVERYTHING)] == [
        (a.uid, 0, None)
    ]


def test_unknown_customer_is_not_found(store: GraphStore) -> None:
    with pytest.raises(NotFound):
        upstream_chain(store, "C00000000000", EVERYTHING)
    with pytest.raises(NotFound):
        downstream_tree(store, "C00000000000", 3, scope=EVERYTHING)


@pytest.fixture
def family(store: GraphStore) -> dict[str, Record]:
    """root -> a, b; a -> a1, a2; a1 -> a11; b -> b1 (with orders on some)."""
    made = {n: customer(store, n) for n in ("root", "a", "b", "a1", "a2", "a11", "b1")}
    for parent, child in [("root", "a"), ("root", "b"), ("a", "a1"), ("a", "a2"),
                          ("a1", "a11"), ("b", "b1")]:  # fmt: skip
        refer(store, made[parent], made[child])
    order(store, made["a"], 100.0)
    order(store, made["a"], 50.5)
    order(store, made["a11"], 7.0)
    return made


@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        (1, {"a": ("root", 1), "b": ("root", 1)}),
        (2, {"a": ("root", 1), "b": ("root", 1), "a1": ("a", 2), "a2": ("a", 2), "b1": ("b", 2)}),
        (3, {"a": ("root", 1), "b": ("root", 1), "a1": ("a", 2), "a2": ("a", 2), "b1": ("b", 2),
             "a11": ("a1", 3)}),
    ],
)  # fmt: skip
def test_tree_has_each_customer_under_its_referrer_to_the_depth(
    store: GraphStore, family: dict[str, Record], depth: int, expected: dict
) -> None:
    tree = downstream_tree(store, family["root"].uid, depth, scope=EVERYTHING)
    by_uid = {r.uid: n for n, r in family.items()}
    got = {by_uid[n.uid]: (by_uid[n.parent], n.depth) for n in tree.nodes}
    assert got == expected
    assert tree.root.name == "root" and tree.root.depth == 0 and not tree.truncated
    depths = [n.depth for n in tree.nodes]
    assert depths == sorted(depths)  # parents before children


def test_tree_revenue_is_the_sum_of_each_customers_orders(
    store: GraphStore, family: dict[str, Record]
) -> None:
    tree = downstream_tree(store, family["root"].uid, 3, scope=EVERYTHING)
    revenue = {n.name: n.revenue for n in tree.nodes}
    assert revenue == {"a": 150.5, "b": 0, "a1": 0, "a2": 0, "a11": 7.0, "b1": 0}
    assert tree.root.revenue == 0


def test_referral_loop_ends_without_repeating_anyone(store: GraphStore) -> None:
    a, b, c = (customer(store, n) for n in ("A", "B", "C"))
    refer(store, a, b)
    refer(store, b, c)
    refer(store, c, a)
    chain = upstream_chain(store, a.uid, EVERYTHING)
    assert names(chain) == ["A", "C", "B"]
    tree = downstream_tree(store, a.uid, 10, scope=EVERYTHING)
    assert [(n.name, n.depth) for n in tree.nodes] == [("B", 1), ("C", 2)]
    assert tree.nodes[1].parent == b.uid


def test_customer_referred_twice_appears_once_at_its_nearest_depth(store: GraphStore) -> None:
    root, a, x = (customer(store, n) for n in ("root", "a", "x"))
    refer(store, root, a)
    refer(store, a, x)
    refer(store, root, x)
    tree = downstream_tree(store, root.uid, 3, scope=EVERYTHING)
    assert sorted((n.name, n.depth, n.parent) for n in tree.nodes) == [
        ("a", 1, root.uid),
        ("x", 1, root.uid),
    ]


@pytest.mark.parametrize("bad", [0, 11, -1, "x", "3.5", "", True, 2.0, "１"])
def test_depth_outside_one_to_ten_is_refused(store: GraphStore, bad: Any) -> None:
    if bad == "":
        assert parse_depth(bad) == 3  # blank means the default
        return
    with pytest.raises(InvalidValue):
        parse_depth(bad)
    a = customer(store, "A")
    with pytest.raises(InvalidValue):
        downstream_tree(store, a.uid, bad, scope=EVERYTHING)


def test_depth_accepts_one_to_ten_as_number_or_text() -> None:
    assert [parse_depth(d) for d in (1, "10", " 4 ", None)] == [1, 10, 4, 3]


# --- row-level placeholders, page and REST ----------------------------------------------


@pytest.fixture
def teams(app: Flask, store: GraphStore) -> dict[str, Record]:
    """partner -> theirs -> mine -> theirs2 -> mine2: ana owns mine*, bo owns theirs*."""
    ana = staff(app, store, "ana", "Sales")
    bo = staff(app, store, "bo", "Sales")
    partner = NodeRepository(store, nodes.Referrer).create({"name": "Partner P"}, "setup")
    theirs = customer(store, "Bo's customer", owner=bo)
    mine = customer(store, "Ana's customer", owner=ana)
    theirs2 = customer(store, "Bo's second", owner=bo)
    mine2 = customer(store, "Ana's second", owner=ana)
    order(store, theirs, 999.0)
    order(store, theirs2, 123.0)
    for source, target in [(partner, theirs), (theirs, mine), (mine, theirs2), (theirs2, mine2)]:
        refer(store, source, target)
    return {"partner": partner, "theirs": theirs, "mine": mine, "theirs2": theirs2,
            "mine2": mine2}  # fmt: skip


def _leaks(payload: Any, *records: Record) -> bool:
    text = json.dumps(payload)
    return any(r.uid in text or r.name in text for r in records)


def test_sales_sees_placeholders_for_other_teams_customers(
    store: GraphStore, teams: dict[str, Record]
) -> None:
    ana = Scope(username="ana", team_only=True, pii=True)
    chain = upstream_chain(store, teams["mine2"].uid, ana)
    assert [n.name for n in chain] == ["Ana's second", None, "Ana's customer", None, "Partner P"]
    assert [n.placeholder for n in chain] == [False, True, False, True, False]
    assert chain[0].parent == chain[1].id and chain[1].id.startswith("anon-")
    hidden = [n.as_dict() for n in chain if n.placeholder]
    assert all(set(h) == {"id", "placeholder", "depth", "parent"} for h in hidden)
    assert not _leaks([n.as_dict() for n in chain], teams["theirs"], teams["theirs2"])
    tree = downstream_tree(store, teams["mine"].uid, 3, scope=ana)
    assert [(n.placeholder, n.name, n.depth) for n in tree.nodes] == [
        (True, None, 1),
        (False, "Ana's second", 2),
    ]
    assert tree.nodes[1].parent == tree.nodes[0].id
    assert not _leaks(tree.as_dict(), teams["theirs2"])
    with pytest.raises(NotFound):
        upstream_chain(store, teams["theirs"].uid, ana)
    with pytest.raises(NotFound):
        downstream_tree(store, teams["theirs"].uid, 3, scope=ana)


def test_contact_of_another_team_is_a_placeholder_for_sales(
    app: Flask, store: GraphStore, teams: dict[str, Record]
) -> None:
    contact = NodeRepository(store, nodes.Contact).create(
        {"name": "Bo's contact", "customer": teams["theirs"]}, "setup"
    )
    lone = customer(store, "Ana's third", owner=NodeRepository(store, nodes.User).page(
        [Condition("username", "eq", "ana")], limit=1)[0])  # fmt: skip
    refer(store, contact, lone)
    ana = Scope(username="ana", team_only=True, pii=True)
    chain = upstream_chain(store, lone.uid, ana)
    assert [n.placeholder for n in chain] == [False, True]
    assert not _leaks([n.as_dict() for n in chain], contact)
    assert upstream_chain(store, lone.uid, EVERYTHING)[1].name == "Bo's contact"


def test_rest_chain_and_tree_shapes(client: FlaskClient, teams: dict[str, Record]) -> None:
    headers = bearer(client)
    uid = teams["mine"].uid
    chain = client.get(f"/api/v1/referrals/{uid}/chain", headers=headers)
    assert chain.status_code == 200, chain.get_data(as_text=True)
    assert [n["name"] for n in chain.json["result"]] == [
        "Ana's customer", "Bo's customer", "Partner P"]  # fmt: skip
    assert chain.json["result"][1] == {
        "id": teams["theirs"].uid, "placeholder": False, "depth": 1,
        "parent": teams["partner"].uid, "uid": teams["theirs"].uid, "label": "Customer",
        "name": "Bo's customer", "stage": "deal", "revenue": 999.0,
    }  # fmt: skip
    tree = client.get(f"/api/v1/referrals/{uid}/tree?depth=2", headers=headers)
    assert tree.status_code == 200
    result = tree.json["result"]
    assert set(result) == {"root", "depth", "nodes", "truncated"}
    assert result["depth"] == 2 and result["root"]["uid"] == uid
    assert [(n["name"], n["depth"], n["revenue"]) for n in result["nodes"]] == [
        ("Bo's second", 1, 123.0), ("Ana's second", 2, 0.0)]  # fmt: skip
    assert client.get(f"/api/v1/referrals/{uid}/tree", headers=headers).json["result"]["depth"] == 3
    for bad in ("0", "11", "x"):
        response = client.get(f"/api/v1/referrals/{uid}/tree?depth={bad}", headers=headers)
        assert response.status_code == 400, bad
    missing = client.get("/api/v1/referrals/C00000000000/chain", headers=headers)
    assert missing.status_code == 404
    assert client.get(f"/api/v1/referrals/{uid}/chain").status_code == 401
    spec = client.get("/api/v1/_openapi", headers=headers).json
    assert {"/api/v1/referrals/{uid}/chain", "/api/v1/referrals/{uid}/tree"} <= set(spec["paths"])
    assert "ReferralTree" in spec["components"]["schemas"]


def test_rest_gives_sales_placeholders_and_404_for_colleagues_root(
    client: FlaskClient, teams: dict[str, Record]
) -> None:
    headers = bearer(client, "ana", PASSWORD)
    chain = client.get(f"/api/v1/referrals/{teams['mine'].uid}/chain", headers=headers)
    assert chain.status_code == 200
    assert [n["placeholder"] for n in chain.json["result"]] == [False, True, False]
    assert not _leaks(chain.json, teams["theirs"])
    tree = client.get(f"/api/v1/referrals/{teams['mine'].uid}/tree", headers=headers)
    assert not _leaks(tree.json, teams["theirs2"])
    theirs = teams["theirs"].uid
    assert client.get(f"/api/v1/referrals/{theirs}/chain", headers=headers).status_code == 404
    assert client.get(f"/api/v1/referrals/{theirs}/tree", headers=headers).status_code == 404


def test_chain_page_shows_tables_and_is_linked_from_the_customer(
    client: FlaskClient, teams: dict[str, Record]
) -> None:
    login(client)
    uid = teams["mine"].uid
    record = client.get(f"/customer/show/{uid}").get_data(as_text=True)
    assert f'href="/referrals/chain/{uid}"' in record and "Referral chain" in record
    page = client.get(f"/referrals/chain/{uid}?depth=2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("Partner P", "Bo&#39;s customer", "Bo&#39;s second", "Ana&#39;s second"):
        assert name in html
    assert 'id="referral-graph"' in html and "vendor/cytoscape.min.js" in html
    assert '<option value="2" selected>' in html
    client.get("/lang/zh", follow_redirects=True)
    chinese = client.get(f"/referrals/chain/{uid}").get_data(as_text=True)
    assert "推荐链" in chinese and "推荐的客户" in chinese


def test_sales_chain_page_hides_colleagues_and_404s_their_customer(
    client: FlaskClient, teams: dict[str, Record]
) -> None:
    login(client, "ana", PASSWORD)
    html = client.get(f"/referrals/chain/{teams['mine'].uid}").get_data(as_text=True)
    assert "Ana&#39;s second" in html and "Partner P" in html
    assert "Bo&#39;s" not in html and teams["theirs"].uid not in html
    assert client.get(f"/referrals/chain/{teams['theirs'].uid}").status_code == 404


def test_browser_renders_the_chain_graph_and_tables(
    page: Any, live_server: str, teams: dict[str, Record]
) -> None:
    page.goto(f"{live_server}/login/")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.click("[type=submit]")
    page.goto(f"{live_server}/referrals/chain/{teams['mine'].uid}")
    page.wait_for_function("window.cy && window.cy.nodes().length > 0")
    # Partner P -> Bo's customer -> Ana's customer -> Bo's second -> Ana's second
    assert page.evaluate("window.cy.nodes().length") == 5
    assert page.evaluate("window.cy.edges().length") == 4
    labels = page.evaluate("window.cy.nodes().map(n => n.data('label')).sort()")
    assert labels == sorted(["Partner P", "Bo's customer", "Ana's customer", "Bo's second",
                             "Ana's second"])  # fmt: skip
    rows = page.locator("#tree-table tr.referral-node").all_inner_texts()
    assert [r.split("\t")[0].split(" C")[0].strip() for r in rows][:3] == [
        "Ana's customer", "Bo's second", "Ana's second"]  # fmt: skip
    assert page.locator("#chain-table tr.referral-node").count() == 3
