"""Saved console queries (own, shared, private) and per-user run history, in the SQL store."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from app import console_queries
from app.console_queries import HISTORY_KEEP, ConsoleRun, SavedQuery
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

SAVED = "/api/v1/console/saved"
HISTORY = "/api/v1/console/history"
RUN = "/api/v1/console/run"
CSV = "/api/v1/console/csv"
QUERY = {
    "name": "Customers per stage",
    "description": "How many customers in each stage",
    "query": "MATCH (c:Customer) WHERE c.stage = $stage RETURN count(c) AS n",
    "params": {"stage": "deal"},
    "shared": False,
}


@pytest.fixture
def analysts(app: Flask, store: GraphStore) -> dict[str, dict[str, str]]:
    """Two analysts (bearer headers), with no saved queries or history yet (the SQL store
    outlives each test)."""
    with app.app_context():
        session = app.appbuilder.session
        session.execute(delete(SavedQuery))
        session.execute(delete(ConsoleRun))
        session.commit()
    staff(app, store, "analyst", "Analyst")
    staff(app, store, "analyst2", "Analyst")
    return {
        "analyst": bearer(app.test_client(), "analyst", PASSWORD),
        "analyst2": bearer(app.test_client(), "analyst2", PASSWORD),
    }


def test_save_list_update_delete(client: FlaskClient, analysts: dict) -> None:
    me = analysts["analyst"]
    created = client.post(SAVED, json=QUERY, headers=me)
    assert created.status_code == 201, created.json
    saved = created.json["result"]
    assert saved["owner"] == "analyst" and saved["mine"] is True and saved["shared"] is False
    assert saved["params"] == {"stage": "deal"} and saved["query"] == QUERY["query"]
    assert saved["description"] == QUERY["description"]
    pk = created.json["id"]

    listed = client.get(SAVED, headers=me).json["result"]
    assert [q["name"] for q in listed] == ["Customers per stage"]

    changed = client.put(
        f"{SAVED}/{pk}", json={"description": "Per stage", "shared": True}, headers=me
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["result"]["description"] == "Per stage"
    assert changed.json["result"]["shared"] is True
    assert changed.json["result"]["query"] == QUERY["query"]  # untouched fields stay

    again = client.post(SAVED, json=QUERY, headers=me)
    assert again.status_code == 422 and "name" in again.json["message"]

    assert client.delete(f"{SAVED}/{pk}", headers=me).status_code == 200
    assert client.get(SAVED, headers=me).json["result"] == []
    assert client.delete(f"{SAVED}/{pk}", headers=me).status_code == 404


def test_private_queries_are_invisible_and_shared_ones_read_only(
    client: FlaskClient, analysts: dict
) -> None:
    me, other = analysts["analyst"], analysts["analyst2"]
    private = client.post(SAVED, json=QUERY, headers=me).json["id"]
    shared = client.post(
        SAVED, json={**QUERY, "name": "Shared one", "shared": True}, headers=me
    ).json["id"]

    theirs = client.get(SAVED, headers=other).json["result"]
    assert [(q["name"], q["mine"], q["owner"]) for q in theirs] == [
        ("Shared one", False, "analyst")
    ]
    # Someone else's private query does not exist for them; a shared one is read-only.
    assert client.put(f"{SAVED}/{private}", json={"name": "x"}, headers=other).status_code == 404
    assert client.delete(f"{SAVED}/{private}", headers=other).status_code == 404
    refused = client.put(f"{SAVED}/{shared}", json={"name": "mine now"}, headers=other)
    assert refused.status_code == 403 and refused.json["error"] == "not_owner"
    assert client.delete(f"{SAVED}/{shared}", headers=other).status_code == 403
    mine = client.get(SAVED, headers=me).json["result"]
    assert sorted(q["name"] for q in mine) == ["Customers per stage", "Shared one"]

    # The other analyst may use the same name for a query of their own.
    copy = client.post(SAVED, json={**QUERY, "name": "Shared one"}, headers=other)
    assert copy.status_code == 201 and copy.json["result"]["mine"] is True
    names = [(q["name"], q["owner"]) for q in client.get(SAVED, headers=other).json["result"]]
    assert names == [("Shared one", "analyst2"), ("Shared one", "analyst")]


def test_validation_errors_are_422_with_a_field_map(client: FlaskClient, analysts: dict) -> None:
    me = analysts["analyst"]
    missing = client.post(SAVED, json={"query": "RETURN 1"}, headers=me)
    assert missing.status_code == 422 and list(missing.json["message"]) == ["name"]
    blank = client.post(SAVED, json={"name": "  ", "query": ""}, headers=me)
    assert blank.status_code == 422 and set(blank.json["message"]) == {"name", "query"}
    bad = client.post(
        SAVED, json={"name": "x", "query": "RETURN 1", "params": [1], "shared": "yes"}, headers=me
    )
    assert bad.status_code == 422 and set(bad.json["message"]) == {"params", "shared"}
    pk = client.post(SAVED, json={"name": "ok", "query": "RETURN 1"}, headers=me).json["id"]
    empty_name = client.put(f"{SAVED}/{pk}", json={"name": ""}, headers=me)
    assert empty_name.status_code == 422 and "name" in empty_name.json["message"]
    assert client.post(SAVED, data="not json", headers=me).status_code == 400


def test_history_keeps_the_last_50_per_user(app: Flask, analysts: dict) -> None:
    with app.app_context():
        for i in range(HISTORY_KEEP + 5):
            console_queries.record_run("analyst", f"RETURN {i}", {"i": i}, "ok", rows=1)
        console_queries.record_run("analyst2", "RETURN 'other'", {}, "syntax")
        mine = console_queries.history("analyst")
        assert len(mine) == HISTORY_KEEP
        assert mine[0].query == f"RETURN {HISTORY_KEEP + 4}" and mine[0].params == {"i": 54}
        assert mine[-1].query == "RETURN 5"
        assert (mine[0].outcome, mine[0].rows) == ("ok", 1)
        stored = app.appbuilder.session.scalar(
            select(func.count()).select_from(ConsoleRun).where(ConsoleRun.username == "analyst")
        )
        assert stored == HISTORY_KEEP
        theirs = console_queries.history("analyst2")
        assert [(r.query, r.outcome, r.rows) for r in theirs] == [
            ("RETURN 'other'", "syntax", None)
        ]


def test_history_keeps_parameter_values_encrypted(app: Flask, analysts: dict) -> None:
    with app.app_context():
        console_queries.record_run("analyst", "RETURN $p", {"p": "+8613912345678"}, "ok", 1)
        raw = app.appbuilder.session.scalar(
            select(ConsoleRun.params).where(ConsoleRun.username == "analyst")
        )
        assert raw.startswith("enc:") and "13912345678" not in raw
        assert console_queries.history("analyst")[0].params == {"p": "+8613912345678"}


def test_runs_through_the_api_appear_in_the_users_history(
    client: FlaskClient, analysts: dict
) -> None:
    me = analysts["analyst"]
    ok = client.post(
        RUN, json={"query": "UNWIND range(1, 3) AS i RETURN i", "params": {"x": 1}}, headers=me
    )
    assert ok.status_code == 200
    refused = client.post(RUN, json={"query": "CREATE (n:Customer {uid: 'x'})"}, headers=me)
    assert refused.status_code == 403
    assert client.post(CSV, json={"query": "RETURN 1 AS one"}, headers=me).status_code == 200
    runs = client.get(HISTORY, headers=me).json["result"]
    assert [(r["action"], r["outcome"], r["rows"]) for r in runs] == [
        ("export", "ok", 1),
        ("console_query", "write_refused", None),
        ("console_query", "ok", 3),
    ]
    assert runs[2]["query"] == "UNWIND range(1, 3) AS i RETURN i" and runs[2]["params"] == {"x": 1}
    assert runs[2]["duration_ms"] is not None
    # Nobody sees another user's history.
    assert client.get(HISTORY, headers=analysts["analyst2"]).json["result"] == []


def test_marketing_has_no_saved_queries_or_history(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    staff(app, store, "marketer", "Marketing")
    headers = bearer(client, "marketer", PASSWORD)
    assert client.get(SAVED, headers=headers).status_code == 403
    assert client.post(SAVED, json=QUERY, headers=headers).status_code == 403
    assert client.get(HISTORY, headers=headers).status_code == 403


def test_saved_queries_are_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/v1/_openapi", headers=bearer(client)).json
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/console/saved"])
    assert {"put", "delete"} <= set(paths["/api/v1/console/saved/{pk}"])
    assert "get" in paths["/api/v1/console/history"]
    assert {"SavedQuery", "SavedQueryPost", "ConsoleRunEntry"} <= set(spec["components"]["schemas"])


def test_page_has_the_panels_in_english_and_chinese(client: FlaskClient, analysts: dict) -> None:
    login(client, "analyst", PASSWORD)
    page = client.get("/console/").get_data(as_text=True)
    assert 'id="saved-list"' in page and 'id="history-list"' in page
    assert "Saved queries" in page and "/api/v1/console/saved" in page
    client.get("/lang/zh")
    chinese = client.get("/console/").get_data(as_text=True)
    assert "已保存的查询" in chinese and "历史记录" in chinese


def test_browser_saves_loads_deletes_and_shows_history(
    page, app: Flask, live_server: str, analysts: dict
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda dialog: dialog.accept())  # confirm() before a delete
    page.goto(live_server + "/login/")
    page.fill("input[name=username]", "analyst")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.goto(live_server + "/console/")
    page.wait_for_selector("#history-list li")
    assert "No runs yet." in page.inner_text("#history-list")

    editor = page.locator("#editor .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("RETURN $n AS n")
    page.keyboard.press("Escape")
    page.fill("#params", '{"n": 7}')
    page.click("#run")
    page.wait_for_selector("#result-table tbody tr")
    page.wait_for_selector("#history-list .console-history-item")
    assert "RETURN $n AS n" in page.inner_text("#history-list")

    page.fill("#save-name", "Seven")
    page.fill("#save-description", "Returns a parameter")
    page.check("#save-shared")
    page.click("#save")
    page.wait_for_selector("#saved-list .console-saved-item")
    assert "Seven" in page.inner_text("#saved-list")
    assert "shared by me" in page.inner_text("#saved-list")

    page.fill("#params", "{}")
    page.click("#history-list .console-history-item")
    assert '"n": 7' in page.input_value("#params")

    page.click("#saved-list .console-delete")
    page.wait_for_selector("#saved-list .console-saved-item", state="detached")
    assert "No saved queries yet." in page.inner_text("#saved-list")
    assert errors == []
