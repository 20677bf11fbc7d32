"""The customer screens: the generated CRUD plus the 360 page as the record page."""

from __future__ import annotations

from typing import Any

from flask import current_app

from graph import nodes
from graph.customers import customer_360
from views.labels import bilingual
from views.model_views import GraphModelView, model_view
from views.scope import current_scope, not_visible

TIMELINE_KINDS = {
    "followup": ("FollowUpView", bilingual("Follow-up", "跟进")),
    "order": ("OrderView", bilingual("Order", "订单")),
    "ticket": ("TicketView", bilingual("Ticket", "工单")),
}


class _CustomerBase(GraphModelView):
    show_template = "graphcrm/customer_show.html"

    def show_context(self, item: Any) -> dict[str, Any]:
        store = current_app.extensions["graph_store"]
        c360 = customer_360(
            store,
            item.uid,
            current_scope(),
            cipher=current_app.extensions["field_cipher"],
            placeholder=not_visible(),
        )
        self.datamodel.present(c360.contacts)
        return {
            "c360": c360,
            "timeline_kinds": TIMELINE_KINDS,
            "referral_chain_label": bilingual("Referral chain", "推荐链"),
        }


CustomerView = model_view(nodes.Customer, base=_CustomerBase)
