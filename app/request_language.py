"""The language a request is answered in.

Flask-AppBuilder's locale selector reads the ``_l_`` argument, then the session's language,
and else writes the default language into the session. So a REST client was answered in
English whatever its ``Accept-Language`` said (the export's headers, the import targets'
labels, error messages) unless it had set a session language through ``/lang/zh``, and its
first call left "en" in its session for the calls after it.

Here the order is: ``_l_`` (an API argument, as in FAB); the session's language (the flag
menu's ``/lang/<code>``: the browser's choice comes first); for a REST request (``/api/``),
the best of ``LANGUAGES`` that ``Accept-Language`` names (``zh-CN`` reads as ``zh``), and
nothing is written into the session; else ``BABEL_DEFAULT_LOCALE``, which a page writes into
the session as FAB did, so the REST calls a page's scripts make with its session cookie
speak the page's language. REST answers say ``Vary: Accept-Language``.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, has_request_context, request, session
from flask_babel import get_babel

from views.errors import is_api_request


def select_locale() -> str | None:
    """The code of the request's language (None outside a request: the default)."""
    if not has_request_context():
        return None
    languages = current_app.config["LANGUAGES"]
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("_l_")
    if asked is not None:
        return asked if asked in languages else default
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    if is_api_request():
        return request.accept_languages.best_match(list(languages)) or default
    session["locale"] = default
    return default


def _vary(response: Response) -> Response:
    if is_api_request():
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Use ``select_locale`` in place of FAB's selector (after ``AppBuilder.init_app``)."""
    get_babel(app).locale_selector = select_locale
    app.after_request(_vary)
