"""Masked means unusable as an oracle: a reader who sees personal data masked cannot
filter, search or sort by it (lists, REST, console), and a permitted reader's searches on
it are audited without the value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.console import console
from graph.errors import MaskedField
from graph.model import nodes
from graph.segments.rules import FIELDS as RULE_FIELDS
from graph.store.protocol import GraphStore
from tests.statements import statement
from tests.test_console import RUN, audit_events, last_event
from tests.test_pii import PASSWORD, People, account, make_people
from tests.web import bearer, login

GUESS = "138 1234 5678"  # the right number: the answer must not say so


@pytest.fixture
def people(app: Flask) -> People:
    return make_people(app)


def rest_list(client: FlaskClient, headers: dict[str, str], kind: str, q: str) -> Any:
    return client.get(f"/api/v1/{kind}/", query_string={"q": q}, headers=headers)


@pytest.mark.parametrize("role", ["Analyst", "Marketing"])
def test_masked_reader_cannot_filter_or_sort_lists_by_personal_data(
    app: Flask, client: FlaskClient, people: People, role: str
) -> None:
    username = account(app, f"pii-{role.lower()}", role)
    login(client, username, PASSWORD)
    listing = client.get("/customer/list/").get_data(as_text=True)
    assert 'name="phone" class="filter"' not in listing
    assert 'name="name" class="filter"' in listing
    for url in (
        f"/customer/list/?_flt_0_phone={GUESS}",
        "/customer/list/?_flt_0_phone=139+0000+0000",
        "/customer/list/?_flt_1_email=y",
        "/contact/list/?_flt_0_wechat=lina_wx",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "cannot filter" in response.get_data(as_text=True), url
        assert people.customer.uid not in response.get_data(as_text=True)
    chinese = client.get(f"/customer/list/?_flt_0_phone={GUESS}&_l_=zh")
    assert chinese.status_code == 403 and "不能按其筛选" in chinese.get_data(as_text=True)


@pytest.mark.parametrize("role", ["Analyst", "Marketing"])
def test_masked_reader_cannot_filter_or_sort_rest_lists_by_personal_data(
    app: Flask, client: FlaskClient, people: People, role: str
) -> None:
    username = account(app, f"pii-{role.lower()}", role)
    headers = bearer(client, username, PASSWORD)
    for kind, q in (
        ("customer", f"(filters:!((col:phone,opr:eq,value:'{GUESS}')))"),
        ("customer", "(filters:!((col:phone,opr:eq,value:'139 0000 0000')))"),
        ("customer", "(filters:!((col:email,opr:empty,value:!t)))"),
        ("contact", "(filters:!((col:wechat,opr:eq,value:lina_wx)))"),
    ):
        response = rest_list(client, headers, kind, q)
        assert response.status_code == 403, q
        assert "cannot filter" in response.json["message"]
        assert people.customer.uid not in response.get_data(as_text=True)
    assert rest_list(client, headers, "customer", "(order_column:phone)").status_code == 400
    unmasked = rest_list(client, headers, "customer", "(filters:!((col:name,opr:eq,value:Acme)))")
    assert unmasked.status_code == 200 and unmasked.json["ids"] == [people.customer.uid]


def test_personal_data_search_by_a_permitted_reader_is_audited_without_the_value(
    app: Flask, client: FlaskClient, people: People
) -> None:
    username = account(app, "pii-sales-lead", "Finance")
    start = last_event(app)
    headers = bearer(client, username, PASSWORD)
    q = f"(filters:!((col:phone,opr:eq,value:'{GUESS}'),(col:stage,opr:eq,value:deal)))"
    response = rest_list(client, headers, "customer", q)
    assert response.status_code == 200 and response.json["ids"] == [people.customer.uid]
    login(client, username, PASSWORD)
    assert client.get("/contact/list/?_flt_0_wechat=lina_wx").status_code == 200
    events = audit_events(app, "personal_data_search", start)
    assert all(event.pop("request_id") for event in events)  # each tied to its request
    assert events == [
        {"fields": ["phone"], "user": username},
        {"fields": ["wechat"], "user": username},
    ]
    assert not any(text in json.dumps(events) for text in ("1234", "lina_wx"))


def test_console_hides_blind_indexes_from_masked_readers(
    app: Flask, store: GraphStore, client: FlaskClient, people: People
) -> None:
    cipher = app.extensions["field_cipher"]
    masked = console.run_readonly(store, "MATCH (c:Customer) RETURN c", reveal=False, cipher=cipher)
    node = masked.rows[0][0]
    assert node["properties"]["phone_bidx"] == console.HIDDEN
    assert node["properties"]["phone"] == "138****5678"
    # Subscripts by number, slices and list comprehensions stay open to masked readers.
    fine = "MATCH (c:Customer) RETURN labels(c)[0], collect(c.uid)[0..1], [x IN [1, 2] | x]"
    assert console.run_readonly(store, fine, reveal=False, cipher=cipher).rows
    text = "MATCH (c:Customer) RETURN c, properties(c) AS p"
    stored = store.read(statement("node_dump_all"))
    indexes = [n["props"]["phone_bidx"] for n in stored if n["props"].get("phone_bidx")]
    assert indexes and not any(index in json.dumps(masked.rows) for index in indexes)
    opened = console.run_readonly(store, text, reveal=True, cipher=cipher)
    assert opened.rows[0][0]["properties"]["phone_bidx"] in indexes
    for query, params in (
        ("MATCH (c:Customer) WHERE c.phone_bidx = $b RETURN c.uid", {"b": indexes[0]}),
        ("MATCH (c:Customer) RETURN c.phone_bidx AS b, count(*) ORDER BY b", {}),
        ("MATCH (c:Customer) RETURN c[$k] AS v", {"k": "phone_bidx"}),
        # Names built at run time, and every property at once, are refused too.
        ("MATCH (c:Customer) RETURN c['phone_bi' + 'dx'] AS v", {}),
        ("MATCH (c:Customer) WITH c, 'phone_bi' AS p RETURN c[p + 'dx'] AS v", {}),
        ("MATCH (a:Customer), (b:Customer) WHERE a[$x] = b[$x] RETURN a.uid", {"x": "p"}),
        ("MATCH (c:Customer) RETURN [k IN keys(c) | c[k]] AS v", {}),
        ("MATCH (c:Customer) RETURN properties(c) AS v", {}),
        ("MATCH (c:Customer) RETURN c{.*} AS v", {}),
        ("MATCH (c:Customer) RETURN c[[x IN ['phone_bi'] | x + 'dx'][0]] AS v", {}),
        ("MATCH (c:Customer) RETURN c['phone_' + 'BIDX'] AS v", {}),
    ):
        with pytest.raises(MaskedField):
            console.run_readonly(store, query, params, reveal=False, cipher=cipher)
    assert console.run_readonly(store, query, params, reveal=True, cipher=cipher).rows is not None
    account(app, "pii-analyst", "Analyst")
    start = last_event(app)
    headers = bearer(client, "pii-analyst", PASSWORD)
    refused = client.post(
        RUN, json={"query": "MATCH (c:Customer) RETURN c.phone_bidx"}, headers=headers
    )
    assert refused.status_code == 403 and refused.json["error"] == "masked_field"
    assert "_bidx" in refused.json["message"]
    assert [e["outcome"] for e in audit_events(app, "console_query", start)] == ["masked_field"]


def test_segment_rules_offer_no_personal_data_field() -> None:
    personal = {p.name for p in nodes.Customer.meta.props if p.pii}
    assert personal and not personal & set(RULE_FIELDS)
