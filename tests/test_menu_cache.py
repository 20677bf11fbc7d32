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
from tests.web import login

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


def test_a_kept_menu_shows_the_readers_badge_as_it_is_now(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    rep = staff(app, store, "kept_badge_rep", "Sales")
    login(client, "kept_badge_rep", PASSWORD)
    badge = re.compile(r'data-menu="Follow-ups"[^>]*>(\d+)<')
    client.get(LIST)
    assert badge.search(client.get(LIST).get_data(as_text=True)) is None
    now = utc_now()
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": "Late one", "owner": rep, "stage": "intent"}, "setup"
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
    shown = badge.search(client.get(LIST).get_data(as_text=True))
    assert shown and shown.group(1) == "1"


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
