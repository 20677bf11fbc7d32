"""List exports: every record of one node type that a list shows, with its filters and order,
as CSV or XLSX.

What a file holds is what the list would show its reader, by the same path: the reader's
row-level scope limits the records (``graph.security.scope``), and each batch is presented
by ``graph.records.visibility.as_seen`` (personal data masked for readers without the
permission, related records they may not see as placeholders). Records stream from the
store in keyset batches (``NodeRepository.batches``) into the writer, so a million rows
never sit in memory. Headers are the declared labels in the reader's language and related
records appear by name (their title), so that an edited file imports again (``uid`` first,
under the "ID" header, names the record to update; ``version`` beside it, the record's
version when exported, lets the import refuse a row that would overwrite a change made to
the record since).

An export is a plain, JSON-able description (``ListExport``): the web layer builds it from a
request (labels in the reader's language, the reader's scope) and either writes it while the
response streams or hands it to the ``list_export`` job (``graph.jobs.catalog``).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from graph.io.csv_writer import Column, csv_lines
from graph.io.xlsx_writer import write_xlsx
from graph.model.base import NodeModel, model_for
from graph.model.conditions import Condition
from graph.model.records import Record, Ref
from graph.records.repository import NodeRepository
from graph.records.visibility import NOT_VISIBLE, as_seen
from graph.security.scope import Scope, scope_conditions

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BATCH = 1000  # records per store read (two round trips each)
# Related records in one cell: the importer splits on this (and on ; 、 |).
JOIN = ", "


class InvalidExport(ValueError):
    """An export asked for something no export does (an unknown format)."""


def export_fields(model: type[NodeModel]) -> list[str]:
    """The exported fields of ``model``, in file order: uid, version, every property, every
    relation."""
    meta = model.meta
    return ["uid", "version", *(p.name for p in meta.props), *(r.name for r in meta.rels)]


@dataclass(frozen=True)
class ListExport:
    """One list export: which records (node type, the list's filters and order, the reader's
    scope), in which format, and how the reader reads it (column labels, the placeholder
    text of hidden records, the business time zone, the sheet and file names)."""

    label: str
    format: str
    columns: tuple[Column, ...]
    conditions: tuple[Condition, ...] = ()
    order: str | None = None
    direction: str = "asc"
    scope: Scope = Scope.nobody()
    timezone: str = "UTC"
    hidden_text: str = NOT_VISIBLE
    sheet: str = "Export"
    filename: str = "export.csv"

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InvalidExport(f"format must be one of {', '.join(FORMATS)}")

    @property
    def model(self) -> type[NodeModel]:
        """The exported node type."""
        return model_for(self.label)

    def all_conditions(self) -> list[Condition]:
        """The reader's row-level conditions first, then the list's filters."""
        return [*scope_conditions(self.model, self.scope), *self.conditions]

    def as_params(self) -> dict[str, Any]:
        """The export as job parameters (JSON)."""
        return {
            "label": self.label,
            "format": self.format,
            "columns": [
                [c.key, c.label, [[k, v] for k, v in c.labels.items()]] for c in self.columns
            ],  # fmt: skip
            "conditions": [[c.field, c.op, plain_value(c.value)] for c in self.conditions],
            "order": self.order,
            "direction": self.direction,
            "scope": {
                "username": self.scope.username,
                "team_only": self.scope.team_only,
                "pii": self.scope.pii,
                "labels": None if self.scope.labels is None else sorted(self.scope.labels),
            },
            "timezone": self.timezone,
            "hidden_text": self.hidden_text,
            "sheet": self.sheet,
            "filename": self.filename,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ListExport:
        """The export a job's parameters describe (``as_params``)."""
        scope = params["scope"]
        labels = scope.get("labels")
        return cls(
            label=params["label"],
            format=params["format"],
            columns=tuple(
                Column(key, label, {k: v for k, v in choices})
                for key, label, choices in params["columns"]
            ),  # fmt: skip
            conditions=tuple(Condition(f, op, value) for f, op, value in params["conditions"]),
            order=params.get("order"),
            direction=params.get("direction", "asc"),
            scope=Scope(
                username=scope["username"],
                team_only=bool(scope["team_only"]),
                pii=bool(scope["pii"]),
                labels=None if labels is None else frozenset(labels),
            ),
            timezone=params.get("timezone", "UTC"),
            hidden_text=params.get("hidden_text", NOT_VISIBLE),
            sheet=params.get("sheet", "Export"),
            filename=params.get("filename", "export"),
        )


def plain_value(value: Any) -> Any:
    """A filter value as JSON holds it (text for anything but text, numbers and booleans)."""
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def count(repository: NodeRepository, export: ListExport) -> int:
    """How many records ``export`` writes (one query)."""
    return repository.count(export.all_conditions())


def rows(
    repository: NodeRepository,
    export: ListExport,
    *,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """The exported rows, batch by batch, as the reader sees them; ``progress(done)`` is
    called after each batch."""
    store = repository.store
    zone = ZoneInfo(export.timezone)
    done = 0
    conditions = export.all_conditions()
    for records in repository.batches(conditions, export.order, export.direction, batch):
        as_seen(store, records, export.scope, export.hidden_text)
        for record in records:
            yield row_of(record, zone)
        done += len(records)
        if progress is not None:
            progress(done)


def row_of(record: Record, zone: ZoneInfo) -> dict[str, Any]:
    """One record as an export row: times in the business time zone, related records by
    name (their title, or the placeholder text of one the reader may not see)."""
    row: dict[str, Any] = {"uid": record.uid, "version": record.version}
    for prop in record.model.meta.props:
        value = getattr(record, prop.name, None)
        if isinstance(value, dt.datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(zone)
        row[prop.name] = value
    for rel in record.model.meta.rels:
        value = getattr(record, rel.name, None)
        if rel.many:
            row[rel.name] = JOIN.join(str(ref) for ref in value or []) or None
        else:
            row[rel.name] = str(value) if isinstance(value, Ref | Record) else None
    return row


def write_file(
    repository: NodeRepository,
    export: ListExport,
    path: Path,
    *,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the whole export to ``path`` (CSV: UTF-8 with BOM, written as it streams;
    XLSX: in constant memory), atomically: a reader finds the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    exported = rows(repository, export, batch=batch, progress=progress)
    try:
        if export.format == "csv":
            with partial.open("wb") as out:
                for piece in csv_lines(export.columns, exported):
                    out.write(piece.encode("utf-8"))
        else:
            write_xlsx(export.columns, exported, partial, sheet=export.sheet)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def xlsx_file(repository: NodeRepository, export: ListExport) -> Path:
    """The XLSX export written to a new temporary file (the caller streams and removes it)."""
    handle, name = tempfile.mkstemp(prefix="graphcrm-export-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        write_xlsx(export.columns, rows(repository, export), path, sheet=export.sheet)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def job_file(folder: Path, job_id: str, export: ListExport) -> Path:
    """Where the ``list_export`` job ``job_id`` leaves its file."""
    return folder / f"{job_id}.{export.format}"
