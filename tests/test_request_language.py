"""The language of a REST answer: ``_l_``, then the language chosen in the session (the
browser's flag menu), then ``Accept-Language``, then English."""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

from graph.store.protocol import GraphStore
from tests.web import bearer


def export_header(client: FlaskClient, headers: dict[str, str]) -> list[str]:
    response = client.get("/api/v1/customer/export?format=csv", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))[:4]


def target_label(client: FlaskClient, headers: dict[str, str], name: str = "stage") -> str:
    response = client.get("/api/v1/imports/targets/customer", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(next(t for t in response.json["result"] if t["name"] == name)["label"])


ENGLISH = ["ID", "Version", "Name", "Kind"]
CHINESE = ["编号", "版本", "名称", "类型"]


@pytest.mark.parametrize(
    ("accept", "header", "stage"),
    [
        ("zh-CN", CHINESE, "阶段"),
        ("zh", CHINESE, "阶段"),
        ("zh-CN,zh;q=0.9,en;q=0.8", CHINESE, "阶段"),
        ("fr-FR, zh;q=0.5, en;q=0.3", CHINESE, "阶段"),
        ("en-US,en;q=0.9", ENGLISH, "Stage"),
        ("fr", ENGLISH, "Stage"),  # none we speak: English
        (None, ENGLISH, "Stage"),
    ],
)
def test_rest_export_and_import_targets_follow_accept_language(
    client: FlaskClient, store: GraphStore, accept: str | None, header: list[str], stage: str
) -> None:
    headers = bearer(client)
    if accept is not None:
        headers["Accept-Language"] = accept
    assert export_header(client, headers) == header
    assert target_label(client, headers) == stage


def test_rest_error_messages_follow_accept_language(client: FlaskClient, store: GraphStore) -> None:
    headers = {**bearer(client), "Accept-Language": "zh-CN"}
    refused = client.post("/api/v1/customer/", headers=headers, json={"stage": "deal"})
    assert refused.status_code == 422 and refused.json["message"] == {"name": ["此项为必填项。"]}
    assert "Accept-Language" in refused.headers["Vary"]


def test_the_language_chosen_in_the_session_comes_first_then_l_overrides_both(
    client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)
    client.get("/lang/en")  # chosen in the flag menu: the browser's choice stands
    assert export_header(client, {**headers, "Accept-Language": "zh-CN"}) == ENGLISH
    client.get("/lang/zh")
    assert export_header(client, {**headers, "Accept-Language": "en"}) == CHINESE
    assert target_label(client, {**headers, "Accept-Language": "en"}) == "阶段"
    # An API call's _l_ argument names the language outright.
    response = client.get("/api/v1/imports/targets/customer?_l_=en", headers=headers)
    assert next(t for t in response.json["result"] if t["name"] == "stage")["label"] == "Stage"


def test_a_rest_call_leaves_no_language_in_the_session_a_page_keeps_its_own(
    client: FlaskClient, store: GraphStore
) -> None:
    """FAB wrote "en" into the session of every request, REST calls included, and that
    session's language then stood before Accept-Language."""
    headers = bearer(client)
    assert export_header(client, {**headers, "Accept-Language": "zh"}) == CHINESE
    with client.session_transaction() as session:
        assert "locale" not in session
    assert export_header(client, {**headers, "Accept-Language": "zh"}) == CHINESE
    # A page (no language chosen: English, as before) keeps the REST calls its scripts make
    # with its session cookie in its own language.
    page = client.get("/login/", headers={"Accept-Language": "zh"})
    assert page.status_code == 200 and "Password" in page.get_data(as_text=True)
    assert export_header(client, {**headers, "Accept-Language": "zh"}) == ENGLISH
