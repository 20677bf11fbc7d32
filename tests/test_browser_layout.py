"""Every main page fits a 1440×900 screen in English and Chinese, for an admin and for a
salesperson: no horizontal scrolling. A screenshot of each page is kept in the test's
output folder (pytest's ``tmp_path``; its path is printed when a page overflows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from graph.demo.seed import seed_demo
from graph.model import nodes
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.test_row_level_access import PASSWORD, staff

VIEWPORT = {"width": 1440, "height": 900}
PAGES = {
    "home": "/",
    "customers": "/customer/list/",
    "customer-360": "/customer/show/{customer}",
    "follow-ups": "/followup/list/",
    "orders": "/order/list/",
    "segments": "/segments/list/",
    "segment": "/segments/show/{segment}",
    "network": "/network/?start=Customer:{customer}",
    "analytics": "/analytics/channels",
    "console": "/console/",
}
ROLE_PAGES = {
    "admin": list(PAGES),
    "sales": [p for p in PAGES if p not in ("analytics", "console")],  # not theirs
}


def _overflow(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("who", list(ROLE_PAGES))
def test_main_pages_fit_the_screen_in_both_languages(
    chromium,  # type: ignore[no-untyped-def]
    app: Flask,
    store: GraphStore,
    live_server: str,
    tmp_path: Path,
    who: str,
) -> None:
    seed_demo(store, cipher=app.extensions["field_cipher"], customers=60)
    rep = staff(app, store, "layout_rep", "Sales")
    with app.app_context():
        customers = app.extensions["graph_repositories"](nodes.Customer)
        long_name = "华为技术（北京）有限公司 International Holdings Limited " * 3
        mine = customers.create({"name": long_name.strip(), "stage": "deal", "owner": rep}, "setup")
    from graph.segments.rules import parse_rules
    from graph.segments.storage import create_segment

    rules = parse_rules([{"field": "stage", "op": "in", "value": ["deal", "intent"]}])
    segment = create_segment(store, "Deals and intents", "", rules, "setup")
    username, password = ("admin", ADMIN_PASSWORD) if who == "admin" else ("layout_rep", PASSWORD)
    context = chromium.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(live_server + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_load_state()
        problems = []
        for language in ("en", "zh"):
            page.goto(f"{live_server}/lang/{language}")
            for name in ROLE_PAGES[who]:
                url = PAGES[name].format(customer=mine.uid, segment=segment.uid)
                answer = page.goto(live_server + url)
                assert answer is not None and answer.status == 200, (who, url)
                page.wait_for_load_state("networkidle")
                shot = tmp_path / f"{who}-{language}-{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                width, inner = _overflow(page)
                if width > inner:
                    problems.append(f"{language} {url}: {width}px wide > {inner}px ({shot})")
        assert not problems, "pages scroll sideways:\n" + "\n".join(problems)
    finally:
        context.close()
