"""While the graph engine is down, every page is a 503 in the app's layout and the reader's
language, and every API a 503 JSON answer; each says when to try again. Never a 500."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.outage import engine_down
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, csrf_token, login

# Left out: the home page (today the engine status page, which shows the outage) and empty
# add forms (they read nothing from the graph; saving one is a 503, tested below).
PAGES = [
    "/customer/list/",
    "/customer/show/{uid}",
    "/customer/edit/{uid}",
    "/followup/list/",
    "/referrals/chain/{uid}",
    "/network/",
    "/segments/list/",
    "/analytics/top-referrers",
    "/analytics/channels",
]
APIS = [
    "/api/v1/customer/",
    "/api/v1/customer/{uid}",
    "/api/v1/referrals/{uid}/chain",
    "/api/v1/referrals/{uid}/tree",
    "/api/v1/network/Customer/{uid}/neighbours",
    "/api/v1/segments/",
    "/api/v1/analytics/top-referrers",
]


@pytest.fixture
def customer_uid(store: GraphStore) -> str:
    uid = NodeRepository(store, nodes.Customer).create({"name": "Acme"}, "setup").uid
    assert uid is not None
    return uid


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "customer database is restarting"), ("zh", "客户数据库正在重启")],
)
def test_every_page_is_a_503_in_the_layout_and_the_readers_language(
    app: Flask, client: FlaskClient, customer_uid: str, language: str, words: str
) -> None:
    login(client)
    client.get(f"/lang/{language}")
    with engine_down(app):
        responses = [(page, client.get(page.format(uid=customer_uid))) for page in PAGES]
        token = csrf_token(client.get("/customer/add").get_data(as_text=True))
        saved = client.post("/customer/add", data={"name": "New", "csrf_token": token})
        responses.append(("POST /customer/add", saved))
    for page, response in responses:
        html = response.get_data(as_text=True)
        assert response.status_code == 503, (page, response.status_code, html[:300])
        assert response.headers["Retry-After"].isdigit(), page
        assert words in html, page
        assert 'id="error-page"' in html and "navbar" in html, page  # the app's layout


def test_every_api_is_a_503_with_retry_after(
    app: Flask, client: FlaskClient, customer_uid: str
) -> None:
    headers = bearer(client)
    with engine_down(app):
        for api in APIS:
            response = client.get(api.format(uid=customer_uid), headers=headers)
            assert response.status_code == 503, (api, response.get_data(as_text=True)[:300])
            assert response.headers["Retry-After"].isdigit(), api
            assert "message" in response.get_json(), api
        created = client.post("/api/v1/tag/", json={"name": "new"}, headers=headers)
        assert created.status_code == 503 and created.headers["Retry-After"].isdigit()
    # And once the engine answers again, so does the app.
    assert client.get(f"/api/v1/customer/{customer_uid}", headers=headers).status_code == 200


@pytest.mark.parametrize(("language", "words"), [("en", "Not found"), ("zh", "未找到")])
def test_unknown_page_is_a_404_in_the_layout_and_the_readers_language(
    client: FlaskClient, language: str, words: str
) -> None:
    login(client)
    client.get(f"/lang/{language}")
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert words in html and 'id="error-page"' in html and "navbar" in html


def test_a_worker_boots_while_the_engine_is_down_and_answers_503() -> None:
    from app import create_app

    folder = Path(tempfile.mkdtemp(prefix="gcrm-"))  # no engine was ever started here
    worker = create_app(
        {
            "GRAPH_URL": "embedded:",
            "GRAPHCRM_INSTANCE_PATH": str(folder),
            "GRAPHCRM_SERVE_WORKER": True,
            "TESTING": True,
        }
    )
    client = worker.test_client()
    assert client.get("/login/").status_code == 200
    assert client.get("/health").status_code == 200
    ready = client.get("/ready")
    assert ready.status_code == 503 and ready.headers["Retry-After"].isdigit()
    assert not (folder / "graph" / "falkordb.sock").exists()  # and it started none itself


def test_an_app_boots_while_its_engine_is_down_and_answers_503_until_it_is_back() -> None:
    from app import create_app

    folder = Path(tempfile.mkdtemp(prefix="gcrm-"))
    # Nothing listens on port 1: building the app must not need the engine.
    app = create_app(
        {
            "GRAPH_URL": "falkordb://127.0.0.1:1/graph",
            "GRAPHCRM_INSTANCE_PATH": str(folder),
            "TESTING": True,
        }
    )
    client = app.test_client()
    assert client.get("/health").status_code == 200
    for _ in range(2):  # a failed first use is tried again by the next one
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.headers["Retry-After"].isdigit()


def test_the_embedded_engine_starts_and_gets_its_schema_on_first_use() -> None:
    from app import create_app
    from app.graph_store import prepare

    folder = Path(tempfile.mkdtemp(prefix="gcrm-"))
    app = create_app(
        {"GRAPH_URL": "embedded:", "GRAPHCRM_INSTANCE_PATH": str(folder), "TESTING": True}
    )
    socket = folder / "graph" / "falkordb.sock"
    assert not socket.exists()  # create_app only registered the store
    try:
        assert app.test_client().get("/ready").status_code == 200
        assert socket.exists()
        report = prepare(app)
        assert report and all(line.startswith("present: ") for line in report)
    finally:
        app.extensions["graph_server"].stop()


def test_health_and_ready_answer_without_login_and_without_data(client: FlaskClient) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "graph": True, "security_db": True}


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            (
                "Sign in first: the request carries no valid login or token.",
                "You do not have permission to open this page.",
                "This page or record does not exist, or is not visible to you.",
            ),
        ),
        (
            "zh",
            (
                "请先登录：请求中没有有效的登录或令牌。",
                "您没有打开此页面的权限。",
                "此页面或记录不存在，或您无权查看。",
            ),
        ),
    ],
)
def test_api_refusals_are_in_the_readers_language(
    app: Flask, store: GraphStore, client: FlaskClient, language: str, texts: tuple[str, ...]
) -> None:
    # FAB's own answers (its @protect's 401 and 403, its 404), not only ours.
    signed_out, forbidden, missing = texts
    answer = client.get(f"/api/v1/customer/?_l_={language}")
    assert (answer.status_code, answer.json["message"]) == (401, signed_out)
    staff(app, store, "nosy", "Auditor")
    headers = bearer(client, "nosy", PASSWORD)
    answer = client.get(f"/api/v1/customer/?_l_={language}", headers=headers)
    assert (answer.status_code, answer.json["message"]) == (403, forbidden)
    headers = bearer(client)
    answer = client.get(f"/api/v1/customer/C-none?_l_={language}", headers=headers)
    assert (answer.status_code, answer.json["message"]) == (404, missing)
