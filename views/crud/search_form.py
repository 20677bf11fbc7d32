"""The search form above each list, rendered once per view, fields and language.

FAB's search widget (``appbuilder/general/widgets/search.html``) rendered every search
field with WTForms, translated every field label and filter name and serialised them to
JSON on every list page: ~16% of a list page's CPU. On a GET request that HTML is the same
for every page of a view with the same offered fields (``include_cols``: a reader who sees
personal data masked is offered fewer), language and URL prefix (``request.script_root``,
in the relation selects' search URLs): the unbound search form renders its fields empty
or at their declared defaults (relation selects are filled by search as the reader types,
``views.crud.choices``), and the labels, filter names and choices come from declarations
and the translation catalogue. The one part that differs between pages is the active
filters (what the reader filtered on, and the values they typed), so the form is rendered
with a placeholder in their place and each page puts its own in, serialised and escaped
by the same ``tojson`` filter as before. A form bound to submitted data (a POST that
renders a record's related lists again) is rendered as before.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_appbuilder.widgets import SearchWidget
from flask_babel import get_locale
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

PLACEHOLDER = "graphcrm-active-filters-placeholder"
MAX_FORMS = 64  # (view, fields, locale, prefix) kept per app; all dropped beyond
KEPT = "graphcrm_search_forms"  # app.extensions: key -> HTML with the placeholder


def _tojson(value: Any) -> Markup:
    """``value | tojson``, as the template's filter writes it."""
    policies = current_app.jinja_env.policies
    return htmlsafe_json_dumps(
        value, dumps=policies["json.dumps_function"], **policies["json.dumps_kwargs"]
    )


class KeptSearchWidget(SearchWidget):
    """FAB's search widget, its HTML kept per (view, offered fields, locale, URL prefix)
    with each page's active filters put in."""

    def __call__(self, **kwargs: Any) -> Markup:
        if request.method not in ("GET", "HEAD"):
            return Markup(super().__call__(**kwargs))
        args = self.template_args
        key = (
            args.get("route_base"),
            tuple(args["include_cols"]),
            str(get_locale()),
            request.script_root,
        )
        kept: dict[tuple[Any, ...], str] = current_app.extensions.setdefault(KEPT, {})
        marker = str(_tojson([PLACEHOLDER]))
        html = kept.get(key)
        if html is None:
            html = self._render(**kwargs)
            if html.count(marker) != 1:
                return Markup(super().__call__(**kwargs))
            if len(kept) >= MAX_FORMS:
                kept.clear()
            kept[key] = html
        active = self.filters.get_filters_values_tojson()
        return Markup(html.replace(marker, str(_tojson(active)), 1))

    def _render(self, **kwargs: Any) -> str:
        """The widget rendered as FAB renders it, with the placeholder as active filters."""
        form = self.template_args["form"]
        dict_filters = self.filters.get_search_filters()
        columns = self.template_args["include_cols"]
        kwargs["label_columns"] = {col: str(form[col].label.text) for col in columns}
        kwargs["form_fields"] = {col: form[col]() for col in columns}
        kwargs["search_filters"] = {
            col: [str(flt.name) for flt in dict_filters[col]] for col in columns
        }
        kwargs["active_filters"] = [PLACEHOLDER]
        template = current_app.jinja_env.get_template(self.template)
        return str(template.render({**self.template_args, **kwargs}))
