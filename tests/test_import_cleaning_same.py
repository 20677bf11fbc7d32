"""The faster cleaning of import rows gives what it gave before: the same values, errors
and messages, on realistic and hostile cells.

``tests/data/import_cleaning_before.json`` holds a digest of each row as the cleaning gave
it on the corpus below before it was made faster (per-column caches and converters, an
e-mail fast path, a tighter number plan check); ``python tests/test_import_cleaning_same.py``
rewrites it with the code as it is now (only for an intended change of behaviour).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from graph.io.imports import cleaning
from graph.io.imports.cleaning import CleanRow, RowCleaner, cell_text
from graph.io.imports.mapping import Mapping
from graph.io.imports.readers import SourceRow, Table, _csv_rows, open_table
from graph.io.imports.targets import import_type
from graph.model import nodes
from graph.model.validation import field_for

BEFORE = Path(__file__).parent / "data" / "import_cleaning_before.json"
TYPES = ("customer", "contact", "follow_up", "order", "ticket")
ROWS = 400

NAMES = [
    "上海客户0000001有限公司",
    "华为技术（北京）有限公司",
    "ＡＢＣ（上海）重工",
    "  Acme   Trading  Co. ",
    "重庆长安 Auto Co.",
    "张伟",
    "Zoë Müller",
    "北京\u3000行行行\t贸易",
    "ﬁrm\u00a0ﬂow",
    "'=SUM(A1)",
    "'+8613812345678",
    "\x00bad\x07name",
    "a" * 300,
    "㐀㐁 extension A",
    "İstanbul ǅ ß",
]
PHONES = [
    "13812345678",
    "+86 138-1234-5678",
    "＋８６　１３８１２３４５６７８",
    "(021) 6000-0001",
    "02160000001",
    "021-60000001",
    "8613812345678",
    "12345",
    "1381234567",
    "+1 650 253 0000",
    "+44 20 7946 0958",
    "00861381234567",
    "010 1234 5678",
    "0755-12345678",
    "1.381.234.5678",
    "138１２３４５６７８",
    "abc",
    "+",
    "13812345678 ext. 12",
    "１３８\u00b2",
    "95588",
    "4008123123",
]
EMAILS = [
    "c1@example.com",
    "Zhang.Wei@Example.COM",
    "  x@y.cn ",
    "ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    "bad@",
    "@bad.com",
    "no-at-sign",
    "a@b",
    "a@localhost",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "first+tag@sub.example.co.uk",
    "a%b@x-y.example.museum",
    "a@-x.com",
    "a@x-.com",
    "a@x.c",
    "a@x.123",
    "a@x.c0m",
    "a@[192.168.0.1]",
    '"quoted name"@example.com',
    "用户@例子.中国",
    "a@例子.com",
    "a b@example.com",
    "a@b@example.com",
    "x" * 70 + "@example.com",
    "a@" + "b" * 64 + ".com",
    "a@" + "b" * 63 + ".com",
    "a_b-c@e.x-y.ORG",
    "A@B.C" + "D" * 6,
    "a@b.cdefghi",
    "a@1.2.3.4",
]
DATES = [
    "2024-05-20",
    "2024/5/20",
    "2024.5.20",
    "2024年5月20日",
    "2024年5月20日 10:30",
    "２０２４－０５－２０",
    "2024-05-20T10:30:15+08:00",
    "2024-05-20 10:30:15Z",
    "2024-02-30",
    "0999-01-01",
    "3000-01-01",
    "45432",
    "45432.5",
    "99999",
    "00000",
    "yesterday",
    "20240520",
    "2024-5-20 25:00",
    "2024-05-20 10时30分15秒",
    "x" * 80,
]
NUMBERS = [
    "1,234.50",
    "¥1 234",
    "(1,234)",
    "12.5元",
    "１２３",
    "RMB 88",
    "nan",
    "inf",
    "-0",
    "1e3",
    "12.0",
    "12.5",
    "abc",
    "1,2,3",
    "$",
    "USD 1'000",
]
WORDS = [
    "上海",
    "北京",
    "潜在客户",
    "意向客户",
    "Intent",
    "intent",
    "成交",
    "VIP;重点",
    "a、b | c；d，d",
    "电话",
    "phone",
    "Email",
    "微信",
    "open",
    "已关闭",
    "CNY",
    "usd",
    "人民币",
    "经理",
    "  经理  ",
    "ｍａｎａｇｅｒ",
    "?",
]
TYPED = [
    None,
    True,
    False,
    0,
    1,
    45432,
    45432.5,
    1.0,
    -3.25,
    float("nan"),
    float("inf"),
    13812345678,
    13812345678.0,
    dt.date(2024, 5, 20),
    dt.datetime(2024, 5, 20, 10, 30, 15, 999),
    dt.datetime(2024, 5, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
]
BLANKS = ["", " ", "\u3000", "\t", "\n"]


def _cell(rng: random.Random) -> Any:
    """One cell: mostly text of every kind, some workbook values and blanks."""
    pool = rng.choice([NAMES, PHONES, EMAILS, DATES, NUMBERS, WORDS, WORDS, TYPED, BLANKS])
    return rng.choice(pool)


def _rows(type_key: str) -> tuple[list[str], list[SourceRow]]:
    """Headers (every target, two columns on the first one) and rows of hostile cells;
    each row is given twice, so that a second sight of a cell comes from the caches."""
    kind = import_type(type_key)
    headers = [target.name for target in kind.targets] + ["extra"]
    rng = random.Random(f"cleaning-{type_key}")
    rows = []
    for line in range(2, ROWS + 2):
        width = rng.choice([len(headers), len(headers), len(headers) - 3])
        rows.append(SourceRow(line, tuple(_cell(rng) for _ in range(width))))
    return headers, rows + rows


def _mapping(type_key: str, headers: list[str]) -> Mapping:
    columns: dict[str, str | None] = {h: h for h in headers[:-1]}
    columns["extra"] = headers[1]  # a second column on the same target: the first wins
    values = {"stage": {"VIP;重点": "deal"}} if type_key == "customer" else {}
    return Mapping(type_key, columns, values)


def _jsonable(row: CleanRow) -> dict[str, Any]:
    return {
        "line": row.line,
        "values": {k: repr(v) for k, v in row.values.items()},
        "errors": [[e.line, e.column, e.message.key, repr(e.message.params)] for e in row.errors],
    }


def _digest(row: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(row, ensure_ascii=False).encode()).hexdigest()[:16]


def cleaned_now() -> dict[str, list[dict[str, Any]]]:
    """The corpus cleaned by the code as it is now, per import type."""
    result = {}
    for type_key in TYPES:
        headers, rows = _rows(type_key)
        cleaner = RowCleaner(import_type(type_key), _mapping(type_key, headers), headers, "CN")
        result[type_key] = [_jsonable(cleaner.clean(row)) for row in rows]
    return result


def test_cleaning_gives_what_it_gave_before() -> None:
    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    now = cleaned_now()
    for type_key in TYPES:
        assert len(now[type_key]) == len(before[type_key])
        for got, expected in zip(now[type_key], before[type_key], strict=True):
            assert _digest(got) == expected, got


def test_corpus_has_errors_and_values_of_every_kind() -> None:
    """The comparison above means something: the corpus fails and passes every reader."""
    now = cleaned_now()
    keys = {e[2] for rows in now.values() for row in rows for e in row["errors"]}
    assert {"phone", "email", "datetime", "number", "integer", "choice", "required"} <= keys
    filled = {k for rows in now.values() for row in rows for k in row["values"]}
    assert {"phone", "email", "at", "amount", "satisfaction", "tags", "contact.phone"} <= filled


def test_repeated_cells_come_from_the_cache_unchanged() -> None:
    """A cleaner whose caches are off cleans every row as one whose caches are on."""
    headers, rows = _rows("customer")
    mapping = _mapping("customer", headers)
    cached = RowCleaner(import_type("customer"), mapping, headers, "CN")
    uncached = RowCleaner(import_type("customer"), mapping, headers, "CN")
    uncached._columns = [(p, h, n, c, None) for p, h, n, c, _ in uncached._columns]
    for row in rows * 3:
        assert _jsonable(cached.clean(row)) == _jsonable(uncached.clean(row))


def test_a_column_of_distinct_cells_stops_caching(monkeypatch: Any) -> None:
    monkeypatch.setattr(cleaning, "CACHE_CELLS", 8)
    headers = ["客户名称", "地区"]
    mapping = Mapping("customer", {"客户名称": "name", "地区": "region"})
    cleaner = RowCleaner(import_type("customer"), mapping, headers, "CN")
    for line in range(2, 40):
        row = cleaner.clean(SourceRow(line, (f"客户{line}", "上海")))
        assert row.values == {"name": f"客户{line}", "region": "上海"}
    caches = {name: cache for _, _, name, _, cache in cleaner._columns}
    assert caches["name"] is None and caches["region"] == {"上海": "上海"}


def test_plain_email_fast_path_equals_the_schema_field() -> None:
    """Every address the fast path takes is one the schema accepts, cleaned the same."""
    schema = field_for(nodes.Customer, "email", "CN")
    reader = cleaning.CELL_READERS["email"]
    target = import_type("customer").target("email")
    assert target is not None and target.prop is not None
    email = reader(target, target.prop, "CN", None)
    rng = random.Random(7)
    alphabet = "aZ09._%+-@ -.xn--\u00e9\uff41\"'[]"
    generated = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(5000)
    ]
    for text in EMAILS + generated:
        try:
            expected: Any = schema.deserialize(text)  # its length check included
        except ValidationError as exc:
            expected = exc.messages
        try:
            got: Any = email(text)
        except ValidationError as exc:
            got = exc.messages
        assert got == expected, text


def test_cell_text_of_text_cells_is_unchanged() -> None:
    for text in ["", "'", "''", "'=1", "'+86", "'-", "'@x", "'a", "a'=", *NAMES, *PHONES]:
        expected = text[1:] if len(text) > 1 and text[0] == "'" and text[1] in "=+-@" else text
        assert cell_text(text) == expected


def _rows_before(table: Table, after_line: int = 0) -> list[SourceRow]:
    """``Table.rows`` as it was: every row's cells tested for blanks, then padded."""
    start = max(after_line, table.header_line)
    width = len(table.headers)
    found = []
    for line, cells in _csv_rows(table):
        if line <= start or all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        found.append(SourceRow(line, tuple(cells[:width]) + ("",) * (width - len(cells))))
    return found


def test_csv_rows_are_read_as_before(tmp_path: Path) -> None:
    """Blank rows (of spaces, of empty cells, after a blank first cell) left out; short rows
    padded, long rows cut; quoted line breaks keep their line numbers."""
    path = tmp_path / "rows.csv"
    lines = [
        "名称,地区,电话",
        "甲,上海,138",
        ",,",
        " , ,\u3000",
        ",北京,",
        "\t,,139",
        "乙",
        "丙,广州,021,多余,更多",
        "",
        '"丁\n公司",深圳,"1\n2"',
        "   ",
        "戊,,",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = open_table(path)
    assert [tuple(row) for row in table.rows()] == [tuple(r) for r in _rows_before(table)]
    assert [row.line for row in table.rows(after_line=5)] == [6, 7, 8, 10, 14]


if __name__ == "__main__":  # rewrite the reference outputs (an intended change only)
    BEFORE.parent.mkdir(exist_ok=True)
    data = {k: [_digest(row) for row in rows] for k, rows in cleaned_now().items()}
    BEFORE.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {BEFORE} with {cleaning.__file__}", file=sys.stderr)
