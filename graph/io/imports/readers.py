"""Reading the spreadsheets people have: CSV (UTF-8 with or without BOM, GB18030/GBK;
comma, semicolon or tab) and XLSX/XLS (python-calamine), row by row.

``open_table`` finds the header: title rows above it are skipped (a row whose only text is
in its first cell, above wider rows; a header may leave columns blank), and a two-row
header whose upper row has merged or blank cells over several columns (联系人 over 姓名 |
手机) is combined into one header per column (``联系人 姓名``, ``联系人 手机``).
``Table.rows`` streams the data rows with their line numbers as a spreadsheet shows them,
so a million rows never sit in memory (an XLSX sheet is held by calamine in its own
compact form while read). A CSV row
whose quote is never closed properly (it would swallow the lines below it) comes as an
``UnreadRow`` naming its line, and the lines below it are read as rows again.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from python_calamine import CalamineWorkbook

CSV, XLSX, XLS = "csv", "xlsx", "xls"
# Names of workbooks (a text file named .xls is read as text: some systems export so).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
FORMATS = (CSV, XLSX, XLS)
DELIMITERS = ",;\t"
SNIFF_BYTES = 64 * 1024
# A CSV is read a megabyte at a time: each read lets the batch writer's thread take the
# interpreter, and the reader then waits for it to be given back.
READ_BUFFER = 1 << 20
# The longest CSV cell read, in characters: 32 times Excel's own limit (32,767), so an
# over-long cell fails its row by its field's length. A quote never closed reads on until
# it has taken this much; then its line fails and the lines below are read again (without
# the limit, the rest of a large file would be read into that one cell, in memory).
CELL_LIMIT = 1 << 20
# Header detection looks at this many rows from the top.
HEAD_ROWS = 20
# The last lines read are kept to check a quoted cell spanning lines; a longer one is read
# again from the file.
RECENT_LINES = 64
# What people call the encodings a CSV is read in.
ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "gb18030": "GB18030/GBK",
    "utf-16": "UTF-16",
}
Cell = Any  # str for CSV; str, int, float, bool, date, datetime or None from a workbook


class UnreadableFile(ValueError):
    """The file is not a CSV or workbook that can be read: the message says why in English,
    ``key`` and ``params`` name the reason for a message in the reader's language."""

    def __init__(self, message: str, key: str = "import_unreadable_file", **params: str) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class SourceRow(NamedTuple):
    """One data row: its line number in the file (1-based, as a spreadsheet shows it) and
    its cells, one per header column (missing cells are ""). A named tuple: a million are
    made per import, and a frozen dataclass costs half as much again to build."""

    line: int
    cells: tuple[Cell, ...]


class UnreadRow(SourceRow):
    """A CSV line whose quote is never closed properly: read as a row, it would swallow the
    lines below it. Its cells are the line split at the delimiters, quotes kept, so the
    failing-rows file shows it as written."""


class WideRow(SourceRow):
    """A CSV line with more filled cells than the header has columns: a cell holding the
    delimiter without quotes has split in two, and every value right of it has moved one
    column on. Its cells are those under the header (the failing-rows file shows them)."""


class _UnreadCells(list[str]):
    """The cells of an ``UnreadRow`` as ``_csv_rows`` yields them."""


@dataclass
class Table:
    """An opened source file: what was detected and the headers; ``rows()`` streams it."""

    path: Path
    format: str
    headers: list[str]
    header_line: int  # the last header line (data starts below it)
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    last_line: int = 0  # a sheet's last used line, from its dimensions (0: not known, CSV)

    def rows(self, after_line: int = 0) -> Iterator[SourceRow]:
        """The data rows below the header (and below ``after_line``: a resumed import),
        blank rows left out."""
        start = max(after_line, self.header_line)
        source = _csv_rows(self) if self.format == CSV else _sheet_rows(self)
        width = len(self.headers)
        for line, cells in source:
            if line <= start:
                continue
            # Most rows start with a filled text cell: the blank-row test is then done.
            first = cells[0] if cells else None
            if not (first.__class__ is str and first.strip()) and all(_blank(c) for c in cells):
                continue
            if len(cells) == width and cells.__class__ is not _UnreadCells:
                yield SourceRow(line, tuple(cells))
                continue
            padded = tuple(cells[:width]) + ("",) * (width - len(cells))
            if cells.__class__ is _UnreadCells:
                yield UnreadRow(line, padded)
            elif self.format == CSV and any(not _blank(c) for c in cells[width:]):
                yield WideRow(line, padded)
            else:
                yield SourceRow(line, padded)


def detect_format(path: Path) -> str:
    """csv, xlsx or xls, from the file's first bytes (the name may lie)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return XLS
    return CSV


def open_table(path: Path | str, *, sheet: str | None = None) -> Table:
    """Open ``path`` and find its header; ``sheet`` picks a workbook's sheet by name
    (default: the first sheet holding data). ``UnreadableFile`` when it cannot be read."""
    path = Path(path)
    kind = detect_format(path)
    if kind == CSV:
        try:
            encoding = detect_encoding(path)
        except UnreadableFile as exc:
            if path.suffix.lower() in WORKBOOK_SUFFIXES:
                # Named a workbook, and no text either: a damaged workbook, not bad text.
                raise UnreadableFile(
                    "not a readable workbook", "import_unreadable_workbook"
                ) from exc
            raise
        delimiter = detect_delimiter(path, encoding)
        table = Table(path, CSV, [], 0, encoding=encoding, delimiter=delimiter)
        head = [cells for _, cells in _take(_csv_rows(table), HEAD_ROWS)]
        headers, header_line = find_header(head, merged=())
    else:
        try:
            book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types for broken files
            raise UnreadableFile(
                f"not a readable workbook: {exc}", "import_unreadable_workbook"
            ) from exc
        names = list(book.sheet_names)
        chosen = sheet or _first_with_data(book, names)
        if chosen not in names:
            raise UnreadableFile(
                f"no sheet {chosen!r} (sheets: {', '.join(names)})",
                "import_unreadable_sheet",
                sheet=str(chosen),
                sheets=", ".join(names),
            )
        table = Table(path, kind, [], 0, sheet=chosen, sheets=names)
        data = book.get_sheet_by_name(chosen)
        head = [list(r) for r in _take(iter(data.iter_rows()), HEAD_ROWS)]
        merged = _merged_ranges(data)
        headers, header_line = find_header(head, merged=merged)
        # Rows are read from the sheet's top (line 1), whatever row its first used cell is
        # on; cells from its first used column.
        if data.end is not None:
            table.last_line = data.end[0] + 1
    if not headers:
        raise UnreadableFile("no header row found", "import_unreadable_header")
    table.headers, table.header_line = headers, header_line
    return table


def detect_encoding(path: Path) -> str:
    """utf-8-sig (BOM), utf-16 (its BOM: Excel's "Unicode text"), utf-8, or gb18030 (a
    superset of GBK and GB2312)."""
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _utf16_text(sample):
        return "utf-16"
    try:
        # A cut multi-byte character at the end of the sample is no reason to refuse UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "the text is neither UTF-8 nor GB18030/GBK", "import_unreadable_encoding"
        ) from exc
    return "gb18030"


# What no text file holds: control characters other than tab and line breaks, and the
# Unicode noncharacters U+FFFE and U+FFFF.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _utf16_text(sample: bytes) -> bool:
    """Whether ``sample`` (starting with a UTF-16 byte-order mark) decodes as UTF-16 to
    text: two random bytes after FF FE decode to some character, so decoding alone proves
    little."""
    try:
        text = codecs.getincrementaldecoder("utf-16")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return _NOT_TEXT.search(text) is None


def detect_delimiter(path: Path, encoding: str) -> str:
    """The separator of the first lines: comma, semicolon or tab."""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(SNIFF_BYTES // 4)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        lines = sample.splitlines()[:5] or [""]
        return max(DELIMITERS, key=lambda d: min(line.count(d) for line in lines))


def find_header(
    head: list[list[Cell]], *, merged: tuple[tuple[int, int, int, int], ...]
) -> tuple[list[str], int]:
    """(headers, last header line) of the top rows ``head`` (0-based line i is line i+1).

    The header is the first row filled in two cells or more, or in one cell that is not
    its first (or the one filled cell of a one-column file): a title row above it is one
    text in its first cell (a merged title keeps its text there), while a header may leave
    columns without a name (``客户名称,手机,,,`` over rows of five cells). When
    that row has merged cells spanning columns (``merged``: 0-based (row, col, last_row,
    last_col)), or blanks the row below names (blanks between filled cells, or below a
    filled cell a blank: a header's cell spanning both rows), and the row below holds no
    number or date, the two are one header."""
    widths = [sum(1 for c in row if not _blank(c)) for row in head]
    if not widths or max(widths) == 0:
        return [], 0
    widest = max(widths)
    index = next(
        i
        for i, w in enumerate(widths)
        if w >= 2 or (w == 1 and (widest == 1 or _blank(head[i][0])))
    )
    top = [_text(c) for c in head[index]]
    spans = [(c0, c1) for r0, c0, _r1, c1 in merged if r0 == index and c1 > c0]
    below = [_text(c) for c in head[index + 1]] if index + 1 < len(head) else []
    named = [i for i, t in enumerate(top) if t]
    two_rows = bool(spans) or (
        below
        and any(not t for t in top[: len(below)])
        and all(below[i] for i, t in enumerate(top[: len(below)]) if not t and i < len(below))
        and not any(_numeric(c) or _number_like(c) for c in head[index + 1])
        and (
            any(not t for t in top[named[0] : named[-1]])
            or any(i >= len(below) or not below[i] for i in named)
        )
    )
    if not two_rows:
        return _unique(top), index + 1
    width = max(len(top), len(below))
    top += [""] * (width - len(top))
    below += [""] * (width - len(below))
    for c0, c1 in spans:
        for col in range(c0 + 1, min(c1, width - 1) + 1):
            top[col] = top[col] or top[c0]
    if not spans:  # blanks after a filled cell continue it (a merge saved without its range)
        for col in range(1, width):
            if not top[col] and below[col] and top[col - 1] and below[col - 1]:
                top[col] = top[col - 1]
    combined = [
        (f"{t} {b}" if t and b and t != b else t or b) for t, b in zip(top, below, strict=True)
    ]
    return _unique(combined), index + 2


def _unique(headers: list[str]) -> list[str]:
    """Headers made distinct (a second 电话 becomes 电话 (2)); blanks named by position."""
    seen: dict[str, int] = {}
    result = []
    for number, header in enumerate(headers, start=1):
        name = header or f"#{number}"
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    while result and result[-1].startswith("#"):
        result.pop()
    return result


def _csv_rows(table: Table) -> Iterator[tuple[int, list[Cell]]]:
    _allow_cells_of(CELL_LIMIT)
    try:
        with table.path.open(
            encoding=table.encoding, errors="strict", newline="", buffering=READ_BUFFER
        ) as handle:
            yield from _parsed(handle, table)
    except UnicodeDecodeError as exc:
        name = ENCODING_NAMES.get(table.encoding, table.encoding)
        raise UnreadableFile(
            f"the file is not all {name} text: {exc}", "import_unreadable_text", encoding=name
        ) from exc
    except csv.Error as exc:
        raise UnreadableFile(f"not a valid CSV file: {exc}", "import_unreadable_csv") from exc


def _parsed(handle: Iterable[str], table: Table) -> Iterator[tuple[int, list[Cell]]]:
    """(first line, cells) of each CSV row of ``handle``. A row spanning lines (a quoted
    cell with line breaks, rare) is checked: if its quotes are not well formed (a quote
    never closed, or closed other than before a delimiter), the csv module has run it into
    the lines below. Its first line then comes as ``_UnreadCells`` and reading starts again
    on the next line, so the rows below it are read as they are written. So does a row
    with a cell longer than ``CELL_LIMIT``: it is a quote left open in all but name."""
    recent: deque[str] = deque(maxlen=RECENT_LINES)
    lines = _remembered(handle, recent)
    before = 0  # lines read before the current reader's first
    while True:
        reader = csv.reader(lines, delimiter=table.delimiter)
        start = before + 1
        try:
            for cells in reader:
                end = before + reader.line_num
                if end > start:
                    raw = _raw_lines(table, recent, start, end)
                    if not _well_quoted(raw, table):
                        break
                yield start, cells
                start = end + 1
            else:
                return
        except csv.Error as exc:
            if not str(exc).startswith("field larger than field limit"):
                raise
            raw = _raw_lines(table, recent, start, before + reader.line_num)
        first = raw[0].rstrip("\r\n")
        split = csv.reader([first], delimiter=table.delimiter, quoting=csv.QUOTE_NONE)
        yield start, _UnreadCells(next(split, []))
        # Read again from the next line: the lines the broken row took, then the rest.
        lines = itertools.chain(raw[1:], _remembered(handle, recent))
        before = start


def _remembered(lines: Iterable[str], recent: deque[str]) -> Iterator[str]:
    """``lines``, each kept in ``recent`` as it passes."""
    for line in lines:
        recent.append(line)
        yield line


def _raw_lines(table: Table, recent: deque[str], first: int, last: int, /) -> list[str]:
    """Lines ``first`` to ``last`` of the file as read: from the recent ones when they are
    all there (``last`` is the newest), else read again."""
    count = last - first + 1
    if count <= len(recent):
        return list(recent)[len(recent) - count :]
    with table.path.open(encoding=table.encoding, errors="strict", newline="") as handle:
        return list(itertools.islice(handle, first - 1, last))


def _well_quoted(raw: list[str], table: Table) -> bool:
    """Whether ``raw`` lines are one CSV row whose quotes are well formed."""
    try:
        return len(list(csv.reader(raw, delimiter=table.delimiter, strict=True))) == 1
    except csv.Error:
        return False


_CELL_LIMIT = threading.Lock()


def _allow_cells_of(size: int) -> None:
    """Let the csv module read a cell of ``size`` characters (its default is 131,072). The
    limit is the process's (the csv module has no other): it is only ever raised."""
    with _CELL_LIMIT:
        if csv.field_size_limit() < size:
            csv.field_size_limit(size)


def _sheet_rows(table: Table) -> Iterator[tuple[int, list[Cell]]]:
    book = CalamineWorkbook.from_path(str(table.path))
    data = book.get_sheet_by_name(table.sheet)
    for number, cells in enumerate(data.iter_rows(), start=1):
        yield number, list(cells)


def _first_with_data(book: CalamineWorkbook, names: list[str]) -> str:
    for name in names:
        data = book.get_sheet_by_name(name)
        if data.height and any(
            not _blank(c) for row in _take(iter(data.iter_rows()), 5) for c in row
        ):
            return name
    return names[0] if names else ""


def _merged_ranges(data: Any) -> tuple[tuple[int, int, int, int], ...]:
    try:
        ranges = data.merged_cell_ranges or []
    except Exception:  # not every format keeps merge information
        return ()
    # Rows count from the sheet's top, as they are read; columns from its first used one.
    first_column = (data.start or (0, 0))[1]
    return tuple((r0, c0 - first_column, r1, c1 - first_column) for (r0, c0), (r1, c1) in ranges)


def _take(rows: Iterator[Any], count: int) -> list[Any]:
    taken = []
    for row in rows:
        taken.append(row)
        if len(taken) >= count:
            break
    return taken


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _numeric(cell: Cell) -> bool:
    return isinstance(cell, int | float) and not isinstance(cell, bool)


# A text cell holding a number, a phone or a date (1,234.50, 138 0013 8000, 2024/5/20):
# data, never a header's name.
_NUMBER_LIKE = re.compile(r"[+\-(¥$]?\d[\d\s.,:/\-+()%]*")


def _number_like(cell: Cell) -> bool:
    return isinstance(cell, str) and _NUMBER_LIKE.fullmatch(cell.strip()) is not None


def _text(cell: Cell) -> str:
    if _blank(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime | dt.date):
        return cell.isoformat()
    return " ".join(str(cell).split())
