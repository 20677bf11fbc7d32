"""CSV downloads: every export answers through ``csv_download`` (and so through the one
writer, ``graph.io.csv_writer``), with labels in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response, stream_with_context

from graph.io.csv_writer import Column, content_disposition, csv_lines
from graph.model.base import NodeModel
from views.labels import is_chinese, model_labels


def model_columns(model: type[NodeModel], names: Iterable[str]) -> list[Column]:
    """Columns of ``model`` fields: their labels, and their choices' labels for coded values."""
    labels = model_labels(model.meta)
    zh = is_chinese()
    columns = []
    for name in names:
        prop = model.meta.prop(name)
        choices = {c.value: c.zh if zh else c.en for c in prop.choices} if prop else {}
        columns.append(Column(name, str(labels.get(name, name)), choices))
    return columns


def csv_download(
    columns: Iterable[Column], rows: Iterable[Mapping[str, Any]], filename: str
) -> Response:
    """A streamed CSV attachment (UTF-8 with BOM, formulas defused) named ``filename``."""
    return Response(
        stream_with_context(csv_lines(columns, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": content_disposition(filename)},
    )
