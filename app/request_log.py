"""Logs an operator can read or feed to a log pipeline: one line per request, as text or JSON.

``GRAPHCRM_LOG_FORMAT=text`` (the default) writes a request as
``GET /customer/list/ 200 21.4 ms (graph 3.2 ms, 3 calls) rid=… user=admin ip=127.0.0.1``;
``json`` writes one JSON object a line with the same fields (``method``, ``path``,
``status``, ``ms``, ``graph_ms``, ``graph_calls``, ``request_id``, ``user``, ``ip``) plus
``time``, ``level``, ``logger`` and ``message``. The app's own warnings (loggers under
``app``, ``graph`` and ``views``) go to the same place in the same format, and every line
written while a request runs carries its request id, as its audit events do.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, TextIO

from flask import Flask

from graph.records.audit_intent import current_request

FORMATS = ("text", "json")
REQUEST_LOGGER = "graphcrm.request"
APP_LOGGERS = ("app", "graph", "views")
FIELDS = "graphcrm_fields"  # the attribute of a log record holding a request line's fields

request_log = logging.getLogger(REQUEST_LOGGER)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is written (test runners and
    gunicorn may replace it after the app is built)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class _RequestId(logging.Filter):
    """Adds the id of the request being served (if any) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            info = current_request.get()
            record.request_id = info.request_id if info is not None else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, FIELDS, {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger: message``, with ``rid=…`` on lines written during a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        if request_id and not hasattr(record, FIELDS):  # a request line names it already
            line += f" rid={request_id}"
        return line


def configure(app: Flask) -> None:
    """Send the request lines and the app's own log lines to stderr in the configured format
    (called once per app; a later app replaces the handler an earlier one installed)."""
    handler = _StderrHandler()
    handler.setFormatter(
        JsonFormatter() if app.config["GRAPHCRM_LOG_FORMAT"] == "json" else TextFormatter()
    )
    handler.addFilter(_RequestId())
    for name in (REQUEST_LOGGER, *APP_LOGGERS):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
            logger.removeHandler(old)
        logger.addHandler(handler)
    request_log.setLevel(logging.INFO)


def log_request(
    *,
    method: str,
    path: str,
    status: int,
    ms: float,
    graph_ms: float,
    graph_calls: int,
    request_id: str,
    user: str | None,
    ip: str | None,
) -> None:
    """Write the line of one answered request."""
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "ms": round(ms, 1),
        "graph_ms": round(graph_ms, 1),
        "graph_calls": graph_calls,
        "request_id": request_id,
        "user": user,
        "ip": ip,
    }
    request_log.info(
        "%s %s %s %.1f ms (graph %.1f ms, %d calls) rid=%s user=%s ip=%s",
        method, path, status, ms, graph_ms, graph_calls, request_id, user or "-", ip or "-",
        extra={FIELDS: fields, "request_id": request_id},
    )  # fmt: skip
