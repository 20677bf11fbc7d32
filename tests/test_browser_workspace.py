"""The home workspace in a real browser: a salesperson's figures are their team's only (the
same customers their list shows), an admin's are everyone's, in English and Chinese; the
chart is drawn, each due follow-up is one click from its "Log follow-up" dialog, and the
menu badge counts the salesperson's overdue follow-ups."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask

from graph.clock import utc_now
from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.test_row_level_access import PASSWORD, staff


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _customer(store: GraphStore, name: str, owner: Record, stage: str, overdue: bool) -> Record:
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": name, "stage": stage, "owner": owner}, "setup"
    )
    now = utc_now()
    due = now - dt.timedelta(days=3) if overdue else now + dt.timedelta(days=20)
    NodeRepository(store, nodes.FollowUp).create(
        {
            "at": _iso(now - dt.timedelta(days=6)),
            "method": "phone",
            "summary": f"Call {name}",
            "next_due": _iso(due),
            "customer": customer,
        },
        "setup",
    )
    return customer


@pytest.fixture
def two_teams(app: Flask, store: GraphStore) -> dict[str, Record]:
    """ws_ana (Sales): one overdue deal, one calm prospect. ws_cy (Sales, another team):
    two overdue customers and an order of 900."""
    ana = staff(app, store, "ws_ana", "Sales")
    cy = staff(app, store, "ws_cy", "Sales")
    mine = _customer(store, "Ana Overdue Deal", ana, "deal", overdue=True)
    _customer(store, "Ana Calm Prospect", ana, "potential", overdue=False)
    theirs = _customer(store, "Cy Overdue Deal", cy, "deal", overdue=True)
    _customer(store, "Cy Overdue Intent", cy, "intent", overdue=True)
    orders = NodeRepository(store, nodes.Order)
    orders.create(
        {"product": "Plan", "amount": 120.0, "currency": "CNY", "customer": mine}, "setup"
    )
    orders.create(
        {"product": "Plan", "amount": 900.0, "currency": "CNY", "customer": theirs}, "setup"
    )
    return {"mine": mine, "theirs": theirs}


def _sign_in(page, base: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector("#workspace-figures")


def _figure(page, key: str) -> str:  # type: ignore[no-untyped-def]
    return page.get_attribute(f"[data-figure={key}] .graphcrm-tile-value", "data-value")


def _list_count(page, base: str) -> int:  # type: ignore[no-untyped-def]
    """The record count the customer list shows this reader (FAB's "Record Count: N")."""
    page.goto(base + "/customer/list/")
    match = re.search(r"<strong>[^<]*:</strong>\s*(\d+)", page.content())
    assert match, "the customer list shows its record count"
    return int(match.group(1))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_salesperson_home_shows_only_their_teams_figures(
    page,  # type: ignore[no-untyped-def]
    live_server: str,
    two_teams: dict[str, Record],
    language: str,
) -> None:
    _sign_in(page, live_server, "ws_ana", PASSWORD)
    page.goto(f"{live_server}/lang/{language}")
    page.goto(live_server + "/")
    assert _figure(page, "customers") == "2"
    assert _figure(page, "overdue") == "1"
    assert (
        page.get_attribute("[data-figure=pipeline_value] [data-currency=CNY]", "data-value")
        == "120.0"
    )
    due = page.locator("#due-follow-ups tbody tr[data-customer]")
    assert due.count() == 1
    assert due.get_attribute("data-customer") == two_teams["mine"].uid
    assert "Cy " not in page.inner_text("body")
    # One click to log: the customer's page with its dialog asked for.
    log = due.locator("a.log-followup").get_attribute("href") or ""
    assert log.endswith(f"/customer/show/{two_teams['mine'].uid}?do=log-followup")
    page.wait_for_selector("#chart-stages[data-drawn='1'] canvas")
    # The badge counts Ana's overdue follow-ups, in the menu and on its category.
    badge = page.locator(".graphcrm-badge[data-menu='Follow-ups']")
    assert badge.text_content() == "1"
    if language == "zh":
        assert "我的工作台" in page.inner_text("h2")
        assert "您和团队的客户" in page.inner_text("#workspace-scope")
    else:
        assert "Your customers and your team's" in page.inner_text("#workspace-scope")
    # The figure is what the salesperson's own list shows.
    assert _list_count(page, live_server) == 2


@pytest.mark.parametrize("language", ["en", "zh"])
def test_admin_home_shows_every_customer(
    page,  # type: ignore[no-untyped-def]
    live_server: str,
    two_teams: dict[str, Record],
    language: str,
) -> None:
    _sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    page.goto(f"{live_server}/lang/{language}")
    page.goto(live_server + "/")
    assert _figure(page, "customers") == "4"
    assert _figure(page, "overdue") == "3"
    assert (
        page.get_attribute("[data-figure=pipeline_value] [data-currency=CNY]", "data-value")
        == "1020.0"
    )
    assert page.locator("#due-follow-ups tbody tr[data-customer]").count() == 3
    # The admin owns no customer: no badge.
    assert page.locator(".graphcrm-badge").count() == 0
    page.wait_for_selector("#chart-values[data-drawn='1'] canvas")
    stage = page.inner_text("#stage-figures tr[data-stage=deal] td:first-child")
    assert stage == ("成交" if language == "zh" else "Deal")
    assert _list_count(page, live_server) == 4
