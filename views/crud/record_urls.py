"""Record page URLs and row buttons of a list page, built once per page instead of once
per row.

A list page of 25 rows asked Flask for ~250 URLs (each row's show, edit and delete
buttons, its title link, its related records' links) and rendered FAB's row-button macro
25 times: ~15% of the page's CPU. The URL of a record page differs between records only
by the record's id, so it is built once per request and endpoint with a placeholder and
the id put in its place; likewise the row buttons are rendered once per page. Only ids
made of characters that neither URLs nor HTML escape (letters, digits, ``-``, ``_``, ``.``:
every id the app makes) take the shortcut; any other id is built as before, so the
result is the same text either way.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, url_for
from markupsafe import Markup

PLACEHOLDER = "graphcrm-record-id-placeholder"
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]+\Z")


def plain(pk: Any) -> bool:
    """Whether ``pk`` reads the same in a URL, in HTML and in a JavaScript string."""
    return isinstance(pk, str | int) and _PLAIN.match(str(pk)) is not None


def record_url(endpoint: str, pk: Any) -> str:
    """``url_for(endpoint, pk=pk)``, from one ``url_for`` per endpoint and request."""
    if not plain(pk):
        return url_for(endpoint, pk=pk)
    patterns: dict[str, str] = g.setdefault("graphcrm_record_urls", {})
    pattern = patterns.get(endpoint)
    if pattern is None:
        pattern = patterns[endpoint] = url_for(endpoint, pk=PLACEHOLDER)
    return pattern.replace(PLACEHOLDER, str(pk))


def for_record(rendered: Markup, pk: Any) -> Markup | None:
    """HTML rendered for the record id ``PLACEHOLDER``, for record ``pk`` instead; None
    when ``pk`` is not plain (render it for ``pk`` then)."""
    if not plain(pk):
        return None
    return Markup(str(rendered).replace(PLACEHOLDER, str(pk)))


def init_app(app: Flask) -> None:
    """Offer ``record_url``, ``record_id_placeholder`` and ``|for_record`` to templates
    (the list widget, ``graphcrm/widgets/list.html``)."""
    app.add_template_global(record_url, "record_url")
    app.jinja_env.globals["record_id_placeholder"] = PLACEHOLDER
    app.add_template_filter(for_record, "for_record")
