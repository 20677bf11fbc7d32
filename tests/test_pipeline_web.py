"""The pipeline board's page and API (``views.pipeline``) through the app: who sees which
cards, moves through the customer's REST edit (history, audit, stale, refused), and hostile
filter values answered with 4xx, never 5xx."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_audit import events_after, latest_id
from tests.test_row_level_access import PASSWORD, staff
from tests.web import login


@dataclass
class Team:
    ana: Record  # Sales, reports to boss
    bo: Record  # Sales, another team
    anas: Record  # Ana's intent customer
    bos: Record  # Bo's intent customer


@pytest.fixture
def team(app: Flask, store: GraphStore) -> Team:
    boss = staff(app, store, "boss", "Sales")
    ana = staff(app, store, "ana", "Sales")
    bo = staff(app, store, "bo", "Sales")
    staff(app, store, "analyst", "Analyst")
    staff(app, store, "auditor", "Auditor")
    ana = NodeRepository(store, nodes.User).update(ana, {"manager": boss}, "setup")
    customers = NodeRepository(store, nodes.Customer)
    anas = customers.create({"name": "Ana Trading", "stage": "intent", "owner": ana}, "setup")
    bos = customers.create({"name": "Bo Foods", "stage": "intent", "owner": bo}, "setup")
    NodeRepository(store, nodes.Order).create(
        {"product": "Tea", "amount": 1234.5, "currency": "CNY", "customer": anas.uid}, "setup"
    )
    return Team(ana, bo, anas, bos)


def _names(client: FlaskClient, stage: str = "intent", query: str = "") -> list[str]:
    answer = client.get(f"/api/v1/pipeline/column?stage={stage}{query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [card["name"] for card in answer.json["cards"]]


def test_sales_sees_the_board_with_only_their_cards(client: FlaskClient, team: Team) -> None:
    login(client, "ana", PASSWORD)
    page = client.get("/pipeline/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-stage="intent"' in html and "Bo Foods" not in html
    assert _names(client) == ["Ana Trading"]
    card = client.get("/api/v1/pipeline/column?stage=intent").json["cards"][0]
    assert card["owner"].startswith("ana") and card["order_value"] == "¥1,234.50"
    assert card["url"] == f"/customer/show/{team.anas.uid}"
    figures = client.get("/api/v1/pipeline/figures").json["result"]
    assert figures["intent"]["customers"] == 1 and figures["intent"]["order_value"] == "¥1,234.50"
    assert client.get(f"/api/v1/pipeline/card/{team.bos.uid}").status_code == 404


def test_admin_sees_every_card_and_filters_travel_in_the_url(
    client: FlaskClient, team: Team
) -> None:
    login(client)
    assert sorted(_names(client)) == ["Ana Trading", "Bo Foods"]
    assert _names(client, query=f"&owner={team.bo.uid}") == ["Bo Foods"]
    page = client.get(f"/pipeline/?owner={team.bo.uid}").get_data(as_text=True)
    assert f'<option value="{team.bo.uid}" selected>' in page
    assert f'"owner": "{team.bo.uid}"' in page  # handed to the script's queries


def test_the_board_speaks_chinese(client: FlaskClient, team: Team) -> None:
    login(client, "ana", PASSWORD)
    client.get("/lang/zh")
    html = client.get("/pipeline/").get_data(as_text=True)
    assert "销售漏斗" in html and "意向" in html and "成交" in html and "加载更多" in html
    refused = client.get("/api/v1/pipeline/column?stage=won")
    assert refused.status_code == 400 and "阶段" in refused.json["message"]


def test_a_move_is_the_customers_versioned_edit_with_history_and_audit(
    app: Flask, client: FlaskClient, store: GraphStore, team: Team
) -> None:
    login(client, "ana", PASSWORD)
    card = client.get(f"/api/v1/pipeline/card/{team.anas.uid}").json["result"]
    marker = latest_id(app)
    moved = client.post(
        f"/api/v1/pipeline/move/{team.anas.uid}", json={"stage": "deal", "version": card["version"]}
    )
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.json["result"]["stage"] == "deal"
    assert moved.json["result"]["version"] == card["version"] + 1
    assert _names(client, "deal") == ["Ana Trading"] and _names(client) == []
    history = NodeRepository(store, nodes.Customer).history(team.anas.uid or "")
    assert history[0].by == "ana" and history[0].at is not None
    assert [(c.field, c.old, c.new) for c in history[0].changes] == [("stage", "intent", "deal")]
    events = [e for e in events_after(app, marker) if e["action"] == "record_update"]
    assert events and events[0]["username"] == "ana"
    # The same (now stale) version again: refused, the stored stage kept.
    stale = client.post(
        f"/api/v1/pipeline/move/{team.anas.uid}", json={"stage": "lost", "version": card["version"]}
    )
    assert stale.status_code == 409
    assert stale.json["result"]["stage"] == "deal" and "someone else" in stale.json["message"]
    assert client.get(f"/api/v1/pipeline/card/{team.anas.uid}").json["result"]["stage"] == "deal"


def test_a_reader_without_edit_rights_sees_a_read_only_board(
    client: FlaskClient, team: Team
) -> None:
    login(client, "analyst", PASSWORD)
    html = client.get("/pipeline/").get_data(as_text=True)
    assert '"can_move": false' in html and "moving cards needs edit rights" in html
    card = client.get(f"/api/v1/pipeline/card/{team.anas.uid}").json["result"]
    refused = client.post(
        f"/api/v1/pipeline/move/{team.anas.uid}", json={"stage": "deal", "version": card["version"]}
    )
    assert refused.status_code == 403
    assert client.get(f"/api/v1/pipeline/card/{team.anas.uid}").json["result"]["stage"] == "intent"


def test_roles_without_customers_may_not_open_the_board(client: FlaskClient, team: Team) -> None:
    login(client, "auditor", PASSWORD)
    assert client.get("/pipeline/").status_code == 403
    assert client.get("/api/v1/pipeline/column?stage=intent").status_code == 403
    client.get("/logout/")
    assert client.get("/api/v1/pipeline/figures").status_code == 401


HOSTILE = [
    "region=%00",
    "region=" + "x" * 201,
    "owner=" + "U" * 500,
    "tag=%27%20OR%201%3D1%20--",
    "channel=%7B%7D%29%20MATCH%20%28x%29%20DETACH%20DELETE%20x",
    "owner=%F0%9F%98%80&tag=%E2%80%AE",
    "region=%ED%A0%80",
    "owner=a&owner=b",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_filters_are_refused_or_match_nothing(
    client: FlaskClient, team: Team, query: str
) -> None:
    login(client)
    for url in (
        f"/pipeline/?{query}",
        f"/api/v1/pipeline/column?stage=intent&{query}",
        f"/api/v1/pipeline/figures?{query}",
    ):
        answer = client.get(url)
        assert answer.status_code < 500, (url, answer.status_code)
        if answer.status_code == 200 and "/column" in url and "owner=a&" not in query:
            assert answer.json["cards"] == []


@pytest.mark.parametrize(
    "query",
    ["stage=", "stage=won", "stage=intent&skip=-1", "stage=intent&skip=abc",
     "stage=intent&limit=0", "stage=intent&limit=201", "stage=intent&skip=99999999999999999999",
     "stage=%00", "stage=intent&skip=%EF%BC%91"],
)  # fmt: skip
def test_bad_stages_and_pages_answer_400(client: FlaskClient, team: Team, query: str) -> None:
    login(client)
    answer = client.get(f"/api/v1/pipeline/column?{query}")
    assert answer.status_code == 400 and answer.json["message"]


@pytest.mark.parametrize("uid", ["%00", "x" * 300, "..%2F..%2Fetc", "%27%29%20RETURN%201"])
def test_odd_card_uids_answer_404(client: FlaskClient, team: Team, uid: str) -> None:
    login(client)
    assert client.get(f"/api/v1/pipeline/card/{uid}").status_code == 404


def test_sales_cannot_move_another_teams_card(client: FlaskClient, team: Team) -> None:
    login(client, "ana", PASSWORD)
    body = {"stage": "lost", "version": team.bos.version}
    assert client.post(f"/api/v1/pipeline/move/{team.bos.uid}", json=body).status_code == 404
    client.get("/logout/")
    login(client)
    assert client.get(f"/api/v1/pipeline/card/{team.bos.uid}").json["result"]["stage"] == "intent"


@pytest.mark.parametrize(
    "body",
    [None, [], "x", {}, {"stage": "deal"}, {"version": 1}, {"stage": "won", "version": 1},
     {"stage": "deal", "version": "1"}, {"stage": "deal", "version": 1.5},
     {"stage": "deal", "version": True}, {"stage": "deal", "version": 2**63},
     {"stage": "deal", "version": -1}, {"stage": ["deal"], "version": 1}],
)  # fmt: skip
def test_malformed_moves_answer_400_and_change_nothing(
    client: FlaskClient, team: Team, body: object
) -> None:
    login(client)
    answer = client.post(f"/api/v1/pipeline/move/{team.anas.uid}", json=body)
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
    card = client.get(f"/api/v1/pipeline/card/{team.anas.uid}").json["result"]
    assert (card["stage"], card["version"]) == ("intent", team.anas.version)


def test_a_move_posted_as_a_plain_form_body_is_refused(client: FlaskClient, team: Team) -> None:
    """A cross-site form can send text/plain that looks like JSON; the move reads JSON only."""
    login(client, "ana", PASSWORD)
    body = json.dumps({"stage": "lost", "version": team.anas.version})
    answer = client.post(
        f"/api/v1/pipeline/move/{team.anas.uid}", data=body, content_type="text/plain"
    )
    assert answer.status_code == 400
    card = client.get(f"/api/v1/pipeline/card/{team.anas.uid}").json["result"]
    assert card["stage"] == "intent"


def test_figures_follow_a_move(client: FlaskClient, team: Team) -> None:
    login(client)
    before = client.get("/api/v1/pipeline/figures").json["result"]
    assert (before["intent"]["customers"], before["deal"]["customers"]) == (2, 0)
    body = {"stage": "deal", "version": team.anas.version}
    assert client.post(f"/api/v1/pipeline/move/{team.anas.uid}", json=body).status_code == 200
    after = client.get("/api/v1/pipeline/figures").json["result"]
    assert (after["intent"]["customers"], after["deal"]["customers"]) == (1, 1)
    assert after["deal"]["order_value"] == "¥1,234.50" and after["intent"]["order_value"] == ""
