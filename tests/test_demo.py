"""The demo: seeded once, with staff accounts that see their team's customers."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from app.accounts import demo_logins, ensure_demo_staff
from graph.demo.seed import seed_demo
from graph.model import nodes
from graph.records.filters import Condition
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.web import bearer, login


def test_demo_staff_log_in_and_see_their_own_customers(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    cipher = app.extensions["field_cipher"]
    assert seed_demo(store, cipher=cipher, customers=60)
    assert not seed_demo(store, cipher=cipher, customers=60)
    staff, password = ensure_demo_staff(app)
    assert staff and password
    assert ensure_demo_staff(app) == ([], None)  # a second demo run adds nobody
    users = NodeRepository(store, nodes.User)
    customers = NodeRepository(store, nodes.Customer)
    # A rep with no one reporting to them sees exactly the customers they own.
    for username, role in staff:
        user = users.page([Condition("username", "eq", username)], limit=1)[0]
        team = users.count([Condition("manager", "rel_eq", user.uid)])
        owned = customers.count([Condition("owner", "rel_eq", user.uid)])
        if role == "Sales" and team == 0 and owned:
            break
    login(client, username, password)
    listing = client.get("/customer/list/").get_data(as_text=True)
    shown = re.search(r"Record Count:\s*</strong>\s*(\d+)", listing)
    assert shown and int(shown.group(1)) == owned, (username, owned)


def test_demo_names_whom_to_be_with_role_and_team(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    assert seed_demo(store, cipher=app.extensions["field_cipher"], customers=60)
    ensure_demo_staff(app)  # (accounts may remain from an earlier test: passwords set below)
    logins = demo_logins(app)
    assert [login.role for login in logins] == [
        "Sales", "Sales", "Service", "Finance", "Marketing", "Analyst", "Auditor"
    ]  # fmt: skip
    rep, manager = logins[0], logins[1]
    assert f"({manager.username})" in rep.team and "manager of" in manager.team
    sm = app.appbuilder.sm
    for shown in logins:
        with app.app_context():
            sm.reset_password(sm.find_user(username=shown.username).id, "Demo-pass-123")
        assert bearer(client, shown.username, "Demo-pass-123")  # each one logs in
    assert demo_logins(app) == logins  # a second demo run names the same people
