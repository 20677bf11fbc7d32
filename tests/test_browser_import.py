"""The import wizard in a real browser, with a real job worker: a salesperson uploads a
CSV, adjusts one column's mapping, sees one row's error in the preview, imports, downloads
the failing rows and undoes the import, in English and Chinese; a role without the import
permission has no menu entry and gets 403."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import xlsxwriter
from flask import Flask

from graph.io.imports import sender
from graph.io.imports.sender import Sender
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.jobs_helpers import running_worker, settle
from tests.test_import_api import masked_importer
from tests.test_import_referrals import linked
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
        "too_large": "What was sent is larger than this server accepts.",
        "by_import": "By import {}",
        "twice": (
            "Columns “客户名称”, “跟进记录” all fill the field “name”: map each field from one "
            "column only."
        ),
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
        "too_large": "提交的内容超过了服务器允许的大小。",
        "by_import": "来自导入 {}",
        "twice": "列 “客户名称”, “跟进记录” 都填入字段 “name”：每个字段只能由一列填入。",
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
    page.wait_for_url(lambda url: "/login" not in url)
    if language == "zh":
        page.goto(base + "/lang/zh")


def choose(page, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files("#import-file", files=[{"name": name, "mimeType": "", "buffer": data}])
    page.click("#upload-button")


def undo_dialog_shown(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the undo dialog has faded in."""
    page.wait_for_function(
        "() => getComputedStyle(document.getElementById('undo-dialog')).opacity === '1'"
    )


def undo_dialog_closed(page) -> None:  # type: ignore[no-untyped-def]
    """Close the undo dialog and wait until it and its backdrop are gone."""
    page.click("#undo-close")
    page.wait_for_selector("#undo-dialog", state="hidden")
    page.wait_for_selector(".modal-backdrop", state="detached")


def confirm_undo(page, shot: Path | None = None) -> str:  # type: ignore[no-untyped-def]
    """Confirm the open undo dialog, wait for its result (a screenshot of it at ``shot``),
    close it; the result's text."""
    undo_dialog_shown(page)
    page.click("#undo-confirm")
    page.wait_for_selector("#undo-result:not(.hidden)", timeout=60_000)
    said = page.inner_text("#undo-result")
    if shot is not None:  # once the bar has grown to its end
        page.wait_for_function(
            "() => { const bar = document.querySelector('#undo-progress .progress-bar');"
            " return bar.offsetWidth >= bar.parentElement.clientWidth - 1; }"
        )
        page.screenshot(path=str(shot))
    undo_dialog_closed(page)
    return said


@pytest.mark.parametrize("language", ["en", "zh"])
def test_sales_imports_a_csv_through_the_wizard_and_undoes_it(
    page,
    live_server: str,
    app: Flask,
    store: GraphStore,
    tmp_path: Path,
    language: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    # In Chinese the job writes its batches from a second process, as a large import does.
    monkeypatch.setattr("graph.io.imports.sender.PROCESS_ROWS", 0 if language == "zh" else 10**9)
    senders: list[str] = []

    def sender_for(store: GraphStore, rows: int) -> Sender:
        made = sender.sender_for(store, rows)
        senders.append(type(made).__name__)
        return made

    monkeypatch.setattr("graph.io.imports.engine.sender_for", sender_for)
    settle(app)
    texts = TEXTS[language]
    sales = staff(app, store, "wizard_sales", "Sales")
    sign_in(page, live_server, "wizard_sales", language)
    assert page.locator('a[href="/import/"]').count() == 1
    page.goto(live_server + "/import/")
    assert page.locator("#own-records").count() == 1  # a salesperson's imports are theirs

    # Bad files get a clear message, in the reader's language.
    choose(page, "empty.csv", b"")
    page.wait_for_selector("#import-error:not(.hidden)")
    assert page.inner_text("#import-error") == texts["empty"]
    choose(page, "broken.xlsx", b"PK\x03\x04 not a workbook")
    page.wait_for_function(
        "(text) => document.getElementById('import-error').textContent.includes(text)",
        arg=texts["unreadable"],
    )
    # Over the server's limit (lowered after the page was shown): the API's 413 text.
    limit = app.config["IMPORT_MAX_UPLOAD_BYTES"]
    app.config["IMPORT_MAX_UPLOAD_BYTES"] = 100
    try:
        choose(page, "big.csv", gbk_csv(ROWS * 5))
        page.wait_for_function(
            "(text) => document.getElementById('import-error').textContent === text",
            arg=texts["too_large"],
        )
    finally:
        app.config["IMPORT_MAX_UPLOAD_BYTES"] = limit

    # 1. Upload: what was detected.
    choose(page, "客户.csv", gbk_csv(ROWS))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    assert page.locator("#import-error.hidden").count() == 1
    assert page.inner_text("#detected-encoding") == texts["encoding"]
    assert page.inner_text("#detected-separator") == texts["separator"]
    assert page.inner_text("#detected-header") == "1"

    # 2. Mapping: 跟进记录 is not suggested. Mapped to the name (the customer name's
    # field already), the preview says so; then map it to the note.
    field = page.locator('select.mapping-field[data-header="跟进记录"]')
    assert field.input_value() == ""
    field.select_option("name")
    page.click("#preview-button")
    page.wait_for_function(
        "(text) => document.getElementById('import-error').textContent === text",
        arg=texts["twice"],
    )
    assert page.locator("#step-preview.hidden").count() == 1
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
    assert senders == ["ProcessSender" if language == "zh" else "ThreadSender"]
    assert page.inner_text("#import-progress .progress-bar") == "100%"
    assert page.get_attribute("#list-link", "href") == "/customer/list/"
    imported = customers.page(limit=10)
    assert sorted(c.name for c in imported) == ["上海明辉贸易", "北京华信科技"]
    assert all(c.owner.uid == sales.uid for c in imported)  # Sales imports are their own
    assert {c.note for c in imported} == {"老客户介绍", None}
    page.screenshot(path=f"/tmp/graphcrm-import-{language}.png", full_page=True)

    # An imported customer's history names the import (in another tab: the wizard stays).
    first = imported[0]
    (entry,) = customers.history(first.uid)
    assert entry.action == "create" and entry.import_id
    record = page.context.new_page()
    record.goto(f"{live_server}/customer/show/{first.uid}")
    shown = record.inner_text(".history-entry[data-action=create] .history-import")
    assert shown == texts["by_import"].format(entry.import_id)
    assert record.locator(".history-entry").count() == 1
    record.close()

    # The failing rows download in the file's format with an error column.
    with page.expect_download() as download:
        page.click("#errors-link")
    lines = Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join([*ROWS[0], texts["error_column"]])
    assert len(lines) == 2 and lines[1].startswith("广州好运来,王芳,12345,潜在客户,展会,")
    assert texts["error"] in lines[1]

    # Undo, after confirming.
    with running_worker(app):
        page.click("#undo-button")
        confirm_undo(page)
        page.wait_for_function(
            "(text) => document.getElementById('summary-state').textContent === text",
            arg=texts["undone"],
            timeout=60_000,
        )
    assert customers.count() == 0
    assert page.locator("#undo-button.hidden").count() == 1


SHOTS = Path("/tmp/graphcrm-shots")
RECENT_TEXTS = {
    "en": {
        "heading": "Recent imports",
        "line": "客户.csv {id} Customers Done 3 2 0 0 1",
        "download": "Download the failing rows",
        "what": "“客户.csv” (import {id})",
        "effect": "Undo deletes the records this import created (2) and gives the records it "
        "updated (0) their earlier values back.",
        "error_column": "Error",
        "error": "Line 4, column 手机: Not a valid phone number.",
        "undone": "The import was undone.\n4 deleted (Customers 2, Contacts 2)",
        "state": "Undone",
    },
    "zh": {
        "heading": "最近的导入",
        "line": "客户.csv {id} 客户 已完成 3 2 0 0 1",
        "download": "下载失败的行",
        "what": "“客户.csv”（导入 {id}）",
        "effect": "撤销会删除此次导入新建的记录（2 条），并把它更新过的记录（0 条）恢复为"
        "导入前的值。",
        "error_column": "错误",
        "error": "第 4 行，手机 列：",
        "undone": "导入已撤销。\n删除 4 条（客户 2、联系人 2）",
        "state": "已撤销",
    },
}


def recent_text(page, import_id: str) -> str:  # type: ignore[no-untyped-def]
    """The text of an import's line in the recent imports, on one line."""
    return " ".join(page.inner_text(f"#import-{import_id}").split())


def test_sales_finds_an_import_again_after_leaving_the_page_and_undoes_it_from_the_list(
    page, live_server: str, app: Flask, store: GraphStore
) -> None:  # type: ignore[no-untyped-def]
    settle(app)
    SHOTS.mkdir(exist_ok=True)
    staff(app, store, "recent_sales", "Sales")
    customers = NodeRepository(store, nodes.Customer)
    contacts = NodeRepository(store, nodes.Contact)
    sign_in(page, live_server, "recent_sales", "en")
    page.goto(live_server + "/import/")
    assert page.inner_text("#recent-none") == "No imports yet."
    choose(page, "客户.csv", gbk_csv(ROWS))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    page.click("#preview-button")
    page.wait_for_selector("#step-preview:not(.hidden)")
    with running_worker(app):
        page.click("#commit-button")
        page.wait_for_selector("#import-summary:not(.hidden)", timeout=60_000)
    import_id = page.inner_text("#summary-id")
    # The list shows the import as soon as it has finished.
    page.wait_for_selector(f"#import-{import_id}")
    assert (customers.count(), contacts.count()) == (2, 2)

    # Leave the page (the wizard's summary is gone), then come back through the menu.
    page.goto(live_server + "/customer/list/")
    for language in ("en", "zh"):
        texts = RECENT_TEXTS[language]
        if language == "zh":
            page.goto(live_server + "/lang/zh")
        menu = page.locator("li.dropdown", has=page.locator('a[href="/import/"]'))
        menu.locator("a.dropdown-toggle").click()
        menu.locator('a[href="/import/"]').click()
        page.wait_for_selector("#recent-imports")
        assert page.locator("#import-summary").is_hidden()
        assert page.inner_text("#recent-imports .panel-heading strong") == texts["heading"]
        line = recent_text(page, import_id)
        assert texts["line"].format(id=import_id) in line
        assert "UTC+8" in line and texts["download"] in line
        page.locator("#recent-imports").screenshot(path=str(SHOTS / f"recent-{language}.png"))

        # The failing rows download from the list, the error column in the reader's language.
        with page.expect_download() as download:
            page.click(f"#import-{import_id} .recent-errors")
        lines = Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines()
        assert lines[0] == ",".join([*ROWS[0], texts["error_column"]])
        assert len(lines) == 2 and texts["error"] in lines[1]

        # Undo asks first, saying what it does; cancelled, nothing happens.
        page.click(f"#import-{import_id} .recent-undo")
        undo_dialog_shown(page)
        assert page.inner_text("#undo-what") == texts["what"].format(id=import_id)
        assert page.inner_text("#undo-effect").startswith(texts["effect"])
        page.screenshot(path=str(SHOTS / f"undo-dialog-{language}.png"))
        if language == "en":
            undo_dialog_closed(page)
            assert customers.count() == 2

    # In Chinese, undo it: the dialog follows the job and says what the undo did.
    with running_worker(app):
        said = confirm_undo(page, SHOTS / "undo-done-zh.png")
    assert said == texts["undone"]
    line = recent_text(page, import_id)
    assert texts["state"] in line and texts["undone"].split("\n")[1] in line
    assert page.locator(f"#import-{import_id} .recent-undo").count() == 0
    assert (customers.count(), contacts.count()) == (0, 0)
    page.locator("#recent-imports").screenshot(path=str(SHOTS / "recent-undone-zh.png"))


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


def test_duplicates_get_a_per_row_choice_and_a_queued_import_can_be_cancelled(
    page, live_server: str, app: Flask, store: GraphStore
) -> None:  # type: ignore[no-untyped-def]
    settle(app)
    sales = staff(app, store, "wizard_dup", "Sales")
    customers = NodeRepository(store, nodes.Customer)
    existing = customers.create(
        {"name": "上海明辉贸易", "stage": "potential", "owner": sales}, "setup"
    )
    sign_in(page, live_server, "wizard_dup", "en")
    page.goto(live_server + "/import/")
    hostile = '<img src=x onerror="window.pwned=1">'
    rows = [
        ["客户名称", "客户类型", "客户等级", hostile],
        ["上海明辉贸易", "成交客户", "金牌", hostile],
        ["北京华信科技", "意向客户", "普通", ""],
        ["北京华信科技", "意向客户", "普通", ""],
    ]
    choose(page, "dup.csv", gbk_csv(rows))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    # A header and value holding markup are shown as text.
    assert page.locator(".mapping-header", has_text=hostile).count() == 1
    assert page.locator("#mapping-table img").count() == 0
    # 金牌 is no tier's name: map it to A, and save the mapping for the next file.
    tier = page.locator('.value-map[data-target="value_tier"] .value-row').first
    assert tier.locator(".value-written").input_value() == "金牌"
    tier.locator(".value-choice").select_option("A")
    page.fill("#mapping-name", "等级模板")
    page.click("#save-mapping")
    page.wait_for_selector("#import-notice:not(.hidden)")
    assert page.inner_text("#import-notice") == "Mapping saved as “等级模板”."
    page.click("#preview-button")
    page.wait_for_selector("#step-preview:not(.hidden)")
    assert page.evaluate("window.pwned") is None
    assert "A (key)" in page.inner_text('#preview-table tr[data-line="2"]')
    # Line 2 repeats the existing customer (a link to it), line 4 repeats line 3: skip both
    # unless chosen otherwise.
    line2 = page.locator('#preview-table tr[data-line="2"]')
    assert "an existing record" in line2.inner_text()
    assert line2.locator("a").get_attribute("href").endswith(f"/show/{existing.uid}")
    assert "line 3 of this file" in page.inner_text('#preview-table tr[data-line="4"]')
    decisions = page.locator("select.duplicate-decision")
    assert [decisions.nth(i).input_value() for i in range(decisions.count())] == ["skip", "skip"]
    line2.locator("select.duplicate-decision").select_option("update")
    page.wait_for_function(
        "() => document.getElementById('preview-totals').textContent.includes('1 update existing')"
    )
    assert page.inner_text("#preview-totals") == (
        "Of the first 3 rows: 1 new, 1 update existing, 1 skipped, 0 with errors."
    )
    assert page.locator("#mapping-missing").is_hidden()  # a customer without a contact
    page.screenshot(path="/tmp/graphcrm-import-duplicates-en.png", full_page=True)

    # No worker yet: the job waits in the queue; cancel it, then undo the empty import.
    page.click("#commit-button")
    page.wait_for_function(
        "() => document.getElementById('progress-text').textContent.includes('job worker')"
    )
    page.click("#cancel-button")
    page.wait_for_selector("#import-summary:not(.hidden)")
    assert page.inner_text("#summary-state").startswith("The import was cancelled")
    assert customers.count() == 1
    with running_worker(app):
        page.click("#undo-button")
        confirm_undo(page)
        page.wait_for_function(
            "() => document.getElementById('summary-state').textContent === "
            "'The import was undone.'",
            timeout=60_000,
        )

    # The same file again, imported: the chosen duplicate updates, the other is skipped.
    page.click("#restart-button")
    choose(page, "dup.csv", gbk_csv(rows))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    page.select_option("#saved-mappings", "等级模板")
    page.click("#load-mapping")
    page.wait_for_selector("#import-notice:not(.hidden)")
    tier = page.locator('.value-map[data-target="value_tier"] .value-row').first
    assert tier.locator(".value-choice").input_value() == "A"
    page.click("#preview-button")
    page.wait_for_selector("#step-preview:not(.hidden)")
    page.locator('#preview-table tr[data-line="2"] select.duplicate-decision').select_option(
        "update"
    )
    with running_worker(app):
        page.click("#commit-button")
        page.wait_for_selector("#import-summary:not(.hidden)", timeout=60_000)
    counts = {
        name: page.inner_text(f'#summary-counts [data-count="{name}"]')
        for name in ("read", "created", "updated", "skipped", "failed")
    }
    assert counts == {"read": "3", "created": "1", "updated": "1", "skipped": "1", "failed": "0"}
    assert page.locator("#errors-link.hidden").count() == 1
    updated = customers.get(existing.uid)
    assert (updated.stage, updated.value_tier) == ("deal", "A")


def test_a_workbook_with_several_sheets_offers_the_sheet_to_read(
    page, live_server: str, app: Flask, store: GraphStore
) -> None:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in (
        ("客户", [["客户名称", "客户类型"], ["上海明辉贸易", "意向客户"]]),
        ("Notes", [["Company", "Remarks"], ["Acme", "met at the fair"]]),
    ):
        sheet = book.add_worksheet(name)
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)
    book.close()
    staff(app, store, "wizard_sheets", "Sales")
    sign_in(page, live_server, "wizard_sheets", "zh")
    page.goto(live_server + "/import/")
    choose(page, "客户.xlsx", buffer.getvalue())
    page.wait_for_selector("#step-mapping:not(.hidden)")
    assert page.inner_text("#detected-format") == "XLSX"
    assert page.inner_text("#detected-sheet") == "客户"
    assert page.locator("#detected-encoding").is_hidden()
    assert page.locator("#import-sheet option").all_inner_texts() == ["客户", "Notes"]
    page.select_option("#import-sheet", "Notes")
    page.wait_for_function(
        "() => document.getElementById('detected-sheet').textContent === 'Notes'"
    )
    headers = page.locator("#mapping-table .mapping-header").all_inner_texts()
    assert headers == ["Company", "Remarks"]
    assert page.locator('select.mapping-field[data-header="Company"]').input_value() == "name"


def test_a_reader_who_sees_personal_data_masked_previews_it_masked(
    page, live_server: str, app: Flask, store: GraphStore
) -> None:  # type: ignore[no-untyped-def]
    masked_importer(app, store, "wizard_marketer")
    sign_in(page, live_server, "wizard_marketer", "zh")
    page.goto(live_server + "/import/")
    assert page.locator("#own-records").count() == 0  # Marketing sees every customer
    choose(page, "客户.csv", gbk_csv(ROWS))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    assert page.locator("#mapping-table .mapping-samples").all_inner_texts() == [""] * 5
    # No values seen: the value mapping takes them typed.
    stage = page.locator('.value-map[data-target="stage"]')
    assert stage.locator(".value-row").count() == 0
    stage.locator("button").click()
    stage.locator(".value-written").fill("意向客户")
    stage.locator(".value-written").dispatch_event("change")
    stage.locator(".value-choice").select_option("deal")
    page.click("#preview-button")
    page.wait_for_selector("#step-preview:not(.hidden)")
    line2 = page.inner_text('#preview-table tr[data-line="2"]')
    assert "138****5678" in line2 and "13812345678" not in line2
    assert "成交" in line2  # 意向客户 read as the deal stage, as mapped


REFERRAL_TEXTS = {
    "en": {
        "type": "Referral links",
        "linked": "Already linked: an existing record",
        "not_found": "Line 5, column 推荐人: Not found: 无名氏.",
        "not_mine": "Line 4, column 被推荐人: That customer is not one of yours.",
        "taken": "already has another referrer of this type",
        "done": "The import is finished.",
        "undone": "The import was undone.",
    },
    "zh": {
        "type": "推荐关系",
        "linked": "推荐关系已存在：",
        "not_found": "第 5 行，推荐人 列：",
        "not_mine": "第 4 行，被推荐人 列：",
        "taken": "已有另一位同类推荐人",
        "done": "导入已完成。",
        "undone": "导入已撤销。",
    },
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_sales_imports_referral_links_through_the_wizard_and_undoes_them(
    page, live_server: str, app: Flask, store: GraphStore, language: str
) -> None:  # type: ignore[no-untyped-def]
    settle(app)
    texts = REFERRAL_TEXTS[language]
    sales = staff(app, store, "wizard_referrals", "Sales")
    customers = NodeRepository(store, nodes.Customer)
    first = customers.create({"name": "甲公司", "owner": sales}, "setup")
    second = customers.create({"name": "乙公司", "owner": sales}, "setup")
    customers.create({"name": "丙公司"}, "setup")  # someone else's
    fourth = customers.create({"name": "丁公司", "owner": sales, "referred_by": first.uid}, "setup")
    NodeRepository(store, nodes.Referrer).create({"name": "老王"}, "setup")
    rows = [
        ["推荐人", "被推荐人"],
        ["甲公司", "乙公司"],  # line 2: new
        ["甲公司", "丁公司"],  # line 3: exists
        ["老王", "丙公司"],  # line 4: not this salesperson's customer
        ["无名氏", "乙公司"],  # line 5: nobody
        ["老王", "乙公司"],  # line 6: new, from an external referrer
        ["乙公司", "丁公司"],  # line 7: 丁公司 has another customer as its referrer
    ]
    sign_in(page, live_server, "wizard_referrals", language)
    page.goto(live_server + "/import/")
    assert texts["type"] in page.locator("#import-type option").all_inner_texts()
    page.select_option("#import-type", "referral")
    choose(page, "推荐.csv", gbk_csv(rows))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    assert page.locator('select.mapping-field[data-header="推荐人"]').input_value() == "referrer"
    assert page.locator('select.mapping-field[data-header="被推荐人"]').input_value() == "referred"
    assert page.locator("#mapping-missing").is_hidden()
    page.click("#preview-button")
    page.wait_for_selector("#step-preview:not(.hidden)")
    line3 = page.locator('#preview-table tr[data-line="3"]')
    assert texts["linked"] in line3.inner_text()
    assert line3.locator("select.duplicate-decision").count() == 0
    assert texts["not_mine"] in page.inner_text('#preview-table tr[data-line="4"]')
    assert texts["not_found"] in page.inner_text('#preview-table tr[data-line="5"]')
    line7 = page.locator('#preview-table tr[data-line="7"]')
    assert texts["taken"] in line7.inner_text() and fourth.uid in line7.inner_text()
    assert line7.locator("select.duplicate-decision option").count() == 2  # skip or update
    if language == "en":
        assert page.inner_text("#preview-totals") == (
            "Of the first 6 rows: 2 new, 0 update existing, 2 skipped, 2 with errors."
        )
    page.screenshot(path=f"/tmp/graphcrm-import-referrals-{language}.png", full_page=True)
    with running_worker(app):
        page.click("#commit-button")
        page.wait_for_selector("#import-summary:not(.hidden)", timeout=60_000)
    assert page.inner_text("#summary-state") == texts["done"]
    counts = {
        name: page.inner_text(f'#summary-counts [data-count="{name}"]')
        for name in ("read", "created", "updated", "skipped", "failed")
    }
    assert counts == {"read": "6", "created": "2", "updated": "0", "skipped": "2", "failed": "2"}
    assert linked(store, first.uid or "", second.uid or "")
    with running_worker(app):
        page.click("#undo-button")
        confirm_undo(page)
        page.wait_for_function(
            "(text) => document.getElementById('summary-state').textContent === text",
            arg=texts["undone"],
            timeout=60_000,
        )
    assert not linked(store, first.uid or "", second.uid or "")
    assert linked(store, first.uid or "", fourth.uid or "")
    assert customers.count() == 4


def test_admin_updates_relations_of_existing_customers_in_chinese_and_sees_unchanged_rows(
    page, live_server: str, app: Flask, store: GraphStore
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ADMIN_PASSWORD

    settle(app)
    users = NodeRepository(store, nodes.User)
    boss = users.create({"username": "boss_rel", "display_name": "老板"}, "setup")
    lina = users.create({"username": "lina_rel", "display_name": "李娜"}, "setup")
    vip = NodeRepository(store, nodes.Tag).create({"name": "VIP"}, "setup")
    customers = NodeRepository(store, nodes.Customer)
    first = customers.create({"name": "甲公司", "owner": boss.uid, "tags": [vip.uid]}, "setup")
    customers.create({"name": "乙公司", "owner": lina.uid, "tags": [vip.uid]}, "setup")
    hostile = '<img src=x onerror="window.pwned=1">'
    rows = [
        ["客户名称", "负责人", "标签"],
        ["甲公司", "李娜", "VIP;重点"],  # line 2: owner and tags change
        ["乙公司", "李娜", "VIP"],  # line 3: the same as stored
        [hostile, hostile, hostile],  # line 4: a new customer; no such owner
    ]
    page.goto(live_server + "/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(live_server + "/lang/zh")
    page.goto(live_server + "/import/")
    choose(page, "客户.csv", gbk_csv(rows))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    page.click("#preview-button")
    page.wait_for_selector("#step-preview:not(.hidden)")
    page.select_option("#on-duplicate", "update")
    page.wait_for_function(
        "() => document.querySelector('#preview-table tr[data-line=\"3\"]')"
        " && document.querySelector('#preview-table tr[data-line=\"3\"]').textContent"
        ".includes('无需更新')"
    )
    assert "第 4 行，负责人 列：" in page.inner_text('#preview-table tr[data-line="4"]')
    # Owners and tags show as the file names them, not as record IDs.
    assert "李娜" in page.inner_text('#preview-table tr[data-line="2"]')
    assert "VIP、重点" in page.inner_text('#preview-table tr[data-line="2"]')
    assert page.evaluate("window.pwned") is None
    assert page.locator("#preview-table img").count() == 0
    page.screenshot(path="/tmp/graphcrm-import-update-relations-zh.png", full_page=True)
    with running_worker(app):
        page.click("#commit-button")
        page.wait_for_selector("#import-summary:not(.hidden)", timeout=60_000)
    counts = {
        name: page.inner_text(f'#summary-counts [data-count="{name}"]')
        for name in ("read", "created", "updated", "skipped", "failed")
    }
    assert counts == {"read": "3", "created": "0", "updated": "1", "skipped": "1", "failed": "1"}
    updated = customers.get(first.uid)
    assert updated.owner.uid == lina.uid
    assert sorted(str(t) for t in updated.tags) == ["VIP", "重点"]
    with running_worker(app):
        page.click("#undo-button")
        confirm_undo(page)
        page.wait_for_function(
            "() => document.getElementById('summary-state').textContent === '导入已撤销。'",
            timeout=60_000,
        )
    restored = customers.get(first.uid)
    assert restored.owner.uid == boss.uid and [str(t) for t in restored.tags] == ["VIP"]


def test_the_wizard_commits_with_its_last_previews_time_and_keeps_a_later_hand_edit(
    page, live_server: str, app: Flask, store: GraphStore
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ADMIN_PASSWORD

    settle(app)
    customers = NodeRepository(store, nodes.Customer)
    made = customers.create({"name": "甲公司", "stage": "potential"}, "setup")
    rows = [["编号", "客户名称", "客户类型"], [made.uid, "甲公司", "成交客户"]]
    page.goto(live_server + "/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(live_server + "/import/")
    choose(page, "客户.csv", gbk_csv(rows))
    page.wait_for_selector("#step-mapping:not(.hidden)")
    page.click("#preview-button")
    page.wait_for_selector("#step-preview:not(.hidden)")
    with page.expect_response("**/api/v1/imports/preview") as last:
        page.select_option("#on-duplicate", "update")  # previews again
    previewed_at = last.value.json()["result"]["previewed_at"]
    # A colleague changes the customer after the preview the admin saw.
    seen = dt.datetime.strptime(previewed_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    colleague = NodeRepository(store, nodes.Customer, clock=lambda: seen + dt.timedelta(seconds=1))
    colleague.update(customers.get(made.uid), {"note": "客户来电"}, "wang")
    with running_worker(app), page.expect_request("**/api/v1/imports/commit") as sent:
        page.click("#commit-button")
        page.wait_for_selector("#import-summary:not(.hidden)", timeout=60_000)
    assert sent.value.post_data_json["previewed_at"] == previewed_at
    assert page.inner_text('#summary-counts [data-count="failed"]') == "1"
    assert page.inner_text('#summary-counts [data-count="updated"]') == "0"
    kept = customers.get(made.uid)
    assert (kept.stage, kept.note) == ("potential", "客户来电")


@pytest.mark.parametrize(
    ("language", "role"), [("en", "Sales"), ("zh", "Sales"), ("en", "Admin"), ("zh", "Admin")]
)
def test_an_unknown_type_is_refused_wholly_in_the_readers_language(
    page, live_server: str, app: Flask, store: GraphStore, language: str, role: str
) -> None:  # type: ignore[no-untyped-def]
    username = f"wizard_type_{language}_{role.lower()}"
    staff(app, store, username, role)
    sign_in(page, live_server, username, language)
    page.goto(live_server + "/import/")
    # A type the page does not offer (a stale page, an edited form) reaches the server.
    page.evaluate(
        """() => {
            const select = document.getElementById('import-type');
            select.add(new Option('planet', 'planet'));
            select.value = 'planet';
        }"""
    )
    choose(page, "客户.csv", gbk_csv(ROWS))
    page.wait_for_selector("#import-error:not(.hidden)")
    said = page.inner_text("#import-error")
    if language == "en":
        assert said == (
            "There is no import type “planet”: choose one of Customers, Contacts, Follow-ups, "
            "Orders, Tickets, Referral links."
        )
    else:
        assert said == (
            "没有“planet”这种导入类型：请选择客户、联系人、跟进记录、订单、服务工单、推荐关系之一。"
        )
    assert page.locator("#step-mapping.hidden").count() == 1
