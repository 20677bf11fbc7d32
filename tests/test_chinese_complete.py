"""The Chinese interface is complete: every UI message goes through our gettext catalogue,
which translates each of them, and every page a role can open, read by a Chinese-speaking
user of that role (menus included), shows no English UI string.

The catalogue (app/translations/zh/LC_MESSAGES/messages.po) holds every message that
``pybabel extract`` finds (babel.cfg, ``make translations``), each with a Chinese text; the
only (en, zh) literal pairs left are labels declared as data (graph/model/nodes.py and the
demo data in graph/demo/), and domain errors carry message keys the error table
(views/messages.py) knows.

What counts as an English UI string: every msgid of Flask-AppBuilder's own catalogues
(all its languages), every msgid of ours, and the English side of every bilingual pair
declared as data (``Prop``/``Choice`` declarations). The visible text of a page (text
outside scripts, styles and preformatted blocks, plus placeholders, titles and button
values) is cut into runs of Latin text;
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
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests import test_visibility_crawl as crawl
from tests.test_row_level_access import PASSWORD
from tests.web import login
from views.messages import MESSAGES

ROOT = Path(__file__).resolve().parent.parent
OURS = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
FAB_CATALOGUES = Path(flask_appbuilder.__file__).parent / "translations"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Names that stay as they are in a Chinese interface: products, formats, units, codes.
GETTEXT = re.compile(r"""\b_\(\s*(["'])(.+?)\1\s*[,)]""")
MARKUP_TEXT = re.compile(r">\s*([A-Z][A-Za-z' ]{2,60}[a-z])\s*<")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
KEPT = {"GraphCRM", "CSV", "JSON", "PNG", "ID", "UTC", "Cypher", "REST", "API", "OK", "E-mail"}
# Where (en, zh) literal pairs are data: node declarations and the demo world's words.
DECLARED = ("graph/model/nodes.py", "graph/demo/", "graph/io/imports/targets.py")
# graph/ modules whose Chinese is data, not UI: declarations, demo data, and the typed-date
# parser's Chinese date words (年月日), and the import's header, value and separator words.
GRAPH_CHINESE = (*DECLARED, "graph/model/validation.py", "graph/io/imports/")
# The gettext keywords of `make translations` (besides Babel's defaults: _, gettext, N_, ...).
KEYWORDS = ("lazy_gettext", "_l")
# Message keys that graph/ and views/ raise: InvalidRule via _refuse(...), validation
# Message(...), an error's key=... and a GraphCRMError class's key = ... ("error", the root's,
# is said by each view).
RAISED_KEY = re.compile(r"""(?:\b(?:_refuse|InvalidRule|Message)\(\s*|\bkey\s*=\s*)["'](\w+)["']""")

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


def _catalogue() -> dict[str, str | tuple[str, ...]]:
    with OURS.open("rb") as source:
        return {
            m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(source) if m.id
        }


def test_every_catalogue_message_has_a_chinese_text() -> None:
    missing = []
    for msgid, msgstr in _catalogue().items():
        texts = msgstr if isinstance(msgstr, tuple) else (msgstr,)
        if not all(texts) or (msgid not in KEPT and msgid in texts):
            missing.append(msgid)
        elif not all(CJK.search(text) for text in texts) and msgid not in KEPT:
            missing.append(msgid)
    assert not missing, f"{len(missing)} messages without Chinese: {missing}"


def test_the_catalogue_holds_every_message_the_code_marks() -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**{k: None for k in KEYWORDS}, "_": None, "gettext": None, "ngettext": (1, 2),
                "lazy_gettext": None, "N_": None}  # fmt: skip
    marked = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        marked.add(message if isinstance(message, str) else message[0])
    marked.discard("")
    missing = sorted(marked - set(_catalogue()))
    assert len(marked) > 300
    assert not missing, f"run `make translations`; not in the catalogue: {missing}"


def test_no_english_chinese_literal_pairs_outside_declarations() -> None:
    found = []
    for folder in ("views", "app", "graph"):
        for path in (ROOT / folder).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            if not name.startswith(DECLARED):
                found += [f"{name}: {en!r}" for en in _bilingual_pairs(path.read_text("utf-8"))]
    assert not found, "pairs that belong in the catalogue:\n" + "\n".join(found)


def _chinese_literals(source: str) -> Iterator[str]:
    """String constants with Chinese text in a module, docstrings left out."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and CJK.search(node.value):
                yield node.value


def test_no_chinese_text_in_code_outside_the_catalogue_and_declarations() -> None:
    found = []
    for folder in ("views", "app", "graph"):
        for path in (ROOT / folder).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            if name.startswith(GRAPH_CHINESE):
                continue
            found += [f"{name}: {text!r}" for text in _chinese_literals(path.read_text("utf-8"))]
    assert not found, "Chinese text outside the catalogue:\n" + "\n".join(found)


def test_every_message_key_raised_is_in_the_error_table() -> None:
    raised = set()
    for folder in ("views", "graph"):
        for path in (ROOT / folder).rglob("*.py"):
            raised.update(RAISED_KEY.findall(path.read_text("utf-8")))
    assert {"required", "rule_range", "segment_name", "depth", "not_found"} <= raised
    assert not raised - set(MESSAGES) - {"error"}, sorted(raised - set(MESSAGES))
