"""Links to records in lists and on record pages: related records (owner, channel,
customer, tags) link to their pages where the reader may open them; a record the reader
may not see stays its placeholder text (``graph.records.visibility``), never a link."""

from __future__ import annotations

from typing import Any

from flask import g
from markupsafe import Markup, escape

from graph.model.base import REGISTRY
from graph.model.records import Ref
from views.crud.record_urls import record_url
from views.scope import current_appbuilder, current_scope

SEPARATOR = ", "


def may_show(label: str) -> bool:
    """Whether the reader's role may open record pages of ``label`` (once per request)."""
    known: dict[str, bool] = g.setdefault("graphcrm_may_show", {})
    if label not in known:
        model = REGISTRY.get(label)
        known[label] = (
            model is not None
            and current_scope().may_read(model)
            and bool(current_appbuilder().sm.has_access("can_show", f"{label}View"))
        )
    return known[label]


def ref_link(value: Any) -> Markup:
    """One related record: a link to its page, its placeholder, or its text."""
    if not isinstance(value, Ref):
        return escape("" if value is None else value)
    # Markup by concatenating escaped parts: ``Markup.format`` (string.Formatter) cost
    # ~4% of a list page's CPU at ~75 links a page; the text is the same.
    if value.hidden or not value.uid:
        return Markup(f'<span class="not-visible text-muted">{escape(str(value))}</span>')
    if not may_show(value.label):
        return escape(str(value))
    url = record_url(f"{value.label}View.show", value.uid)
    return Markup(f'<a href="{escape(url)}" class="record-link">{escape(str(value))}</a>')


def ref_links(values: Any) -> Markup:
    """Related records of a many-valued relation (tags), each as ``ref_link``."""
    return Markup(SEPARATOR).join(ref_link(value) for value in values or [])
