"""The pages around the workspace: System status is for admins only, the menus come in
daily-work order with one list of people, the Follow-ups badge counts the reader's own
overdue follow-ups, and odd requests never get a 5xx."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.clock import utc_now
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import login


def _categories(page: str) -> list[str]:
    return re.findall(r'data-menu-category="([^"]+)"', page)


def test_status_page_is_for_admins_only(app: Flask, store: GraphStore, client: FlaskClient) -> None:
    staff(app, store, "st_rep", "Sales")
    login(client, "st_rep", PASSWORD)
    answer = client.get("/status/")
    assert answer.status_code in (302, 403)
    assert 'id="graph-status"' not in answer.get_data(as_text=True)
    assert "/status/" not in client.get("/").get_data(as_text=True)
    client.get("/logout/")
    login(client)
    page = client.get("/status/").get_data(as_text=True)
    assert 'id="graph-status"' in page
    assert 'href="/status/"' in client.get("/").get_data(as_text=True)


def test_menus_come_in_daily_work_order(client: FlaskClient) -> None:
    login(client)
    categories = _categories(client.get("/").get_data(as_text=True))
    assert categories[:2] == ["Customers", "Activity"]
    assert categories[-2:] == ["Setup", "Security"]


def test_salesperson_menu_starts_with_customers_and_has_no_security(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    staff(app, store, "menu_rep", "Sales")
    login(client, "menu_rep", PASSWORD)
    categories = _categories(client.get("/").get_data(as_text=True))
    assert categories[:2] == ["Customers", "Activity"]
    assert "Security" not in categories
    assert categories[-1] == "Setup"


def test_one_list_of_people_links_to_the_account(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    person = staff(app, store, "people_rep", "Sales")
    login(client)
    home = client.get("/").get_data(as_text=True)
    assert "List Users" not in home
    assert 'href="/user/list/"' in home
    page = client.get(f"/user/show/{person.uid}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)"[^>]*id="user-account"', page)
    assert link, "an admin reaches the person's account from their page"
    accounts = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "people_rep" in accounts
    client.get("/logout/")
    login(client, "people_rep", PASSWORD)
    assert 'id="user-account"' not in client.get(f"/user/show/{person.uid}").get_data(as_text=True)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_badge_counts_the_readers_overdue_follow_ups(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    rep = staff(app, store, "badge_rep", "Sales")
    other = staff(app, store, "badge_other", "Sales")
    now = utc_now()
    for owner, name, days in ((rep, "Late A", -2), (rep, "Late B", -9), (rep, "Fine", 5),
                              (other, "Not mine", -4)):  # fmt: skip
        customer = NodeRepository(store, nodes.Customer).create(
            {"name": name, "owner": owner, "stage": "intent"}, "setup"
        )
        NodeRepository(store, nodes.FollowUp).create(
            {
                "at": _iso(now - dt.timedelta(days=12)),
                "method": "phone",
                "summary": "call",
                "next_due": _iso(now + dt.timedelta(days=days)),
                "customer": customer,
            },
            "setup",
        )
    login(client, "badge_rep", PASSWORD)
    page = client.get("/customer/list/").get_data(as_text=True)
    badge = re.search(r'data-menu="Follow-ups"[^>]*>(\d+)<', page)
    assert badge and badge.group(1) == "2"


@pytest.mark.parametrize(
    "url",
    [
        "/?do=%3Cscript%3Ealert(1)%3C/script%3E",
        "/?lang=%00",
        "/status/?x=%27%20OR%201=1--",
        "/status/%00",
        "/" + "x" * 3000,
    ],
)
def test_odd_requests_to_the_workspace_never_fail(
    app: Flask, store: GraphStore, client: FlaskClient, url: str
) -> None:
    staff(app, store, "odd_rep", "Sales")
    for username, password in (("odd_rep", PASSWORD), ("admin", None)):
        login(client, username, password) if password else login(client)
        answer = client.get(url)
        assert answer.status_code < 500, (username, url, answer.status_code)
        assert "<script>alert(1)" not in answer.get_data(as_text=True)
        client.get("/logout/")
