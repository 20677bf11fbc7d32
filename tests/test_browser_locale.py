"""A customer 360 page in a real browser: times in the business zone with their label,
amounts with separators and currency, in English and Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_browser_crud import log_in


@pytest.mark.parametrize(("language", "ago"), [("en", "2 days ago"), ("zh", "2 天前")])
def test_customer_360_shows_labelled_times_and_formatted_amounts(
    page, live_server: str, store: GraphStore, language: str, ago: str
) -> None:
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": "华为技术（北京）有限公司", "stage": "deal"}, "t"
    )
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2, hours=1)
    NodeRepository(store, nodes.Order).create(
        {"product": "服务器", "amount": 177549.32, "currency": "CNY",
         "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "customer": customer}, "t",
    )  # fmt: skip
    log_in(page, live_server)
    if language == "zh":
        page.goto(live_server + "/lang/zh")
    page.goto(f"{live_server}/customer/show/{customer.uid}")
    entry = page.locator("#timeline .timeline-entry").first
    shown_at = (at + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert entry.locator(".timeline-at").inner_text() == f"{shown_at} UTC+8"
    assert entry.locator(".timeline-ago").inner_text() == ago
    assert "¥177,549.32" in entry.inner_text()
    assert "UTC+8" in page.inner_text("#history")
