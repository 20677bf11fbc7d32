"""Segments are records like the others: a history of every change (on the page and in
REST), a required version on edit (409 when stale, the form keeping the person's input),
and a 4xx with a clear message for any garbage a client sends."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.segments.rules import parse_rules
from graph.segments.storage import create_segment, segment_history, update_segment
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, csrf_token, login

BODY = {"name": "Buyers", "description": "deal stage", "rules": [
    {"field": "stage", "op": "in", "value": ["deal"]}]}  # fmt: skip


def _created(client: FlaskClient, headers: dict) -> dict:
    created = client.post("/api/v1/segments/", json=BODY, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    return created.json["result"]


def test_every_change_of_a_segment_is_in_its_history_with_old_and_new_values(
    client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)
    uid = _created(client, headers)["uid"]
    rules = [{"field": "region", "op": "eq", "value": "East"}]
    body = {**BODY, "name": "East buyers", "rules": rules, "version": 1}
    assert client.put(f"/api/v1/segments/{uid}", json=body, headers=headers).status_code == 200
    history = client.get(f"/api/v1/segments/{uid}/history", headers=headers)
    assert history.status_code == 200 and history.json["id"] == uid
    update, create = history.json["result"]
    assert (update["action"], update["version"], update["by"]) == ("update", 2, "admin")
    changes = {c["field"]: (c["old"], c["new"]) for c in update["changes"]}
    assert changes["name"] == ("Buyers", "East buyers")
    assert "description" not in changes  # unchanged
    assert '"East"' in changes["rules"][1] and '"deal"' in changes["rules"][0]
    assert create["action"] == "create"
    assert {c["field"]: c["new"] for c in create["changes"]}["name"] == "Buyers"
    assert client.delete(f"/api/v1/segments/{uid}", headers=headers).status_code == 200
    deleted = segment_history(store, uid)[0]
    assert deleted.action == "delete"
    assert {c.field: c.old for c in deleted.changes}["name"] == "East buyers"


def test_segment_page_shows_its_history_in_the_readers_language(client: FlaskClient) -> None:
    login(client)
    uid = _created(client, bearer(client))["uid"]
    client.get("/lang/zh")
    page = client.get(f"/segments/show/{uid}").get_data(as_text=True)
    assert 'id="history"' in page and "变更历史" in page and "Change history" not in page
    assert 'data-action="create"' in page and "Buyers" in page


def test_history_hides_a_customer_the_reader_may_not_see(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    owner = staff(app, store, "seg_rep", "Sales")
    staff(app, store, "seg_other", "Sales")
    hidden = NodeRepository(store, nodes.Customer).create(
        {"name": "Secret Referrer Co", "stage": "deal", "owner": owner}, "setup"
    )
    segment = create_segment(store, "Referred", "", parse_rules(BODY["rules"]), "setup")
    referred = [{"field": "referred_by", "op": "within",
                 "value": {"customer": hidden.uid, "hops": 2}}]  # fmt: skip
    update_segment(store, segment.uid, 1, "Referred", "", parse_rules(referred), "setup")
    login(client, "seg_other", PASSWORD)
    answer = client.get(f"/api/v1/segments/{segment.uid}/history")
    assert answer.status_code == 200
    assert hidden.uid not in answer.get_data(as_text=True)
    page = client.get(f"/segments/show/{segment.uid}").get_data(as_text=True)
    assert hidden.uid not in page and "Secret Referrer Co" not in page


def test_rest_edit_needs_the_version_and_a_stale_one_is_refused(client: FlaskClient) -> None:
    headers = bearer(client)
    uid = _created(client, headers)["uid"]
    for version in ({}, {"version": None}, {"version": "1"}, {"version": True}):
        answer = client.put(f"/api/v1/segments/{uid}", json={**BODY, **version}, headers=headers)
        assert answer.status_code == 422, version
        assert "version" in answer.json["message"]
    ok = client.put(f"/api/v1/segments/{uid}", json={**BODY, "version": 1}, headers=headers)
    assert ok.status_code == 200
    stale = client.put(
        f"/api/v1/segments/{uid}", json={**BODY, "name": "Mine", "version": 1}, headers=headers
    )
    assert stale.status_code == 409 and stale.json["version"] == 2
    assert client.get(f"/api/v1/segments/{uid}", headers=headers).json["result"]["name"] == "Buyers"


def test_stale_form_keeps_the_input_and_saves_over_the_new_version(
    client: FlaskClient, store: GraphStore
) -> None:
    login(client)
    segment = create_segment(store, "Buyers", "", parse_rules(BODY["rules"]), "admin")
    form = client.get(f"/segments/edit/{segment.uid}").get_data(as_text=True)
    assert 'name="version" value="1"' in form
    update_segment(store, segment.uid, 1, "Theirs", "", segment.rules, "someone")
    data = {"csrf_token": csrf_token(form), "version": "1", "name": "Mine typed",
            "description": "my words", "stage": ["intent"]}  # fmt: skip
    client.get("/lang/zh")
    stale = client.post(f"/segments/edit/{segment.uid}", data=data)
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "其他人修改了它" in page and "Mine typed" in page and "my words" in page
    assert 'name="version" value="2"' in page
    saved = client.post(f"/segments/edit/{segment.uid}", data={**data, "version": "2"})
    assert saved.status_code == 302
    assert client.get(f"/api/v1/segments/{segment.uid}").json["result"]["name"] == "Mine typed"


@pytest.mark.parametrize(
    "version", ["", "abc", "１", "-1", "9" * 40, "\ud800".encode("utf-8", "surrogatepass")]
)
def test_form_with_a_garbage_version_is_refused_with_a_message(
    client: FlaskClient, store: GraphStore, version: object
) -> None:
    login(client)
    segment = create_segment(store, "Buyers", "", parse_rules(BODY["rules"]), "admin")
    form = client.get(f"/segments/edit/{segment.uid}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(form), "version": version, "name": "Typed", "stage": ["deal"]}
    answer = client.post(f"/segments/edit/{segment.uid}", data=data)
    assert 400 <= answer.status_code < 500
    assert "Typed" in answer.get_data(as_text=True) or answer.status_code == 409


GARBAGE = [
    ("not json", "text/plain"),
    ("{broken", "application/json"),
    ('{"name": 5, "rules": []}', "application/json"),
    ('{"name": "x", "rules": "stage"}', "application/json"),
    (
        '{"name": "x", "rules": [{"field": "colour", "op": "is", "value": "red"}]}',
        "application/json",
    ),
    (
        '{"name": "x", "rules": [{"field": "stage", "op": "in", "value": [1, 2]}]}',
        "application/json",
    ),
    (
        '{"name": "x", "rules": [{"field": "stage", "op": "in", "value": ["deal"], "x": 1}]}',
        "application/json",
    ),
    ('{"name": "' + "x" * 100_000 + '", "rules": []}', "application/json"),
    (
        '{"name": "x", "rules": [{"field": "industry", "op": "eq", "value": "'
        + "y" * 5000
        + '"}]}',
        "application/json",
    ),
    (
        '{"name": "\\ud800", "rules": [{"field": "stage", "op": "in", "value": ["deal"]}]}',
        "application/json",
    ),
    (
        '{"name": "x", "rules": [{"field": "region", "op": "eq", "value": "\\udfff"}]}',
        "application/json",
    ),
    ('["name"]', "application/json"),
    ("null", "application/json"),
]


@pytest.mark.parametrize(("body", "mimetype"), GARBAGE)
def test_garbage_segment_bodies_get_a_4xx_with_a_message(
    client: FlaskClient, body: str, mimetype: str
) -> None:
    headers = bearer(client)
    uid = _created(client, headers)["uid"]
    for method, url in (("post", "/api/v1/segments/"), ("put", f"/api/v1/segments/{uid}")):
        answer = getattr(client, method)(url, data=body, content_type=mimetype, headers=headers)
        assert 400 <= answer.status_code < 500, (method, body[:80], answer.status_code)
        assert (answer.json or {}).get("message"), answer.get_data(as_text=True)[:200]
    listed = client.get("/api/v1/segments/", headers=headers).json["result"]
    assert [(s["name"], s["version"]) for s in listed] == [("Buyers", 1)]  # nothing written
