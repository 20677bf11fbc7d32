"""The XLSX writer: the CSV writer's labels (``graph.io.csv_writer``) in a workbook.

Headers are the columns' labels and coded values their labels. Text is written as a
string cell holding the value itself (``+8613812345678``, ``=1+1``): a string cell is
never run as a formula, and the CSV's leading apostrophe would show in Excel as part of
the text. No cell is ever written as a formula, a URL or a number guessed from text;
numbers stay numbers and times are Excel dates. xlsxwriter's ``constant_memory`` mode
flushes each row to a temporary file as soon as the next one starts, so a million rows
never sit in memory. A sheet holds at most 1,048,576 rows: longer exports continue on
further sheets, each with the header row.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import xlsxwriter

from graph.io.csv_writer import Column, labelled

MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_NAME = 31
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]+")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"


def sheet_name(text: str, number: int = 1) -> str:
    """A sheet name Excel accepts: no ``[]:*?/\\``, at most 31 characters, numbered from the
    second sheet on."""
    base = _SHEET_UNSAFE.sub(" ", text).strip(" '") or "Export"
    suffix = f" ({number})" if number > 1 else ""
    return base[: MAX_SHEET_NAME - len(suffix)] + suffix


def write_xlsx(
    columns: Iterable[Column],
    rows: Iterable[Mapping[str, Any]],
    path: str | Path,
    *,
    sheet: str = "Export",
    max_rows: int = MAX_SHEET_ROWS,
) -> int:
    """Write ``rows`` to a new workbook at ``path`` (header row of labels first); returns
    how many data rows were written."""
    columns = list(columns)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    header = workbook.add_format({"bold": True})
    formats = {
        dt.datetime: workbook.add_format({"num_format": DATETIME_FORMAT}),
        dt.date: workbook.add_format({"num_format": DATE_FORMAT}),
    }
    sheets = 0
    written = 0
    worksheet: Any = None
    line = max_rows
    try:
        for row in rows:
            if line >= max_rows:
                sheets += 1
                worksheet = workbook.add_worksheet(sheet_name(sheet, sheets))
                for index, column in enumerate(columns):
                    worksheet.write_string(0, index, column.label, header)
                line = 1
            for index, column in enumerate(columns):
                _write_cell(worksheet, line, index, labelled(column, row.get(column.key)), formats)
            line += 1
            written += 1
        if worksheet is None:  # no rows: still a sheet with the header
            worksheet = workbook.add_worksheet(sheet_name(sheet))
            for index, column in enumerate(columns):
                worksheet.write_string(0, index, column.label, header)
    finally:
        workbook.close()
    return written


def _write_cell(
    worksheet: Any, line: int, index: int, value: Any, formats: Mapping[type[dt.date], Any]
) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        worksheet.write_boolean(line, index, value)
    elif isinstance(value, int | float) and math.isfinite(value) and abs(value) < 1e308:
        worksheet.write_number(line, index, value)
    elif isinstance(value, dt.datetime):
        worksheet.write_datetime(line, index, value, formats[dt.datetime])
    elif isinstance(value, dt.date):
        worksheet.write_datetime(line, index, value, formats[dt.date])
    elif isinstance(value, dict | list | tuple):
        worksheet.write_string(line, index, json.dumps(value, ensure_ascii=False, default=str))
    else:
        worksheet.write_string(line, index, str(value))
