"""Customer CRUD in a real browser: create with tags and owner, edit, history, filter, delete."""

from __future__ import annotations

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD


def choose(page, field: str, text: str) -> None:
    """Pick ``text`` in the searchable select of ``field`` (options load as you type)."""
    page.click(f"select#{field} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:has-text('{text}')")


def log_in(page, base: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#workspace-figures")


def test_customer_lifecycle_in_browser(page, live_server: str, store: GraphStore) -> None:
    tags = NodeRepository(store, nodes.Tag)
    tags.create({"name": "重点客户"}, actor="setup")
    tags.create({"name": "Overseas"}, actor="setup")
    NodeRepository(store, nodes.User).create(
        {"username": "li.na", "display_name": "李娜"}, actor="setup"
    )
    NodeRepository(store, nodes.Customer).create({"name": "Other Co.", "stage": "deal"}, "setup")
    log_in(page, live_server)

    page.goto(live_server + "/customer/add")
    page.fill("#name", "  上海明远贸易有限公司 ")
    page.select_option("#stage", "intent")
    choose(page, "tags", "重点客户")
    choose(page, "tags", "Overseas")
    choose(page, "owner", "李娜")
    page.fill("#phone", "138 1234 5678")
    page.click("button[type=submit]")
    page.wait_for_selector("#customer-360")
    assert "Added." in page.inner_text(".alert")
    uid = page.url.rsplit("/", 1)[1]
    assert uid.startswith("C") and len(uid) >= 12
    details = page.inner_text(".panel-body table")
    assert "上海明远贸易有限公司" in details  # trimmed
    assert "138 1234 5678" in details  # stored in E.164, shown in national format
    assert "Overseas, 重点客户" in details and "李娜" in details

    page.goto(f"{live_server}/customer/edit/{uid}")
    page.fill("#name", "上海明远国际贸易有限公司")
    page.click("button[type=submit]")
    page.wait_for_selector("#history")
    change = page.inner_text(".history-entry[data-action=update] .history-change[data-field=name]")
    assert "上海明远贸易有限公司 → 上海明远国际贸易有限公司" in change
    assert page.locator(".history-entry[data-action=create]").count() == 1

    page.goto(live_server + "/customer/list/")
    page.click("a:has-text('Search')")
    page.click("button:has-text('Add Filter')")
    page.click("a.filter[name=stage]")
    page.select_option(".filters select[name$=stage]", "intent")
    with page.expect_navigation():  # the unfiltered list already shows the uid
        page.click("#filter_form button[type=submit]")
    page.wait_for_selector(f"text={uid}")
    listing = page.inner_text(".panel-body")
    assert "Record Count: 1" in " ".join(listing.split()) and "Other Co." not in listing

    page.click(f"tr:has-text('{uid}') a[id^=btn-delete]")  # asks for confirmation
    page.click("#modal-confirm-ok")
    page.wait_for_selector(".alert:has-text('Deleted.')")
    assert page.goto(f"{live_server}/customer/show/{uid}").status == 404
