"""List exports on the web: the list page's Export button (``/<type>/export/``, with the
list's own filter and order arguments) and ``GET /api/v1/<type>/export`` (the list API's
rison ``q``) both come here.

An export is described once (``graph.io.export.ListExport``: the reader's scope, filters,
order, headers in their language), audited once (type, filters, order, format, row count),
then either streamed in the response or, above ``GRAPHCRM_EXPORT_JOB_ROWS`` rows, written
by the ``list_export`` background job for its user to download from the Jobs screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, current_app, stream_with_context
from flask_babel import lazy_gettext

from graph.io.csv_writer import content_disposition, csv_lines, export_filename
from graph.io.export import (
    FORMATS,
    MIMETYPES,
    InvalidExport,
    ListExport,
    count,
    export_fields,
    plain_value,
    rows,
    xlsx_file,
)
from graph.jobs.catalog import LIST_EXPORT
from graph.jobs.progress import Job
from graph.records.filters import InvalidQuery, check_order
from views.crud.downloads import model_columns
from views.crud.filters import conditions_of
from views.crud.interface import GraphInterface
from views.labels import is_chinese
from views.scope import (
    audit,
    business_timezone,
    current_actor,
    current_jobs,
    current_repository,
    not_visible,
)

BAD_FORMAT = lazy_gettext("The export format must be csv or xlsx.")
BAD_QUERY = lazy_gettext("This list cannot be exported with these filters or this order.")
QUEUED = lazy_gettext(
    "Your export of {rows} rows is being prepared in the background: download it from "
    "Jobs when it is ready."
)
CHUNK = 1 << 16


def export_format(value: Any) -> str:
    """The asked format (``csv`` when none is named); ``InvalidExport`` for anything else."""
    text = "csv" if value in (None, "") else str(value).strip().lower()
    if text not in FORMATS:
        raise InvalidExport(str(BAD_FORMAT))
    return text


def list_export(
    datamodel: GraphInterface, filters: Any, order: str | None, direction: str, fmt: str
) -> ListExport:
    """The export of ``datamodel``'s list as the current reader sees it, with ``filters``
    (FAB's, the list's or the REST ``q``'s) and its order. A filter on personal data the
    reader sees masked raises ``MaskedField``; an order no list offers ``InvalidQuery``."""
    model = datamodel.model
    datamodel.conditions(filters)  # refuses (or audits) filters on personal data
    if order and order not in datamodel.get_order_columns_list():
        raise InvalidQuery(f"{model.label} cannot be ordered by {order!r}")
    direction = (direction or "asc").lower()
    check_order(model.meta, order or model.meta.default_order, direction)
    name = _plural(model)
    return ListExport(
        label=model.label,
        format=fmt,
        columns=tuple(model_columns(model, export_fields(model))),
        conditions=tuple(conditions_of(filters)),
        order=order or None,
        direction=direction,
        scope=datamodel.scope(),
        timezone=str(business_timezone()),
        hidden_text=not_visible(),
        sheet=name,
        filename=export_filename(name, extension=fmt),
    )


def _plural(model: Any) -> str:
    meta = model.meta
    return meta.zh_plural if is_chinese() else meta.en_plural


def job_threshold() -> int:
    """Exports of more rows than this run as background jobs."""
    return int(current_app.config["GRAPHCRM_EXPORT_JOB_ROWS"])


def deliver(export: ListExport) -> Response | Queued:
    """Audit the export, then stream it, or start its job when it is large (the job)."""
    repository = current_repository(export.model)
    total = count(repository, export)
    large = total > job_threshold()
    job = None
    if large:
        job, _ = current_jobs().start(
            LIST_EXPORT, started_by=current_actor(), params=export.as_params()
        )
    audit("export", target=export.label, detail=_audited(export, total, job))
    if job is not None:
        return Queued(job, total)
    headers = {"Content-Disposition": content_disposition(export.filename)}
    if export.format == "csv":
        body = stream_with_context(csv_lines(export.columns, rows(repository, export)))
        return Response(body, mimetype=MIMETYPES["csv"], headers=headers)
    path = xlsx_file(repository, export)
    headers["Content-Length"] = str(path.stat().st_size)
    return Response(_streamed(path), mimetype=MIMETYPES["xlsx"], headers=headers)


def file_response(path: Path, export: ListExport) -> Response:
    """A finished job's export file as a download (the file stays for another download)."""
    headers = {
        "Content-Disposition": content_disposition(export.filename),
        "Content-Length": str(path.stat().st_size),
    }
    return Response(_read(path), mimetype=MIMETYPES[export.format], headers=headers)


@dataclass(frozen=True)
class Queued:
    """An export that became a background job, and how many rows it will write."""

    job: Job
    rows: int

    def message(self) -> str:
        """What the reader is told: it will be ready in Jobs."""
        return str(QUEUED).format(rows=f"{self.rows:,}")


def _audited(export: ListExport, total: int, job: Job | None) -> dict[str, Any]:
    """The audit detail: filters by field and operator, values of personal data left out."""
    model = export.model
    filters = []
    for condition in export.conditions:
        prop = model.meta.prop(condition.field)
        entry: dict[str, Any] = {"field": condition.field, "op": condition.op}
        if prop is None or not prop.pii:
            entry["value"] = plain_value(condition.value)
        filters.append(entry)
    detail: dict[str, Any] = {
        "type": export.label,
        "format": export.format,
        "filters": filters,
        "order": export.order,
        "direction": export.direction,
        "rows": total,
        "masked": not export.scope.pii,
    }
    if job is not None:
        detail["job"] = job.id
    return detail


def _streamed(path: Path) -> Iterator[bytes]:
    """The file's bytes, then the file removed."""
    try:
        yield from _read(path)
    finally:
        path.unlink(missing_ok=True)


def _read(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk
