"""List rows build record URLs and row buttons once per page (``views.crud.record_urls``)
and still give each record its own, exactly as Flask and FAB's macro would."""

from __future__ import annotations

import re

import pytest
from flask import Flask, g, url_for
from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.records import Ref
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.web import login
from views.crud.links import ref_link
from views.crud.record_urls import PLACEHOLDER, for_record, record_url


@pytest.mark.parametrize("pk", ["C-00012", "a.b_c", "a b/c", "<x>&'\"", "客户", "..%2F", 42])
def test_a_record_url_is_the_one_flask_builds(app: Flask, pk: object) -> None:
    with app.test_request_context("/customer/list/"):
        for _ in range(2):  # built, then from the kept pattern
            assert record_url("CustomerView.show", pk) == url_for("CustomerView.show", pk=pk)
            assert record_url("ContactView.edit", pk) == url_for("ContactView.edit", pk=pk)


def test_row_html_is_reused_only_for_ids_that_need_no_escaping() -> None:
    rendered = f'<a id="btn-{PLACEHOLDER}" href="/x/{PLACEHOLDER}">'
    assert for_record(rendered, "C-1") == '<a id="btn-C-1" href="/x/C-1">'
    assert for_record(rendered, "<script>") is None
    assert for_record(rendered, "a b") is None


def test_each_row_of_a_list_has_its_own_buttons_and_title_link(
    store: GraphStore, client: FlaskClient
) -> None:
    customers = NodeRepository(store, nodes.Customer)
    made = [customers.create({"name": f"Row {n}", "stage": "deal"}, "setup") for n in range(3)]
    login(client)
    page = client.get("/customer/list/?_flt_0_name=Row").get_data(as_text=True)
    assert PLACEHOLDER not in page
    for customer in made:
        uid = customer.uid
        assert f'href="/customer/show/{uid}" class="record-title"' in page
        assert re.search(rf'href="/customer/show/{uid}"[^>]*\s+title="Show record"', page)
        assert f'href="/customer/edit/{uid}"' in page
        assert f'id="btn-delete-/customer/delete/{uid}"' in page


def test_related_record_links_escape_names_and_ids(app: Flask) -> None:
    with app.test_request_context("/customer/list/"):
        g.graphcrm_may_show = {"Customer": True}
        hostile = Ref("Customer", "C-1", '<b onmouseover="x">A&B</b>')
        assert str(ref_link(hostile)) == (
            '<a href="/customer/show/C-1" class="record-link">'
            "&lt;b onmouseover=&#34;x&#34;&gt;A&amp;B&lt;/b&gt;</a>"
        )
        odd = Ref("Customer", 'a"b', "Name")
        assert str(ref_link(odd)) == (
            f'<a href="{url_for("CustomerView.show", pk=odd.uid)}" class="record-link">Name</a>'
        )
        hidden = Ref("Customer", "", "<not visible>", hidden=True)
        assert str(ref_link(hidden)) == (
            '<span class="not-visible text-muted">&lt;not visible&gt;</span>'
        )
