"""Answers of the add and edit paths to a record page's dialogs (``views.crud.actions``).

A dialog posts the same form to the same endpoint as the full page, so the same
validation and the same writes apply; it asks for JSON (``Accept: application/json``) and
gets the outcome as data instead of a page: where to go after a save (with the usual
notice flashed for that page), or what to fix, per field, in the reader's language.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, jsonify, request
from flask_babel import lazy_gettext

NOT_SAVED = lazy_gettext("Not saved: please correct the fields marked below.")
STALE_DIALOG = lazy_gettext(
    "Not saved: someone else changed this record after you opened it, and nothing was "
    "overwritten. Your choice is kept; save again to apply it over theirs."
)
# The fields a partial edit (a dialog changing one field, a one-click "Close") sends.
ONLY = "_only"
# Where the add form returns after a save (a page of this site only).
NEXT = "next"


def wants_json() -> bool:
    """Whether the request comes from a dialog, which asks for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def saved(url: str, status: int = 200) -> Response:
    """A save went through: the dialog goes to ``url`` (where the notice is flashed)."""
    response = jsonify(url=url)
    response.status_code = status
    return response


def refused(status: int, message: Any, **extra: Any) -> Response:
    """A save refused as a whole (stale, gone, duplicate): one message, nothing written."""
    response = jsonify(message=str(message), **extra)
    response.status_code = status
    return response


def invalid(form: Any) -> Response:
    """Validation failed: the message of each field (already in the reader's language)."""
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return refused(422, NOT_SAVED, errors=errors)


def local_next() -> str | None:
    """The ``next`` page asked for, if it is a path on this site (never another host)."""
    target = request.args.get(NEXT, "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def partial_fields(editable: list[str]) -> list[str]:
    """The editable fields a partial edit names (``_only``); empty for a whole-form edit."""
    return [name for name in request.values.getlist(ONLY) if name in editable]


def narrow(form: Any, keep: list[str]) -> None:
    """Leave only the ``keep`` fields (and the version and CSRF token) in ``form``, so a
    partial edit validates and writes nothing else."""
    for name in [field.name for field in form]:
        if name not in keep and name not in ("version", "csrf_token"):
            del form[name]
