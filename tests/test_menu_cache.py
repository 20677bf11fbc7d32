"""The menu is rendered once per role set, language and security state in each process
(``views.rendered_menu``) and still follows a role given or taken (in any worker), a
language switch and the reader's badge counts from the next page on."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, template_rendered
from flask.testing import FlaskClient

from graph.clock import utc_now
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login
from views import menu

LIST = "/customer/list/"
MENU = "appbuilder/navbar_menu.html"


@pytest.fixture
def worker(app: Flask, app_graph_url: str) -> Iterator[Flask]:
    """A second app on the same security database and engine, as a second gunicorn worker
    (its own kept menus)."""
    from app import create_app

    second = create_app(
        {
            "GRAPH_URL": app_graph_url,
            "GRAPHCRM_INSTANCE_PATH": app.instance_path,
            "GRAPHCRM_SERVE_WORKER": True,
            "TESTING": True,
        }
    )
    yield second
    second.extensions["graph_store"].close()


@contextmanager
def menu_renders(app: Flask) -> Iterator[list[str]]:
    """The names of the menu templates rendered meanwhile."""
    seen: list[str] = []

    def rendered(_sender: Any, template: Any, **_: Any) -> None:
        if template.name == MENU:
            seen.append(template.name)

    template_rendered.connect(rendered, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(rendered, app)


def _categories(client: FlaskClient) -> list[str]:
    page = client.get(LIST).get_data(as_text=True)
    return re.findall(r'data-menu-category="([^"]+)"', page)


def _set_roles(app: Flask, username: str, *roles: str) -> None:
    sm = app.appbuilder.sm
    with app.app_context():
        user = sm.find_user(username=username)
        user.roles = [sm.find_role(role) for role in roles]
        sm.update_user(user)


def test_a_warm_process_renders_the_menu_once_per_role_set_and_language(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    staff(app, store, "kept_rep", "Sales")
    login(client)
    client.get(LIST)
    with menu_renders(app) as seen:
        first = client.get(LIST).get_data(as_text=True)
        second = client.get(LIST).get_data(as_text=True)
    assert seen == []
    menu = re.search(r'<ul class="nav navbar-nav">.*?</ul>\s*</li>\s*</ul>', first, re.S)
    assert menu and menu.group(0) in second and 'data-menu-category="Security"' in menu.group(0)
    client.get("/logout/")
    login(client, "kept_rep", PASSWORD)  # its home page renders this role set's menu
    with menu_renders(app) as seen:
        client.get(LIST)  # kept
        client.get("/lang/zh")
        client.get(LIST)  # another language: rendered
        client.get(LIST)  # then kept
    assert seen == [MENU]


def test_a_role_given_or_taken_in_one_worker_changes_the_menu_in_another(
    app: Flask, worker: Flask, store: GraphStore
) -> None:
    staff(app, store, "promoted", "Sales")
    there = worker.test_client()
    login(there, "promoted", PASSWORD)
    assert "Security" not in _categories(there)
    assert "Security" not in _categories(there)  # kept
    _set_roles(app, "promoted", "Sales", "Admin")
    assert "Security" in _categories(there)
    _set_roles(app, "promoted", "Sales")
    assert "Security" not in _categories(there)


def test_a_language_switch_changes_the_menu_labels(client: FlaskClient) -> None:
    login(client)
    label = re.compile(r'data-menu-category="Customers">\s*(?:<i[^>]*></i>&nbsp;)?\s*([^<]+?)\s*<')
    english = label.search(client.get(LIST).get_data(as_text=True))
    assert english and english.group(1) == "Customers"
    client.get("/lang/zh")
    chinese = label.search(client.get(LIST).get_data(as_text=True))
    assert chinese and chinese.group(1) == "客户管理"
    client.get("/lang/en")
    again = label.search(client.get(LIST).get_data(as_text=True))
    assert again and again.group(1) == "Customers"


BADGE = re.compile(r'data-menu="Follow-ups"[^>]*>(\d+)<')


def _badge(client: FlaskClient) -> str | None:
    shown = BADGE.search(client.get(LIST).get_data(as_text=True))
    return shown.group(1) if shown else None


def _late_customer(store: GraphStore, owner: Any, name: str) -> Any:
    """A customer of ``owner`` with a follow-up overdue by two days, written by "setup"."""
    now = utc_now()
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": name, "owner": owner, "stage": "intent"}, "setup"
    )
    NodeRepository(store, nodes.FollowUp).create(
        {
            "at": (now - dt.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "method": "phone",
            "summary": "call",
            "next_due": (now - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "customer": customer,
        },
        "setup",
    )
    return customer


class Clock:
    """``views.menu``'s monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(menu, "monotonic", fake)
    return fake


def test_a_kept_menu_shows_the_readers_badge_as_it_is_now_after_badge_seconds(
    app: Flask, store: GraphStore, client: FlaskClient, clock: Clock
) -> None:
    rep = staff(app, store, "kept_badge_rep", "Sales")
    login(client, "kept_badge_rep", PASSWORD)
    client.get(LIST)
    assert _badge(client) is None
    _late_customer(store, rep, "Late one")
    clock.now += menu.BADGE_SECONDS - 0.5
    assert _badge(client) is None  # someone else's write: kept for BADGE_SECONDS
    clock.now += 1
    assert _badge(client) == "1"


def test_the_badge_is_counted_once_per_badge_seconds_per_reader(
    app: Flask,
    store: GraphStore,
    client: FlaskClient,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted: list[str] = []
    count = menu.overdue_of_owner

    def counting(store: GraphStore, scope: Any, **kwargs: Any) -> int:
        counted.append(scope.username)
        return count(store, scope, **kwargs)

    monkeypatch.setattr(menu, "overdue_of_owner", counting)
    rep = staff(app, store, "counted_rep", "Sales")
    _late_customer(store, rep, "Late two")
    login(client, "counted_rep", PASSWORD)
    other = app.test_client()
    login(other)
    clock.now += menu.BADGE_SECONDS + 0.1  # the counts of the sign-in pages expired
    counted.clear()
    for _ in range(3):
        assert _badge(client) == "1"
        other.get(LIST)
    assert counted == ["counted_rep", "admin"]
    clock.now += menu.BADGE_SECONDS + 0.1
    assert _badge(client) == "1"
    assert counted == ["counted_rep", "admin", "counted_rep"]


def test_the_readers_own_write_shows_in_their_badge_at_their_next_page(
    app: Flask, store: GraphStore, client: FlaskClient, clock: Clock
) -> None:
    rep = staff(app, store, "own_write_rep", "Sales")
    late = _late_customer(store, rep, "Late three")
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": "On time", "owner": rep, "stage": "intent"}, "setup"
    )
    login(client, "own_write_rep", PASSWORD)
    auth = bearer(client, "own_write_rep", PASSWORD)
    assert _badge(client) == "1"
    due = (utc_now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"method": "phone", "summary": "late too", "customer": customer.uid, "next_due": due}
    added = client.post("/api/v1/followup/", json=body, headers=auth)
    assert added.status_code == 201, added.get_data(as_text=True)
    assert _badge(client) == "2"  # same clock: the kept count was dropped by the write
    assert late.uid


def test_a_menu_permission_revoked_in_one_worker_hides_the_entry_in_another(
    app: Flask, worker: Flask, store: GraphStore
) -> None:
    sm = app.appbuilder.sm
    role_name = "Menu tester"

    def grant(menu_access: bool) -> None:
        with app.app_context():
            role = sm.find_role(role_name) or sm.add_role(role_name)
            sm.add_permission_role(role, sm.add_permission_view_menu("can_list", "CustomerView"))
            pair = sm.add_permission_view_menu("menu_access", "Customers")
            if menu_access:
                sm.add_permission_role(role, pair)
            else:
                sm.del_permission_role(role, pair)

    grant(True)
    staff(app, store, "menu_tester", role_name)
    there = worker.test_client()
    login(there, "menu_tester", PASSWORD)
    assert "Customers" in _categories(there)
    assert "Customers" in _categories(there)  # kept
    grant(False)  # the same role set, one permission fewer
    assert "Customers" not in _categories(there)
    grant(True)
    assert "Customers" in _categories(there)
