"""What a reader sees on the screens, in English and Chinese: times in the business zone,
labelled; relative times in the timeline; amounts with separators and currency; phones in
national format; an audit log of labels and names."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_audit import STAFF_PASSWORD, account
from tests.web import login, submit

ORDERED_AT = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(days=3)
TEXTS = {"en": {"ago": "3 days ago"}, "zh": {"ago": "3 天前"}}


@pytest.fixture
def acme(store: GraphStore) -> Record:
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": "Acme 华东", "stage": "deal", "phone": "+8613800138000"}, "t"
    )
    orders = NodeRepository(store, nodes.Order)
    orders.create(
        {"product": "Servers", "amount": 128000.5, "currency": "CNY",
         "at": ORDERED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"), "customer": customer}, "t",
    )  # fmt: skip
    orders.create(
        {"product": "Licences", "amount": 13685.0, "currency": "USD",
         "at": "2026-12-01T22:37:56Z", "customer": customer}, "t",
    )  # fmt: skip
    return customer


def speak(client: FlaskClient, language: str) -> None:
    if language == "zh":
        client.get("/lang/zh")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_customer_page_shows_business_times_amounts_and_national_phones(
    client: FlaskClient, acme: Record, language: str
) -> None:
    login(client)
    speak(client, language)
    page = client.get(f"/customer/show/{acme.uid}").get_data(as_text=True)
    created = acme.created_at.replace(tzinfo=dt.UTC) + dt.timedelta(hours=8)
    assert f"{created:%Y-%m-%d %H:%M} UTC+8" in page
    assert "138 0013 8000" in page and "+8613800138000" not in page
    timeline = page.split('id="timeline"')[1].split('id="history"')[0]
    assert "¥128,000.50" in timeline and "$13,685.00" in timeline
    assert "128000.5" not in timeline
    assert "2026-12-02 06:37 UTC+8" in timeline
    assert TEXTS[language]["ago"] in timeline
    history = page.split('id="history"')[1]
    assert "UTC+8" in history and " UTC<" not in history


@pytest.mark.parametrize("language", ["en", "zh"])
def test_lists_show_amounts_with_currency_and_times_in_the_business_zone(
    client: FlaskClient, acme: Record, language: str
) -> None:
    login(client)
    speak(client, language)
    orders = client.get("/order/list/").get_data(as_text=True)
    assert "¥128,000.50" in orders and "$13,685.00" in orders
    assert "2026-12-02 06:37 UTC+8" in orders and "2026-12-01 22:37" not in orders
    customers = client.get("/customer/list/").get_data(as_text=True)
    assert "138 0013 8000" in customers


def test_rest_keeps_stored_values(client: FlaskClient, acme: Record) -> None:
    from tests.web import bearer

    headers = bearer(client)
    body = client.get(f"/api/v1/customer/{acme.uid}", headers=headers).get_json()["result"]
    assert body["phone"] == "+8613800138000"
    orders = client.get("/api/v1/order/", headers=headers).get_json()["result"]
    assert {o["amount"] for o in orders} == {128000.5, 13685.0}
    assert "2026-12-01T22:37:56Z" in {o["at"] for o in orders}


def test_masked_phones_stay_masked(app: Flask, client: FlaskClient, acme: Record) -> None:
    account(app, "mia", "Marketing")
    login(client, "mia", STAFF_PASSWORD)
    page = client.get("/customer/list/").get_data(as_text=True)
    assert "138****8000" in page and "138 0013 8000" not in page


@pytest.mark.parametrize(
    ("language", "signed_in", "edited"),
    [("en", "Signed in", "Record edited"), ("zh", "登录", "编辑记录")],
)
def test_audit_log_reads_as_labels_and_names(
    app: Flask, client: FlaskClient, store: GraphStore, language: str, signed_in: str, edited: str
) -> None:
    login(client)
    speak(client, language)
    customer = NodeRepository(store, nodes.Customer).create({"name": "Acme", "stage": "deal"}, "t")
    response = submit(
        client,
        f"/customer/edit/{customer.uid}",
        {"name": "Acme 华东", "stage": "intent", "kind": "company", "status": "active",
         "version": str(customer.version)},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/auditevent/list/").get_data(as_text=True)
    table = page.split("<table")[-1].split("</table>")[0]
    assert signed_in in table and edited in table
    assert "ab_user:" not in table and "None" not in table
    assert f"({customer.uid})" in table and "Acme 华东" in table
    assert not re.search(r">\s*(login|record_update)\s*<", table)
    assert "UTC+8" in table and '{"' not in table

    csv = client.get("/auditevent/csv/").get_data(as_text=True)
    assert signed_in in csv and "Acme 华东" in csv and "ab_user:" not in csv


def test_auditor_sees_record_targets_by_type_and_id_only(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    login(client)
    customer = NodeRepository(store, nodes.Customer).create({"name": "Acme", "stage": "deal"}, "t")
    submit(
        client,
        f"/customer/edit/{customer.uid}",
        {"name": "Secret Co", "stage": "intent", "kind": "company", "status": "active",
         "version": str(customer.version)},
    )  # fmt: skip
    client.get("/logout/")
    account(app, "audra", "Auditor")
    login(client, "audra", STAFF_PASSWORD)
    page = client.get("/auditevent/list/").get_data(as_text=True)
    assert f"Customer: {customer.uid}" in page and "Secret Co" not in page
