"""The navigation bar's global search in real Chromium: type pinyin, initials, a phone's
last four digits or an id, arrow down, press Enter, land on the record's page; in English
and Chinese."""

from __future__ import annotations

import pytest
from flask import Flask

from graph.model import nodes
from graph.model.records import Record
from graph.store.protocol import GraphStore
from tests.test_browser_crud import log_in

TEXTS = {
    "en": {"placeholder": "Search: name, pinyin", "group": "Customers", "pinyin": "Pinyin"},
    "zh": {"placeholder": "搜索：名称、拼音", "group": "客户", "pinyin": "拼音"},
}


@pytest.fixture
def zhang(app: Flask, store: GraphStore) -> Record:
    customers = app.extensions["graph_repositories"](nodes.Customer)
    customers.create({"name": "张伟强", "stage": "deal", "phone": "+8613900001111"}, "t")
    return customers.create({"name": "张伟", "stage": "deal", "phone": "+8613812345678"}, "t")


def search_and_open(page, base: str, typed: str, presses: int) -> None:  # type: ignore[no-untyped-def]
    box = page.locator("#graphcrm-search")
    box.fill("")
    box.type(typed, delay=20)
    page.wait_for_selector(".graphcrm-search-results a.graphcrm-search-item")
    for _ in range(presses):
        box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/customer/show/**")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_pinyin_typed_in_the_navbar_arrowed_and_entered_opens_the_customer(
    page, live_server: str, zhang: Record, language: str
) -> None:
    texts = TEXTS[language]
    log_in(page, live_server)
    if language == "zh":
        page.goto(live_server + "/lang/zh")
    box = page.locator("#graphcrm-search")
    assert texts["placeholder"] in (box.get_attribute("placeholder") or "")
    box.type("zhangwei", delay=20)
    results = page.locator(".graphcrm-search-results")
    page.wait_for_selector(".graphcrm-search-results a.graphcrm-search-item")
    assert results.locator(".dropdown-header").first.inner_text() == texts["group"]
    assert texts["pinyin"] in results.inner_text()
    box.press("ArrowDown")
    first = results.locator("li.active a")
    assert "张伟" in first.inner_text() and zhang.uid in first.inner_text()
    box.press("Escape")
    assert not results.is_visible()
    box.press("ArrowDown")  # opens again on the first result
    box.press("Enter")
    page.wait_for_url(f"**/customer/show/{zhang.uid}")
    assert "张伟" in page.content()


def test_initials_last_four_digits_and_id_find_the_customer(
    page, live_server: str, zhang: Record
) -> None:
    log_in(page, live_server)
    for typed in ("zw", "5678", zhang.uid or ""):
        page.goto(live_server + "/")
        search_and_open(page, live_server, typed, presses=1)
        assert page.url.endswith(f"/customer/show/{zhang.uid}"), typed
