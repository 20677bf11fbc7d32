"""Per-request id and timing: ``X-Request-Id`` and ``Server-Timing`` on every answer.

Each request gets an id (a sane ``X-Request-Id`` sent by a proxy is kept, else a new one),
answered in ``X-Request-Id`` and carried into the audit events the request causes
(``graph.records.audit_intent.current_request``). Every answer says where its time went:
``Server-Timing: total;dur=12.1, graph;dur=4.3;desc="5 calls"`` (wall time in the app, and
in the graph engine with the number of round trips), and the app writes the same in one
log line per request (``app.request_log``).
"""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, g, request

from app import request_log
from graph.records.audit_intent import RequestInfo, current_request
from graph.store import timing

HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _request_id() -> str:
    sent = request.headers.get(HEADER, "")
    return sent if _SANE_ID.match(sent) else uuid.uuid4().hex


def _start() -> None:
    g.graphcrm_started = time.perf_counter()
    g.graphcrm_request_id = _request_id()
    g.graphcrm_request_token = current_request.set(
        RequestInfo(request_id=g.graphcrm_request_id, ip=request.remote_addr)
    )
    g.graphcrm_graph_time, g.graphcrm_timing_token = timing.measure()


def _finish(response: Response) -> Response:
    started = g.get("graphcrm_started")
    if started is None:  # a request refused before our hook ran
        return response
    total = (time.perf_counter() - started) * 1000
    graph = g.graphcrm_graph_time
    response.headers[HEADER] = g.graphcrm_request_id
    response.headers["Server-Timing"] = (
        f'total;dur={total:.1f}, graph;dur={graph.seconds * 1000:.1f};desc="{graph.calls} calls"'
    )
    user = g.get("user")
    request_log.log_request(
        method=request.method,
        path=request.path,
        status=response.status_code,
        ms=total,
        graph_ms=graph.seconds * 1000,
        graph_calls=graph.calls,
        request_id=g.graphcrm_request_id,
        user=user.username if getattr(user, "is_authenticated", False) else None,
        ip=request.remote_addr,
    )
    return response


def _teardown(_exc: BaseException | None) -> None:
    token = g.pop("graphcrm_timing_token", None)
    if token is not None:
        timing.stop(token)
    token = g.pop("graphcrm_request_token", None)
    if token is not None:
        current_request.reset(token)


def init_app(app: Flask) -> None:
    """Give every request an id, a timing and a log line; register before other hooks."""
    request_log.configure(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_teardown)
