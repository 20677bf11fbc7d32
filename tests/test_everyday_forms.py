"""Follow-up, order and customer forms and REST as people use them, on the real engine:
typed dates, "now" defaults, names in pickers after an error, stale edits that keep input."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.web import bearer, login, submit


@pytest.fixture
def huawei(store: GraphStore) -> Record:
    return NodeRepository(store, nodes.Customer).create(
        {"name": "华为技术（北京）有限公司", "stage": "intent"}, "setup"
    )


def follow_ups(store: GraphStore) -> list[Record]:
    return NodeRepository(store, nodes.FollowUp).page()


def field_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no input {name}"
    return html.unescape(match.group(1))


def test_follow_up_form_takes_a_typed_date_and_time_and_a_blank_next_due(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    login(client)
    response = submit(
        client,
        "/followup/add",
        {
            "at": "2026-12-01 10:30:00",
            "method": "phone",
            "summary": "需求，客户",
            "next_due": "",
            "customer": huawei.uid,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    (saved,) = follow_ups(store)
    # Typed in the business time zone (Asia/Shanghai), stored in UTC.
    assert saved.at == dt.datetime(2026, 12, 1, 2, 30)
    assert saved.next_due is None
    assert saved.summary == "需求，客户"


def test_order_form_takes_a_chinese_date(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    login(client)
    body = {"product": "服务器", "amount": "1200.5", "currency": "CNY", "customer": huawei.uid}
    response = submit(client, "/order/add", {**body, "at": "2024年5月20日 10:30"})
    assert response.status_code == 302, response.get_data(as_text=True)
    (order,) = NodeRepository(store, nodes.Order).page()
    assert order.at == dt.datetime(2024, 5, 20, 2, 30)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("128,000.50", 128000.5), ("¥1 234", 1234.0), ("１２.５元", 12.5), ("(300)", -300.0)],
)
def test_order_amount_is_taken_as_people_type_it(
    client: FlaskClient, store: GraphStore, huawei: Record, typed: str, stored: float
) -> None:
    login(client)
    body = {"product": "服务器", "currency": "CNY", "customer": huawei.uid, "at": "2024-05-20"}
    response = submit(client, "/order/add", {**body, "amount": typed})
    assert response.status_code == 302, response.get_data(as_text=True)
    (order,) = NodeRepository(store, nodes.Order).page()
    assert order.amount == stored


def test_an_amount_that_is_no_number_is_refused_in_the_readers_language(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    login(client)
    client.get("/lang/zh")
    body = {"product": "服务器", "currency": "CNY", "customer": huawei.uid, "at": "2024-05-20"}
    response = submit(client, "/order/add", {**body, "amount": "十二块"})
    assert response.status_code == 200
    assert "请输入数字。" in response.get_data(as_text=True)
    assert NodeRepository(store, nodes.Order).page() == []


def test_rest_takes_an_amount_with_separators_and_refuses_words(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    headers = bearer(client)
    body = {"product": "服务器", "currency": "CNY", "customer": huawei.uid, "at": "2024-05-20"}
    created = client.post("/api/v1/order/", json={**body, "amount": "128,000.50"}, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    refused = client.post("/api/v1/order/", json={**body, "amount": "twelve"}, headers=headers)
    assert refused.status_code == 422
    (order,) = NodeRepository(store, nodes.Order).page()
    assert order.amount == 128000.5


def test_form_times_with_an_offset_are_taken_as_typed(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    login(client)
    body = {"product": "服务器", "amount": "1", "currency": "CNY", "customer": huawei.uid}
    response = submit(client, "/order/add", {**body, "at": "2024-05-20T10:30:00Z"})
    assert response.status_code == 302, response.get_data(as_text=True)
    (order,) = NodeRepository(store, nodes.Order).page()
    assert order.at == dt.datetime(2024, 5, 20, 10, 30)


def test_edit_form_shows_the_stored_time_in_the_business_zone_and_keeps_it(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    order = NodeRepository(store, nodes.Order).create(
        {"product": "服务器", "amount": 1, "at": "2024-05-20T22:30:00Z", "customer": huawei}, "t"
    )
    login(client)
    page = client.get(f"/order/edit/{order.uid}").get_data(as_text=True)
    assert field_value(page, "at") == "2024-05-21 06:30"
    assert "UTC+8</span>" in page
    body = {"product": "服务器", "amount": "1", "currency": "CNY", "customer": huawei.uid}
    fields = {**body, "at": field_value(page, "at"), "version": str(order.version)}
    response = submit(client, f"/order/edit/{order.uid}", fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    (saved,) = NodeRepository(store, nodes.Order).page()
    assert saved.at == dt.datetime(2024, 5, 20, 22, 30)


def test_add_forms_prefill_now_for_the_time_of_a_follow_up_and_an_order(
    client: FlaskClient,
) -> None:
    login(client)
    # Now in the business time zone (Asia/Shanghai, UTC+8), as the form speaks it.
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    before = now.replace(tzinfo=None, second=0, microsecond=0)
    for url in ("/followup/add", "/order/add"):
        page = client.get(url).get_data(as_text=True)
        shown = dt.datetime.strptime(field_value(page, "at"), "%Y-%m-%d %H:%M")
        assert before <= shown <= before + dt.timedelta(minutes=2)
        assert 'class="graphcrm-when-native"' in page and 'type="datetime-local"' in page
    assert field_value(client.get("/followup/add").get_data(as_text=True), "next_due") == ""


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Not a valid date and time: type e.g. 2024-05-20 10:30 or 2024/5/20."),
        ("zh", "日期时间无效：请输入如 2024-05-20 10:30 或 2024/5/20。"),
    ],
)
def test_a_bad_date_keeps_the_input_and_the_customer_name_in_the_picker(
    client: FlaskClient, store: GraphStore, huawei: Record, language: str, message: str
) -> None:
    login(client)
    client.get(f"/lang/{language}")
    response = submit(
        client,
        "/followup/add",
        {"at": "9999-99-99", "method": "visit", "summary": "拜访", "customer": huawei.uid},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html.unescape(page)
    assert field_value(page, "at") == "9999-99-99"
    assert f'<option value="{huawei.uid}" selected>华为技术（北京）有限公司</option>' in page
    assert follow_ups(store) == []


def test_a_picker_never_shows_the_name_of_a_record_the_reader_cannot_see(
    client: FlaskClient, store: GraphStore
) -> None:
    login(client)
    response = submit(
        client, "/followup/add", {"at": "", "method": "visit", "summary": "x", "customer": "C1"}
    )
    page = response.get_data(as_text=True)
    assert '<option value="C1" selected>C1</option>' in page


def test_registered_names_keep_their_full_width_punctuation(
    client: FlaskClient, store: GraphStore
) -> None:
    login(client)
    response = submit(
        client, "/customer/add", {"name": "  华为技术（北京）有限公司 ", "stage": "intent"}
    )
    assert response.status_code == 302
    (customer,) = NodeRepository(store, nodes.Customer).page()
    assert customer.name == "华为技术（北京）有限公司"


def test_stale_edit_keeps_the_typed_input_and_shows_the_stored_values(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    repo = NodeRepository(store, nodes.Customer)
    login(client)
    client.get(f"/customer/edit/{huawei.uid}")
    repo.update(huawei, {"name": "华为技术有限公司", "region": "深圳"}, "ana")  # Ana saves first
    url = f"/customer/edit/{huawei.uid}"
    typed = {"name": "华为（北京）", "stage": "deal", "region": "深圳", "version": "1"}
    response = submit(client, url, typed)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "someone else changed this record" in page
    assert "Stored now: Name: 华为技术有限公司; Stage: Intent" in page
    assert field_value(page, "name") == "华为（北京）"  # the typed input, not the stored one
    assert field_value(page, "version") == "2"
    assert repo.get(huawei.uid).name == "华为技术有限公司"  # Ana's change is kept
    # Saving the kept input again applies it over the new version.
    assert submit(client, url, {**typed, "version": "2"}).status_code == 302
    saved = repo.get(huawei.uid)
    assert (saved.name, saved.stage, saved.version) == ("华为（北京）", "deal", 3)


def test_stale_edit_notice_in_chinese(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    repo = NodeRepository(store, nodes.Customer)
    login(client)
    client.get("/lang/zh")
    repo.update(huawei, {"stage": "lost"}, "ana")
    url = f"/customer/edit/{huawei.uid}"
    page = submit(client, url, {"name": huawei.name, "stage": "deal", "version": "1"})
    text = html.unescape(page.get_data(as_text=True))
    assert "您的输入已保留在下方" in text and "当前保存的值: 阶段: 流失" in text


def test_rest_takes_typed_dates_defaults_the_time_to_now_and_refuses_bad_ones(
    client: FlaskClient, store: GraphStore, huawei: Record
) -> None:
    auth = bearer(client)
    body = {"method": "phone", "summary": "回访", "customer": huawei.uid}
    typed = client.post("/api/v1/followup/", json={**body, "at": "2024/5/20 10:30"}, headers=auth)
    assert typed.status_code == 201, typed.get_data(as_text=True)
    assert typed.json["result"]["at"] == "2024-05-20T10:30:00Z"
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    default = client.post("/api/v1/followup/", json=body, headers=auth)
    assert default.status_code == 201, default.get_data(as_text=True)
    at = dt.datetime.strptime(default.json["result"]["at"], "%Y-%m-%dT%H:%M:%SZ")
    assert before <= at <= before + dt.timedelta(minutes=2)
    # (A lone surrogate never reaches the field: the whole body is a 400, test_hostile_input.)
    for bad in ("9999-99-99", "2" * 100_000, 20240520, ["2024-05-20"]):
        refused = client.post("/api/v1/followup/", json={**body, "at": bad}, headers=auth)
        assert refused.status_code == 422, (bad, refused.status_code)
        assert list(refused.json["message"]) == ["at"]
    blank = client.post("/api/v1/followup/", json={**body, "at": None}, headers=auth)
    assert blank.status_code == 422
    assert len(follow_ups(store)) == 2


def test_hostile_text_in_forms_and_rest_is_not_a_server_error(
    client: FlaskClient, store: GraphStore
) -> None:
    auth = bearer(client)
    response = client.post(
        "/api/v1/customer/", json={"name": "A\ud800（B）", "stage": "deal"}, headers=auth
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "surrogate" in response.json["message"]
    huge = client.post(
        "/api/v1/customer/", json={"name": "名" * 100_000, "stage": "deal"}, headers=auth
    )
    assert huge.status_code == 422
