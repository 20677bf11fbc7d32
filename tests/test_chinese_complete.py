"""The Chinese interface is complete: every page a role can open, read by a Chinese-speaking
user of that role (menus included), shows no English UI string.

What counts as an English UI string: every msgid of Flask-AppBuilder's own catalogues
(all its languages), every msgid of ours, and the English side of every bilingual pair
declared in our code (``bilingual(en, zh)``, ``{key: (en, zh)}`` tables, ``Prop``/``Choice``
declarations). The visible text of a page (text outside scripts, styles and preformatted
blocks, plus placeholders, titles and button values) is cut into runs of Latin text;
a run equal to one of those strings is untranslated. The world's own records (names,
products, user names) are data, not UI, and carry no such string.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import flask_appbuilder
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import test_visibility_crawl as crawl
from tests.test_row_level_access import PASSWORD
from tests.web import login

ROOT = Path(__file__).resolve().parent.parent
OURS = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
FAB_CATALOGUES = Path(flask_appbuilder.__file__).parent / "translations"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Names that stay as they are in a Chinese interface: products, formats, units, codes.
GETTEXT = re.compile(r"""\b_\(\s*(["'])(.+?)\1\s*[,)]""")
MARKUP_TEXT = re.compile(r">\s*([A-Z][A-Za-z' ]{2,60}[a-z])\s*<")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
KEPT = {"GraphCRM", "CSV", "JSON", "PNG", "ID", "UTC", "Cypher", "REST", "API", "OK", "E-mail"}

# FAB's security lists, whose cells hold role, permission and view names (identifiers).
SECURITY_RECORDS = {"RoleModelView", "PermissionViewModelView", "ViewMenuModelView",
                    "PermissionModelView"}  # fmt: skip

world = crawl.world  # one account per built-in role, records across two sales teams


def _normal(text: str) -> str:
    return " ".join(text.split()).strip(" .:;,!?…()[]*-–—/|")


def _catalogue_ids(path: Path) -> Iterator[str]:
    """The msgids of a .po file (Babel's reader refuses some of FAB's headers)."""
    current: list[str] | None = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if line.startswith(("msgid ", "msgid_plural ")):
            if current:
                yield "".join(current)
            current = [ast.literal_eval(line.split(" ", 1)[1])]
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        else:
            if current:
                yield "".join(current)
            current = None


def _bilingual_pairs(source: str) -> Iterator[str]:
    """English sides of the (en, zh) pairs in a module: consecutive string arguments or tuple
    items where the second has Chinese and the first has none, and ``en=``/``zh=`` keywords."""
    for node in ast.walk(ast.parse(source)):
        items: list[ast.expr] = []
        if isinstance(node, ast.Call):
            items = list(node.args)
            keywords = {k.arg: k.value for k in node.keywords}
            en, zh = keywords.get("en"), keywords.get("zh")
            if isinstance(en, ast.Constant) and isinstance(zh, ast.Constant):
                yield str(en.value)
        elif isinstance(node, ast.Tuple):
            items = list(node.elts)
        texts = [i.value if isinstance(i, ast.Constant) else None for i in items]
        for first, second in zip(texts, texts[1:], strict=False):
            if isinstance(first, str) and isinstance(second, str):
                if CJK.search(second) and not CJK.search(first):
                    yield first


def _template_texts(source: str) -> Iterator[str]:
    """Strings a template marks for translation, and plain text written into its markup."""
    for match in GETTEXT.finditer(source):
        yield match.group(2)
    for match in MARKUP_TEXT.finditer(source):
        yield match.group(1)


def english_ui_strings() -> set[str]:
    """Every English UI string our pages could show, normalised; a placeholder (``%(n)s``,
    ``%s``, ``{n}``) stands for any text."""
    found: set[str] = set()
    for path in [OURS, *FAB_CATALOGUES.glob("*/LC_MESSAGES/messages.po")]:
        found.update(_catalogue_ids(path))
    for folder in (ROOT / "app" / "templates", FAB_CATALOGUES.parent / "templates"):
        for path in folder.rglob("*.html"):
            found.update(_template_texts(path.read_text(encoding="utf-8")))
    for folder in ("views", "app", "graph"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(_bilingual_pairs(path.read_text(encoding="utf-8")))
    shown = {_normal(text) for text in found}
    return {text for text in shown if re.search("[A-Za-z]{2}", text) and text not in KEPT}


def _pattern(known: set[str]) -> re.Pattern[str]:
    """One expression matching any of ``known`` as a whole (placeholders match any text)."""
    alternatives = []
    for text in sorted(known, key=len, reverse=True):
        parts = PLACEHOLDER.split(text)
        if len(parts) > 1 and not "".join(parts).strip():
            continue  # nothing but placeholders
        alternatives.append(".+?".join(re.escape(part) for part in parts))
    return re.compile("|".join(alternatives))


class VisibleText(HTMLParser):
    """The text a person sees on a page (and in its placeholders, titles and buttons)."""

    HIDDEN = {"script", "style", "pre", "code", "textarea", "template", "noscript"}

    def __init__(self, data_cells: bool = False) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0
        self._cells = data_cells

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN or (self._cells and tag == "td"):
            self._hidden += 1
        values = dict(attrs)
        for name in ("placeholder", "title", "alt", "aria-label", "data-placeholder"):
            if values.get(name):
                self.texts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if (tag in self.HIDDEN or (self._cells and tag == "td")) and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data)


def english_on(html: str, known: re.Pattern[str], data_cells: bool = False) -> set[str]:
    """Known English UI strings among the page's visible texts (whole texts, or the Latin
    runs between its Chinese characters); with ``data_cells``, table cells are data."""
    parser = VisibleText(data_cells)
    parser.feed(html)
    found = set()
    for text in parser.texts:
        for piece in {_normal(p) for p in (text, *CJK.split(text))}:
            if piece and re.search("[A-Za-z]{2}", piece) and known.fullmatch(piece):
                found.add(piece)
    return found


def test_the_detector_flags_english_menus_and_passes_chinese_ones() -> None:
    known = english_ui_strings()
    assert {"List Users", "Segments", "Change history", "Cancel"} <= known
    page = (
        "<ul><li><a title='Back'>客户</a></li><li>List Users</li></ul><script>'Save'</script>"
        "<p>共 3 条 Segments</p><input type=submit value='保存'><td>Shown Alpha One</td>"
    )
    assert english_on(page, _pattern(known)) == {"List Users", "Segments", "Back"}
    notice = (
        "<div>Only the first 5000 rows are shown: the query returned more. "
        "Add LIMIT or narrow it down.</div>"
    )
    assert english_on(notice, _pattern(known))


def _html_pages(app: Flask, world: crawl.World) -> Iterator[tuple[str, str]]:
    for endpoint, url in crawl._urls(app, world):
        if "/api/" not in url and not url.startswith(("/swagger", "/static")):
            yield endpoint, url


@pytest.mark.parametrize("role", crawl.CRAWLED)
def test_every_page_is_chinese_for_every_role(
    app: Flask, client: FlaskClient, world: crawl.World, role: str
) -> None:
    username = "lead_a" if role == "Sales" else f"crawl_{role.lower()}"
    login(client, username, PASSWORD)
    client.get("/lang/zh")
    known = _pattern(english_ui_strings())
    problems, pages = [], 0
    for endpoint, url in _html_pages(app, world):
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        data_cells = endpoint.split(".")[0] in SECURITY_RECORDS
        for text in sorted(english_on(response.get_data(as_text=True), known, data_cells)):
            problems.append(f"{role} {url} ({endpoint}): {text!r}")
    assert pages >= 3, f"{role} opened only {pages} pages"
    assert not problems, f"{len(problems)} English UI strings:\n" + "\n".join(problems)


def test_every_console_starter_is_described_in_chinese(app: Flask, client: FlaskClient) -> None:
    login(client)
    client.get("/lang/zh")
    html = client.get("/console/").get_data(as_text=True)
    options = re.findall(r'<option value="\d+">([^<]+)</option>', html)
    assert len(options) == 4
    assert all(CJK.search(text) for text in options), options
