"""Graphs people can read, in a real browser, in English and Chinese: a customer with 120
referral descendants laid out in ranks with no overlapping labels at first view, subtrees
folded and unfolded with a count of what they hide, one colour legend across the referral,
network, segment and console graphs, the segment graph grouped by channel or tag, PNG export
on each, and a salesperson who sees only their team's part of the tree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.segments.rules import parse_rules
from graph.segments.storage import create_segment
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.test_row_level_access import PASSWORD, staff

AT = "2026-01-02T03:04:05"
VIEWPORT = {"width": 1440, "height": 900}
PNG = b"\x89PNG\r\n\x1a\n"
# Names as people type them: short, long, Chinese with full-width parentheses.
NAMES = (
    "华为技术（北京）有限公司",
    "Acme Trading",
    "上海浦东发展银行股份有限公司",
    "Li Wei",
    "Northwind Traders International Holdings",
    "张伟",
    "深圳市腾讯计算机系统有限公司",
    "Globex",
)
CUSTOMER = {"en": "Customer", "zh": "客户"}
LEGEND_WORDS = {"en": ("Customer", "Stage"), "zh": ("客户", "阶段")}


@dataclass
class Tree:
    root: Record
    children: list[Record]
    descendants: list[Record]
    theirs: list[Record]  # owned by another team
    segment: str
    groups: dict[str, dict[str, str]]  # uid -> {"Channel": name, "Tag": "a · b"}


def _name(i: int) -> str:
    return f"{NAMES[i % len(NAMES)]} {i}"


@pytest.fixture
def tree(app: Flask, store: GraphStore) -> Tree:
    """A root customer of ana's with 120 descendants over three levels: 6 children, 36
    grandchildren and 78 great-grandchildren; the subtrees of children 4-6 belong to bo."""
    ana = staff(app, store, "ana", "Sales")
    bo = staff(app, store, "bo", "Sales")
    customers = NodeRepository(store, nodes.Customer)
    channels = [
        NodeRepository(store, nodes.Channel).create({"name": name}, "setup")
        for name in ("Web", "展会")
    ]
    tags = [
        NodeRepository(store, nodes.Tag).create({"name": name}, "setup")
        for name in ("VIP", "重点客户")
    ]
    stages = ("potential", "intent", "deal", "lost")
    count = 0
    groups: dict[str, dict[str, str]] = {}

    def make(owner: Record) -> Record:
        nonlocal count
        count += 1
        values = {
            "name": _name(count),
            "stage": stages[count % 4],
            "owner": owner,
            "channel": channels[count % 2],
            "tags": [tags[count % 2]] if count % 3 else list(tags),
        }
        made = customers.create(values, "setup")
        groups[made.uid or ""] = {
            "Channel": channels[count % 2].name,
            "Tag": " · ".join(sorted(t.name for t in values["tags"])),
        }
        if owner is bo:
            theirs.append(made)
        return made

    root = customers.create({"name": "根客户 Root Holdings", "stage": "deal", "owner": ana}, "s")
    links: list[tuple[Record, Record]] = []
    children: list[Record] = []
    theirs: list[Record] = []
    for c in range(6):
        owner = ana if c < 3 else bo
        child = make(owner)
        children.append(child)
        links.append((root, child))
        for g in range(6):
            grandchild = make(owner)
            links.append((child, grandchild))
            for _ in range(3 if g < 2 else 2 if g < 5 else 1):
                links.append((grandchild, make(owner)))
    descendants = [target for _source, target in links]
    store.write(
        "dataset_link_referred_from_customer",
        rows=[{"from": s.uid, "to": t.uid, "at": AT} for s, t in links],
    )
    rules = parse_rules([{"field": "stage", "op": "in", "value": list(stages)}])
    segment = create_segment(store, "全部客户 All", "", rules, "setup")
    return Tree(root, children, descendants, theirs, segment.uid, groups)


def open_page(chromium: Any, base: str, language: str, who: str = "admin") -> Any:
    context = chromium.new_context(viewport=VIEWPORT, locale="en-US", accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(base + "/login/")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", ADMIN_PASSWORD if who == "admin" else PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/lang/{language}")
    return page


OVERLAPS = """(() => {
  const boxes = window.GraphStyle.labelBoxes(window.cy);
  const out = [];
  for (let i = 0; i < boxes.length; i += 1) for (let j = i + 1; j < boxes.length; j += 1) {
    const a = boxes[i], b = boxes[j];
    if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) out.push([a.id, b.id]);
  }
  return out;
})()"""

SAME_SPOT = """(() => {
  const nodes = window.cy.nodes(':visible');
  nodes[1].position(nodes[0].position());
  window.GraphStyle.separateLabels(window.cy.elements(':visible'));
})()"""

RANKS = """(() => window.cy.edges(':visible').filter(e =>
  e.target().position('y') <= e.source().position('y')).map(e => e.id()))()"""


def legend_colour(page: Any, kind: str) -> str:
    """The fill of ``kind``'s legend swatch as Cytoscape writes colours: ``rgb(r,g,b)``."""
    fill = page.evaluate(
        f"""document.querySelector('.graph-legend-item[data-kind={json.dumps(kind)}] svg *')
        .getAttribute('fill')"""
    )
    return "rgb({},{},{})".format(*(int(fill[i : i + 2], 16) for i in (1, 3, 5)))


def node_colour(page: Any, kind: str) -> str:
    return page.evaluate(
        f"""window.cy.nodes().filter(n => n.data('kind') === {json.dumps(kind)})[0]
        .style('background-color')"""
    )


def png_download(page: Any, button: str) -> bytes:
    with page.expect_download() as download:
        page.click(button)
    assert download.value.suggested_filename.endswith(".png")
    content = open(download.value.path(), "rb").read()
    assert content[:8] == PNG and len(content) > 1000
    return content


def click_node(page: Any, node_id: str, box: str) -> None:
    position = page.evaluate(
        f"""(() => {{ const n = window.cy.getElementById({json.dumps(node_id)});
            const p = n.renderedPosition();
            const b = document.getElementById({json.dumps(box)}).getBoundingClientRect();
            return {{x: b.left + p.x, y: b.top + p.y}}; }})()"""
    )
    page.mouse.click(position["x"], position["y"])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_referral_tree_of_120_is_ranked_readable_and_folds(
    chromium: Any, live_server: str, tree: Tree, language: str
) -> None:
    page = open_page(chromium, live_server, language)
    try:
        page.goto(f"{live_server}/referrals/chain/{tree.root.uid}?depth=3")
        page.wait_for_function("window.cy && window.cy.nodes().length > 100")
        assert page.evaluate("window.cy.nodes().length") == 121
        # A first view that fits: the tree is folded below the children, nothing overlaps.
        visible = page.evaluate("window.cy.nodes(':visible').length")
        assert 7 <= visible <= 40
        assert page.evaluate(OVERLAPS) == []
        assert page.evaluate(RANKS) == []
        assert page.evaluate("window.cy.zoom()") >= 0.85
        child = tree.children[0].uid
        hidden = page.evaluate(f"window.cy.getElementById('{child}').successors().nodes().length")
        assert hidden == 6 + 3 + 3 + 2 + 2 + 2 + 1
        caption = page.evaluate(f"window.cy.getElementById('{child}').data('caption')")
        assert str(hidden) in caption.split("\n")[-1]
        # Unfold the first child: its 6 referrals appear below it, in ranks, not overlapping.
        click_node(page, child, "referral-graph")
        page.wait_for_function(
            f"window.cy.getElementById('{child}').outgoers().nodes()[0].visible()"
        )
        assert page.evaluate(f"window.cy.getElementById('{child}').data('caption')") == (
            tree.children[0].name
        )
        assert page.evaluate("window.cy.nodes(':visible').length") == visible + 6
        assert page.evaluate(OVERLAPS) == []
        assert page.evaluate(RANKS) == []
        # Fold it again (a second click soon after the first would be a double click).
        page.wait_for_timeout(700)
        click_node(page, child, "referral-graph")
        page.wait_for_function(
            f"!window.cy.getElementById('{child}').outgoers().nodes()[0].visible()"
        )
        assert page.evaluate("window.cy.nodes(':visible').length") == visible
        # Unfold all: 121 nodes in ranks, none overlapping.
        page.click("#referral-expand-all")
        assert page.evaluate("window.cy.nodes(':visible').length") == 121
        assert page.evaluate(OVERLAPS) == []
        assert page.evaluate(RANKS) == []
        word, stage = LEGEND_WORDS[language]
        legend = page.inner_text("#referral-legend")
        assert word in legend and stage in legend
        assert legend_colour(page, "Customer") == node_colour(page, "Customer")
        png_download(page, "#referral-png")
    finally:
        page.context.close()


def run_in_console(page: Any, base: str, query: str) -> None:
    page.goto(base + "/console/")
    page.locator("#editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(query)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#result-table tbody tr")
    page.click('#result-tabs a[data-tab="graph"]')
    page.wait_for_function("window.cy && window.cy.nodes().length > 0")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_one_legend_and_png_on_the_network_segment_and_console_graphs(
    chromium: Any, live_server: str, tree: Tree, language: str
) -> None:
    page = open_page(chromium, live_server, language)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server}/referrals/chain/{tree.root.uid}")
        page.wait_for_function("window.cy && window.cy.nodes().length > 0")
        customer = legend_colour(page, "Customer")
        assert node_colour(page, "Customer") == customer
        assert CUSTOMER[language] in page.inner_text("#referral-legend")

        page.goto(f"{live_server}/network/?start=Customer:{tree.root.uid}")
        page.wait_for_function("window.cy && window.cy.nodes().length > 1")
        assert legend_colour(page, "Customer") == node_colour(page, "Customer") == customer
        legend = page.inner_text("#network-legend")
        assert CUSTOMER[language] in legend and legend_colour(page, "User") != customer
        assert page.evaluate(OVERLAPS) == []
        # Two captions dropped on one spot end apart: the pass that follows every force layout.
        page.evaluate(SAME_SPOT)
        assert page.evaluate(OVERLAPS) == []
        png_download(page, "#network-export-png")

        page.goto(f"{live_server}/segments/show/{tree.segment}")
        page.wait_for_function("window.cy && window.cy.nodes().length > 1")
        assert legend_colour(page, "Customer") == node_colour(page, "Customer") == customer
        assert CUSTOMER[language] in page.inner_text("#segment-legend")
        png_download(page, "#segment-png")

        query = "MATCH (a:Customer)-[r:REFERRED]->(b) RETURN a, r, b LIMIT 30"
        run_in_console(page, live_server, query)
        assert legend_colour(page, "Customer") == node_colour(page, "Customer") == customer
        assert CUSTOMER[language] in page.inner_text("#graph-legend-box")
        png_download(page, "#graph-png")
        assert errors == []
    finally:
        page.context.close()


GROUPS = """(() => window.cy.nodes('[?member]').map(n =>
  [n.id(), n.parent().nonempty() ? n.parent().data('title') : null]))()"""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_segment_graph_is_grouped_by_channel_or_tag(
    chromium: Any, live_server: str, tree: Tree, language: str
) -> None:
    page = open_page(chromium, live_server, language)
    try:
        page.goto(f"{live_server}/segments/show/{tree.segment}")
        page.wait_for_function("window.cy && window.cy.nodes('[?grouping]').length > 0")
        none = {"en": ("No channel", "No tag"), "zh": ("无渠道", "无标签")}[language]
        for by, missing in (("Channel", none[0]), ("Tag", none[1])):
            page.select_option("#segment-group", by)
            page.wait_for_function(
                f"window.cy.nodes('[?grouping]').length > 0 && "
                f"window.cy.nodes('[?member]').length > 50 && {json.dumps(by)} === "
                "document.getElementById('segment-group').value"
            )
            placed = page.evaluate(GROUPS)
            # Every member sits in the box of its channel (or tag combination).
            for uid, title in placed:
                expected = tree.groups.get(uid, {}).get(by, missing)
                assert title == expected, (uid, title, expected)
            titles = set(page.evaluate("window.cy.nodes('[?grouping]').map(n => n.data('title'))"))
            assert len(titles) <= 5
            assert page.evaluate(OVERLAPS) == []
            assert page.evaluate("window.cy.zoom()") >= 0.85
        png_download(page, "#segment-png")
        page.select_option("#segment-group", "")
        page.wait_for_function("window.cy.nodes('[?grouping]').length === 0")
        assert page.evaluate("window.cy.nodes('[kind = \"Tag\"]').length") == 2
    finally:
        page.context.close()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_salesperson_sees_placeholders_for_the_other_teams_part_of_the_tree(
    chromium: Any, live_server: str, tree: Tree, language: str
) -> None:
    page = open_page(chromium, live_server, language, who="ana")
    try:
        answer = page.goto(f"{live_server}/referrals/chain/{tree.root.uid}?depth=3")
        assert answer is not None and answer.status == 200
        page.wait_for_function("window.cy && window.cy.nodes().length > 100")
        html = page.content()
        for record in tree.theirs:
            assert record.uid not in html and (record.name or "") not in html
        assert page.evaluate(OVERLAPS) == []
        page.click("#referral-expand-all")
        hidden = page.evaluate("window.cy.nodes('[?placeholder]').map(n => n.data())")
        assert len(hidden) == len(tree.theirs)
        assert {(d["caption"], d.get("uid"), d.get("kind")) for d in hidden} == {("?", None, None)}
        placeholder = {"en": "Not visible to you", "zh": "无权查看"}[language]
        assert placeholder in page.inner_text("#referral-legend")
        assert page.evaluate(OVERLAPS) == []
        assert page.evaluate(RANKS) == []
        # A folded placeholder subtree counts what it hides, and names nothing.
        page.click("#referral-collapse-all")
        folded = page.evaluate(
            "window.cy.nodes('[?placeholder][?collapsed]:visible').map(n => n.data('caption'))"
        )
        assert len(folded) == 3 and all(c.startswith("?\n") and "19" in c for c in folded)
        png_download(page, "#referral-png")
    finally:
        page.context.close()


def test_expand_loads_the_next_level_of_a_leaf_in_ranks(
    chromium: Any, live_server: str, tree: Tree
) -> None:
    page = open_page(chromium, live_server, "en")
    try:
        page.goto(f"{live_server}/referrals/chain/{tree.root.uid}?depth=1")
        page.wait_for_function("window.cy && window.cy.nodes().length === 7")
        child = tree.children[0].uid
        click_node(page, child, "referral-graph")
        page.click("#selected-expand")
        page.wait_for_function("window.cy.nodes().length === 13")
        assert page.evaluate(f"window.cy.getElementById('{child}').outgoers().nodes().length") == 6
        assert page.evaluate("window.cy.nodes(':visible').length") == 13
        assert page.evaluate(OVERLAPS) == []
        assert page.evaluate(RANKS) == []
        assert page.is_hidden("#selected-expand")
    finally:
        page.context.close()


def test_salesperson_segment_and_network_graphs_show_only_their_team(
    chromium: Any, live_server: str, tree: Tree
) -> None:
    page = open_page(chromium, live_server, "zh", who="ana")
    theirs = {record.uid for record in tree.theirs}
    names = {record.name for record in tree.theirs}
    try:
        page.goto(f"{live_server}/segments/show/{tree.segment}")
        page.wait_for_function("window.cy && window.cy.nodes('[?member]').length > 0")
        for by in ("Channel", "Tag", ""):
            page.select_option("#segment-group", by)
            shown = page.evaluate("window.cy.nodes().map(n => [n.id(), n.data('caption')])")
            assert not {i for i, _ in shown} & theirs and not {c for _, c in shown} & names
            assert page.evaluate(OVERLAPS) == [] or by == ""
        page.goto(f"{live_server}/network/?start=Customer:{tree.root.uid}")
        page.wait_for_function("window.cy && window.cy.nodes().length > 1")
        hidden = page.evaluate("window.cy.nodes('[?placeholder]').map(n => n.data('caption'))")
        assert hidden == ["?", "?", "?"]  # bo's three children
        shown = page.evaluate("window.cy.nodes().map(n => n.id())")
        assert not set(shown) & theirs
        assert "无权查看" in page.inner_text("#network-legend")
        png_download(page, "#network-export-png")
    finally:
        page.context.close()
