"""The import wizard in a real browser, with a real job worker: a salesperson uploads a
CSV, adjusts one column's mapping, sees one row's error in the preview, imports, downloads
the failing rows and undoes the import, in English and Chinese; a role without the import
permission has no menu entry and gets 403."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask import Flask

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.jobs_helpers import running_worker, settle
from tests.test_row_level_access import PASSWORD, staff

ROWS = [
    ["客户名称", "联系人", "手机", "客户类型", "跟进记录"],
    ["上海明辉贸易", "张伟", "138 1234 5678", "意向客户", "老客户介绍"],
    ["北京华信科技", "李娜", "+86 139-1234-5678", "成交客户", ""],
    ["广州好运来", "王芳", "12345", "潜在客户", "展会"],
]
TEXTS = {
    "en": {
        "encoding": "GB18030 / GBK",
        "separator": "comma",
        "error": "Line 4, column 手机: Not a valid phone number.",
        "stage": "Intent",
        "done": "The import is finished.",
        "undone": "The import was undone.",
        "error_column": "Error",
        "empty": "The file is empty.",
        "unreadable": "The file cannot be read",
    },
    "zh": {
        "encoding": "GB18030 / GBK",
        "separator": "逗号",
        "error": "第 4 行，手机 列：",
        "stage": "意向",
        "done": "导入已完成。",
        "undone": "导入已撤销。",
        "error_column": "错误",
        "empty": "文件是空的。",
        "unreadable": "无法读取文件",
    },
}


def gbk_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("gbk")


def sign_in(page, base: str, username: str, language: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#graph-status")
    if language == "zh":
        page.goto(base + "/lang/zh")


def choose(page, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files("#import-file", files=[{"name": name, "mimeType": "", "buffer": data}])
    page.click("#upload-button")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_sales_imports_a_csv_through_the_wizard_and_undoes_it(
    page, live_server: str, app: Flask, store: GraphStore, tmp_path: Path, language: str
) -> None:  # type: ignore[no-untyped-def]
    settle(app)
    texts = TEXTS[language]
    sales = staff(app, store, "wizard_sales", "Sales")
    sign_in(page, live_server, "wizard_sales", language)
    assert page.locator('a[href="/import/"]').count() == 1
    page.goto(live_server + "/import/")

    # Bad files get a clear message, in the reader's language.
    choose(page, "empty.csv", b"")
    page.wait_for_selector("#import-error:not(.hidden)")
    assert page.inner_text("#import-error") == texts["empty"]
    choose(page, "broken.xlsx", b"PK\x03\x04 not a workbook")
    page.wait_for_function(
        "(text) => document.getElementById('import-error').textContent.includes(text)",
        arg=texts["unreadable"],
    )

    # 1. Upload: what was detected.
    choose(page, "客户.csv", gbk_csv(ROWS))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    assert page.locator("#import-error.hidden").count() == 1
    assert page.inner_text("#detected-encoding") == texts["encoding"]
    assert page.inner_text("#detected-separator") == texts["separator"]
    assert page.inner_text("#detected-header") == "1"

    # 2. Mapping: 跟进记录 is not suggested; map it to the note.
    field = page.locator('select.mapping-field[data-header="跟进记录"]')
    assert field.input_value() == ""
    field.select_option("note")
    stage = page.locator('select.mapping-field[data-header="客户类型"]')
    assert stage.input_value() == "stage"
    written = page.locator('.value-map[data-target="stage"] .value-written')
    assert [written.nth(i).input_value() for i in range(3)] == ["意向客户", "成交客户", "潜在客户"]

    # 3. Preview: one row with an error naming the line and column; names, not codes.
    page.click("#preview-button")
    page.wait_for_selector("#step-preview:not(.hidden)")
    errors = page.locator("#preview-table .preview-error")
    assert errors.count() == 1
    assert texts["error"] in errors.first.inner_text()
    assert texts["stage"] in page.inner_text('#preview-table tr[data-line="2"]')
    assert "老客户介绍" in page.inner_text('#preview-table tr[data-line="2"]')
    if language == "en":
        assert page.inner_text("#preview-totals") == (
            "Of the first 3 rows: 2 new, 0 update existing, 0 skipped, 1 with errors."
        )
    page.screenshot(path=f"/tmp/graphcrm-import-preview-{language}.png", full_page=True)

    # 4. Commit: a job; the summary once it has finished.
    customers = NodeRepository(store, nodes.Customer)
    assert customers.count() == 0
    with running_worker(app):
        page.click("#commit-button")
        page.wait_for_selector("#import-summary:not(.hidden)", timeout=60_000)
    assert page.inner_text("#summary-state") == texts["done"]
    counts = {
        name: page.inner_text(f'#summary-counts [data-count="{name}"]')
        for name in ("read", "created", "updated", "skipped", "failed")
    }
    assert counts == {"read": "3", "created": "2", "updated": "0", "skipped": "0", "failed": "1"}
    assert page.inner_text("#import-progress .progress-bar") == "100%"
    imported = customers.page(limit=10)
    assert sorted(c.name for c in imported) == ["上海明辉贸易", "北京华信科技"]
    assert all(c.owner.uid == sales.uid for c in imported)  # Sales imports are their own
    assert {c.note for c in imported} == {"老客户介绍", None}
    page.screenshot(path=f"/tmp/graphcrm-import-{language}.png", full_page=True)

    # The failing rows download in the file's format with an error column.
    with page.expect_download() as download:
        page.click("#errors-link")
    lines = Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join([*ROWS[0], texts["error_column"]])
    assert len(lines) == 2 and lines[1].startswith("广州好运来,王芳,12345,潜在客户,展会,")
    assert texts["error"] in lines[1]

    # Undo, after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    with running_worker(app):
        page.click("#undo-button")
        page.wait_for_function(
            "(text) => document.getElementById('summary-state').textContent === text",
            arg=texts["undone"],
            timeout=60_000,
        )
    assert customers.count() == 0
    assert page.locator("#undo-button.hidden").count() == 1


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_role_without_import_has_no_menu_entry_and_gets_403(
    page, live_server: str, app: Flask, store: GraphStore, language: str
) -> None:  # type: ignore[no-untyped-def]
    staff(app, store, "wizard_service", "Service")
    sign_in(page, live_server, "wizard_service", language)
    assert page.locator('a[href="/import/"]').count() == 0
    response = page.goto(live_server + "/import/")
    assert response is not None and response.status == 403
    assert page.locator("#import-wizard").count() == 0
