"""The network explorer: a page at ``/network/?start=<Label>:<uid>`` and a REST API at
``/api/v1/network/<Label>/<uid>/neighbours?types=TAGGED,OWNS``.

Permissions: ``can_explore`` on ``NetworkView`` (the page), ``can_neighbours`` on
``NetworkApi``. Row-level rules come from the request's scope (``graph.explore.network`` turns what
a salesperson may not see into anonymous placeholders); a start node the reader may not see
answers 404, an undeclared relationship type 400. The page exports the visible subgraph as
PNG and JSON in the browser (Cytoscape's ``cy.png()`` and ``cy.json()``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import gettext, lazy_gettext
from marshmallow import Schema, fields
from werkzeug.routing import BuildError

from graph.errors import InvalidValue, NotFound
from graph.explore.network import (
    MEMBER,
    SEGMENT,
    all_types,
    neighbours,
    parse_types,
    relationship_names,
    start_labels,
)
from graph.segments.storage import list_segments
from views import admin_registry
from views.graph_legend import graph_legend
from views.guard import guard
from views.labels import bilingual, declared_name, localized
from views.messages import error_text
from views.scope import current_scope, current_store

PAGE_LABELS = {
    "title": lazy_gettext("Network explorer"),
    "start": lazy_gettext("Start from"),
    "kind": lazy_gettext("Type"),
    "node": lazy_gettext("Node"),
    "show": lazy_gettext("Show"),
    "types": lazy_gettext("Relationship types"),
    "export_png": lazy_gettext("Export PNG"),
    "export_json": lazy_gettext("Export JSON"),
    "fit": lazy_gettext("Fit"),
    "hidden": lazy_gettext("Not visible to you"),
    "truncated": lazy_gettext("Only the first {n} neighbours are shown."),
    "help": lazy_gettext(
        "Click a node to expand its neighbours, double-click to open its record; "
        "drag to move, scroll to zoom."
    ),
}
SEGMENT_NAMES = lazy_gettext("Segment")
# The edge from a segment to its members (computed; declared types name themselves).
MEMBER_NAME = lazy_gettext("Member")


def picker_labels() -> tuple[str, ...]:
    """The node types a reader starts from in the picker (``NodeAdmin.explore_from``), then
    segments; any declared type works by URL."""
    entries = admin_registry.entries()
    return (*(entry.label for entry in entries if entry.explore_from), SEGMENT)


def _pick_text() -> str:
    """ "Choose where to start: Customer, Tag, Channel, Segment." from the picker's types."""
    names = [declared_name(label) for label in picker_labels() if label != SEGMENT]
    return gettext("Choose where to start: {types}.").format(
        types=gettext(", ").join([*names, str(SEGMENT_NAMES)])
    )


def network_schemas() -> tuple[type[Schema], ...]:
    """The answer's schemas, their enums naming the declared node and relationship types."""
    node = Schema.from_dict(
        {
            "id": fields.String(metadata={"description": "The uid, or anon-<n> for a placeholder"}),
            "placeholder": fields.Boolean(
                metadata={"description": "A node the caller may not see: only its id"}
            ),
            "uid": fields.String(),
            "label": fields.String(metadata={"enum": list(start_labels())}),
            "title": fields.String(metadata={"description": "Name or title (never personal data)"}),
        },
        name="NetworkNode",
    )
    edge = Schema.from_dict(
        {
            "id": fields.String(),
            "source": fields.String(metadata={"description": "Node id"}),
            "target": fields.String(metadata={"description": "Node id"}),
            "type": fields.String(metadata={"enum": list(all_types())}),
        },
        name="NetworkEdge",
    )
    network = Schema.from_dict(
        {
            "nodes": fields.List(
                fields.Nested(node),
                metadata={"description": "The start node first, then its neighbours"},
            ),
            "edges": fields.List(fields.Nested(edge)),
            "truncated": fields.Boolean(metadata={"description": "Cut at 200 neighbours"}),
        },
        name="Network",
    )
    return node, edge, network


def _neighbours_parameters() -> list[dict[str, Any]]:
    """The path and query parameters of ``neighbours``, the label enum from the declarations."""
    return [
        {"in": "path", "name": "label", "schema": {"type": "string", "enum": list(start_labels())}},
        {"in": "path", "name": "uid", "schema": {"type": "string"}},
        {
            "in": "query",
            "name": "types",
            "schema": {"type": "string"},
            "description": "Comma-separated relationship types, e.g. TAGGED,OWNS (default all)",
        },
    ]


def _kind_label(label: str) -> str:
    if label == SEGMENT:
        return str(SEGMENT_NAMES)
    return declared_name(label)


def _record_url(label: str) -> str | None:
    """The address of a record's page, with ``__uid__`` for the uid (None: no page)."""
    try:
        if label == SEGMENT:
            return url_for("SegmentView.show", uid="__uid__")
        return url_for(f"{label}View.show", pk="__uid__")
    except BuildError:  # a type without a record page
        return None


def _parse_start(value: str | None) -> tuple[str, str] | None:
    """``Label:uid`` from the query string (None if absent or not a known type)."""
    if not value or ":" not in value:
        return None
    label, uid = value.split(":", 1)
    if label not in start_labels() or not uid:
        return None
    return label, uid


class NetworkView(BaseView):
    """The explorer page: a start picker and an expandable Cytoscape graph."""

    route_base = "/network"
    default_view = "explore"

    @expose("/")
    @guard("explore")
    def explore(self) -> Any:
        start = _parse_start(request.args.get("start"))
        graph: dict[str, Any] | None = None
        store = current_store()
        if start is not None:
            try:
                graph = neighbours(store, start[0], start[1], current_scope())
            except NotFound:
                abort(404)
        labels = {**localized(PAGE_LABELS), "pick": _pick_text()}
        data = {
            "start": {"label": start[0], "uid": start[1]} if start else None,
            "graph": graph,
            "neighbours_url": url_for("NetworkApi.neighbours", label="__label__", uid="__uid__"),
            "record_urls": {label: _record_url(label) for label in start_labels()},
            "kinds": {label: _kind_label(label) for label in start_labels()},
            "types": {
                **{t: str(bilingual(*names)) for t, names in relationship_names().items()},
                MEMBER: str(MEMBER_NAME),
            },
            "labels": labels,
        }
        pickers = [
            {
                "label": label,
                "kind": _kind_label(label),
                "endpoint": None
                if label == SEGMENT
                else url_for("ChoicesView.search", label=label),
            }
            for label in picker_labels()
        ]
        segments = [{"uid": s.uid, "name": s.name} for s in list_segments(store)]
        return self.render_template(
            "graphcrm/network.html",
            data=data,
            labels=labels,
            pickers=pickers,
            segments=segments,
            start=start,
            legend=graph_legend(),
        )


class NetworkApi(BaseApi):
    """``GET /api/v1/network/<Label>/<uid>/neighbours``: one step of the network."""

    resource_name = "network"
    openapi_spec_tag = "Network"

    @expose("/<label>/<uid>/neighbours", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("neighbours")
    def neighbours(self, label: str, uid: str) -> Response:
        """The direct neighbours of a node.
        ---
        get:
          description: >-
            The node (first) and its direct neighbours over every declared relationship
            type, or only over `types`, with the edges between them. A segment's
            neighbours are its first 200 members (MEMBER edges). Nodes the caller may not
            see are placeholders with an id only.
          responses:
            200:
              description: The node and its neighbours
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Network'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        if label not in start_labels():
            return self.response_404()
        try:
            types = parse_types(request.args.get("types"))
        except InvalidValue as exc:
            return self.response_400(message=error_text(exc))
        store = current_store()
        try:
            graph = neighbours(store, label, uid, current_scope(), types)
        except NotFound:
            return self.response_404()
        return self.response(200, result=graph)


def register(appbuilder: Any) -> None:
    """Add the explorer page (menu Analysis) and its API, its OpenAPI enums naming the node
    and relationship types declared now. The API is a subclass made for this app (same
    name, so same endpoint and permissions): another app built later with other types
    does not change this one's document."""
    api = type(
        NetworkApi.__name__,
        (NetworkApi,),
        {
            "openapi_spec_component_schemas": network_schemas(),
            "openapi_spec_methods": {
                "neighbours": {"get": {"parameters": _neighbours_parameters()}}
            },
        },
    )
    appbuilder.add_view(
        NetworkView,
        "Network explorer",
        label=lazy_gettext("Network explorer"),
        href="/network/",
        icon="fa-share-alt",
        category="Analysis",
        category_label=lazy_gettext("Analysis"),
    )
    appbuilder.add_api(api)
