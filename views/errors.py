"""Error answers for every page and API: in the app's layout and the reader's language.

HTML pages get ``graphcrm/error.html`` (navigation and a way back); ``/api/`` paths get
JSON ``{"message": ...}``. While the graph engine is down or restarting, every answer is
503 with ``Retry-After``, never 500: Flask's handler catches ``StoreUnavailable`` from
pages, and every API's ``response_500`` lets it through FAB's ``@safe`` decorator (which
would turn it into a "Fatal error" 500).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_appbuilder.api import BaseApi
from flask_babel import lazy_gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from graph.errors import StoreUnavailable
from views.labels import translate_messages
from views.messages import MESSAGES
from views.scope import current_appbuilder

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# The engine is down, restarting or too busy to answer (one message for every page and API).
UNAVAILABLE = MESSAGES["unavailable"]
# A write refused by a database constraint (FAB's security store or the graph).
CONFLICT = MESSAGES["duplicate"]
# Titles and explanations of the statuses a reader may meet.
PAGES: dict[int, tuple[Any, Any]] = {
    400: (
        lazy_gettext("Bad request"),
        lazy_gettext("The request could not be understood."),
    ),
    401: (
        lazy_gettext("Not signed in"),
        lazy_gettext("Sign in first: the request carries no valid login or token."),
    ),
    403: (
        lazy_gettext("Not allowed"),
        lazy_gettext("You do not have permission to open this page."),
    ),
    404: (
        lazy_gettext("Not found"),
        lazy_gettext("This page or record does not exist, or is not visible to you."),
    ),
    405: (
        lazy_gettext("Not allowed here"),
        lazy_gettext("This page cannot be used that way."),
    ),
    413: (
        lazy_gettext("Too large"),
        lazy_gettext("What was sent is larger than this server accepts."),
    ),
    415: (
        lazy_gettext("Unsupported format"),
        lazy_gettext("The server cannot read what was sent."),
    ),
    429: (
        lazy_gettext("Too many requests"),
        lazy_gettext("Please wait a moment and try again."),
    ),
    500: (
        lazy_gettext("Something went wrong"),
        lazy_gettext(
            "The server could not complete this request. Nothing was changed by it; "
            "try again, and tell an administrator if it happens again."
        ),
    ),
    503: (lazy_gettext("Temporarily unavailable"), UNAVAILABLE),
}
BACK = lazy_gettext("Back")
HOME = lazy_gettext("Home")


def _back_url() -> str | None:
    """The page the reader came from, when it is one of ours."""
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) else None


def is_api_request() -> bool:
    """Whether the request is to the REST API (``/api/``): answered in JSON, its language
    from ``Accept-Language`` when the session names none (``app.request_language``)."""
    return request.path.startswith("/api/")


def error_response(status: int, message: Any = None) -> Response:
    """The answer for ``status``: JSON under ``/api/``, else the error page in the layout."""
    title, text = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    message = str(message or text)
    if is_api_request():
        response = jsonify(message=message)
    else:
        appbuilder = current_appbuilder()
        # Refusals that come before FAB's own request set-up (a CSRF failure) lack g.user,
        # which the layout's menu reads.
        g.user = g.get("user") or current_user
        html = render_template(
            "graphcrm/error.html",
            appbuilder=appbuilder,
            base_template=appbuilder.base_template,
            status=status,
            title=str(title),
            message=Markup.escape(message),
            back=str(BACK),
            back_url=_back_url(),
            home=str(HOME),
        )
        response = current_app.response_class(html, mimetype="text/html")
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _http_error(exc: HTTPException) -> Response | HTTPException:
    if exc.code is None or exc.code < 400 or exc.response is not None:
        return exc
    if exc.code in PAGES or exc.code >= 500:
        # Werkzeug's own descriptions are English-only: ours are per language. A view's
        # own message (``abort(403, description=...)``) is kept.
        custom = exc.description if exc.description != type(exc).description else None
        return error_response(exc.code, custom)
    return exc


def _unavailable(exc: StoreUnavailable) -> Response:
    log.warning("graph unavailable for %s %s: %s", request.method, request.path, exc)
    return error_response(503, UNAVAILABLE)


def _internal(exc: InternalServerError) -> Response:
    original = exc.original_exception
    if isinstance(original, StoreUnavailable):
        return _unavailable(original)
    return error_response(500)


def _no_upload(exc: FileNotFoundError) -> Response:
    # FAB's generated "download" routes serve files from UPLOAD_FOLDER; GraphCRM stores
    # no uploads, so whatever a URL names there is simply not found.
    return error_response(404)


def _retry_after(response: Response) -> Response:
    """Every 503, whichever code answered it, says when to try again."""
    if response.status_code == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    """Register the error pages, the 503 for an unavailable engine and ``Retry-After``."""
    app.register_error_handler(StoreUnavailable, _unavailable)
    app.register_error_handler(InternalServerError, _internal)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(FileNotFoundError, _no_upload)
    app.after_request(_retry_after)
    # Every API class, FAB's own security API included, answers through BaseApi's helpers:
    # FAB's say "Not found", "Forbidden" ... in English whatever the reader's language.
    BaseApi.response_500 = _api_response_500
    BaseApi.response_400 = _api_response_400
    BaseApi.response_422 = _api_response_422
    BaseApi.response_401 = _api_refusal(401)
    BaseApi.response_403 = _api_refusal(403)
    BaseApi.response_404 = _api_refusal(404)


def _api_response_400(self: BaseApi, message: str | None = None) -> Response:
    """FAB's 400 with its message, or ours in the reader's language instead of its default."""
    return self.response(400, message=message or str(PAGES[400][1]))


_fab_response_422 = BaseApi.response_422


def _api_response_422(self: BaseApi, message: Any = None) -> Response:
    """FAB's 422, its validation messages (a schema's, nested by field) in the reader's
    language: marshmallow's own messages are English."""
    if isinstance(message, dict | list):
        message = translate_messages(message)
    return _fab_response_422(self, message=message)


def _api_refusal(status: int) -> Callable[[BaseApi], Response]:
    """FAB's ``response_<status>`` (no message of its own): the status's text in the
    reader's language, as every other refusal of ours says it."""

    def respond(self: BaseApi) -> Response:
        return self.response(status, message=str(PAGES[status][1]))

    return respond


def _api_response_500(self: BaseApi, message: str | None = None) -> Response:
    """FAB's ``@safe`` answers every exception with ``response_500``, inside its ``except``
    block: an unavailable engine becomes our 503, a client error (Werkzeug's 4xx, e.g.
    415 from ``request.json`` without a JSON body) its own status, and a write the security
    database refused (FAB's ``SQLAInterface.add`` re-raises a taken unique name, which its
    ``post`` does not catch; the session is rolled back) a 422, instead of a 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, StoreUnavailable):
        raise exc
    if isinstance(exc, HTTPException) and exc.code is not None and 400 <= exc.code < 500:
        return error_response(exc.code)
    if isinstance(exc, IntegrityError):
        return error_response(422, CONFLICT)
    return _FAB_RESPONSE_500(self, message=message)


_FAB_RESPONSE_500 = BaseApi.response_500
