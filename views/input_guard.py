"""Malformed requests are refused before any view runs: a clear 4xx, never a 5xx.

- A body over ``MAX_CONTENT_LENGTH`` is refused with 413 before it is read; an endpoint
  marked ``@large_upload`` (the import upload) takes a multipart file up to
  ``IMPORT_MAX_UPLOAD_BYTES`` instead, read by its view.
- A JSON body nested deeper than ``MAX_JSON_DEPTH`` (Python's parser would recurse until it
  fails), that does not parse, or that holds a lone surrogate (``"\\ud800"``: no encoding can
  carry it to the graph or the security database) is a 400.
- A body sent to ``/api/`` that is not JSON is a 400 (as FAB answers a broken one).
- A rison ``q`` argument that does not parse is a 400 (the parser recurses or indexes past
  the end on input such as ``((`` or ``!``); APIs marked ``@plain_text_q`` (global search)
  take ``q`` as plain text instead.
- An integer beyond 64 bits in a JSON body or in ``q`` is a 400, and in the URL's path (as
  a number or digits) a 404, no record has such an id: SQLite raises ``OverflowError``.
- A FAB list action (``/<view>/action/<name>/<pk>``, ``/<view>/action_post``) naming an
  action the view does not have is a 404 (FAB looks its permission up and fails with 500).

Messages are in the reader's language; ``views.errors`` shapes the answer (JSON under
``/api/``, the error page elsewhere).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import prison
from flask import Flask, Response, current_app, request
from flask_appbuilder import ModelView
from flask_babel import lazy_gettext

from views.errors import error_response, is_api_request
from views.labels import lazy_format

View = TypeVar("View", bound=Callable[..., Any])

MAX_JSON_DEPTH = 64
_BODY_METHODS = ("POST", "PUT", "PATCH")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_DIGITS = re.compile(r"^-?[0-9]+\Z")

TOO_DEEP = lazy_format(
    lazy_gettext("The JSON body is nested more than {depth} levels deep."), depth=MAX_JSON_DEPTH
)
NOT_JSON = lazy_gettext("The body is not valid JSON.")
SURROGATE = lazy_gettext(
    "The JSON body holds an invalid character (a lone UTF-16 surrogate such as \\ud800)."
)
JSON_ONLY = lazy_gettext("Send the body as JSON (Content-Type: application/json).")
BAD_RISON = lazy_gettext("The q argument is not valid rison.")
TOO_BIG = lazy_gettext("A number is too large: integers must lie between -2^63 and 2^63-1.")


def json_depth(raw: bytes) -> int:
    """How deeply ``raw`` nests arrays and objects (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def has_lone_surrogate(value: Any) -> bool:
    """True when a string anywhere in ``value`` (keys included) cannot be encoded."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    return False


def out_of_range(value: Any) -> bool:
    """True when an integer anywhere in ``value`` does not fit in 64 signed bits."""
    if isinstance(value, dict):
        return any(out_of_range(item) for item in value.values())
    if isinstance(value, list):
        return any(out_of_range(item) for item in value)
    return isinstance(value, int) and not -(2**63) <= value < 2**63


def _check_json(raw: bytes) -> Response | None:
    if json_depth(raw) > MAX_JSON_DEPTH:
        return error_response(400, TOO_DEEP)
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return error_response(400, NOT_JSON)
    if has_lone_surrogate(parsed):
        return error_response(400, SURROGATE)
    if out_of_range(parsed):
        return error_response(400, TOO_BIG)
    return None


NO_SUCH_ACTION = lazy_gettext("There is no such action.")


def _unknown_action() -> Response | None:
    """404 for a FAB list action that its view does not have."""
    view = current_app.view_functions.get(request.endpoint or "")
    function = getattr(view, "__func__", None)
    if function is ModelView.action:
        name = (request.view_args or {}).get("name")
    elif function is ModelView.action_post:
        name = request.form.get("action")
    else:
        return None
    if name not in view.__self__.actions:  # type: ignore[union-attr]
        return error_response(404, NO_SUCH_ACTION)
    return None


def plain_text_q(handler: View) -> View:
    """Mark an API method whose ``q`` is plain text (a search box), not rison."""
    handler.plain_text_q = True  # type: ignore[attr-defined]
    return handler


def large_upload(handler: View) -> View:
    """Mark an API method that takes a large multipart file (``IMPORT_MAX_UPLOAD_BYTES``)."""
    handler.large_upload = True  # type: ignore[attr-defined]
    return handler


def _takes_large_upload() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "large_upload", False))


def _takes_plain_q() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "plain_text_q", False))


def check_request() -> Response | None:
    """Refuse a malformed request (see the module's docstring); None lets it through."""
    api = is_api_request()
    path_args = (request.view_args or {}).values()
    if out_of_range([int(v) if isinstance(v, str) and _DIGITS.match(v) else v for v in path_args]):
        return error_response(404)
    if api and "q" in request.args and not _takes_plain_q():
        try:
            q = prison.loads(request.args["q"])
        except Exception:  # the parser raises whatever its recursion or indexing hits
            return error_response(400, BAD_RISON)
        if out_of_range(q):
            return error_response(400, TOO_BIG)
    if request.method in _BODY_METHODS and _takes_large_upload():
        # Read by the view after its permission check; not multipart: it finds no file.
        request.max_content_length = int(current_app.config["IMPORT_MAX_UPLOAD_BYTES"])
    elif request.method in _BODY_METHODS:
        raw = request.get_data(cache=True)  # 413 here when over MAX_CONTENT_LENGTH
        if request.is_json and raw.strip():
            refused = _check_json(raw)
            if refused is not None:
                return refused
        elif api and raw and not request.is_json:
            return error_response(400, JSON_ONLY)
    return _unknown_action()


def init_app(app: Flask) -> None:
    """Check every request before its view (and before anything else reads its body)."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
