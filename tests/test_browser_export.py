"""Exporting a filtered list in a real browser, as a reader who sees personal data masked
(Analyst), in English and Chinese: Export → Excel downloads the list's rows as the list
shows them; a large list becomes a job whose file downloads from the Jobs screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from python_calamine import CalamineWorkbook

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.jobs_helpers import running_worker, settle
from tests.test_row_level_access import PASSWORD, staff


def sign_in(page, base: str, username: str, language: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    if language == "zh":
        page.goto(base + "/lang/zh")


@pytest.fixture
def customers(app: Flask, store: GraphStore) -> None:
    ana = staff(app, store, "ana", "Sales")
    staff(app, store, "analyst", "Analyst")
    repository = NodeRepository(store, nodes.Customer)
    for index, stage in enumerate(["deal", "deal", "lost", "deal"]):
        repository.create(
            {"name": f"=Deal {index}" if index == 1 else f"Customer {index}", "stage": stage,
             "owner": ana, "phone": f"+86138000000{index:02d}"}, "setup",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "headers"),
    [
        ("en", ["ID", "Version", "Name", "Kind", "Stage"]),
        ("zh", ["编号", "版本", "名称", "类型", "阶段"]),
    ],
)
def test_masked_reader_exports_the_filtered_list_to_excel(
    page, live_server: str, customers: None, tmp_path: Path, language: str, headers: list[str]
) -> None:  # fmt: skip
    sign_in(page, live_server, "analyst", language)
    page.goto(live_server + "/customer/list/?_flt_0_stage=deal")
    shown = page.locator("tr:has(a[href*='/customer/show/'])").count()
    assert shown == 3
    page.click("#list-export")
    with page.expect_download() as info:
        page.click(".list-export-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0][:5] == headers
    assert len(rows) - 1 == shown
    phone = rows[0].index("电话" if language == "zh" else "Phone")
    assert sorted(row[phone] for row in rows[1:]) == ["138****0000", "138****0001", "138****0003"]
    names = sorted(row[2] for row in rows[1:])
    assert names == ["=Deal 1", "Customer 0", "Customer 3"]  # a string cell, no apostrophe
    stage = {row[4] for row in rows[1:]}
    assert stage == ({"成交"} if language == "zh" else {"Deal"})


def test_large_export_is_ready_in_jobs_and_downloads_there(
    page, live_server: str, app: Flask, customers: None, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    settle(app)
    monkeypatch.setitem(app.config, "GRAPHCRM_EXPORT_JOB_ROWS", 2)
    sign_in(page, live_server, "ana", "en")
    page.goto(live_server + "/customer/list/")
    page.click("#list-export")
    page.click(".list-export-csv")
    page.wait_for_url("**/jobs/list")
    assert "download it from Jobs" in page.content()
    with running_worker(app):
        page.wait_for_selector(".job-download", timeout=60_000)
    with page.expect_download() as info:
        page.click(".job-download")
    path = tmp_path / "export.csv"
    info.value.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 4 and lines[0].startswith("ID,Version,Name,Kind,Stage")
