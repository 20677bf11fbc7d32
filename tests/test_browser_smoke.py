"""Smoke test in a real browser: log in, switch to Chinese, see the home page and the
system status."""

from __future__ import annotations

from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.statements import statement


def test_login_switch_to_chinese_and_see_home_page(
    page,
    live_server: str,
    store: GraphStore,
) -> None:
    store.write(statement("tag_create"), uid="t-1", name="重点客户", now="2026-01-01T00:00:00Z")
    page.goto(live_server + "/")
    page.click("#login-prompt a")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_selector("#workspace-figures")
    page.goto(live_server + "/status/")
    assert "Connected" in page.inner_text("#graph-status")

    page.goto(live_server + "/lang/zh")
    page.goto(live_server + "/")
    assert "我的工作台" in page.inner_text("h2")
    page.goto(live_server + "/status/")
    assert "已连接" in page.inner_text("#graph-status")
    assert page.inner_text("#record-counts tr[data-label=Tag]").split() == ["标签", "1"]
