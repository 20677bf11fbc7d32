"""The generated screens through their real forms: validation, stale edits, choices, 404s."""

from __future__ import annotations

from flask.testing import FlaskClient

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.web import login, submit


def test_invalid_customer_form_shows_field_messages_and_writes_nothing(
    client: FlaskClient, store: GraphStore
) -> None:
    login(client)
    response = submit(
        client, "/customer/add", {"name": "  ", "stage": "deal", "phone": "12345", "email": "x@"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required." in page
    assert "Not a valid phone number." in page
    assert "Not a valid e-mail address." in page
    assert NodeRepository(store, nodes.Customer).count() == 0


def test_form_messages_in_chinese(client: FlaskClient, store: GraphStore) -> None:
    login(client)
    client.get("/lang/zh")
    page = submit(client, "/customer/add", {"name": "", "stage": "deal", "phone": "12"})
    text = page.get_data(as_text=True)
    assert "此项为必填项。" in text and "电话号码无效。" in text
    assert "新增客户" in text


def test_stale_edit_in_form_is_refused_and_keeps_the_other_change(
    client: FlaskClient, store: GraphStore
) -> None:
    repo = NodeRepository(store, nodes.Customer)
    created = repo.create({"name": "Acme", "stage": "intent"}, "ana")
    login(client)
    form_page = client.get(f"/customer/edit/{created.uid}").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form_page
    repo.update(created, {"name": "Acme (Ana)"}, "ana")  # someone saves first
    response = submit(
        client,
        f"/customer/edit/{created.uid}",
        {"name": "Acme (Bo)", "stage": "intent", "version": "1"},
        follow_redirects=True,
    )
    assert "someone else changed this record" in response.get_data(as_text=True)
    assert repo.get(created.uid).name == "Acme (Ana)"


def test_relation_choices_are_searched_not_listed(client: FlaskClient, store: GraphStore) -> None:
    users = NodeRepository(store, nodes.User)
    for name in ("li.na", "li.wei", "wang.fang"):
        users.create({"username": name, "display_name": name.replace(".", " ").title()}, "t")
    login(client)
    found = client.get("/graphcrm/choices/User?q=li").json["results"]
    assert sorted(item["text"] for item in found) == ["Li Na", "Li Wei"]
    assert client.get("/graphcrm/choices/Nope?q=").status_code == 404


def test_record_pages_of_missing_records_answer_404(client: FlaskClient) -> None:
    login(client)
    assert client.get("/customer/show/C20990101001").status_code == 404
    assert client.get("/customer/edit/C20990101001").status_code == 404


def test_every_screen_lists_and_opens_its_add_form(client: FlaskClient) -> None:
    login(client)
    for label in (
        "customer",
        "contact",
        "referrer",
        "channel",
        "tag",
        "followup",
        "order",
        "ticket",
        "user",
    ):
        assert client.get(f"/{label}/list/").status_code == 200, label
        assert client.get(f"/{label}/add").status_code == 200, label


def test_unknown_order_column_is_refused_without_error_page(client: FlaskClient) -> None:
    login(client)
    response = client.get("/customer/list/?_oc_CustomerView=address&_od_CustomerView=asc")
    assert response.status_code in (200, 302)


def test_delete_without_csrf_token_is_refused(client: FlaskClient, store: GraphStore) -> None:
    created = NodeRepository(store, nodes.Customer).create({"name": "Keep", "stage": "deal"}, "t")
    login(client)
    assert client.post(f"/customer/delete/{created.uid}").status_code == 400
    assert NodeRepository(store, nodes.Customer).get(created.uid) is not None
