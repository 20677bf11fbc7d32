"""The one CSV writer every export goes through (lists, segments, audit log, console); the
XLSX writer (``graph.io.xlsx_writer``) follows the same labels, with string cells in place
of the apostrophe.

What a spreadsheet opens must be safe and readable: cells that a spreadsheet would run as
a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) get a leading apostrophe;
the text is UTF-8 with a byte-order mark (so Excel reads Chinese correctly); headers are
labels and choice values are written as their labels, not as codes; and the file gets a
readable name. Values arrive already masked for the reader: this module never sees more
than the screen shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from graph.clock import utc_now

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500  # rows per yielded piece of a streamed export
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')


@dataclass(frozen=True)
class Column:
    """One exported column: the row key, its header label, and labels of coded values."""

    key: str
    label: str
    labels: Mapping[Any, str] = field(default_factory=dict)


def safe_cell(value: Any) -> str:
    """A value as one CSV cell: text, never a spreadsheet formula.

    Numbers and structures become JSON, times ISO 8601; text starting like a formula is
    prefixed with an apostrophe, which spreadsheets show as text and do not run.
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return json.dumps(value)  # a number, even a negative one, is data, not a formula
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return safe_text(str(value))


def safe_text(text: str) -> str:
    """``text`` with an apostrophe in front when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(
    columns: Iterable[Column], rows: Iterable[Mapping[str, Any]], *, chunk: int = CHUNK_ROWS
) -> Iterator[str]:
    """The CSV text of ``rows`` in pieces: BOM and header labels first, then ``chunk`` rows
    at a time (so a large export streams instead of filling memory)."""
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([safe_cell(column.label) for column in columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(labelled(column, row.get(column.key))) for column in columns])
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def labelled(column: Column, value: Any) -> Any:
    """``value`` as ``column`` shows it: coded values as their labels (a list joined)."""
    if not column.labels:
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(column.labels.get(v, v)) for v in value)
    return column.labels.get(value, value) if value is not None else None


def export_filename(*parts: str, at: dt.datetime | None = None, extension: str = "csv") -> str:
    """A readable file name: the parts joined by ``-``, the export time (UTC) and
    ``.<extension>``, with characters that file systems or headers refuse removed
    (non-ASCII kept)."""
    when = (at or utc_now()).strftime("%Y%m%d-%H%M")
    cleaned = [_UNSAFE_NAME.sub("_", p).strip(" ._") for p in parts]
    return "-".join([p for p in cleaned if p] + [when]) + f".{extension}"


def content_disposition(filename: str) -> str:
    """The ``Content-Disposition`` value for ``filename``: an ASCII fallback and the UTF-8
    name (RFC 6266 / 5987), so a Chinese segment name survives the download."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
