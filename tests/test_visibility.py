"""The visibility choke point: placeholders for what a reader may not see, figures that
count only what they may see, edits that keep hidden links, and failing closed."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.records import Record, Ref
from graph.records.repository import NodeRepository
from graph.records.status import graph_status
from graph.records.visibility import count_visible, hide_related, visible_uids
from graph.security.scope import Scope
from graph.store.protocol import GraphStore
from tests import test_visibility_crawl as crawl
from tests.test_row_level_access import PASSWORD
from tests.test_visibility_crawl import World
from tests.web import bearer, login
from views.crud.interface import GraphInterface

world = crawl.world  # the crawl's two teams, as a fixture here too


def _customer(world: World, name: str) -> Record:
    return next(r for r in world.of("Customer") if r.name == name)


def test_an_unknown_reader_sees_no_record_of_any_type(store: GraphStore, world: World) -> None:
    nobody = Scope.nobody()
    for label in ("Customer", "Tag", "Channel", "Contact"):
        uids = [r.uid for r in world.of(label)]
        assert uids and visible_uids(store, label, uids, nobody) == set()
    assert count_visible(store, nodes.Customer, nobody) == 0
    records = NodeRepository(store, nodes.Customer).page(limit=10)
    hide_related(store, records, nobody)
    refs = [r.owner for r in records] + [t for r in records for t in r.tags]
    assert refs and all(ref.hidden and ref.uid == "" for ref in refs if ref is not None)
    assert graph_status(store, nobody).counts == {}


def test_without_a_scope_provider_the_interface_shows_nothing(app: Flask, world: World) -> None:
    provider = app.extensions.pop("graphcrm_scope")
    try:
        with app.test_request_context("/"):
            assert GraphInterface(nodes.Customer).query() == (0, [])
            assert GraphInterface(nodes.Tag).query() == (0, [])
    finally:
        app.extensions["graphcrm_scope"] = provider


def test_sales_sees_another_teams_referrer_as_a_placeholder(
    client: FlaskClient, world: World
) -> None:
    mine = _customer(world, "Shown Alpha One")
    headers = bearer(client, "lead_a", PASSWORD)
    answer = client.get(f"/api/v1/customer/{mine.uid}", headers=headers).json["result"]
    assert answer["referred_by"] == {"uid": "", "title": "Not visible to you"}
    assert answer["referred_by_referrer"]["title"] == "Crawlreferrer Zed"
    login(client, "lead_a", PASSWORD)
    client.get("/lang/zh")
    page = client.get(f"/customer/show/{mine.uid}").get_data(as_text=True)
    assert "无权查看" in page and "Hidden Bravo" not in page


def test_an_edit_by_sales_keeps_the_link_it_cannot_see(
    store: GraphStore, client: FlaskClient, world: World
) -> None:
    mine = _customer(world, "Shown Alpha One")
    hidden = _customer(world, "Hidden Bravo One")
    headers = bearer(client, "lead_a", PASSWORD)
    answer = client.put(
        f"/api/v1/customer/{mine.uid}",
        json={"stage": "lost", "version": mine.version},
        headers=headers,
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    stored = NodeRepository(store, nodes.Customer).get(mine.uid or "")
    assert stored is not None and stored.stage == "lost"
    assert stored.referred_by == Ref("Customer", hidden.uid or "")


def _customer_count(client: FlaskClient, username: str) -> str:
    login(client, username, PASSWORD)
    page = client.get("/").get_data(as_text=True)
    tile = page.split('data-figure="customers"')[1]
    return tile.split('data-value="')[1].split('"')[0]


def test_home_counts_only_what_sales_may_see(app: Flask, world: World) -> None:
    assert _customer_count(app.test_client(), "lead_a") == "2"  # not team B's two
    assert _customer_count(app.test_client(), "crawl_analyst") == "4"


def test_a_segment_rule_naming_another_teams_customer_shows_it_hidden(
    client: FlaskClient, world: World
) -> None:
    headers = bearer(client, "lead_a", PASSWORD)
    rules = client.get(f"/api/v1/segments/{world.segment}", headers=headers).json["result"]
    assert rules["rules"][1]["value"] == {"customer": "hidden", "hops": 3}
    analyst = bearer(client, "crawl_analyst", PASSWORD)
    rules = client.get(f"/api/v1/segments/{world.segment}", headers=analyst).json["result"]
    assert rules["rules"][1]["value"]["customer"] == _customer(world, "Hidden Bravo One").uid


def test_the_placeholder_texts_are_the_catalogs(app) -> None:  # type: ignore[no-untyped-def]
    """An import reads an export's placeholder in any language of the app as "the link as
    it is": every language's text, as the catalogs translate it."""
    from views.scope import not_visible_texts

    assert not_visible_texts(app) == frozenset({"Not visible to you", "无权查看"})
