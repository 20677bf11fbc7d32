"""Reading and cleaning import files without the graph: cells longer than the csv
module's default limit, quotes never closed, headers with unnamed columns, numbers with
either decimal mark, choices and encodings said as people know them."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest
import xlsxwriter
from marshmallow import ValidationError

from graph.io.imports.cleaning import RowCleaner, parse_number
from graph.io.imports.mapping import suggest_mapping
from graph.io.imports.readers import CELL_LIMIT, UnreadableFile, UnreadRow, open_table
from graph.io.imports.targets import import_type
from graph.model import nodes
from graph.model.validation import Message, field_for


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def cleaned(path: Path, type_key: str = "customer") -> list:
    table = open_table(path)
    mapping = suggest_mapping(type_key, table.headers)
    cleaner = RowCleaner(import_type(type_key), mapping, table.headers, "CN")
    return [cleaner.clean(row) for row in table.rows()]


@pytest.mark.parametrize("line", [2, 1100])
def test_a_cell_longer_than_the_csv_default_limit_fails_its_row_not_the_file(
    tmp_path: Path, line: int
) -> None:
    rows = [f"客户{i},1380013{i:04d},好" for i in range(2, 1202)]
    rows[line - 2] = f"超长备注,13800138000,{'长' * 200_000}"
    path = write(tmp_path / "long.csv", "客户名称,手机,备注\n" + "\n".join(rows) + "\n")
    result = cleaned(path)
    assert len(result) == 1200
    failed = [row for row in result if row.errors]
    assert [(row.line, [(e.column, e.message.key) for e in row.errors]) for row in failed] == [
        (line, [("备注", "too_long")])
    ]
    assert failed[0].errors[0].message.params == {"max": 2000}


def test_an_unclosed_quote_fails_its_line_and_the_rows_below_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "quote.csv",
        '客户名称,手机\n"开引号A,13800138093\n开引号B,13800138094\n开引号C,13800138095\n',
    )
    table = open_table(path)
    rows = list(table.rows())
    assert [(type(r), r.line) for r in rows] == [
        (UnreadRow, 2),
        *[(type(rows[1]), n) for n in (3, 4)],
    ]
    assert rows[0].cells == ('"开引号A', "13800138093")  # as written, to fix in the error file
    result = cleaned(path)
    assert [(e.line, e.column, e.message.key) for e in result[0].errors] == [
        (2, "", "unclosed_quote")
    ]
    assert [(r.line, r.values, r.errors) for r in result[1:]] == [
        (3, {"name": "开引号B", "phone": "+8613800138094"}, []),
        (4, {"name": "开引号C", "phone": "+8613800138095"}, []),
    ]


def test_a_quote_left_open_in_a_large_file_is_not_read_into_memory(tmp_path: Path) -> None:
    """The open quote reads on for CELL_LIMIT characters only, then its line fails and the
    lines below it are read as rows: the 30 MB below it never become one cell."""
    note = "备注" * 5_000  # 10,000 characters a line
    lines = [f"客户{i},1380013{i:04d},{note}" for i in range(3, 3_003)]
    head = '客户名称,手机,备注\n"开引号,13800138000,x\n'
    path = write(tmp_path / "open.csv", head + "\n".join(lines))
    assert path.stat().st_size > 30_000_000
    table = open_table(path)
    tracemalloc.start()
    try:
        rows = [(type(row), row.line) for row in table.rows()]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows[0] == (UnreadRow, 2)
    assert [line for _, line in rows[1:]] == list(range(3, 3_003))
    assert peak < CELL_LIMIT * 16, peak  # a few cells (two bytes a character), not the file


def test_a_line_with_more_filled_cells_than_columns_fails_instead_of_shifting(
    tmp_path: Path,
) -> None:
    """An unquoted comma in a cell splits it: the values right of it would move a column
    on (地区 = "点我)"). Empty cells past the header (Excel's trailing commas) are fine."""
    path = write(
        tmp_path / "wide.csv",
        "客户名称,地区,备注\n=HYPERLINK(a,点我),上海市,x\n乙公司,北京,好,,\n丙公司,广州,\n",
    )
    result = cleaned(path)
    assert [(e.line, e.column, e.message.key) for e in result[0].errors] == [
        (2, "", "too_many_cells")
    ]
    assert [(r.line, r.values, r.errors) for r in result[1:]] == [
        (3, {"name": "乙公司", "region": "北京", "note": "好"}, []),
        (4, {"name": "丙公司", "region": "广州"}, []),
    ]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_excels_unicode_text_utf16_with_tabs_is_read(tmp_path: Path, encoding: str) -> None:
    """Excel's "Unicode 文本" save: UTF-16 with its byte-order mark, tab-separated."""
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    path = tmp_path / "客户.txt"
    path.write_bytes(bom + "客户名称\t手机\r\n上海明辉\t13812345678\r\n".encode(encoding))
    table = open_table(path)
    assert (table.encoding, table.delimiter, table.headers) == (
        "utf-16",
        "\t",
        ["客户名称", "手机"],
    )
    assert [(r.values, r.errors) for r in cleaned(path)] == [
        ({"name": "上海明辉", "phone": "+8613812345678"}, [])
    ]


def test_a_damaged_workbook_is_called_a_workbook_and_text_named_xls_is_read(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "客户.xlsx"
    broken.write_bytes(bytes(range(128, 256)) * 40)  # no zip, no text
    with pytest.raises(UnreadableFile) as refused:
        open_table(broken)
    assert refused.value.key == "import_unreadable_workbook"
    text = write(tmp_path / "导出.xls", "客户名称\t手机\n甲\t13812345678\n", "gbk")
    assert open_table(text).headers == ["客户名称", "手机"]


def test_an_email_as_shown_masked_fails_its_row(tmp_path: Path) -> None:
    """Copied from a masked list or failing-rows file, it would be stored as if real."""
    path = write(tmp_path / "m.csv", "客户名称,邮箱\n甲,c***@example.com\n乙,c*@x.cn\n")
    result = cleaned(path)
    assert [(e.column, e.message.key) for e in result[0].errors] == [("邮箱", "email_masked")]
    assert result[1].errors == [] and result[1].values["email"] == "c*@x.cn"


def test_a_quote_closed_lines_later_but_not_before_a_delimiter_fails_its_line_only(
    tmp_path: Path,
) -> None:
    """A stray quote the csv module would close at the next quoted cell, and quoted cells
    over several lines (well formed) before and after it."""
    text = (
        "客户名称,手机,备注\n"
        '甲,13800138001,"第一行\n第二行"\n'
        '"乙,13800138002,x\n'
        "丙,13800138003,y\n"
        '"丁, 有限公司",13800138004,"多行\n备注"\n'
        "戊,13800138005,z\n"
    )
    rows = list(open_table(write(tmp_path / "q.csv", text)).rows())
    assert [(type(r).__name__, r.line, r.cells[0], r.cells[2]) for r in rows] == [
        ("SourceRow", 2, "甲", "第一行\n第二行"),
        ("UnreadRow", 4, '"乙', "x"),
        ("SourceRow", 5, "丙", "y"),
        ("SourceRow", 6, "丁, 有限公司", "多行\n备注"),
        ("SourceRow", 8, "戊", "z"),
    ]


@pytest.mark.parametrize(
    ("text", "headers"),
    [
        (
            "客户名称,手机,,,\n表头测试A,13800138091,x,y,z\n表头测试B,13800138092,x,y,z\n",
            ["客户名称", "手机"],
        ),
        ("   ,  ,客户名称\nx,y,开头空白A\nx,y,开头空白B\n", ["#1", "#2", "客户名称"]),
    ],
)
def test_a_header_with_blank_cells_is_still_the_header(
    tmp_path: Path, text: str, headers: list[str]
) -> None:
    table = open_table(write(tmp_path / "h.csv", text))
    assert (table.headers, table.header_line) == (headers, 1)
    assert [row.line for row in table.rows()] == [2, 3]


def test_a_title_row_above_the_header_is_still_skipped(tmp_path: Path) -> None:
    text = (
        "2024年客户名单,,,\n,,,\n客户名称,手机,地区,备注\n甲,13800138001,上海,\n乙,13800138002,,\n"
    )
    table = open_table(write(tmp_path / "t.csv", text))
    assert (table.headers, table.header_line) == (["客户名称", "手机", "地区", "备注"], 3)


def test_a_two_row_header_saved_without_its_merge_is_still_one_header(tmp_path: Path) -> None:
    text = "客户名称,地区,联系人,,首次成交\n,,姓名,手机,\n甲,上海,陈静,13600001111,2024-05-20\n"
    table = open_table(write(tmp_path / "m.csv", text))
    assert table.headers == ["客户名称", "地区", "联系人 姓名", "联系人 手机", "首次成交"]
    assert table.header_line == 2


def test_a_merged_two_row_workbook_header_under_a_title_is_still_one_header(
    tmp_path: Path,
) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "w.xlsx"))
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 0, 3, "2024年客户名单")
    sheet.write_row(1, 0, ["客户名称", "地区"])
    sheet.merge_range(1, 2, 1, 3, "联系人")
    sheet.write_row(2, 0, ["", "", "姓名", "手机"])
    sheet.write_row(3, 0, ["杭州西湖茶业", "杭州", "陈静", "13600001111"])
    book.close()
    table = open_table(tmp_path / "w.xlsx")
    assert (table.headers, table.header_line) == (
        ["客户名称", "地区", "联系人 姓名", "联系人 手机"],
        3,
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("¥1,234.50", 1234.5),
        ("1 000元", 1000.0),
        ("1.234,50", 1234.5),
        ("€ 1.234.567,8", 1234567.8),
        ("1,234,567.5", 1234567.5),
        ("1.234.567", 1234567.0),
        ("1,234", 1234.0),  # a comma before exactly three digits groups thousands
        ("1,5", 1.5),  # before one or two it is a decimal comma
        ("12,50元", 12.5),
        ("1.234", 1.234),  # one dot alone is the decimal point
        ("(1.234,50)", -1234.5),
        ("¥1，234", 1234.0),
    ],
)
def test_numbers_with_either_decimal_mark_are_read(text: str, number: float) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    "text", ["1,2,3", "1,2345", "1234,567", "1,234.", "1.234,5.6", "1,2e3", "1,"]
)
def test_numbers_whose_separators_are_unclear_are_refused_not_guessed(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)
    with pytest.raises(ValidationError):  # the forms' number field reads them alike
        field_for(nodes.Order, "amount").deserialize(text)


def test_a_european_amount_is_imported_as_written(tmp_path: Path) -> None:
    text = '客户名称,产品,金额\n甲公司,A,"1.234,50"\n甲公司,B,"1,2,3"\n'
    result = cleaned(write(tmp_path / "o.csv", text), "order")
    assert result[0].values["amount"] == 1234.5 and not result[0].errors
    assert [(e.line, e.column, e.message.key) for e in result[1].errors] == [(3, "金额", "number")]


def test_a_wrong_choice_lists_the_choices_labels_in_both_languages(tmp_path: Path) -> None:
    result = cleaned(write(tmp_path / "c.csv", "客户名称,阶段\n甲,金牌\n"))
    message = result[0].errors[0].message
    assert isinstance(message, Message) and message.key == "choice"
    assert message.params == {
        "choices": "Potential, Intent, Deal, Lost",
        "choices_zh": "潜在、意向、成交、流失",  # the labels the forms show
    }


@pytest.mark.parametrize(("encoding", "name"), [("utf-8-sig", "UTF-8"), ("gb18030", "GB18030/GBK")])
def test_bad_bytes_name_the_encoding_as_people_know_it(
    tmp_path: Path, encoding: str, name: str
) -> None:
    # Past the part read to detect the encoding (64 KB), a byte that is not of it.
    body = "客户名称,备注\n" + "".join(f"客户{i},{'长' * 40}\n" for i in range(1000))
    path = tmp_path / "bad.csv"
    path.write_bytes(body.encode(encoding) + b"\xff\xff\xff bad\n")
    table = open_table(path)
    assert table.encoding == encoding
    with pytest.raises(UnreadableFile) as caught:
        list(table.rows())
    assert caught.value.key == "import_unreadable_text"
    assert caught.value.params == {"encoding": name}
    assert f"not all {name} text" in str(caught.value)
