"""The console page at ``/console/``: editor, parameters, results as table, graph and JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app
from flask_appbuilder import BaseView, expose
from flask_babel import gettext

from graph.console import console
from graph.model.base import REGISTRY, SYSTEM_PROPS
from views.console.texts import PANEL_LABELS
from views.graph_legend import graph_legend
from views.guard import guard
from views.labels import localized
from views.scope import current_store


def editor_schema() -> dict[str, list[str]]:
    """Labels, relationship types and property keys for the editor's completion."""
    labels, types, keys = set(REGISTRY), set[str](), set(SYSTEM_PROPS)
    for model in REGISTRY.values():
        keys.update(prop.name for prop in model.meta.props)
        types.update(rel.type for rel in model.meta.rels)
    labels.add("Change")
    types.add("CHANGED")
    return {
        "labels": sorted(labels),
        "relationshipTypes": sorted(types),
        "propertyKeys": sorted(keys),
    }


class ConsoleView(BaseView):
    """The console page: editor, parameters, results as table, graph and JSON."""

    route_base = "/console"
    default_view = "index"

    @expose("/")
    @guard("access", all_rows=True)
    def index(self) -> Any:
        store = current_store()
        return self.render_template(
            "graphcrm/console.html",
            # A starter's description is its statement's header, translated by the catalogue.
            starters=[
                {**asdict(starter), "description": gettext(starter.description)}
                for starter in console.starters(store)
            ],
            schema=editor_schema(),
            row_cap=current_app.config["GRAPHCRM_CONSOLE_ROW_CAP"],
            timeout_ms=current_app.config["GRAPHCRM_CONSOLE_TIMEOUT_MS"],
            labels=localized(PANEL_LABELS),
            timezone=current_app.config["GRAPHCRM_TIMEZONE"],
            legend=graph_legend(),
        )
