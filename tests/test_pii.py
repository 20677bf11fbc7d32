"""Personal data at rest and on screen: encrypted in the graph, found by its blind index,
masked for roles without the personal-data permission, and rotated to a new key."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from graph.demo.dataset import generate
from graph.demo.seed import load, seed_demo
from graph.errors import ConfigError
from graph.model import nodes
from graph.model.base import NodeModel
from graph.model.records import Record
from graph.records.filters import Condition, InvalidQuery
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher, generate_key, parse_key
from graph.security.key_rotation import rotate
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.statements import statement
from tests.test_cli import run
from tests.web import bearer, login, submit

PASSWORD = "Pii-pass-1234"
TODAY = dt.date(2026, 1, 15)
PHONE, EMAIL = "+8613812345678", "zhang@example.com"
CONTACT_PHONE, CONTACT_EMAIL, WECHAT = "+8613987654321", "li.na@example.com", "lina_wx"
REFERRER_PHONE = "+8615011112222"
PLAINTEXT = (PHONE[3:], EMAIL, CONTACT_PHONE[3:], CONTACT_EMAIL, WECHAT, REFERRER_PHONE[3:])
MASKED = ("138****5678", "z***@example.com", "139****4321", "l***@example.com", "l***")


def repo(app: Flask, model: type[NodeModel]) -> NodeRepository:
    """The app's own repository (with its field cipher)."""
    return app.extensions["graph_repositories"](model)


def dump(store: GraphStore) -> list[dict[str, Any]]:
    """Every node's properties, as a raw dump of the graph would show them."""
    return [row["props"] for row in store.read(statement("node_dump_all"))]


def assert_no_plaintext(text: str, values: tuple[str, ...] = PLAINTEXT) -> None:
    leaked = [value for value in values if value in text]
    assert not leaked, f"plaintext personal data: {leaked}"
    assert "enc:v1:" not in text, "ciphertext leaked to a reader"


@dataclass
class People:
    customer: Record
    contact: Record
    referrer: Record


@pytest.fixture
def people(app: Flask) -> People:
    return make_people(app)


def make_people(app: Flask) -> People:
    """A customer, a contact and a referrer with personal data, through the app's cipher."""
    customer = repo(app, nodes.Customer).create(
        {"name": "Acme", "stage": "deal", "phone": PHONE, "email": "old@example.com"}, "setup"
    )
    customer = repo(app, nodes.Customer).update(customer, {"email": EMAIL}, "setup")
    contact = repo(app, nodes.Contact).create(
        {"name": "Li Na", "phone": CONTACT_PHONE, "email": CONTACT_EMAIL, "wechat": WECHAT,
         "customer": customer},
        "setup",
    )  # fmt: skip
    referrer = repo(app, nodes.Referrer).create(
        {"name": "Wang", "kind": "person", "phone": REFERRER_PHONE, "email": "wang@example.com"},
        "setup",
    )
    return People(customer, contact, referrer)


def account(app: Flask, username: str, role: str) -> str:
    """A FAB account with ``role``; returns its username."""
    sm = app.appbuilder.sm
    with app.app_context():
        if not sm.find_user(username=username):
            sm.add_user(username, username, "Test", f"{username}@example.org",
                        sm.find_role(role), PASSWORD)  # fmt: skip
    return username


def test_personal_data_is_stored_encrypted_and_read_back_in_clear(
    app: Flask, store: GraphStore, people: People
) -> None:
    again = repo(app, nodes.Customer).get(people.customer.uid or "")
    assert again is not None and (again.phone, again.email) == (PHONE, EMAIL)
    stored = next(n for n in dump(store) if n.get("uid") == people.customer.uid)
    assert stored["phone"].startswith("enc:v1:") and stored["phone_bidx"]
    history = repo(app, nodes.Customer).history(people.customer.uid or "")
    emails = [(c.old, c.new) for entry in history for c in entry.changes if c.field == "email"]
    assert emails == [("old@example.com", EMAIL), (None, "old@example.com")]


def test_raw_dump_has_no_plaintext_phone_or_email_of_demo_or_new_data(
    app: Flask, store: GraphStore
) -> None:
    cipher = app.extensions["field_cipher"]
    assert seed_demo(store, cipher=cipher, customers=40, today=TODAY)
    demo = generate(40, today=TODAY)
    values = {
        row[key]
        for kind in ("users", "referrers", "customers", "contacts")
        for row in getattr(demo, kind)
        for key in ("phone", "email")
        if row.get(key)
    }
    customers = repo(app, nodes.Customer)
    created = customers.create({"name": "New", "stage": "intent", "phone": PHONE}, "t")
    updated = customers.update(created, {"email": EMAIL}, "t")
    customers.delete(updated, "t")  # history keeps the deleted values, encrypted
    text = json.dumps(dump(store), ensure_ascii=False)
    leaked = sorted(value for value in values | {PHONE, EMAIL} if value in text)
    assert leaked == []
    assert not re.search(r"\+86\d{11}|[\w.]+@[\w.]+\.com", text)
    found = customers.page([Condition("phone", "eq", demo.customers[0]["phone"])])
    assert [c.uid for c in found] == [demo.customers[0]["uid"]]


def test_exact_search_by_phone_or_email_uses_the_blind_index_in_any_format(
    app: Flask, client: FlaskClient, people: People
) -> None:
    customers = repo(app, nodes.Customer)
    for typed in ("138 1234 5678", "+86 138-1234-5678", PHONE):
        assert [c.uid for c in customers.page([Condition("phone", "eq", typed)])] == [
            people.customer.uid
        ], typed
    assert customers.count([Condition("email", "eq", " Zhang@Example.COM ")]) == 1
    assert customers.count([Condition("phone", "eq", "138 1234 5679")]) == 0
    assert customers.count([Condition("email", "empty", True)]) == 0
    login(client)
    page = client.get("/customer/list/?_flt_0_phone=138+1234+5678").get_data(as_text=True)
    assert people.customer.uid in page


def test_contains_order_and_other_operators_on_personal_data_are_refused(
    app: Flask, client: FlaskClient, people: People
) -> None:
    customers = repo(app, nodes.Customer)
    for op in ("ct", "sw", "neq", "gt", "in"):
        with pytest.raises(InvalidQuery):
            customers.page([Condition("phone", op, "138")])
    with pytest.raises(InvalidQuery):
        customers.page(order="phone")
    auth = bearer(client, "admin", ADMIN_PASSWORD)

    def listing(q: str) -> Any:
        return client.get("/api/v1/customer/", query_string={"q": q}, headers=auth)

    assert listing("(filters:!((col:phone,opr:ct,value:'138')))").status_code == 400
    assert listing("(order_column:phone)").status_code == 400
    found = listing("(filters:!((col:phone,opr:eq,value:'138 1234 5678')))")
    assert found.json["ids"] == [people.customer.uid]
    info = client.get(
        "/api/v1/customer/_info", query_string={"q": "(keys:!(filters))"}, headers=auth
    ).json
    assert [f["operator"] for f in info["filters"]["phone"]] == ["eq", "empty"]


@pytest.mark.parametrize("role", ["Analyst", "Marketing"])
def test_roles_without_the_permission_see_masks_in_screens_rest_and_history(
    app: Flask, client: FlaskClient, people: People, role: str
) -> None:
    username = account(app, f"pii-{role.lower()}", role)
    uid = people.customer.uid
    login(client, username, PASSWORD)
    pages = [
        client.get("/customer/list/").get_data(as_text=True),
        client.get(f"/customer/show/{uid}").get_data(as_text=True),
        client.get("/contact/list/").get_data(as_text=True),
    ]
    for page in pages:
        assert_no_plaintext(page)
    assert "138****5678" in pages[0]
    for masked in MASKED:  # the record, its history and its 360 contacts
        assert masked in pages[1], masked
    auth = bearer(client, username, PASSWORD)
    answers = [
        client.get("/api/v1/customer/", headers=auth),
        client.get(f"/api/v1/customer/{uid}", headers=auth),
        client.get(f"/api/v1/customer/{uid}/history", headers=auth),
        client.get("/api/v1/contact/", headers=auth),
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert_no_plaintext(answer.get_data(as_text=True))
    assert answers[1].json["result"]["email"] == "z***@example.com"
    changes = [c for e in answers[2].json["result"] for c in e["changes"] if c["field"] == "email"]
    assert changes[0] == {"field": "email", "old": "o***@example.com", "new": "z***@example.com"}


def test_admin_sees_personal_data_in_clear(client: FlaskClient, people: People) -> None:
    login(client)
    page = client.get(f"/customer/show/{people.customer.uid}").get_data(as_text=True)
    for value in (EMAIL, CONTACT_EMAIL, "139 8765 4321"):
        assert value in page
    assert "enc:v1:" not in page


def test_masked_editor_keeps_stored_values_unless_typing_new_ones(
    app: Flask, client: FlaskClient, people: People
) -> None:
    username = account(app, "pii-marketing", "Marketing")
    uid = people.referrer.uid
    referrers = repo(app, nodes.Referrer)
    login(client, username, PASSWORD)
    form = client.get(f"/referrer/edit/{uid}").get_data(as_text=True)
    assert_no_plaintext(form, (REFERRER_PHONE[3:], "wang@example.com"))
    assert 'placeholder="150****2222"' in form and 'placeholder="w***@example.com"' in form
    fields = {"name": "Wang Wei", "kind": "person", "phone": "", "email": "", "note": ""}
    submit(client, f"/referrer/edit/{uid}", {**fields, "version": "1"})
    kept = referrers.get(uid or "")
    assert kept is not None and kept.name == "Wang Wei"
    assert (kept.phone, kept.email) == (REFERRER_PHONE, "wang@example.com")
    submit(client, f"/referrer/edit/{uid}", {**fields, "phone": "139 0000 1111", "version": "2"})
    assert referrers.get(uid or "").phone == "+8613900001111"  # type: ignore[union-attr]
    auth = bearer(client, username, PASSWORD)
    answer = client.put(
        f"/api/v1/referrer/{uid}",
        json={"name": "Wang W.", "email": "w***@example.com", "version": 3},
        headers=auth,
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["result"]["phone"] == "139****1111"
    kept = referrers.get(uid or "")
    assert kept is not None and (kept.name, kept.email) == ("Wang W.", "wang@example.com")


def test_rotation_re_encrypts_everything_and_resumes_after_an_interruption(
    app: Flask, store: GraphStore, people: People
) -> None:
    old: FieldCipher = app.extensions["field_cipher"]
    load(store, generate(0, today=TODAY), cipher=old)  # staff and a referrer
    new_key = parse_key(generate_key())
    target = old.rotated_to(new_key)

    def stop_after_one_batch(label: str, done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate(store, target, batch_size=2, progress=stop_after_one_batch)
    sealed = [v for n in dump(store) for v in n.values() if str(v).startswith("enc:")]
    assert 0 < sum(target.is_current(v) for v in sealed) < len(sealed)
    report = rotate(store, target, batch_size=2)
    assert report.remaining == 0 and report.resealed["Change"] >= 3
    only_new = FieldCipher(new_key)
    for node in dump(store):
        for key, value in node.items():
            if isinstance(value, str) and value.startswith("enc:"):
                assert only_new.is_current(value), key
        if node.get("key_id"):
            assert node["key_id"] == only_new.key_id
    customers = NodeRepository(store, nodes.Customer, cipher=only_new)
    found = customers.page([Condition("phone", "eq", "138 1234 5678")])
    assert [(c.uid, c.email) for c in found] == [(people.customer.uid, EMAIL)]
    history = customers.history(people.customer.uid or "")
    assert history[0].changes[0].new == EMAIL
    contact = NodeRepository(store, nodes.Contact, cipher=only_new).get(people.contact.uid or "")
    assert contact is not None and contact.wechat == WECHAT
    assert rotate(store, target).resealed == dict.fromkeys(report.resealed, 0)


@pytest.fixture
def cli_env(app_graph_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a ``graphcrm`` process on the test engine, in its own instance."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH", "SECRET", "FIELD"))}
    return {**env, "GRAPH_URL": app_graph_url, "GRAPHCRM_INSTANCE_PATH": str(tmp_path / "i")}


def test_keys_commands_generate_and_rotate_from_the_command_line(
    store: GraphStore, cli_env: dict[str, str]
) -> None:
    key = run("keys", "generate", env=cli_env).stdout.strip()
    cipher = FieldCipher(parse_key(key))
    NodeRepository(store, nodes.Customer, cipher=cipher).create(
        {"name": "Acme", "stage": "deal", "phone": PHONE}, "t"
    )
    result = run("keys", "rotate", "--generate", env={**cli_env, "FIELD_ENCRYPTION_KEY": key})
    assert result.returncode == 0, result.stderr
    new_key = re.search(r"New key .*: (\S+)", result.stdout)[1]  # type: ignore[index]
    assert "set FIELD_ENCRYPTION_KEY to the new key" in result.stdout
    customer = NodeRepository(store, nodes.Customer, cipher=FieldCipher(parse_key(new_key)))
    assert customer.page()[0].phone == PHONE


def test_production_without_a_field_key_is_a_config_error(
    app_graph_url: str, tmp_path: Path
) -> None:
    settings = {
        "GRAPH_URL": app_graph_url,
        "GRAPHCRM_INSTANCE_PATH": str(tmp_path / "instance"),
        "GRAPHCRM_ENV": "production",
        "SECRET_KEY": "s" * 40,
    }
    with pytest.raises(ConfigError, match="FIELD_ENCRYPTION_KEY"):
        create_app(settings)
    with pytest.raises(ConfigError, match="FIELD_ENCRYPTION_KEY must be 32"):
        create_app({**settings, "FIELD_ENCRYPTION_KEY": "too-short"})
