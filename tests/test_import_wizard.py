"""The import wizard page and what the upload tells it: who may open the page, and the
values seen in each column (for value mapping), withheld from readers who see personal
data masked."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.store.protocol import GraphStore
from tests.test_import_api import masked_importer, upload
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login


@pytest.mark.parametrize(("role", "status"), [("Sales", 200), ("Marketing", 403), ("Service", 403)])
def test_the_wizard_opens_for_roles_with_the_import_permission(
    app: Flask, client: FlaskClient, store: GraphStore, role: str, status: int
) -> None:
    username = f"wizard_{role.lower()}"
    staff(app, store, username, role)
    home = login(client, username, PASSWORD).get_data(as_text=True)
    assert ('href="/import/"' in home) == (status == 200)
    page = client.get("/import/")
    assert page.status_code == status
    assert ('id="import-wizard"' in page.get_data(as_text=True)) == (status == 200)


def test_the_upload_shows_each_columns_values_to_readers_who_see_personal_data(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    samples = upload(client, bearer(client))["samples"]
    assert samples["手机"] == ["13812345678", "13912345678", "12345"]
    assert samples["客户类型"] == ["意向客户", "成交客户", "潜在客户"]
    assert samples["负责人"] == []
    masked_importer(app, store, "wizard_marketer")
    masked = upload(client, bearer(client, "wizard_marketer", PASSWORD))["samples"]
    assert masked == {header: [] for header in samples}
