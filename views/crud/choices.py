"""Search endpoint for relation selects: options are loaded by what the user types."""

from __future__ import annotations

from flask import abort, jsonify, request
from flask_appbuilder import BaseView, expose, has_access

from graph.model.base import REGISTRY
from views.crud.interface import GraphInterface
from views.scope import current_repository

MAX_CHOICES = 20


class ChoicesView(BaseView):
    """``/graphcrm/choices/<Label>?q=text``: at most 20 nodes whose title contains the text."""

    route_base = "/graphcrm/choices"
    default_view = "search"

    @expose("/<label>")
    @has_access
    def search(self, label: str):
        model = REGISTRY.get(label)
        if model is None:
            abort(404)
        text = request.args.get("q", "")[:100]
        conditions = GraphInterface(model).conditions()
        repository = current_repository(model)
        refs = repository.search_titles(text, MAX_CHOICES, conditions)
        return jsonify({"results": [{"id": ref.uid, "text": str(ref)} for ref in refs]})
