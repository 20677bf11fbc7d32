"""The failing rows of an import as a file to fix and import again: the source's format
(CSV or XLSX), its headers, the rows as read, and an error column saying what is wrong in
the reader's language (file line and column named)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import xlsxwriter

from graph.io.csv_writer import BOM, safe_cell
from graph.io.imports.engine import ERRORS_FILE
from graph.io.imports.readers import CSV

# Says one error: (message key, params, line, column) -> text in the reader's language.
Say = Callable[[str, dict[str, Any], int, str], str]


def default_say(key: str, params: dict[str, Any], line: int, column: str) -> str:
    """English without a translation table: "line 7, 手机: phone"."""
    where = f"line {line}" + (f", {column}" if column else "")
    return f"{where}: {key} {params}" if params else f"{where}: {key}"


def failing_rows(work_dir: Path, import_id: str) -> Iterator[dict[str, Any]]:
    """The failing rows recorded for an import: {line, cells, errors}."""
    path = work_dir / import_id / ERRORS_FILE
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for text in handle:
            if text.strip():
                yield json.loads(text)


def failing_rows_kept(work_dir: Path, import_id: str, source: str) -> bool:
    """Whether an import's failing rows can still be written: its failing-row file and its
    source file (whose headers and format the download takes) are both kept. Retention
    removes them some days after the import (``graph.io.imports.retention``)."""
    return (
        (work_dir / import_id / ERRORS_FILE).is_file() and bool(source) and Path(source).is_file()
    )


def _error_text(row: dict[str, Any], say: Say) -> str:
    return "; ".join(
        say(e["key"], e.get("params") or {}, e["line"], e["column"]) for e in row["errors"]
    )


def error_file(
    work_dir: Path,
    import_id: str,
    headers: list[str],
    fmt: str,
    say: Say = default_say,
    error_header: str = "Error",
) -> bytes:
    """The failing rows as CSV (UTF-8 with BOM) or XLSX bytes, with ``error_header``
    holding each row's errors."""
    rows = failing_rows(work_dir, import_id)
    if fmt == CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write(BOM)
        writer.writerow([safe_cell(h) for h in [*headers, error_header]])
        for row in rows:
            writer.writerow([safe_cell(c) for c in [*row["cells"], _error_text(row, say)]])
        return buffer.getvalue().encode("utf-8")
    output = io.BytesIO()
    book = xlsxwriter.Workbook(
        output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, [*headers, error_header])
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [*row["cells"], _error_text(row, say)])
    book.close()
    return output.getvalue()
