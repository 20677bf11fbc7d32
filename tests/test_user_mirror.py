"""Accounts mirrored into the graph: the User node follows create, rename, deactivate, delete.

Changes go through FAB's own screens where they can (the hooks must see every path), and
the graph is checked on the real engine: node properties, the same node after a rename,
and OWNS/REPORTS_TO relationships surviving every step.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import mirror_outbox
from app.security_changes import sync_graph_users
from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.records.users import display_name, mirror_user
from graph.security.pii import open_props
from graph.store.protocol import GraphStore
from graph.store.templates import render
from tests.outage import engine_down
from tests.web import csrf_token, login, submit

PASSWORD = "Mirror-pass-123"


def mirrored(store: GraphStore, user_id: int) -> dict[str, Any] | None:
    """The User node mirroring account ``user_id``, as stored."""
    return store.read("user_mirror_get", user_id=user_id, username="")[0]["n"]


def by_uid(store: GraphStore, uid: str) -> dict[str, Any]:
    return store.read(render(store.cypher.get("node_get"), Label="User"), uid=uid)[0]["n"]


def user_form(app: Flask, username: str, **changes: str) -> dict[str, str]:
    with app.app_context():
        sales = app.appbuilder.sm.find_role("Sales").id
    form = {
        "first_name": "Ada", "last_name": "Lovelace", "username": username, "active": "y",
        "email": f"{username}@example.com", "roles": str(sales),
    }  # fmt: skip
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def add_through_screen(app: Flask, client: FlaskClient, username: str) -> int:
    form = user_form(app, username, password=PASSWORD, conf_password=PASSWORD)
    response = submit(client, "/users/add", form, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        assert user is not None, response.get_data(as_text=True)
        return user.id


def team(store: GraphStore, node_uid: str) -> tuple[Record, Record]:
    """A boss the user reports to and a customer the user owns."""
    users = NodeRepository(store, nodes.User)
    boss = users.create({"username": "the-boss", "display_name": "The Boss"}, "setup")
    me = users.get(node_uid)
    assert me is not None
    users.update(me, {"manager": boss}, "setup")
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": "Owned Ltd", "stage": "deal", "owner": me}, "setup"
    )
    return boss, customer


def assert_team_intact(store: GraphStore, node_uid: str, boss: Record, customer: Record) -> None:
    me = NodeRepository(store, nodes.User).get(node_uid)
    assert me is not None and me.manager is not None and me.manager.uid == boss.uid
    owned = NodeRepository(store, nodes.Customer).get(customer.uid or "")
    assert owned is not None and owned.owner is not None and owned.owner.uid == node_uid


@pytest.fixture
def admin_client(client: FlaskClient) -> FlaskClient:
    login(client)
    return client


def test_new_account_gets_a_user_node(
    app: Flask, admin_client: FlaskClient, store: GraphStore
) -> None:
    user_id = add_through_screen(app, admin_client, "ada")
    node = mirrored(store, user_id)
    assert node is not None
    assert (node["username"], node["display_name"]) == ("ada", "Ada Lovelace")
    assert (node["active"], node["user_id"]) == (True, user_id)
    assert re.fullmatch(r"U\d{8}\d{3,}", node["uid"])  # a readable uid, like every record's
    # The e-mail address is personal data: stored sealed with its blind index, like a form's.
    cipher = app.extensions["field_cipher"]
    assert "ada@example.com" not in node["email"] and node["email_bidx"]
    assert open_props(nodes.User, node, cipher)["email"] == "ada@example.com"
    found = NodeRepository(store, nodes.User, cipher=cipher).get(node["uid"])
    assert found is not None and found.email == "ada@example.com"
    history = NodeRepository(store, nodes.User).history(node["uid"])
    assert [(entry.action, entry.by) for entry in history] == [("create", "admin")]


def test_rename_keeps_the_node_and_its_relationships(
    app: Flask, admin_client: FlaskClient, store: GraphStore
) -> None:
    user_id = add_through_screen(app, admin_client, "bea")
    uid = mirrored(store, user_id)["uid"]
    boss, customer = team(store, uid)
    form = user_form(app, "beatrice", first_name="Beatrice")
    response = submit(admin_client, f"/users/edit/{user_id}", form, follow_redirects=True)
    assert response.status_code == 200
    node = mirrored(store, user_id)
    assert node["uid"] == uid
    assert (node["username"], node["display_name"]) == ("beatrice", "Beatrice Lovelace")
    assert_team_intact(store, uid, boss, customer)


def test_deactivated_account_leaves_an_inactive_node(
    app: Flask, admin_client: FlaskClient, store: GraphStore
) -> None:
    user_id = add_through_screen(app, admin_client, "cal")
    uid = mirrored(store, user_id)["uid"]
    boss, customer = team(store, uid)
    form = user_form(app, "cal", active=None)  # an unticked box is not sent
    submit(admin_client, f"/users/edit/{user_id}", form, follow_redirects=True)
    node = mirrored(store, user_id)
    assert (node["uid"], node["active"], node["user_id"]) == (uid, False, user_id)
    assert_team_intact(store, uid, boss, customer)


def test_deleted_account_keeps_its_node_inactive_with_its_relationships(
    app: Flask, admin_client: FlaskClient, store: GraphStore
) -> None:
    user_id = add_through_screen(app, admin_client, "dan")
    uid = mirrored(store, user_id)["uid"]
    boss, customer = team(store, uid)
    token = csrf_token(admin_client.get("/users/add").get_data(as_text=True))
    admin_client.post(f"/users/delete/{user_id}", data={"csrf_token": token})
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="dan") is None
    assert mirrored(store, user_id) is None  # no longer mirrors a live account...
    node = by_uid(store, uid)  # ...but the node is still there
    assert (node["username"], node["active"], node["deleted_user_id"]) == ("dan", False, user_id)
    assert "user_id" not in node
    assert_team_intact(store, uid, boss, customer)


def test_recreated_username_gets_a_fresh_node_not_the_old_ones_customers(
    app: Flask, admin_client: FlaskClient, store: GraphStore
) -> None:
    old_id = add_through_screen(app, admin_client, "eve")
    old_uid = mirrored(store, old_id)["uid"]
    _, customer = team(store, old_uid)
    with app.app_context():
        sm = app.appbuilder.sm
        sm.delete_user(sm.find_user(username="eve"))
    new_id = add_through_screen(app, admin_client, "eve")
    node = mirrored(store, new_id)
    assert node["uid"] != old_uid and node["username"] == "eve"
    assert by_uid(store, old_uid)["username"] == f"eve#{old_id}"
    owned = NodeRepository(store, nodes.Customer).get(customer.uid or "")
    assert owned is not None and owned.owner is not None and owned.owner.uid == old_uid


def test_node_made_in_the_graph_first_is_adopted_by_the_account(
    app: Flask, store: GraphStore
) -> None:
    users = NodeRepository(store, nodes.User)
    early = users.create({"username": "fay", "display_name": "Fay (planned)"}, "setup")
    sm = app.appbuilder.sm
    with app.app_context():
        user = sm.add_user(
            "fay", "Fay", "Tester", "fay@example.com", sm.find_role("Sales"), PASSWORD
        )
        user_id = user.id
        node = mirrored(store, user_id)
        assert node["uid"] == early.uid and node["display_name"] == "Fay Tester"
        user.last_name = "Adopted"
        sm.update_user(user)
    node = mirrored(store, user_id)
    assert node["uid"] == early.uid and node["display_name"] == "Fay Adopted"


def test_sync_repairs_missing_and_stale_nodes(app: Flask, store: GraphStore) -> None:
    # The store fixture emptied the graph: no account has a node now.
    stale = mirror_user(store, 999_999, "ghost", "Ghost", None, True)
    report = sync_graph_users(app)
    with app.app_context():
        accounts = app.appbuilder.sm.get_all_users()
        ids = [user.id for user in accounts]
    assert report.mirrored == len(ids) and report.changed == len(ids) and report.retired == 1
    assert all(mirrored(store, user_id) is not None for user_id in ids)
    assert by_uid(store, stale.uid)["active"] is False
    again = sync_graph_users(app)
    assert (again.changed, again.retired) == (0, 0)  # nothing left to do: nothing written


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [("Ada", "Lovelace", "Ada Lovelace"), ("三", "张", "张三"), ("", "Solo", "Solo")],
)
def test_display_name_follows_the_naming_custom(first: str, last: str, expected: str) -> None:
    assert display_name(first, last) == expected


def outbox(app: Flask) -> dict[int, mirror_outbox.MirrorOutboxEntry]:
    with app.app_context():
        entries = mirror_outbox.pending(app.appbuilder.session.get_bind())
    return {entry.user_id: entry for entry in entries}


def test_graph_failure_during_an_account_change_keeps_both_stores_consistent(
    app: Flask, admin_client: FlaskClient, store: GraphStore
) -> None:
    with engine_down(app):
        user_id = add_through_screen(app, admin_client, "gil")
        # The account is saved and its mirror is queued with the error...
        entry = outbox(app)[user_id]
        assert entry.attempts == 1 and "reach" in (entry.last_error or "")
        assert mirrored(store, user_id) is None
        # ...and the security session is still usable: another change goes through.
        form = user_form(app, "gilbert", first_name="Gilbert")
        response = submit(admin_client, f"/users/edit/{user_id}", form, follow_redirects=True)
        assert response.status_code == 200
        with app.app_context():
            assert app.appbuilder.sm.find_user(username="gilbert").id == user_id
        assert mirrored(store, user_id) is None
    # A failed entry waits for its backoff; once due, a drain mirrors the committed state.
    with app.app_context():
        bind = app.appbuilder.session.get_bind()
        assert mirror_outbox.drain(bind, store, None).mirrored == 0
        report = mirror_outbox.drain(bind, store, app.extensions["field_cipher"], due_only=False)
    assert (report.mirrored, report.failed) == (1, 0)
    node = mirrored(store, user_id)
    assert node is not None and (node["username"], node["display_name"]) == (
        "gilbert",
        "Gilbert Lovelace",
    )
    assert user_id not in outbox(app)


def test_mirror_retried_from_requests_once_the_graph_answers(
    app: Flask, admin_client: FlaskClient, store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Due again at once (no backoff), and looked for on every request.
    monkeypatch.setattr(mirror_outbox, "BACKOFF_SECONDS", (0,))
    monkeypatch.setattr(mirror_outbox, "POLL_SECONDS", 0.0)
    with engine_down(app):
        user_id = add_through_screen(app, admin_client, "hal")
    assert user_id in outbox(app) and mirrored(store, user_id) is None
    assert admin_client.get("/users/list/").status_code == 200
    assert mirrored(store, user_id)["username"] == "hal"
    assert user_id not in outbox(app)


def test_deleting_an_account_while_the_graph_is_down_retires_its_node_later(
    app: Flask, admin_client: FlaskClient, store: GraphStore
) -> None:
    user_id = add_through_screen(app, admin_client, "ivy")
    uid = mirrored(store, user_id)["uid"]
    with engine_down(app):
        token = csrf_token(admin_client.get("/users/add").get_data(as_text=True))
        admin_client.post(f"/users/delete/{user_id}", data={"csrf_token": token})
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="ivy") is None
        assert by_uid(store, uid)["active"] is True  # not yet
        mirror_outbox.drain(app.appbuilder.session.get_bind(), store, None, due_only=False)
    assert by_uid(store, uid)["active"] is False and mirrored(store, user_id) is None
