"""The pipeline board in real Chromium: drag a card to another stage (stored, in the
customer's history), the stale case (changed through the API after the board loaded: a clear
message, the card as it is now, nothing overwritten), the keyboard's "Move to…" menu, paging
a long column, a read-only reader; as Sales and admin, in English and Chinese."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests import test_pipeline_web
from tests.conftest import ADMIN_PASSWORD
from tests.test_pipeline_web import Team
from tests.test_row_level_access import PASSWORD
from tests.web import bearer

TEXTS = {
    "en": {"title": "Pipeline", "moved": "moved to Deal", "stale": "changed by someone else"},
    "zh": {"title": "销售漏斗", "moved": "已移至成交", "stale": "已被他人修改"},
}
team = test_pipeline_web.team  # the two teams' fixture, here too
LOGINS = {"admin": ADMIN_PASSWORD, "ana": PASSWORD, "analyst": PASSWORD}


def count_text(page, stage: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the column's count (the figures arrive after the cards) reads ``expected``."""
    selector = f".pipeline-column[data-stage={stage}] [data-role=count]"
    page.wait_for_function(
        "([s, t]) => document.querySelector(s).textContent.trim() === t",
        arg=[selector, expected],
        timeout=10000,
    )


def open_board(page, base: str, username: str, language: str, query: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", LOGINS[username])
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    if language == "zh":
        page.goto(base + "/lang/zh")
    page.goto(base + "/pipeline/" + query)
    page.wait_for_selector(".pipeline-card")
    page.wait_for_load_state("networkidle")  # every column's first page, not only one


def card(page, uid: str):  # type: ignore[no-untyped-def]
    return page.locator(f'.pipeline-card[data-uid="{uid}"]')


def column(page, stage: str):  # type: ignore[no-untyped-def]
    return page.locator(f'.pipeline-column[data-stage="{stage}"]')


def stage_of(store: GraphStore, uid: str | None) -> str:
    stored = NodeRepository(store, nodes.Customer).get(uid or "")
    assert stored is not None
    return str(getattr(stored, "stage", ""))


@pytest.mark.parametrize(("username", "language"), [("admin", "en"), ("ana", "zh")])
def test_dragging_a_card_changes_the_stage_and_records_it(
    page, live_server: str, store: GraphStore, team: Team, username: str, language: str
) -> None:
    texts = TEXTS[language]
    open_board(page, live_server, username, language)
    assert texts["title"] in page.locator("h2").inner_text()
    names = page.locator(".pipeline-card .card-name").all_inner_texts()
    assert "Ana Trading" in names
    assert ("Bo Foods" in names) == (username == "admin")  # Sales sees only its own
    count_text(page, "intent", "2 customers" if username == "admin" else "1 个客户")
    moving = card(page, team.anas.uid)
    assert "¥1,234.50" in moving.inner_text()
    moving.drag_to(column(page, "deal"))
    page.wait_for_selector("#pipeline-message.alert-success")
    assert texts["moved"] in page.locator("#pipeline-message").inner_text()
    assert column(page, "deal").locator(f'[data-uid="{team.anas.uid}"]').count() == 1
    page.wait_for_function(
        "document.querySelector('.pipeline-column[data-stage=deal] [data-role=count]')"
        ".textContent.startsWith('1 ')"
    )
    assert stage_of(store, team.anas.uid) == "deal"
    entry = NodeRepository(store, nodes.Customer).history(team.anas.uid or "")[0]
    assert entry.by == username and entry.at is not None
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("stage", "intent", "deal")]
    page.reload()
    # Columns load one by one: wait for the deal column's cards, not just any card.
    page.wait_for_selector(f'.pipeline-column[data-stage="deal"] [data-uid="{team.anas.uid}"]')
    assert column(page, "deal").locator(f'[data-uid="{team.anas.uid}"]').count() == 1


@pytest.mark.parametrize(("username", "language"), [("ana", "en"), ("admin", "zh")])
def test_a_stale_card_is_not_moved_and_shows_its_current_state(
    page,
    live_server: str,
    app: Flask,
    store: GraphStore,
    team: Team,
    username: str,
    language: str,
) -> None:
    open_board(page, live_server, username, language)
    # Someone else changes the customer through the REST API after the board loaded.
    client: FlaskClient = app.test_client()
    changed = client.put(
        f"/api/v1/customer/{team.anas.uid}",
        json={"stage": "lost", "version": team.anas.version},
        headers=bearer(client),
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    card(page, team.anas.uid).drag_to(column(page, "deal"))
    page.wait_for_selector("#pipeline-message.alert-warning")
    assert TEXTS[language]["stale"] in page.locator("#pipeline-message").inner_text()
    assert stage_of(store, team.anas.uid) == "lost"  # not overwritten
    now = column(page, "lost").locator(f'[data-uid="{team.anas.uid}"]')
    assert now.count() == 1 and "flash" in (now.get_attribute("class") or "")
    assert column(page, "intent").locator(f'[data-uid="{team.anas.uid}"]').count() == 0
    # Moved again from its current state (the fresh version), it goes through.
    now.drag_to(column(page, "deal"))
    page.wait_for_selector("#pipeline-message.alert-success")
    assert stage_of(store, team.anas.uid) == "deal"


def test_the_move_menu_works_from_the_keyboard(
    page, live_server: str, store: GraphStore, team: Team
) -> None:
    open_board(page, live_server, "ana", "en")
    menu = card(page, team.anas.uid).locator("select.card-move")
    menu.focus()
    menu.press("ArrowDown")  # Chromium's closed select changes on arrow keys
    page.wait_for_selector("#pipeline-message.alert-success")
    assert stage_of(store, team.anas.uid) == "potential"
    assert column(page, "potential").locator(f'[data-uid="{team.anas.uid}"]').count() == 1


def test_a_long_column_pages_and_filters_stay_in_the_url(
    page, live_server: str, store: GraphStore, team: Team
) -> None:
    customers = NodeRepository(store, nodes.Customer)
    for index in range(60):
        values = {"name": f"Lead {index:02d}", "stage": "potential", "owner": team.bo}
        customers.create({**values, "region": "Hangzhou"}, "setup")
    open_board(page, live_server, "admin", "en", "?region=Hangzhou")
    potential = column(page, "potential")
    assert potential.locator(".pipeline-card").count() == 50
    count_text(page, "potential", "60 customers")
    assert column(page, "intent").locator(".pipeline-card").count() == 0  # filtered out
    potential.locator('[data-role="more"]').click()
    page.wait_for_function(
        "document.querySelectorAll('.pipeline-column[data-stage=potential] .pipeline-card')"
        ".length === 60"
    )
    assert potential.locator('[data-role="more"]').is_hidden()
    assert page.locator("#pipeline-region").input_value() == "Hangzhou"


def test_a_reader_without_edit_rights_cannot_drag(page, live_server: str, team: Team) -> None:
    open_board(page, live_server, "analyst", "zh")
    assert "移动卡片需要编辑权限" in page.locator(".pipeline-help").inner_text()
    assert card(page, team.anas.uid).get_attribute("draggable") == "false"
    assert page.locator("select.card-move").count() == 0
