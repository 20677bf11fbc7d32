"""Referral analytics and channel attribution on hand-built graphs with known answers
(real engine), the ``graphcrm analytics refresh`` command, the pages and the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import networkx as nx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.analytics_commands import analytics
from app.jobs import queue
from graph.analytics.attribution import channel_attribution, referred_by_hop
from graph.analytics.refresh import clear, compute, refresh
from graph.errors import InvalidValue
from graph.explore.referrals import network_totals
from graph.jobs import progress
from graph.jobs.catalog import ANALYTICS_REFRESH
from graph.model import nodes
from graph.model.base import NodeModel
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.jobs_helpers import running_worker, settle, wait_for
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, csrf_token, login

# --- compute: pure, on hand-built referral graphs ------------------------------------------

TREE = [("a", "b"), ("a", "c"), ("b", "d"), ("d", "e")]


def test_descendants_and_depth_of_a_chain_tree() -> None:
    values = compute(["a", "b", "c", "d", "e", "lone"], TREE).values
    assert {k: (v.descendants, v.depth) for k, v in values.items()} == {
        "a": (4, 0),
        "b": (2, 1),
        "c": (0, 1),
        "d": (1, 2),
        "e": (0, 3),
        "lone": (0, 0),
    }


def test_influence_ranks_the_chain_starter_first() -> None:
    values = compute(["a", "b", "c", "d", "e", "lone"], TREE).values
    ranked = sorted(values, key=lambda k: -values[k].influence)
    assert ranked[:3] == ["a", "b", "d"]
    assert values["c"].influence == values["e"].influence == values["lone"].influence


def test_influence_equals_pagerank_with_every_customer_a_node() -> None:
    uids = ["a", "b", "c", "d", "e", "x", "y"]
    values = compute(uids, TREE).values
    full = nx.DiGraph()
    full.add_nodes_from(uids)
    full.add_edges_from((b, a) for a, b in TREE)
    expected = nx.pagerank(full, alpha=0.85, tol=1e-12)
    for uid in uids:
        assert values[uid].influence == pytest.approx(expected[uid] * len(uids), abs=1e-5)
    assert sum(v.influence for v in values.values()) == pytest.approx(len(uids), abs=1e-4)


def test_communities_are_numbered_from_the_largest_and_zero_without_referrals() -> None:
    values = compute(["a", "b", "c", "d", "e", "p", "q", "lone"], [*TREE, ("p", "q")]).values
    assert {k: v.community for k, v in values.items()} == {
        "a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "p": 2, "q": 2, "lone": 0,
    }  # fmt: skip


def test_referral_loop_counts_each_member_once() -> None:
    # r refers x; x -> y -> z -> x is a loop; z also refers w.
    edges = [("r", "x"), ("x", "y"), ("y", "z"), ("z", "x"), ("z", "w")]
    analysis = compute(["r", "x", "y", "z", "w"], edges)
    values = analysis.values
    assert analysis.looped == 3
    assert values["r"].descendants == 4
    assert [values[k].descendants for k in "xyz"] == [3, 3, 3]  # two loop mates and w
    assert [values[k].depth for k in "rxyzw"] == [0, 1, 1, 1, 2]
    assert len({values[k].community for k in "rxyzw"}) == 1


def test_customer_with_two_referrers_is_not_counted_twice_upstream() -> None:
    edges = [("top", "l"), ("top", "r"), ("l", "m"), ("r", "m"), ("m", "leaf")]
    values = compute(["top", "l", "r", "m", "leaf"], edges).values
    assert values["top"].descendants == 4
    assert values["m"].depth == 2 and values["leaf"].depth == 3


# --- the graph: refresh and attribution ------------------------------------------------------


def make(store: GraphStore, model: type[NodeModel], **values: object):
    return NodeRepository(store, model).create(values, "test")


def customer(store: GraphStore, name: str, channel=None, spent: tuple[float, ...] = ()):
    found = make(store, nodes.Customer, name=name, stage="deal", channel=channel)
    for amount in spent:
        make(store, nodes.Order, product="p", amount=amount, at="2026-01-01T00:00:00",
             customer=found)  # fmt: skip
    return found


def refer(store: GraphStore, *pairs) -> None:
    for source, target in pairs:
        NodeRepository(store, nodes.Customer).update(target, {"referred_by": source}, "test")


@pytest.fixture
def referral_world(store: GraphStore) -> dict:
    """web -> A(100) -> B(50) -> C(20) -> A (a loop); A -> D(10, acquired via fair);
    fair -> F(7). Expected with decay 0.5 for web: direct A 100; B hop 1, C hop 2,
    D hop 1: referred 80, decayed 50*0.5 + 20*0.25 + 10*0.5 = 35."""
    web = make(store, nodes.Channel, name="Web")
    fair = make(store, nodes.Channel, name="Fair", parent=web)
    a = customer(store, "A", web, (60.0, 40.0))
    b = customer(store, "B", None, (50.0,))
    c = customer(store, "C", None, (20.0,))
    d = customer(store, "D", fair, (10.0,))
    f = customer(store, "F", fair, (7.0,))
    refer(store, (a, b), (b, c), (c, a), (a, d))
    return {"web": web, "fair": fair, "a": a, "b": b, "c": c, "d": d, "f": f}


def by_name(items) -> dict:
    return {item.name: item for item in items}


def test_attribution_with_decay_on_a_loop(store: GraphStore, referral_world: dict) -> None:
    items = by_name(channel_attribution(store, decay=0.5))
    web, fair = items["Web"], items["Fair"]
    assert (web.direct_customers, web.direct_revenue) == (1, 100.0)
    assert (web.referred_customers, web.referred_revenue) == (3, 80.0)
    assert web.attributed_revenue == pytest.approx(35.0)
    assert web.by_hop == {1: (2, 60.0), 2: (1, 20.0)}
    assert (fair.direct_customers, fair.direct_revenue, fair.referred_customers) == (2, 17.0, 0)
    assert fair.parent == "Web"
    assert [i.name for i in channel_attribution(store, decay=0.5)] == ["Web", "Fair"]


def test_stored_attribution_matches_the_live_walk(store: GraphStore, referral_world: dict) -> None:
    assert {a.as_of for a in channel_attribution(store)} == {None}  # no refresh yet: live
    report = refresh(store)
    assert report.channels == 2
    for depth in (1, 2, 10):
        stored = channel_attribution(store, decay=0.5, max_depth=depth)
        live = channel_attribution(store, decay=0.5, max_depth=depth, live=True)
        assert {a.as_of for a in live} == {None} and None not in {a.as_of for a in stored}
        assert [replace(a, as_of=None) for a in stored] == live
    # What the refresh stored stays until the next one; a live walk sees changes at once.
    customers = NodeRepository(store, nodes.Customer)
    customers.update(customers.get(referral_world["d"].uid), {"referred_by": None}, "test")
    assert by_name(channel_attribution(store))["Web"].referred_customers == 3
    assert by_name(channel_attribution(store, live=True))["Web"].referred_customers == 2
    refresh(store)
    assert by_name(channel_attribution(store))["Web"].referred_customers == 2


def test_referred_by_hop_walks_up_breadth_first() -> None:
    # w (web) refers x; x and y (fair) both refer z; z refers w (a loop back to the top).
    edges = [("w", "x"), ("x", "z"), ("y", "z"), ("z", "w")]
    channel = {"w": "web", "x": None, "y": "fair", "z": None}
    table = referred_by_hop(edges, channel, {"x": 1.0, "z": 10.0, "w": 100.0}, max_hops=3)
    assert table["web"] == [(1, 1.0), (1, 10.0), (0, 0.0)]  # x at 1 hop, z at 2
    # z at 1, w at 2 (w's referrer z has y above it), x at 3 (up through the loop to y).
    assert table["fair"] == [(1, 10.0), (1, 100.0), (1, 1.0)]


def test_attribution_depth_and_decay_bounds(store: GraphStore, referral_world: dict) -> None:
    web = by_name(channel_attribution(store, decay=1, max_depth=1))["Web"]
    assert (web.referred_customers, web.attributed_revenue) == (2, 60.0)
    assert by_name(channel_attribution(store, decay=0))["Web"].attributed_revenue == 0
    for bad in ({"decay": 1.5}, {"decay": "x"}, {"max_depth": 11}, {"max_depth": "1..2"},
                {"max_depth": 0}, {"max_depth": True}):  # fmt: skip
        with pytest.raises(InvalidValue):
            channel_attribution(store, **bad)


def test_refresh_writes_the_properties(store: GraphStore, referral_world: dict) -> None:
    report = refresh(store, write_batch=2, read_page=2)
    # F is in no referral network: it gets no values.
    assert (report.customers, report.referrals, report.updated) == (5, 4, 4)
    assert report.members == 4
    assert report.looped_customers == 3 and report.peak_memory_mb > 0
    rows = {r["name"]: r for r in store.read("customer_list_top_referrers", limit=10)}
    assert {n: (r["descendants"], r["depth"]) for n, r in rows.items()} == {
        "A": (3, 0), "B": (3, 0), "C": (3, 0),
    }  # fmt: skip
    assert rows["A"]["community"] == 1
    assert "F" not in rows
    # What the descendants spent: loop mates and D (A 100, B 50, C 20, D 10).
    assert {n: r["revenue"] for n, r in rows.items()} == {"A": 80.0, "B": 130.0, "C": 160.0}


def test_network_totals_come_from_the_refresh(store: GraphStore, referral_world: dict) -> None:
    partner = make(store, nodes.Referrer, name="P", kind="partner")
    NodeRepository(store, nodes.Customer).update(
        referral_world["f"], {"referred_by_referrer": partner}, "test"
    )
    a, d = referral_world["a"].uid, referral_world["d"].uid
    assert network_totals(store, a) == (0, 0.0)  # no refresh yet
    assert network_totals(store, a, live=True) == (3, 80.0)  # B, C, D; not A round the loop
    refresh(store)
    assert network_totals(store, a) == (3, 80.0)
    assert network_totals(store, partner.uid, "Referrer", live=True) == (1, 7.0)
    assert network_totals(store, d) == (0, 0.0)
    assert network_totals(store, partner.uid, "Referrer") == (1, 7.0)  # F and its orders
    assert network_totals(store, "nobody", "Contact") == (0, 0.0)
    with pytest.raises(InvalidValue):
        network_totals(store, partner.uid, "Tag")


def test_refresh_writes_only_what_changed(store: GraphStore, referral_world: dict) -> None:
    refresh(store)
    again = refresh(store)
    assert (again.updated, again.unchanged) == (0, 4)
    before = {r["name"]: r for r in store.read("customer_list_top_referrers", limit=10)}
    a_uid = before["A"]["uid"]
    store.write("customer_update_analytics", rows=[[a_uid, 99, 9, 9.5, 9]])  # a stale value
    repaired = refresh(store)
    assert (repaired.updated, repaired.unchanged) == (1, 3)
    after = {r["name"]: r for r in store.read("customer_list_top_referrers", limit=10)}
    assert after == before
    assert "1 customers updated, 0 cleared, 3 unchanged" in repaired.lines()[1]
    # D leaves the network: its values go; the loop's descendants and revenue drop.
    customers = NodeRepository(store, nodes.Customer)
    customers.update(customers.get(referral_world["d"].uid), {"referred_by": None}, "test")
    left = refresh(store)
    assert (left.cleared, left.members) == (1, 3)
    rows = {r["name"]: r for r in store.read("customer_list_top_referrers", limit=10)}
    assert {n: (r["descendants"], r["revenue"]) for n, r in rows.items()} == {
        "A": (2, 70.0), "B": (2, 120.0), "C": (2, 150.0),
    }  # fmt: skip
    assert network_totals(store, referral_world["d"].uid) == (0, 0.0)
    assert clear(store, batch=2) == 3
    assert store.read("customer_list_top_referrers", limit=10) == []
    assert refresh(store).updated == 3


def test_network_revenue_sums_descendants_once() -> None:
    # top refers l and r, both refer m (two referrers), m refers leaf.
    edges = [("top", "l"), ("top", "r"), ("l", "m"), ("r", "m"), ("m", "leaf")]
    spent = {"top": 1.0, "l": 10.0, "r": 20.0, "m": 40.0, "leaf": 80.0, "unknown": 5.0}
    values = compute(["top", "l", "r", "m", "leaf"], edges, spent).values
    assert {k: v.revenue for k, v in values.items()} == {
        "top": 150.0, "l": 120.0, "r": 120.0, "m": 80.0, "leaf": 0.0,
    }  # fmt: skip
    assert compute(["x"], [], spent).values["x"].revenue == 0.0


# --- the app: CLI, pages, REST ----------------------------------------------------------------


@pytest.fixture(scope="module")
def analytics_app(
    session_store: GraphStore, app_graph_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """An app of its own with the analytics views registered (the shared app may already
    have served requests, after which no view can be added)."""
    from app import create_app
    from app.accounts import ensure_admin
    from views.analytics import analytics as analytics_views

    application = create_app(
        {
            "GRAPH_URL": app_graph_url,
            "GRAPHCRM_INSTANCE_PATH": str(tmp_path_factory.mktemp("analytics") / "instance"),
            "TESTING": True,
        }
    )
    if "AnalyticsView" not in {type(v).__name__ for v in application.appbuilder.baseviews}:
        with application.app_context():
            analytics_views.register(application.appbuilder)
    ensure_admin(application, "admin", ADMIN_PASSWORD)
    yield application
    application.extensions["graph_store"].close()


@pytest.fixture
def web(analytics_app: Flask, store: GraphStore) -> FlaskClient:
    return analytics_app.test_client()


def test_cli_refresh_prints_report_and_writes(analytics_app: Flask, store: GraphStore,
                                              referral_world: dict) -> None:  # fmt: skip
    result = analytics_app.test_cli_runner().invoke(analytics, ["refresh"])
    assert result.exit_code == 0, result.output
    assert "5 customers" in result.output and "peak memory" in result.output
    rows = store.read("customer_list_top_referrers", limit=10)
    assert {r["name"] for r in rows} == {"A", "B", "C"}
    runner = analytics_app.test_cli_runner()
    refused = runner.invoke(analytics, ["clear"], input="n\n")
    assert refused.exit_code == 1 and store.read("customer_list_top_referrers", limit=10)
    cleared = runner.invoke(analytics, ["clear", "--yes"])
    assert cleared.exit_code == 0 and "cleared the referral analytics of 4 customers" in (
        cleared.output
    )
    assert store.read("customer_list_top_referrers", limit=10) == []


def test_rest_channels_shape(web: FlaskClient, referral_world: dict) -> None:
    response = web.get("/api/v1/analytics/channels?decay=0.5", headers=bearer(web))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["decay"] == 0.5
    first = body["result"][0]
    assert first["name"] == "Web" and first["attributed_revenue"] == pytest.approx(35.0)
    assert first["by_hop"] == [
        {"hops": 1, "customers": 2, "revenue": 60.0},
        {"hops": 2, "customers": 1, "revenue": 20.0},
    ]
    bad = web.get("/api/v1/analytics/channels?decay=2", headers=bearer(web))
    assert bad.status_code == 400
    assert body["as_of"] is None  # no refresh yet: walked live


def test_channels_from_the_refresh_unless_asked_live(
    web: FlaskClient, store: GraphStore, referral_world: dict
) -> None:
    refresh(store)
    stored = web.get("/api/v1/analytics/channels?decay=0.5", headers=bearer(web)).json
    live = web.get("/api/v1/analytics/channels?decay=0.5&live=true", headers=bearer(web)).json
    assert stored["as_of"] and live["as_of"] is None
    assert stored["result"] == live["result"]
    login(web)
    page = web.get("/analytics/channels?depth=2").get_data(as_text=True)
    assert "as of the analytics refresh of" in page and "live=1" in page
    assert "walked live" in web.get("/analytics/channels?depth=2&live=1").get_data(as_text=True)


def test_rest_top_referrers_shape(web: FlaskClient, store: GraphStore,
                                  referral_world: dict) -> None:  # fmt: skip
    refresh(store)
    response = web.get("/api/v1/analytics/top-referrers?limit=2", headers=bearer(web))
    assert response.status_code == 200
    rows = response.json["result"]
    assert len(rows) == 2
    assert set(rows[0]) == {"uid", "name", "stage", "descendants", "depth", "influence",
                            "community", "revenue"}  # fmt: skip
    assert (
        web.get("/api/v1/analytics/top-referrers?limit=0", headers=bearer(web)).status_code == 400
    )


def test_digits_python_reads_as_digits_but_int_does_not_are_refused_not_a_500(
    web: FlaskClient, store: GraphStore, referral_world: dict
) -> None:
    # "²" passes str.isdigit(); so does a number too long for int() to read.
    headers = bearer(web)
    for value in ("²", "٣", "9" * 5000):
        for url in (
            f"/api/v1/analytics/top-referrers?limit={value}",
            f"/api/v1/analytics/channels?depth={value}",
        ):
            assert web.get(url, headers=headers).status_code == 400, url
    login(web)
    assert web.get("/analytics/channels?depth=²").status_code in (200, 400)
    assert web.get("/analytics/top-referrers?limit=²").status_code in (200, 400)


def test_pages_render_table_chart_and_refresh_button_for_admin(
    analytics_app: Flask, web: FlaskClient, referral_world: dict
) -> None:
    login(web)
    page = web.get("/analytics/channels?decay=0.5").get_data(as_text=True)
    assert "attribution-table" in page and "attribution-chart" in page and "Web" in page
    top = web.get("/analytics/top-referrers")
    assert top.status_code == 200 and "refresh-analytics" in top.get_data(as_text=True)
    settle(analytics_app)
    response = web.post(
        "/analytics/refresh",
        data={"csrf_token": csrf_token(top.get_data(as_text=True))},
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The button starts a job and the page follows its progress; nothing ran inline.
    assert "refresh-progress" in page and "started as a background job" in page
    assert "top-referrers-table" not in page
    job = progress.active_with_key(queue(analytics_app).engine, "analytics-refresh")
    assert job is not None and job.name == ANALYTICS_REFRESH and job.started_by == "admin"
    with running_worker(analytics_app):
        assert wait_for(analytics_app, job.id).state == progress.DONE
    page = web.get("/analytics/top-referrers").get_data(as_text=True)
    assert "top-referrers-table" in page and "refresh-progress" not in page
    assert "Descendants&#39; revenue" in page and "160.00" in page  # C's network: A, B, D


def test_refresh_button_twice_follows_the_one_queued_job(
    analytics_app: Flask, web: FlaskClient, referral_world: dict
) -> None:
    settle(analytics_app)
    login(web)
    token = csrf_token(web.get("/analytics/top-referrers").get_data(as_text=True))
    web.post("/analytics/refresh", data={"csrf_token": token})
    again = web.post("/analytics/refresh", data={"csrf_token": token}, follow_redirects=True)
    assert "already queued or running" in again.get_data(as_text=True)
    engine = queue(analytics_app).engine
    assert sum(job.active for job in progress.listing(engine)) == 1
    settle(analytics_app)


def test_refresh_without_csrf_token_is_refused(web: FlaskClient, store: GraphStore,
                                               referral_world: dict) -> None:  # fmt: skip
    login(web)
    assert web.post("/analytics/refresh").status_code == 400
    assert store.read("customer_list_top_referrers", limit=10) == []


@pytest.mark.parametrize("role", ["Marketing", "Analyst", "Sales"])
def test_refresh_is_admin_only(analytics_app: Flask, web: FlaskClient, store: GraphStore,
                               role: str) -> None:  # fmt: skip
    username = f"an_{role.lower()}"
    staff(analytics_app, store, username, role)
    token = csrf_token(web.get("/login/").get_data(as_text=True))
    login(web, username, PASSWORD)
    top = web.get("/analytics/top-referrers")
    if top.status_code == 200:
        assert "refresh-analytics" not in top.get_data(as_text=True)
    assert web.post("/analytics/refresh", data={"csrf_token": token}).status_code == 403


def test_sales_is_refused_whole_graph_figures(analytics_app: Flask, web: FlaskClient,
                                              store: GraphStore) -> None:  # fmt: skip
    staff(analytics_app, store, "an_sales", "Sales")
    headers = bearer(web, "an_sales", PASSWORD)
    assert web.get("/api/v1/analytics/channels", headers=headers).status_code == 403
    assert web.get("/api/v1/analytics/top-referrers", headers=headers).status_code == 403
