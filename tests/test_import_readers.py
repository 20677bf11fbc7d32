"""Reading and cleaning import files without the graph: numbers with either decimal
mark; choices said as people know them."""

from __future__ import annotations

from pathlib import Path

import pytest
from marshmallow import ValidationError

from graph.io.imports.cleaning import RowCleaner, parse_number
from graph.io.imports.mapping import suggest_mapping
from graph.io.imports.readers import open_table
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
