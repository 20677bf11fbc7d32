"""A salesperson's day in a real browser, in English and Chinese: logging follow-ups with a
typed time and with the picker, adding an order, and an edit that someone else beat."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_browser_crud import choose, log_in

TEXTS = {
    "en": {
        "added": "Added.",
        "bad_date": "Not a valid date and time: type e.g. 2024-05-20 10:30 or 2024/5/20.",
        "stored_now": "Stored now",
        "saved": "Saved.",
    },
    "zh": {
        "added": "已新增。",
        "bad_date": "日期时间无效：请输入如 2024-05-20 10:30 或 2024/5/20。",
        "stored_now": "当前保存的值",
        "saved": "已保存。",
    },
}
HUAWEI = "华为技术（北京）有限公司"


@pytest.fixture
def huawei(store: GraphStore) -> Record:
    return NodeRepository(store, nodes.Customer).create({"name": HUAWEI, "stage": "intent"}, "t")


def start(page, base: str, language: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    log_in(page, base)
    if language == "zh":
        page.goto(base + "/lang/zh")
    return TEXTS[language]


def details(page) -> str:  # type: ignore[no-untyped-def]
    return page.inner_text(".panel-body table")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_follow_up_logged_with_a_typed_time_keeps_it_through_an_error(
    page, live_server: str, huawei: Record, language: str
) -> None:
    texts = start(page, live_server, language)
    page.goto(live_server + "/followup/add")
    prefilled = page.input_value("#at")
    # Now in the business time zone (Asia/Shanghai), as the form speaks it.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=8)
    assert abs(dt.datetime.strptime(prefilled, "%Y-%m-%d %H:%M") - now) < dt.timedelta(minutes=2)
    page.fill("#at", "2026-13-01 10:30")  # a typo first
    page.select_option("#method", "phone")
    page.fill("#summary", "需求，客户")
    choose(page, "customer", "华为技术")
    page.click("button[type=submit]")
    page.wait_for_selector(f".alert-danger:has-text('{texts['bad_date']}')")
    # The customer picker still names the customer; the typed text is still there.
    assert page.get_attribute("#select2-customer-container", "title") == HUAWEI
    assert huawei.uid not in page.inner_text("#select2-customer-container")
    assert page.input_value("#at") == "2026-13-01 10:30"
    assert page.input_value("#summary") == "需求，客户"

    page.fill("#at", "2026-12-01 10:30:00")
    page.click("#summary")  # leaving the field must not cut the time off
    assert page.input_value("#at") == "2026-12-01 10:30:00"
    page.click("button[type=submit]")
    page.wait_for_selector(f".alert:has-text('{texts['added']}')")
    shown = details(page)
    assert "2026-12-01 10:30 UTC+8" in shown and "需求，客户" in shown and HUAWEI in shown


@pytest.mark.parametrize("language", ["en", "zh"])
def test_follow_up_time_chosen_with_the_picker(
    page, live_server: str, huawei: Record, language: str
) -> None:
    texts = start(page, live_server, language)
    page.goto(live_server + "/followup/add")
    page.click("#at + .input-group-btn .graphcrm-when-pick")
    # The button opens the browser's own date-and-time picker; choosing in it is filling it.
    picker = page.locator("#at ~ input.graphcrm-when-native")
    assert picker.get_attribute("type") == "datetime-local"
    picker.fill("2026-12-03T09:15")
    assert page.input_value("#at") == "2026-12-03 09:15"
    page.select_option("#method", "visit")
    page.fill("#summary", "上门拜访")
    choose(page, "customer", "华为技术")
    page.click("button[type=submit]")
    page.wait_for_selector(f".alert:has-text('{texts['added']}')")
    assert "2026-12-03 09:15 UTC+8" in details(page)


@pytest.mark.parametrize(
    ("language", "typed"), [("en", "2024/5/20"), ("zh", "2024年5月20日 10:30")]
)
def test_order_added_with_a_date_typed_the_local_way(
    page, live_server: str, store: GraphStore, huawei: Record, language: str, typed: str
) -> None:
    texts = start(page, live_server, language)
    page.goto(live_server + "/order/add")
    page.fill("#product", "服务器（机架式）")
    page.fill("#amount", "1200.5")
    page.fill("#at", typed)
    choose(page, "customer", "华为技术")
    page.click("button[type=submit]")
    page.wait_for_selector(f".alert:has-text('{texts['added']}')")
    (order,) = NodeRepository(store, nodes.Order).page()
    assert order.product == "服务器（机架式）"
    # Typed in the business time zone (UTC+8), stored in UTC.
    assert order.at == dt.datetime.strptime(
        typed, "%Y/%m/%d" if language == "en" else "%Y年%m月%d日 %H:%M"
    ) - dt.timedelta(hours=8)
    assert order.customer.uid == huawei.uid


@pytest.mark.parametrize("language", ["en", "zh"])
def test_stale_edit_keeps_what_was_typed_and_saves_it_on_the_new_version(
    page, live_server: str, store: GraphStore, huawei: Record, language: str
) -> None:
    repo = NodeRepository(store, nodes.Customer)
    texts = start(page, live_server, language)
    page.goto(f"{live_server}/customer/edit/{huawei.uid}")
    repo.update(huawei, {"name": "华为技术有限公司"}, "ana")  # a colleague saves first
    page.fill("#name", "华为技术（北京）有限公司（总部）")
    page.fill("#region", "北京")
    page.click("button[type=submit]")
    notice = page.locator(f".alert:has-text('{texts['stored_now']}')")
    notice.wait_for()
    assert "华为技术有限公司" in notice.inner_text()
    assert page.input_value("#name") == "华为技术（北京）有限公司（总部）"
    assert page.input_value("#region") == "北京"
    assert repo.get(huawei.uid).name == "华为技术有限公司"  # not overwritten yet

    page.click("button[type=submit]")  # re-apply, now on the current version
    page.wait_for_selector(f".alert:has-text('{texts['saved']}')")
    saved = repo.get(huawei.uid)
    assert (saved.name, saved.region, saved.version) == (
        "华为技术（北京）有限公司（总部）",
        "北京",
        3,
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_contact_and_ticket_added_from_their_forms(
    page, live_server: str, store: GraphStore, huawei: Record, language: str
) -> None:
    texts = start(page, live_server, language)
    page.goto(live_server + "/contact/add")
    page.fill("#name", "李娜（采购）")
    page.fill("#phone", "138 0013 8000")
    page.fill("#email", "lina@example.com")
    choose(page, "customer", "华为技术")
    page.click("button[type=submit]")
    page.wait_for_selector(f".alert:has-text('{texts['added']}')")
    (contact,) = NodeRepository(store, nodes.Contact).page()
    assert contact.uid.startswith("K") and contact.name == "李娜（采购）"
    assert contact.customer.uid == huawei.uid
    assert "138 0013 8000" in details(page)  # stored in E.164, shown the national way

    page.goto(live_server + "/ticket/add")
    page.fill("#subject", "发票抬头需更改，请尽快处理！")
    page.fill("#satisfaction", "4")
    choose(page, "customer", "华为技术")
    page.click("button[type=submit]")
    page.wait_for_selector(f".alert:has-text('{texts['added']}')")
    (ticket,) = NodeRepository(store, nodes.Ticket).page()
    assert ticket.uid.startswith("T") and ticket.subject == "发票抬头需更改，请尽快处理！"
    assert (ticket.status, ticket.satisfaction, ticket.customer.uid) == ("open", 4, huawei.uid)


HISTORY = {
    "en": ("Owner", "Daniel Smith → 王思远", "Stage", "Intent → Deal", "Tags", "VIP"),
    "zh": ("负责人", "Daniel Smith → 王思远", "阶段", "意向 → 成交", "标签", "VIP"),
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_owner_stage_and_tags_changed_in_the_form_read_as_names_in_history(
    page, live_server: str, store: GraphStore, language: str
) -> None:
    users = NodeRepository(store, nodes.User)
    daniel = users.create({"username": "daniel", "display_name": "Daniel Smith"}, "setup")
    users.create({"username": "wang", "display_name": "王思远"}, "setup")
    NodeRepository(store, nodes.Tag).create({"name": "VIP"}, "setup")
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": HUAWEI, "stage": "intent", "owner": daniel}, "setup"
    )
    texts = start(page, live_server, language)
    page.goto(f"{live_server}/customer/edit/{customer.uid}")
    page.select_option("#stage", "deal")
    choose(page, "owner", "王思远")
    choose(page, "tags", "VIP")
    page.click("button[type=submit]")
    page.wait_for_selector(f".alert:has-text('{texts['saved']}')")
    page.goto(f"{live_server}/customer/show/{customer.uid}")
    history = " ".join(page.inner_text("#history").split())
    for expected in HISTORY[language]:
        assert expected in history, (expected, history)
    assert "U2" not in history and "TG2" not in history  # names, never ids
