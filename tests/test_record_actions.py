"""Record pages' actions and record links, through the real pages and forms: which actions
each role gets, the dialogs' JSON answers from the add and edit paths (validation per
field in the reader's language, stale refused, hostile input refused with nothing
written), preselected add forms that return to the record, and names and related records
as links in lists."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import csrf_token, login

JSON = {"Accept": "application/json"}


@pytest.fixture
def customer(app: Flask, store: GraphStore) -> Record:
    ana = staff(app, store, "ana", "Sales")
    staff(app, store, "sam", "Service")
    staff(app, store, "al", "Analyst")
    return NodeRepository(store, nodes.Customer).create(
        {"name": "华为技术（北京）有限公司", "stage": "intent", "owner": ana}, "setup"
    )


def action_ids(html: str) -> set[str]:
    return set(re.findall(r'data-record-action="([a-z-]+)"', html))


def token_of(client: FlaskClient, url: str) -> str:
    return csrf_token(client.get(url).get_data(as_text=True))


def test_each_role_gets_the_actions_its_permissions_allow(
    client: FlaskClient, customer: Record
) -> None:
    page = f"/customer/show/{customer.uid}"
    login(client, "ana", PASSWORD)
    assert action_ids(client.get(page).get_data(as_text=True)) >= {
        "edit", "log-followup", "add-order", "add-contact", "raise-ticket",
        "change-stage", "change-owner", "delete",
    }  # fmt: skip
    client.get("/logout/")
    login(client, "sam", PASSWORD)  # Service: reads customers, writes follow-ups and tickets
    assert action_ids(client.get(page).get_data(as_text=True)) == {"log-followup", "raise-ticket"}
    client.get("/logout/")
    login(client, "al", PASSWORD)  # Analyst: reads only
    assert action_ids(client.get(page).get_data(as_text=True)) == set()


def test_follow_up_dialog_saves_through_the_add_path_and_returns_to_the_customer(
    client: FlaskClient, customer: Record, store: GraphStore
) -> None:
    login(client, "ana", PASSWORD)
    page = f"/customer/show/{customer.uid}"
    html = client.get(page).get_data(as_text=True)
    assert 'data-url="/followup/add?next=' in html
    response = client.post(
        f"/followup/add?next={page}",
        data={
            "csrf_token": csrf_token(html),
            "customer": customer.uid,
            "logged_by": staff_uid(store, "ana"),
            "at": "2026/5/20 10:30",
            "method": "phone",
            "summary": "电话沟通报价",
        },
        headers=JSON,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json == {"url": page}
    (saved,) = NodeRepository(store, nodes.FollowUp).list()[1]
    assert saved.summary == "电话沟通报价" and saved.customer.uid == customer.uid
    assert saved.logged_by.title == "ana"
    shown = client.get(page).get_data(as_text=True)
    assert "电话沟通报价" in shown and "Added." in shown


def staff_uid(store: GraphStore, username: str) -> str:
    users = NodeRepository(store, nodes.User).list()[1]
    return next(u.uid for u in users if u.username == username)


@pytest.mark.parametrize(
    ("language", "bad_time"),
    [("en", "Not a valid date and time"), ("zh", "日期时间无效")],
)
def test_hostile_dialog_input_is_refused_per_field_with_nothing_written(
    client: FlaskClient, customer: Record, store: GraphStore, language: str, bad_time: str
) -> None:
    login(client, "ana", PASSWORD)
    client.get(f"/lang/{language}")
    token = token_of(client, f"/customer/show/{customer.uid}")
    response = client.post(
        "/followup/add?next=//evil.example/",
        data={
            "csrf_token": token,
            "customer": customer.uid,
            "at": "2026-13-45 25:61",
            "method": "<script>alert(1)</script>",
            "summary": "<script>alert(1)</script>" * 100,
            "next_due": "\x00",
        },
        headers=JSON,
    )
    assert response.status_code == 422
    errors = response.json["errors"]
    assert {"at", "method", "summary"} <= set(errors)
    assert bad_time in errors["at"][0]
    assert NodeRepository(store, nodes.FollowUp).count() == 0
    # A safe value is saved as typed, and a foreign "next" is never followed.
    ok = client.post(
        "/followup/add?next=//evil.example/",
        data={
            "csrf_token": token,
            "customer": customer.uid,
            "at": "2026-05-20 10:30",
            "method": "phone",
            "summary": "<script>alert(1)</script>",
        },
        headers=JSON,
    )
    assert ok.status_code == 201 and ok.json["url"].startswith("/followup/show/")
    page = client.get(f"/customer/show/{customer.uid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page


def test_change_stage_with_a_stale_version_is_refused_and_overwrites_nothing(
    client: FlaskClient, customer: Record, store: GraphStore
) -> None:
    login(client, "ana", PASSWORD)
    token = token_of(client, f"/customer/show/{customer.uid}")
    customers = NodeRepository(store, nodes.Customer)
    customers.update(customers.get(customer.uid), {"stage": "lost"}, "boss")  # someone else
    stale = client.post(
        f"/customer/edit/{customer.uid}",
        data={"csrf_token": token, "_only": "stage", "stage": "deal", "version": customer.version},
        headers=JSON,
    )
    assert stale.status_code == 409
    assert "someone else changed this record" in stale.json["message"]
    assert "Lost" in stale.json["message"]  # what is stored now, by its label
    current = customers.get(customer.uid)
    assert current.stage == "lost" and current.name == customer.name
    assert current.owner.uid == customer.owner.uid  # the rest of the record untouched
    again = client.post(
        f"/customer/edit/{customer.uid}",
        data={"csrf_token": token, "_only": "stage", "stage": "deal", "version": current.version},
        headers=JSON,
    )
    assert again.status_code == 200 and again.json == {"url": f"/customer/show/{customer.uid}"}
    after = customers.get(customer.uid)
    assert after.stage == "deal" and after.owner.uid == customer.owner.uid
    assert after.name == customer.name


def test_ticket_close_is_a_partial_edit_offered_while_open(
    client: FlaskClient, customer: Record, store: GraphStore
) -> None:
    tickets = NodeRepository(store, nodes.Ticket)
    ticket = tickets.create(
        {"subject": "发票抬头错误", "status": "open", "customer": customer, "satisfaction": 4},
        "setup",
    )
    login(client, "ana", PASSWORD)
    html = client.get(f"/ticket/show/{ticket.uid}").get_data(as_text=True)
    assert {"edit", "close", "delete"} <= action_ids(html)
    closed = client.post(
        f"/ticket/edit/{ticket.uid}",
        data={
            "csrf_token": csrf_token(html),
            "_only": "status",
            "status": "closed",
            "version": ticket.version,
        },
        follow_redirects=True,
    )
    assert closed.status_code == 200 and "Saved." in closed.get_data(as_text=True)
    after = tickets.get(ticket.uid)
    assert after.status == "closed" and after.subject == "发票抬头错误"
    assert after.satisfaction == 4
    assert "close" not in action_ids(client.get(f"/ticket/show/{ticket.uid}").get_data(True))


def test_contact_page_logs_a_follow_up_for_its_customer(
    client: FlaskClient, customer: Record, store: GraphStore
) -> None:
    contact = NodeRepository(store, nodes.Contact).create(
        {"name": "李娜", "customer": customer}, "setup"
    )
    login(client, "ana", PASSWORD)
    html = client.get(f"/contact/show/{contact.uid}").get_data(as_text=True)
    assert "log-followup" in action_ids(html)
    assert f'name="customer" value="{customer.uid}"' in html
    assert f'href="/customer/show/{customer.uid}"' in html  # its customer is a link


def test_add_form_preselects_the_customer_and_returns_to_its_page(
    client: FlaskClient, customer: Record, store: GraphStore
) -> None:
    login(client, "ana", PASSWORD)
    page = f"/customer/show/{customer.uid}"
    form = client.get(f"/order/add?customer={customer.uid}&next={page}").get_data(as_text=True)
    assert f'<option value="{customer.uid}" selected>华为技术（北京）有限公司</option>' in form
    saved = client.post(
        f"/order/add?customer={customer.uid}&next={page}",
        data={
            "csrf_token": csrf_token(form),
            "customer": customer.uid,
            "product": "云服务",
            "amount": "128000.50",
            "currency": "CNY",
            "at": "2026-05-20 10:30",
        },
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(page)
    # A uid the reader may not see is not preselected (nor named).
    bo = staff(client.application, store, "bo", "Sales")
    theirs = NodeRepository(store, nodes.Customer).create({"name": "Bo's", "owner": bo}, "s")
    other = client.get(f"/order/add?customer={theirs.uid}").get_data(as_text=True)
    assert theirs.uid not in other and "Bo&#39;s" not in other


def test_list_names_and_related_records_are_links_placeholders_are_not(
    client: FlaskClient, customer: Record, store: GraphStore
) -> None:
    NodeRepository(store, nodes.FollowUp).create(
        {"at": "2026-01-02T03:04:05", "method": "phone", "summary": "首次电话",
         "customer": customer},
        "setup",
    )  # fmt: skip
    login(client, "ana", PASSWORD)
    listing = client.get("/customer/list/").get_data(as_text=True)
    assert (
        f'<a href="/customer/show/{customer.uid}" class="record-title">华为技术（北京）有限公司</a>'
        in listing
    )
    assert f'href="/user/show/{customer.owner.uid}" class="record-link">ana</a>' in listing
    followups = client.get("/followup/list/").get_data(as_text=True)
    assert 'class="record-title">首次电话</a>' in followups
    assert f'href="/customer/show/{customer.uid}" class="record-link">' in followups
