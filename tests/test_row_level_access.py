"""Row-level access: a salesperson sees their team's customers only, by every route."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.records import Record
from graph.records.filters import Condition
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.web import bearer, csrf_token, login, submit

PASSWORD = "Sales-pass-123"


@dataclass
class World:
    mine: Record
    theirs: Record
    my_followup: Record
    their_followup: Record


def staff(app: Flask, store: GraphStore, username: str, role: str) -> Record:
    """A FAB account with ``role`` and its User node in the graph."""
    sm = app.appbuilder.sm
    with app.app_context():
        if not sm.find_user(username=username):
            sm.add_user(username, username, "Test", f"{username}@example.com",
                        sm.find_role(role), PASSWORD)  # fmt: skip
    users = NodeRepository(store, nodes.User)
    found = users.page([Condition("username", "eq", username)], limit=1)
    if found:
        return found[0]
    return users.create({"username": username, "display_name": username}, "setup")


@pytest.fixture
def world(app: Flask, store: GraphStore) -> World:
    boss = staff(app, store, "boss", "Sales")
    ana = staff(app, store, "ana", "Sales")
    bo = staff(app, store, "bo", "Sales")
    staff(app, store, "auditor", "Auditor")
    staff(app, store, "analyst", "Analyst")
    NodeRepository(store, nodes.User).update(ana, {"manager": boss}, "setup")
    customers = NodeRepository(store, nodes.Customer)
    mine = customers.create({"name": "Ana's customer", "stage": "deal", "owner": ana}, "setup")
    theirs = customers.create({"name": "Bo's customer", "stage": "deal", "owner": bo}, "setup")
    followups = NodeRepository(store, nodes.FollowUp)
    at = "2026-01-02T03:04:05"
    mine_f = followups.create(
        {"at": at, "method": "phone", "summary": "call ana", "customer": mine}, "setup"
    )
    theirs_f = followups.create(
        {"at": at, "method": "phone", "summary": "call bo", "customer": theirs}, "setup"
    )
    return World(mine, theirs, mine_f, theirs_f)


def test_sales_cannot_reach_colleagues_customer_by_any_route(
    client: FlaskClient, world: World, store: GraphStore
) -> None:
    login(client, "ana", PASSWORD)
    listing = client.get("/customer/list/").get_data(as_text=True)
    assert world.mine.uid in listing and world.theirs.uid not in listing
    assert client.get(f"/customer/show/{world.theirs.uid}").status_code == 404
    assert client.get(f"/customer/edit/{world.theirs.uid}").status_code == 404
    csrf = csrf_token(client.get(f"/customer/edit/{world.mine.uid}").get_data(as_text=True))
    deleting = client.post(f"/customer/delete/{world.theirs.uid}", data={"csrf_token": csrf})
    assert deleting.status_code == 404
    assert client.get(f"/followup/show/{world.their_followup.uid}").status_code == 404
    followups = client.get("/followup/list/").get_data(as_text=True)
    assert world.my_followup.uid in followups and world.their_followup.uid not in followups
    choices = client.get("/graphcrm/choices/Customer?q=customer").json["results"]
    assert [c["id"] for c in choices] == [world.mine.uid]
    found = client.get("/customer/list/?_flt_0_name=Bo").get_data(as_text=True)
    assert world.theirs.uid not in found
    assert NodeRepository(store, nodes.Customer).get(world.theirs.uid) is not None


def test_sales_cannot_link_a_record_to_colleagues_customer(
    client: FlaskClient, world: World, store: GraphStore
) -> None:
    login(client, "ana", PASSWORD)
    before = NodeRepository(store, nodes.FollowUp).count()
    response = submit(
        client,
        "/followup/add",
        {
            "at": "2026-02-01 10:00:00",
            "method": "visit",
            "summary": "sneaky",
            "customer": world.theirs.uid,
        },  # fmt: skip
        follow_redirects=True,
    )
    assert response.status_code in (200, 404)
    assert NodeRepository(store, nodes.FollowUp).count() == before


def test_form_shown_again_names_own_customer_but_not_a_colleagues(
    client: FlaskClient, world: World
) -> None:
    login(client, "ana", PASSWORD)
    for customer, shown in ((world.mine, "Ana&#39;s customer"), (world.theirs, world.theirs.uid)):
        page = submit(
            client,
            "/followup/add",
            {"at": "not a date", "method": "visit", "summary": "x", "customer": customer.uid},
        ).get_data(as_text=True)
        assert f'<option value="{customer.uid}" selected>{shown}</option>' in page
        assert "Bo&#39;s customer" not in page and "Bo's customer" not in page


def test_new_customer_of_a_salesperson_is_theirs(
    client: FlaskClient, world: World, store: GraphStore
) -> None:
    login(client, "bo", PASSWORD)
    submit(client, "/customer/add", {"name": "Bo's new one", "stage": "potential"})
    created = NodeRepository(store, nodes.Customer).page(
        [Condition("name", "eq", "Bo's new one")], limit=1
    )
    assert created and created[0].owner is not None and created[0].owner.title == "bo"


def test_manager_sees_the_team_below(client: FlaskClient, world: World) -> None:
    login(client, "boss", PASSWORD)
    listing = client.get("/customer/list/").get_data(as_text=True)
    assert world.mine.uid in listing and world.theirs.uid not in listing
    assert client.get(f"/customer/show/{world.mine.uid}").status_code == 200


def test_analyst_and_admin_see_every_customer(client: FlaskClient, world: World) -> None:
    for username, password in (("analyst", PASSWORD), ("admin", None)):
        client.get("/logout/")
        login(client, username, password) if password else login(client)
        listing = client.get("/customer/list/").get_data(as_text=True)
        assert world.mine.uid in listing and world.theirs.uid in listing, username


def test_auditor_cannot_open_customer_screens(client: FlaskClient, world: World) -> None:
    login(client, "auditor", PASSWORD)
    response = client.get("/customer/list/")
    assert response.status_code in (302, 403)
    assert world.mine.uid not in response.get_data(as_text=True)


def test_rest_hides_colleagues_customer(client: FlaskClient, world: World) -> None:
    headers = bearer(client, "ana", PASSWORD)
    assert client.get(f"/api/v1/customer/{world.theirs.uid}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/customer/{world.mine.uid}", headers=headers).status_code == 200
    listed = client.get("/api/v1/customer/", headers=headers).json
    assert [row["uid"] for row in listed["result"]] == [world.mine.uid]
    assert (
        client.put(
            f"/api/v1/customer/{world.theirs.uid}",
            json={"name": "x", "version": 1},
            headers=headers,
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/customer/{world.theirs.uid}", headers=headers).status_code == 404


def test_sales_by_group_sees_only_their_team(
    app: Flask, store: GraphStore, client: FlaskClient, world: World
) -> None:
    # An account with no role of its own, in a group that carries Sales (and one that also
    # carries Analyst, who sees every row): the group's roles decide its rows, on screens and
    # by REST, as they decide its permissions.
    sm = app.appbuilder.sm
    with app.app_context():
        sales_team = sm.add_group("sales_team", "Sales team", "", roles=[sm.find_role("Sales")])
        sm.add_user("gina", "Gina", "Test", "gina@example.com", [], PASSWORD, groups=[sales_team])
    gina = staff(app, store, "gina", "Sales")
    NodeRepository(store, nodes.Customer).update(world.mine, {"owner": gina}, "setup")
    login(client, "gina", PASSWORD)
    listing = client.get("/customer/list/").get_data(as_text=True)
    assert world.mine.uid in listing and world.theirs.uid not in listing
    assert client.get(f"/customer/show/{world.theirs.uid}").status_code in (302, 403, 404)
    headers = bearer(client, "gina", PASSWORD)
    listed = client.get("/api/v1/customer/", headers=headers).json
    assert [row["uid"] for row in listed["result"]] == [world.mine.uid]
    assert client.get(f"/api/v1/customer/{world.theirs.uid}", headers=headers).status_code == 404
    # A group that adds a role which sees every row lifts the team limit.
    with app.app_context():
        group = sm.find_group("sales_team")
        group.roles.append(sm.find_role("Analyst"))
        sm.session.commit()
    client.get("/logout/")
    login(client, "gina", PASSWORD)
    listing = client.get("/customer/list/").get_data(as_text=True)
    assert world.mine.uid in listing and world.theirs.uid in listing
