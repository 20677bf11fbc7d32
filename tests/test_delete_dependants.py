"""Deleting a record that others need: refused with counts, or (admins) deleted together
in one write with a history entry per record; never a record left that cannot be saved."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.errors import HasDependants
from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, csrf_token, login

AT = "2024-05-20 10:00"


def customer_with_history(store: GraphStore, owner: Record | None = None) -> Record:
    """A customer with 3 follow-ups, 1 order and 1 ticket."""
    values = {"name": "Acme 上海", "stage": "deal", **({"owner": owner} if owner else {})}
    customer = NodeRepository(store, nodes.Customer).create(values, "setup")
    follow_ups = NodeRepository(store, nodes.FollowUp)
    for number in range(3):
        follow_ups.create(
            {"at": AT, "method": "phone", "summary": f"call {number}", "customer": customer},
            "setup",
        )
    NodeRepository(store, nodes.Order).create(
        {"product": "CRM", "amount": 100.0, "at": AT, "customer": customer}, "setup"
    )
    NodeRepository(store, nodes.Ticket).create(
        {"subject": "Login", "status": "open", "customer": customer}, "setup"
    )
    return customer


def counts(store: GraphStore) -> dict[str, int]:
    return {
        model.label: NodeRepository(store, model).count()
        for model in (nodes.Customer, nodes.FollowUp, nodes.Order, nodes.Ticket)
    }


def test_delete_is_refused_while_records_need_it(store: GraphStore) -> None:
    customer = customer_with_history(store)
    repo = NodeRepository(store, nodes.Customer)
    with pytest.raises(HasDependants) as refused:
        repo.delete(repo.get(customer.uid), "ana")
    assert refused.value.counts == (("FollowUp", 3), ("Order", 1), ("Ticket", 1))
    assert refused.value.cascadable
    assert counts(store) == {"Customer": 1, "FollowUp": 3, "Order": 1, "Ticket": 1}
    assert [h.action for h in repo.history(customer.uid)] == ["create"]


def test_cascade_deletes_everything_in_one_write_with_history_for_each(store: GraphStore) -> None:
    customer = customer_with_history(store)
    follow_ups = NodeRepository(store, nodes.FollowUp)
    doomed = follow_ups.page()
    repo = NodeRepository(store, nodes.Customer)
    went = repo.delete(repo.get(customer.uid), "admin", cascade=True)
    assert went == {"FollowUp": 3, "Order": 1, "Ticket": 1}
    assert counts(store) == {"Customer": 0, "FollowUp": 0, "Order": 0, "Ticket": 0}
    assert [h.action for h in repo.history(customer.uid)] == ["delete", "create"]
    for follow_up in doomed:
        last = follow_ups.history(follow_up.uid)[0]
        assert (last.action, last.by) == ("delete", "admin")
        assert {c.field: c.old for c in last.changes}["summary"] == follow_up.summary


def test_records_nobody_needs_delete_as_before(store: GraphStore) -> None:
    tags = NodeRepository(store, nodes.Tag)
    tag = tags.create({"name": "VIP"}, "t")
    assert tags.blockers(tag.uid) is None
    assert tags.delete(tag, "t") == {}
    assert tags.get(tag.uid) is None


def test_no_operation_leaves_a_follow_up_that_cannot_be_saved_again(store: GraphStore) -> None:
    customer = customer_with_history(store)
    repo = NodeRepository(store, nodes.Customer)
    with pytest.raises(HasDependants):
        repo.delete(repo.get(customer.uid), "t")
    follow_ups = NodeRepository(store, nodes.FollowUp)
    for follow_up in follow_ups.page():
        saved = follow_ups.update(follow_up, {"summary": follow_up.summary + "!"}, "t")
        assert saved.customer is not None and saved.customer.uid == customer.uid


# --- screens -----------------------------------------------------------------------------


def test_screen_refuses_naming_counts_in_english_and_chinese(
    client: FlaskClient, store: GraphStore
) -> None:
    customer = customer_with_history(store)
    login(client)
    page = client.get(f"/customer/delete/{customer.uid}").get_data(as_text=True)
    assert "It has 3 follow-ups, 1 order, 1 ticket." in page
    token = csrf_token(page)
    refused = client.post(
        f"/customer/delete/{customer.uid}", data={"csrf_token": token}, follow_redirects=True
    )
    text = refused.get_data(as_text=True)
    assert "Not deleted: customer “Acme 上海” still has 3 follow-ups, 1 order, 1 ticket" in text
    assert "Delete together with 3 follow-ups, 1 order, 1 ticket" in text  # an admin may
    assert counts(store)["FollowUp"] == 3
    client.get("/lang/zh")
    page = client.get(f"/customer/delete/{customer.uid}").get_data(as_text=True)
    assert "它有 3 条跟进记录、1 条订单、1 条服务工单。" in page
    assert "连同 3 条跟进记录、1 条订单、1 条服务工单 一并删除" in page


def test_admin_deletes_together_from_the_screen(client: FlaskClient, store: GraphStore) -> None:
    customer = customer_with_history(store)
    login(client)
    token = csrf_token(client.get(f"/customer/delete/{customer.uid}").get_data(as_text=True))
    done = client.post(
        f"/customer/delete/{customer.uid}",
        data={"csrf_token": token, "cascade": "1"},
        follow_redirects=True,
    )
    assert "Deleted, together with 3 follow-ups, 1 order, 1 ticket." in done.get_data(as_text=True)
    assert counts(store) == {"Customer": 0, "FollowUp": 0, "Order": 0, "Ticket": 0}


def test_salesperson_may_not_delete_together(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    ana = staff(app, store, "ana", "Sales")
    customer = customer_with_history(store, owner=ana)
    login(client, "ana", PASSWORD)
    page = client.get(f"/customer/delete/{customer.uid}").get_data(as_text=True)
    assert "Only an administrator can delete them together with it." in page
    assert "delete-cascade" not in page
    token = csrf_token(client.get("/customer/add").get_data(as_text=True))
    forced = client.post(
        f"/customer/delete/{customer.uid}", data={"csrf_token": token, "cascade": "1"}
    )
    assert forced.status_code == 403
    assert counts(store)["FollowUp"] == 3


def test_list_dialog_question_names_the_counts(client: FlaskClient, store: GraphStore) -> None:
    customer = customer_with_history(store)
    login(client)
    answer = client.get(f"/customer/dependants/{customer.uid}").json
    assert (
        answer["message"] == "Delete customer “Acme 上海”? It has 3 follow-ups, 1 order, 1 ticket."
    )
    assert answer["counts"] == {"FollowUp": 3, "Order": 1, "Ticket": 1}


# --- REST ----------------------------------------------------------------------------------


def test_rest_delete_refuses_with_409_then_cascades_for_admins(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    ana = staff(app, store, "ana", "Sales")
    customer = customer_with_history(store, owner=ana)
    url = f"/api/v1/customer/{customer.uid}"
    refused = client.delete(url, headers=bearer(client))
    assert refused.status_code == 409
    assert refused.json["dependants"] == {"FollowUp": 3, "Order": 1, "Ticket": 1}
    assert "3 follow-ups, 1 order, 1 ticket" in refused.json["message"]
    sales = client.delete(url + "?cascade=true", headers=bearer(client, "ana", PASSWORD))
    assert sales.status_code == 403
    assert counts(store)["Customer"] == 1
    done = client.delete(url + "?cascade=true", headers=bearer(client))
    assert done.status_code == 200
    assert done.json["deleted_with"] == {"FollowUp": 3, "Order": 1, "Ticket": 1}
    assert counts(store) == {"Customer": 0, "FollowUp": 0, "Order": 0, "Ticket": 0}


def test_rest_refusal_speaks_chinese(client: FlaskClient, store: GraphStore) -> None:
    customer = customer_with_history(store)
    url = f"/api/v1/customer/{customer.uid}"
    refused = client.delete(url, headers=bearer(client), query_string={"_l_": "zh"})
    assert refused.status_code == 409
    assert "仍有 3 条跟进记录、1 条订单、1 条服务工单" in refused.json["message"]
