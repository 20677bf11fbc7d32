"""The import wizard page and what the upload tells it: who may open the page, the
values seen in each column (for value mapping), withheld from readers who see personal
data masked, and the recent imports listed below the wizard (with the Jobs screen naming
an import's jobs)."""

from __future__ import annotations

import re
import shutil

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.io.imports import records
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.jobs_helpers import running_worker, wait_for
from tests.test_import_api import ROWS, api_app, csv_bytes, imported, masked_importer, upload
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login
from views.scope import import_folder

__all__ = ["api_app"]  # a fixture


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


def recent_line(html: str, import_id: str) -> tuple[str, str]:
    """Import ``import_id``'s line in the recent imports: its markup and its text, tags
    stripped (both "" when it is not listed)."""
    found = re.search(rf'<tr id="import-{re.escape(import_id)}".*?</tr>', html, re.S)
    if found is None:
        return "", ""
    return found.group(0), " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


def test_the_recent_imports_list_the_readers_own_with_failing_rows_and_undo_in_their_language(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    staff(api_app, store, "recent_list_sales", "Sales")
    mine = imported(api_app, client, bearer(client, "recent_list_sales", PASSWORD))
    admins = imported(api_app, client, bearer(client), csv_bytes(ROWS[:2]))
    login(client, "recent_list_sales", PASSWORD)

    page = client.get("/import/").get_data(as_text=True)
    markup, text = recent_line(page, mine)
    assert text.startswith("20") and "UTC" in text and "just now" in text
    assert "客户.csv" in text and mine in text and "Customers Done 3 2 0 0 1" in text
    assert f'href="/api/v1/imports/{mine}/errors"' in markup
    assert (
        "Download the failing rows" in text
        and 'class="btn btn-danger btn-xs recent-undo"' in markup
    )
    assert recent_line(page, admins) == ("", "")  # another user's import
    assert "Imported by" not in page
    assert 'data-active="0"' in page  # nothing running: the page does not poll

    client.get("/lang/zh")
    try:
        fragment = client.get("/import/recent")
        assert fragment.status_code == 200
        _, text = recent_line(fragment.get_data(as_text=True), mine)
        assert "刚刚" in text and "客户 已完成 3 2 0 0 1" in text
        assert "下载失败的行" in text and "撤销" in text
    finally:
        client.get("/lang/en")

    # Failing-row files removed after the retention days: the list says so.
    shutil.rmtree(import_folder(api_app) / mine)
    markup, text = recent_line(client.get("/import/recent").get_data(as_text=True), mine)
    assert "Failing rows removed after 7 days" in text and "/errors" not in markup

    # Undone: the state says so, with what the undo did; no Undo any more.
    with running_worker(api_app):
        undo = client.post(f"/api/v1/imports/{mine}/undo")
        assert undo.status_code == 202
        assert wait_for(api_app, undo.json["result"]["job"]["id"]).state == "done"
    markup, text = recent_line(client.get("/import/recent").get_data(as_text=True), mine)
    assert "Undone 4 deleted (Customers 2, Contacts 2)" in text and 'recent-undo"' not in markup

    # The Jobs screen names the import of each import job, linked to its line here.
    jobs = client.get("/jobs/list").get_data(as_text=True)
    link = f'<a class="job-import" href="/import/#import-{mine}">{mine}</a>'
    assert jobs.count(link) == 2  # the import and its undo
    assert jobs.count('<span class="job-import-file">客户.csv</span>') == 2
    job = client.get("/api/v1/jobs/").json["result"][0]
    assert (job["name"], job["import_id"], job["import_file"]) == ("import_undo", mine, "客户.csv")


def test_admin_sees_everyones_recent_imports_with_who_imported_them(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    seller = staff(api_app, store, "recent_wang", "Sales")
    NodeRepository(store, nodes.User).update(seller, {"display_name": "王思远"}, "setup")
    theirs = imported(api_app, client, bearer(client, "recent_wang", PASSWORD))
    records.set_state(store, theirs, records.DONE, at="2026-01-02T03:04:05")  # an older one
    other = ["深圳新锐电子", "赵六", "13712345678", "潜在客户", ""]
    mine = imported(api_app, client, bearer(client), csv_bytes([ROWS[0], other]))
    login(client)
    page = client.get("/import/").get_data(as_text=True)
    assert "Imported by" in page
    _, text = recent_line(page, theirs)
    assert text.startswith("2026-01-02 11:04 UTC+8") and "王思远 recent_wang" in text
    assert page.index(f'id="import-{mine}"') < page.index(f'id="import-{theirs}"')  # newest first
    _, text = recent_line(page, mine)
    assert "Customers admin Done 1 1 0 0 0" in text and "Download the failing rows" not in text
