"""Deleting a customer with follow-ups and an order in a real browser, in English and
Chinese: the dialog names the counts, a plain delete is refused, an admin deletes them
together."""

from __future__ import annotations

import pytest

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_browser_crud import log_in
from tests.test_delete_dependants import AT

CASES = {
    "en": {
        "question": "Delete customer “{name}”? It has 3 follow-ups, 1 order.",
        "refused": "Not deleted: customer “{name}” still has 3 follow-ups, 1 order",
        "offer": "As an administrator you may delete them together with it.",
        "button": "Delete together with 3 follow-ups, 1 order",
        "done": "Deleted, together with 3 follow-ups, 1 order.",
    },
    "zh": {
        "question": "删除客户“{name}”？它有 3 条跟进记录、1 条订单。",
        "refused": "未删除：客户“{name}”仍有 3 条跟进记录、1 条订单",
        "offer": "作为管理员，您可以将它们一并删除。",
        "button": "连同 3 条跟进记录、1 条订单 一并删除",
        "done": "已删除，并一并删除了 3 条跟进记录、1 条订单。",
    },
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_delete_refused_then_cascaded_by_admin(
    page, live_server: str, store: GraphStore, language: str
) -> None:
    texts = {key: value.format(name="明远贸易") for key, value in CASES[language].items()}
    customer = NodeRepository(store, nodes.Customer).create(
        {"name": "明远贸易", "stage": "deal"}, "setup"
    )
    follow_ups = NodeRepository(store, nodes.FollowUp)
    for number in range(3):
        follow_ups.create(
            {"at": AT, "method": "visit", "summary": f"visit {number}", "customer": customer},
            "setup",
        )
    NodeRepository(store, nodes.Order).create(
        {"product": "CRM", "amount": 5000.0, "at": AT, "customer": customer}, "setup"
    )
    log_in(page, live_server)
    if language == "zh":
        page.goto(live_server + "/lang/zh")

    page.goto(live_server + "/customer/list/")
    page.click(f"tr:has-text('{customer.uid}') a[id^=btn-delete]")
    page.wait_for_selector("#modal-confirm .modal-body[data-question=ready]")
    assert page.inner_text("#modal-confirm .modal-body").strip() == texts["question"]
    page.click("#modal-confirm-ok")

    page.wait_for_selector("#delete-refusal")
    assert texts["refused"] in page.inner_text(".alert-danger")
    assert texts["offer"] in page.inner_text("#delete-refusal")
    assert page.inner_text("#delete-question").strip() == texts["question"]
    assert follow_ups.count() == 3

    assert page.inner_text("#delete-cascade").strip() == texts["button"]
    page.click("#delete-cascade")
    page.wait_for_selector(f".alert:has-text('{texts['done']}')")
    assert follow_ups.count() == 0
    assert NodeRepository(store, nodes.Order).count() == 0
    assert NodeRepository(store, nodes.Customer).get(customer.uid) is None
