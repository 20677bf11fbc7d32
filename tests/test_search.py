"""Global search (``GET /api/v1/search/?q=``) on the real engine: names, pinyin, initials,
ids, phones in any format or by their last four digits, e-mails; the reader's scope;
masked readers; hostile input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.records.search_keys import backfill, name_keys
from graph.store.protocol import GraphStore
from tests.statements import statement
from tests.test_console import audit_events, last_event
from tests.test_pii import PASSWORD, account
from tests.test_row_level_access import PASSWORD as SALES_PASSWORD
from tests.test_row_level_access import staff
from tests.web import bearer, login


@dataclass
class Found:
    zhang: Record
    acme: Record
    contact: Record
    referrer: Record
    other_team: Record


def repo(app: Flask, model: type) -> NodeRepository:
    return app.extensions["graph_repositories"](model)


@pytest.fixture
def found(app: Flask, store: GraphStore) -> Found:
    ana = staff(app, store, "ana", "Sales")
    bo = staff(app, store, "bo", "Sales")
    customers = repo(app, nodes.Customer)
    zhang = customers.create(
        {"name": "张伟", "stage": "deal", "phone": "+8613812345678",
         "email": "zhang.wei@example.com", "owner": ana},
        "setup",
    )  # fmt: skip
    acme = customers.create({"name": "Acme Trading", "stage": "intent", "owner": ana}, "setup")
    other = customers.create(
        {"name": "张伟强", "stage": "deal", "phone": "+8613900005678", "owner": bo}, "setup"
    )
    contact = repo(app, nodes.Contact).create(
        {"name": "李娜", "phone": "+8615011112222", "email": "li.na@example.com",
         "customer": zhang},
        "setup",
    )  # fmt: skip
    referrer = repo(app, nodes.Referrer).create(
        {"name": "王芳", "phone": "+8618600001111", "email": "wang@example.com"}, "setup"
    )
    return Found(zhang, acme, contact, referrer, other)


def search(client: FlaskClient, q: str, headers: dict | None = None, **args: Any) -> Any:
    return client.get("/api/v1/search/", query_string={"q": q, **args}, headers=headers or {})


def uids(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["uid"] for group in response.json["groups"] for item in group["items"]]


def test_name_keys_read_chinese_as_pinyin_and_initials() -> None:
    assert name_keys("张伟") == ("张伟", "zhangwei", "zw")
    assert name_keys("重庆长安 Auto Co.") == ("重庆长安autoco.", "chongqingchanganautoco", "cqcaac")
    assert name_keys("ＡＣＭＥ Trading") == ("acmetrading", "acmetrading", "at")


def test_prefix_bound_is_the_next_string_after_every_key_starting_so() -> None:
    from graph.records.search import successor

    assert successor("zw") == "zx" and successor("张") == chr(ord("张") + 1)
    assert successor("a\ud7ff") == "a\ue000"  # past the surrogates, encodable


def test_pinyin_initials_and_name_find_chinese_names(client: FlaskClient, found: Found) -> None:
    login(client)
    for q in ("zhangwei", "ZhangWei", "zhang wei", "zhangw", "zw", "张伟", "张"):
        assert found.zhang.uid in uids(search(client, q)), q
    assert uids(search(client, "zw"))[0] == found.zhang.uid  # the shorter name first
    groups = search(client, "zhangwei").json["groups"]
    assert [g["type"] for g in groups] == ["Customer"]
    item = groups[0]["items"][0]
    assert item["matched"] == "pinyin" and item["url"] == f"/customer/show/{found.zhang.uid}"
    assert uids(search(client, "ln")) == [found.contact.uid]
    assert uids(search(client, "wangfang")) == [found.referrer.uid]
    assert uids(search(client, "acme tr")) == [found.acme.uid]
    assert uids(search(client, "伟")) == [found.zhang.uid, found.other_team.uid]  # inside a name
    assert uids(search(client, "zhangsan")) == []


def test_id_phone_in_any_format_last_four_and_email_find_records(
    client: FlaskClient, found: Found
) -> None:
    login(client)
    assert uids(search(client, found.zhang.uid or "")) == [found.zhang.uid]
    assert uids(search(client, (found.contact.uid or "").lower())) == [found.contact.uid]
    for q in ("13812345678", "138 1234 5678", "+86 138-1234-5678", "(138) 1234 5678"):
        assert uids(search(client, q)) == [found.zhang.uid], q
    assert uids(search(client, "5678")) == [found.zhang.uid, found.other_team.uid]
    assert search(client, "5678").json["groups"][0]["items"][0]["matched"] == "phone_last4"
    assert uids(search(client, "2222")) == [found.contact.uid]
    assert uids(search(client, " Zhang.Wei@Example.com ")) == [found.zhang.uid]
    assert uids(search(client, "wang@example.com")) == [found.referrer.uid]
    assert uids(search(client, "zhang.wei@")) == []  # e-mails match exactly, never a part


def test_phone_last_four_index_keeps_the_number_encrypted(
    app: Flask, store: GraphStore, found: Found
) -> None:
    rows = store.read(statement("node_dump_all"))
    stored = next(row["props"] for row in rows if row["props"].get("uid") == found.zhang.uid)
    assert stored["phone"].startswith("enc:") and "5678" not in stored["phone_last4_bidx"]
    updated = repo(app, nodes.Customer).update(found.zhang, {"phone": "+8613812340000"}, "me")
    with app.test_request_context():
        from graph.records.search import search as run
        from graph.security.scope import Scope

        cipher = app.extensions["field_cipher"]
        hits = run(store, "0000", Scope.everything(), cipher).hits
        assert [h.uid for h in hits] == [updated.uid]
        assert run(store, "5678", Scope.everything(), cipher).hits[0].uid == found.other_team.uid


def test_sales_search_finds_only_the_teams_customers_and_contacts(
    app: Flask, client: FlaskClient, found: Found
) -> None:
    ana = bearer(client, "ana", SALES_PASSWORD)
    assert uids(search(client, "zhangwei", ana)) == [found.zhang.uid]
    assert uids(search(client, "5678", ana)) == [found.zhang.uid]
    assert uids(search(client, "伟", ana)) == [found.zhang.uid]
    assert uids(search(client, found.other_team.uid or "", ana)) == []
    assert uids(search(client, "ln", ana)) == [found.contact.uid]
    assert uids(search(client, "wf", ana)) == [found.referrer.uid]  # referrers are shared
    bo = bearer(client, "bo", SALES_PASSWORD)
    assert uids(search(client, "zw", bo)) == [found.other_team.uid]
    assert uids(search(client, "ln", bo)) == []


@pytest.mark.parametrize("role", ["Analyst", "Marketing"])
def test_masked_reader_is_not_searched_by_phone_or_email(
    app: Flask, client: FlaskClient, found: Found, role: str
) -> None:
    headers = bearer(client, account(app, f"search-{role.lower()}", role), PASSWORD)
    for q in ("13812345678", "5678", "zhang.wei@example.com"):
        response = search(client, q, headers)
        assert uids(response) == [], q
        assert (
            response.json["skipped"]
            and "cannot filter, search or sort" in (response.json["notice"])
        )
    assert uids(search(client, "zhangwei", headers))[0] == found.zhang.uid
    assert search(client, "zhangwei", headers).json["notice"] is None
    chinese = search(client, "5678", {**headers, "Accept-Language": "zh"}, _l_="zh")
    assert "电话尾号" in chinese.json["notice"]


def test_personal_data_search_by_a_permitted_reader_is_audited_without_the_value(
    app: Flask, client: FlaskClient, found: Found
) -> None:
    username = account(app, "search-finance", "Finance")
    start = last_event(app)
    headers = bearer(client, username, PASSWORD)
    assert uids(search(client, "138 1234 5678", headers)) == [found.zhang.uid]
    assert uids(search(client, "zhangwei", headers)) == [found.zhang.uid, found.other_team.uid]
    events = audit_events(app, "personal_data_search", start)
    assert {tuple(e["fields"]) for e in events} == {("phone",)}
    assert not any("1234" in str(e) for e in events)


@pytest.mark.parametrize(
    "q",
    ["", "   ", "x" * 10_000, "\x00\x01\x7f", "(filters:!((col:phone,opr:eq,value:'1')))",
     "!(", "'", "%", "\\", "((((((((((", "*", "🙂"],
)  # fmt: skip
def test_hostile_queries_answer_4xx_or_nothing_never_5xx(
    client: FlaskClient, found: Found, q: str
) -> None:
    login(client)
    response = search(client, q)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        assert response.json["groups"] == []
    else:
        assert response.json["message"]
    for raw in ("%ED%A0%80", "%FF%FE", "%00"):  # a lone surrogate, bad UTF-8, NUL
        assert client.get(f"/api/v1/search/?q={raw}").status_code in (200, 400), raw
    assert search(client, "zw", limit="0").status_code == 400
    assert search(client, "zw", limit="x").status_code == 400


def test_search_needs_a_login_and_the_permission(app: Flask, client: FlaskClient) -> None:
    assert search(client, "zw").status_code == 401
    headers = bearer(client, account(app, "search-auditor", "Auditor"), PASSWORD)
    assert search(client, "zw", headers).status_code == 403


def test_backfill_stores_keys_of_records_written_before_search(
    app: Flask, store: GraphStore, found: Found
) -> None:
    cleared = [
        {"uid": r.uid, "version": r.version, "props": {"search_name": None,
         "search_pinyin": None, "search_initials": None, "search_version": None,
         "phone_last4_bidx": None}}
        for r in (found.zhang, found.other_team)
    ]  # fmt: skip
    from graph.store.templates import render

    reseal = render(store.cypher.get("node_reseal"), Label="Customer")
    store.write(reseal, rows=cleared)
    cipher = app.extensions["field_cipher"]
    assert backfill(store, cipher) == {"Customer": 2, "Contact": 0, "Referrer": 0}
    assert backfill(store, cipher) == {"Customer": 0, "Contact": 0, "Referrer": 0}
    from graph.records.search import search as run
    from graph.security.scope import Scope

    with app.test_request_context():
        assert {h.uid for h in run(store, "zw", Scope.everything(), cipher).hits} == {
            found.zhang.uid,
            found.other_team.uid,
        }
        assert len(run(store, "5678", Scope.everything(), cipher).hits) == 2
