"""The customer page's actions in a real browser, as a salesperson, in English and Chinese:
logging a follow-up in the dialog (customer, "me" and now filled in; errors shown in the
dialog; the timeline has it after saving), opening it from ``?do=log-followup``, hostile
input, a stale stage change, the timeline filter, actions hidden from a read-only role,
and record names in lists as links."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff

HUAWEI = "华为技术（北京）有限公司"
TEXTS = {
    "en": {
        "log": "Log follow-up",
        "bad_date": "Not a valid date and time",
        "fix": "Not saved: please correct the fields marked below.",
        "added": "Added.",
        "stale": "someone else changed this record",
        "lost": "Lost",
        "too_long": "At most 500 characters.",
        "saved": "Saved.",
    },
    "zh": {
        "log": "记录跟进",
        "bad_date": "日期时间无效",
        "fix": "未保存：请修改下方标出的字段。",
        "added": "已新增。",
        "stale": "其他人修改了它",
        "lost": "流失",
        "too_long": "500",
        "saved": "已保存。",
    },
}


@pytest.fixture
def huawei(app: Flask, store: GraphStore) -> Record:
    ana = staff(app, store, "ana", "Sales")
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": HUAWEI, "stage": "intent", "owner": ana}, "setup"
    )
    NodeRepository(store, nodes.Order).create(
        {"product": "云服务", "amount": 128000.5, "at": "2026-01-02T03:04:05",
         "customer": customer},
        "setup",
    )  # fmt: skip
    return customer


def sign_in(page, base: str, username: str, language: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    if language == "zh":
        page.goto(base + "/lang/zh")
    return TEXTS[language]


def watch_statuses(page) -> list[int]:  # type: ignore[no-untyped-def]
    statuses: list[int] = []
    page.on("response", lambda response: statuses.append(response.status))
    return statuses


@pytest.mark.parametrize("language", ["en", "zh"])
def test_sales_logs_a_follow_up_from_the_customer_page(
    page, live_server: str, huawei: Record, store: GraphStore, language: str
) -> None:
    texts = sign_in(page, live_server, "ana", language)
    statuses = watch_statuses(page)
    page.goto(f"{live_server}/customer/show/{huawei.uid}")
    page.click("#record-log-followup")
    dialog = page.locator("#record-dialog")
    dialog.wait_for(state="visible")
    assert page.inner_text("#record-dialog-title") == texts["log"]
    assert HUAWEI in page.inner_text("#record-dialog .dialog-fixed")  # this customer
    assert page.get_attribute("#select2-logged_by-container", "title").startswith("ana")  # me
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=8)
    prefilled = dt.datetime.strptime(page.input_value("#record-dialog #at"), "%Y-%m-%d %H:%M")
    assert abs(prefilled - now) < dt.timedelta(minutes=2)  # now, in the business time zone

    page.fill("#record-dialog #at", "2026/13/45 10:30")  # a typo first
    page.select_option("#record-dialog #method", "phone")
    page.fill("#record-dialog #summary", "电话沟通报价，客户要求下周演示")
    page.click("#record-dialog-save")
    page.wait_for_selector("#record-dialog-form[data-state=refused]")
    assert page.inner_text("#record-dialog-error") == texts["fix"]
    assert texts["bad_date"] in page.inner_text(".form-group[data-field=at] .dialog-field-error")
    assert page.input_value("#record-dialog #summary") == "电话沟通报价，客户要求下周演示"
    assert NodeRepository(store, nodes.FollowUp).count() == 0

    page.fill("#record-dialog #at", "2026/5/20 10:30")
    page.click("#record-dialog-save")
    page.wait_for_selector(f".alert:has-text('{texts['added']}')")
    assert page.url == f"{live_server}/customer/show/{huawei.uid}"
    first = page.locator("#timeline .timeline-entry").first
    assert "电话沟通报价，客户要求下周演示" in first.inner_text()
    assert "2026-05-20 10:30" in first.inner_text()
    (saved,) = NodeRepository(store, nodes.FollowUp).list()[1]
    assert saved.customer.uid == huawei.uid and saved.logged_by.title.startswith("ana")
    assert not [s for s in statuses if s >= 500]


def test_do_log_followup_opens_the_dialog_at_once(page, live_server: str, huawei: Record) -> None:
    sign_in(page, live_server, "ana", "en")
    page.goto(f"{live_server}/customer/show/{huawei.uid}?do=log-followup")
    page.locator("#record-dialog").wait_for(state="visible")
    assert page.inner_text("#record-dialog-title") == "Log follow-up"
    assert page.locator("#record-dialog #summary").count() == 1


@pytest.mark.parametrize("language", ["en", "zh"])
def test_hostile_input_in_the_dialog_is_refused_clearly_with_nothing_written(
    page, live_server: str, huawei: Record, store: GraphStore, language: str
) -> None:
    texts = sign_in(page, live_server, "ana", language)
    statuses = watch_statuses(page)
    page.goto(f"{live_server}/customer/show/{huawei.uid}?do=log-followup")
    page.locator("#record-dialog").wait_for(state="visible")
    page.fill("#record-dialog #at", "<script>alert(1)</script>")
    page.select_option("#record-dialog #method", "visit")
    page.fill("#record-dialog #summary", "<script>alert(1)</script>" * 40)
    page.fill("#record-dialog #next_due", "9999-99-99")
    assert page.input_value("#record-dialog #next_due") == "9999-99-99"
    page.click("#record-dialog-save")
    page.wait_for_selector("#record-dialog-form[data-state=refused]")
    assert page.inner_text("#record-dialog-error") == texts["fix"]
    for field in ("at", "summary", "next_due"):
        assert page.locator(f".form-group[data-field={field}].has-error").count() == 1
    assert texts["too_long"] in page.inner_text(".form-group[data-field=summary]")
    assert NodeRepository(store, nodes.FollowUp).count() == 0
    # Script text that fits is kept as typed and shown as text, never run.
    page.fill("#record-dialog #at", "2026-05-20 10:30")
    page.fill("#record-dialog #summary", "<script>alert(1)</script>")
    page.fill("#record-dialog #next_due", "")
    page.on("dialog", lambda d: pytest.fail(f"a script ran: {d.message}"))
    page.click("#record-dialog-save")
    page.wait_for_selector(f".alert:has-text('{texts['added']}')")
    assert "<script>alert(1)</script>" in page.inner_text("#timeline")
    assert not [s for s in statuses if s >= 500]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_stale_stage_change_says_so_and_overwrites_nothing(
    page, live_server: str, huawei: Record, store: GraphStore, language: str
) -> None:
    texts = sign_in(page, live_server, "ana", language)
    page.goto(f"{live_server}/customer/show/{huawei.uid}")
    customers = NodeRepository(store, nodes.Customer)
    customers.update(customers.get(huawei.uid), {"stage": "lost"}, "boss")  # meanwhile
    page.click("#record-change-stage")
    page.locator("#record-dialog").wait_for(state="visible")
    page.select_option("#record-dialog #stage", "deal")
    page.click("#record-dialog-save")
    page.wait_for_selector("#record-dialog-form[data-state=refused]")
    message = page.inner_text("#record-dialog-error")
    assert texts["stale"] in message and texts["lost"] in message
    assert customers.get(huawei.uid).stage == "lost"
    page.click("#record-dialog-save")  # saving again applies the choice over theirs
    page.wait_for_selector(f".alert:has-text('{texts['saved']}')")
    assert customers.get(huawei.uid).stage == "deal"


def test_timeline_filters_by_kind(
    page, live_server: str, huawei: Record, store: GraphStore
) -> None:
    NodeRepository(store, nodes.FollowUp).create(
        {"at": "2026-01-03T03:04:05", "method": "phone", "summary": "首次电话",
         "customer": huawei},
        "setup",
    )  # fmt: skip
    sign_in(page, live_server, "ana", "en")
    page.goto(f"{live_server}/customer/show/{huawei.uid}")
    entries = page.locator("#timeline .timeline-entry:visible")
    assert entries.count() == 2
    page.click("#timeline-filter button[data-kind=Order]")
    assert entries.count() == 1 and "云服务" in entries.first.inner_text()
    assert page.locator("#history").is_hidden()
    page.click("#timeline-filter button[data-kind=FollowUp]")
    assert entries.count() == 1 and "首次电话" in entries.first.inner_text()
    page.click("#timeline-filter button[data-kind='']")
    assert entries.count() == 2 and page.locator("#history").is_visible()


def test_actions_are_hidden_from_a_read_only_role(
    page, app: Flask, live_server: str, huawei: Record, store: GraphStore
) -> None:
    staff(app, store, "al", "Analyst")
    sign_in(page, live_server, "al", "en")
    page.goto(f"{live_server}/customer/show/{huawei.uid}?do=log-followup")
    page.wait_for_selector("#customer-360")
    assert page.locator("#record-actions").count() == 0
    assert page.locator("#record-dialog").count() == 0


def test_list_names_and_owners_are_links(
    page, live_server: str, huawei: Record, store: GraphStore
) -> None:
    sign_in(page, live_server, "ana", "zh")
    page.goto(f"{live_server}/customer/list/")
    page.click(f"a.record-title:has-text('{HUAWEI}')")
    page.wait_for_selector("#customer-360")
    assert page.url.endswith(f"/customer/show/{huawei.uid}")
    page.click("a.record-link:has-text('ana')")  # the owner, on the record page too
    page.wait_for_url(f"**/user/show/{huawei.owner.uid}")
    page.goto(f"{live_server}/order/list/")
    page.click(f"a.record-link:has-text('{HUAWEI}')")  # an order's customer
    page.wait_for_url(f"**/customer/show/{huawei.uid}")


def test_change_owner_hands_the_customer_over(
    page, app: Flask, live_server: str, huawei: Record, store: GraphStore
) -> None:
    boss = staff(app, store, "boss", "Sales")
    ana = staff(app, store, "ana", "Sales")
    NodeRepository(store, nodes.User).update(ana, {"manager": boss}, "setup")
    staff(app, store, "bo", "Sales")
    sign_in(page, live_server, "ana", "en")
    page.goto(f"{live_server}/customer/show/{huawei.uid}")
    page.click("#record-change-owner")
    page.locator("#record-dialog").wait_for(state="visible")
    # The owner picker searches inside the dialog (its drop-down belongs to the dialog).
    page.click("#record-dialog select#owner + .select2 .select2-selection")
    page.fill("#record-dialog .select2-search__field", "bo")
    page.click(".select2-results__option:text-matches('^bo( Test)?$')")  # or its mirrored name
    page.click("#record-dialog-save")
    # Bo is not in Ana's team: the customer leaves her sight, so she lands on the list.
    page.wait_for_selector(".alert:has-text('Saved.')")
    assert page.url.endswith("/customer/list/")
    after = NodeRepository(store, nodes.Customer).get(huawei.uid)
    assert after.owner.title.startswith("bo") and after.stage == "intent"
