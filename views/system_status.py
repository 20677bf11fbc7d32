"""The System status page (Setup menu, Admin only): the graph engine behind the app, whether
it answers, and how many records of each type it holds."""

from __future__ import annotations

from typing import Any

from flask_appbuilder import BaseView, expose
from flask_babel import lazy_gettext

from graph.model.base import REGISTRY
from graph.records.status import graph_status
from views.guard import guard
from views.labels import bilingual
from views.scope import current_graph_url, current_scope, current_store

ENGINES = {"falkordb": "FalkorDB", "neo4j": "Neo4j"}


class SystemStatusView(BaseView):
    """Engine, address, state and record counts per type under the types' own names."""

    route_base = "/status"
    default_view = "status"

    @expose("/")
    @guard("status")
    def status(self) -> Any:
        """The engine's status; counts are the reader's (an admin's: every record)."""
        store = current_store()
        status = graph_status(store, current_scope())
        counts = [
            (label, str(bilingual(meta.en_plural, meta.zh_plural)), count)
            for label, count in status.counts.items()
            for meta in [REGISTRY[label].meta]
        ]
        return self.render_template(
            "graphcrm/system_status.html",
            status=status,
            engine=ENGINES.get(status.backend, status.backend),
            graph_url=current_graph_url().redacted(),
            counts=sorted(counts, key=lambda row: row[1]),
        )


def register(appbuilder: Any, category: str, category_label: Any) -> None:
    """Add the System status page to ``category``'s menu (no built-in role but Admin has
    its permission)."""
    appbuilder.add_view(
        SystemStatusView,
        "System status",
        label=lazy_gettext("System status"),
        href="/status/",
        icon="fa-heartbeat",
        category=category,
        category_label=category_label,
    )
