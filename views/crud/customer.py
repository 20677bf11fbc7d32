"""The customer screens: the generated CRUD plus the 360 page as the record page."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext

from graph.model import nodes
from graph.model.base import REGISTRY
from graph.records.customer_360 import TimelineEntry, customer_360
from views.crud.model_views import GraphModelView, model_view
from views.display import format_amount
from views.labels import bilingual, choice_label
from views.scope import current_cipher, current_scope, current_store, not_visible


class _CustomerBase(GraphModelView):
    show_template = "graphcrm/customer_show.html"

    def show_context(self, item: Any) -> dict[str, Any]:
        store = current_store()
        c360 = customer_360(
            store,
            item.uid,
            current_scope(),
            cipher=current_cipher(),
            placeholder=not_visible(),
        )
        self.datamodel.present(c360.contacts)
        c360.timeline[:] = [_readable(entry) for entry in c360.timeline]
        return {
            "c360": c360,
            "timeline_kinds": {
                label: (
                    f"{label}View",
                    bilingual(model.meta.en, model.meta.zh),
                    bilingual(model.meta.en_plural, model.meta.zh_plural),
                )
                for label, model in REGISTRY.items()
            },
            # The kinds the timeline holds, for its filter.
            "timeline_filter": list(dict.fromkeys(entry.kind for entry in c360.timeline)),
            "referral_chain_label": lazy_gettext("Referral chain"),
        }


def _readable(entry: TimelineEntry) -> TimelineEntry:
    """A timeline entry whose detail is a label in the reader's language, not a code, and
    an order's amount with its currency (``¥128,000.50``)."""
    if entry.amount is not None:
        return replace(entry, detail=format_amount(entry.amount, entry.detail))
    prop = REGISTRY[entry.kind].meta.prop(entry.detail_of)
    if prop is None or not prop.choices:
        return entry
    return replace(entry, detail=choice_label(prop.choices, entry.detail))


CustomerView = model_view(nodes.Customer, base=_CustomerBase)
