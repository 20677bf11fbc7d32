"""The Cypher console in a real browser: type a query, Ctrl+Enter, see the table."""

from __future__ import annotations

from flask import Flask

from graph.model import nodes
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.test_pii import repo


def test_admin_runs_a_query_with_ctrl_enter_and_sees_the_table(
    page, app: Flask, live_server: str, store: GraphStore
) -> None:
    repo(app, nodes.Customer).create({"name": "Browser Co", "stage": "deal"}, "setup")
    page.goto(live_server + "/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    errors: list[str] = []  # script errors (the refused write's 403 is expected)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/console/")
    editor = page.locator("#editor .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("MATCH (c:Customer) RETURN c.name AS name")
    page.keyboard.press("Escape")  # close the completion list
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#result-table tbody tr")
    assert page.inner_text("#result-table thead").strip() == "name"
    assert page.inner_text("#result-table tbody").strip() == "Browser Co"
    assert "1 row" in page.inner_text("#status")

    page.keyboard.press("Control+A")
    page.keyboard.type("CREATE (n:Customer {name: 'x'})")
    page.keyboard.press("Escape")
    page.click("#run")
    page.wait_for_selector("#error:not(.hidden)")
    assert "writes are refused" in page.inner_text("#error")

    page.locator("#editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("MATCH (c:Customer) RETURN c")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#error.hidden", state="attached")
    page.click('#result-tabs a[data-tab="graph"]')
    page.wait_for_selector("#graph canvas")
    assert errors == []

    # The page's own messages follow the reader's language.
    page.goto(live_server + "/lang/zh")
    page.goto(live_server + "/console/")
    page.locator("#editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("MATCH (c:Customer) RETURN c.name AS name")
    page.keyboard.press("Escape")
    page.fill("#params", "{")
    page.click("#run")
    page.wait_for_selector("#error:not(.hidden)")
    assert "参数不是有效的 JSON" in page.inner_text("#error")
    page.fill("#params", "{}")
    page.click("#run")
    page.wait_for_function("document.querySelector('#status').textContent.includes('1 行')")
    assert "用时" in page.inner_text("#status")
    assert errors == []
