"""Stored XSS: markup typed into records is shown as text on every page."""

from __future__ import annotations

from flask.testing import FlaskClient

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.web import login

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_markup_in_records_renders_as_text(client: FlaskClient, store: GraphStore) -> None:
    tag = NodeRepository(store, nodes.Tag).create({"name": EVIL}, "t")
    owner = NodeRepository(store, nodes.User).create(
        {"username": "evil", "display_name": EVIL}, "t"
    )
    customers = NodeRepository(store, nodes.Customer)
    referrer = customers.create({"name": EVIL, "stage": "deal"}, "t")
    customer = customers.create(
        {"name": EVIL, "stage": "deal", "tags": [tag], "owner": owner, "referred_by": referrer},
        "t",
    )
    customers.update(customer, {"industry": EVIL}, "t")
    NodeRepository(store, nodes.FollowUp).create(
        {"at": "2026-01-01T00:00:00", "method": "visit", "summary": EVIL, "customer": customer},
        "t",
    )
    login(client)
    for url in (
        "/customer/list/",
        f"/customer/show/{customer.uid}",
        f"/customer/edit/{customer.uid}",
        f"/customer/show/{referrer.uid}",
        "/followup/list/",
        "/tag/list/",
    ):
        page = client.get(url).get_data(as_text=True)
        assert EVIL not in page, url
        assert ESCAPED in page, url
