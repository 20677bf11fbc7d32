"""The search form above each list is rendered once per view, offered fields, language and
URL prefix (``views.crud.search_form``) and each page still shows its own active filters:
the same HTML as FAB's own search widget, hostile filter values escaped."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_appbuilder.widgets import SearchWidget

from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import login
from views.crud import search_form
from views.crud.model_views import GraphModelView

HOSTILE = '</script><script>alert("x")</script>\u2028\'&'
PAGES = [
    "/customer/list/",
    "/customer/list/?_flt_0_stage=deal",
    f"/customer/list/?_flt_0_stage=deal&_flt_2_name={quote(HOSTILE)}",
    f"/customer/list/?_flt_3_region={quote(HOSTILE)}&page_customer=1",
    "/contact/list/?_flt_0_name=Li",
    "/followup/list/",
]


def _search_form(page: str) -> str:
    start = page.index('<form id="filter_form"')
    return page[start : page.index("</script>", start)]


def _forms(client: FlaskClient, monkeypatch: pytest.MonkeyPatch, widget: type) -> list[str]:
    monkeypatch.setattr(GraphModelView, "search_widget", widget)
    forms = []
    for url in PAGES:
        response = client.get(url)
        if response.status_code == 403:  # a list this role may not read
            continue
        assert response.status_code == 200, url
        forms.append(_search_form(response.get_data(as_text=True)))
    return forms


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("role", ["Admin", "Sales", "Marketing"])
def test_kept_search_forms_are_fabs_own_for_each_role_language_and_filter(
    app: Flask,
    store: GraphStore,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    language: str,
) -> None:
    username = f"search_form_{role.lower()}"
    staff(app, store, username, role)
    login(client, username, PASSWORD)
    client.get(f"/lang/{language}")
    stock = _forms(client, monkeypatch, SearchWidget)
    first = _forms(client, monkeypatch, search_form.KeptSearchWidget)
    kept = _forms(client, monkeypatch, search_form.KeptSearchWidget)
    assert len(stock) >= 5
    assert first == stock
    assert kept == stock


def test_the_form_is_rendered_once_per_view_and_language_with_each_pages_filters(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.extensions.pop(search_form.KEPT, None)
    renders: list[str] = []
    render = search_form.KeptSearchWidget._render

    def counted(self: search_form.KeptSearchWidget, **kwargs: object) -> str:
        renders.append(self.template_args["route_base"])
        return render(self, **kwargs)

    monkeypatch.setattr(search_form.KeptSearchWidget, "_render", counted)
    login(client)
    plain = _search_form(client.get("/customer/list/").get_data(as_text=True))
    deal = _search_form(client.get("/customer/list/?_flt_0_stage=deal").get_data(as_text=True))
    lost = _search_form(client.get("/customer/list/?_flt_0_stage=lost").get_data(as_text=True))
    assert renders == ["/customer"]
    assert plain.rstrip().endswith("[]\n        );\n    })(jQuery);")
    assert '[["stage", "Equal to", ["deal"]]]' in deal
    assert '[["stage", "Equal to", ["lost"]]]' in lost

    client.get("/lang/zh")
    chinese = _search_form(client.get("/customer/list/?_flt_0_stage=deal").get_data(as_text=True))
    assert renders == ["/customer", "/customer"]
    assert "Add Filter" in plain and "Add Filter" not in chinese
    assert "Equal to" in deal and "Equal to" not in chinese
    assert '["deal"]]]' in chinese


def test_hostile_filter_values_stay_data_in_the_kept_form(client: FlaskClient) -> None:
    login(client)
    client.get("/customer/list/")
    page = client.get(f"/customer/list/?_flt_2_name={quote(HOSTILE)}").get_data(as_text=True)
    form = _search_form(page)
    assert "alert" in form
    assert "</script><script>" not in page
    assert re.search(r'\\u003c/script\\u003e\\u003cscript\\u003ealert\(\\"x\\"\)', form)
    assert "\\u0027\\u0026" in form


def test_masked_fields_stay_out_of_the_form_of_a_reader_who_sees_them_masked(
    app: Flask, store: GraphStore, client: FlaskClient
) -> None:
    login(client)
    admin = _search_form(client.get("/customer/list/").get_data(as_text=True))
    staff(app, store, "search_form_masked", "Marketing")
    other = app.test_client()
    login(other, "search_form_masked", PASSWORD)
    masked = _search_form(other.get("/customer/list/").get_data(as_text=True))
    assert 'name="phone"' in admin
    assert 'name="phone"' not in masked
