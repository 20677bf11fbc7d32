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

from flask import Response, abort, current_app, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, fields
from werkzeug.routing import BuildError

from graph.errors import InvalidValue, NotFound
from graph.explore.network import ALL_TYPES, MEMBER, SEGMENT, START_LABELS, neighbours, parse_types
from graph.model.base import REGISTRY
from graph.segments.storage import list_segments
from views.guard import guard
from views.labels import bilingual, localized
from views.scope import current_scope

# The node types a reader starts from in the picker (any declared type works by URL).
PICKER_LABELS = ("Customer", "Tag", "Channel", SEGMENT)
PAGE_LABELS = {
    "title": ("Network explorer", "关系网络探索"),
    "start": ("Start from", "起点"),
    "kind": ("Type", "类型"),
    "node": ("Node", "节点"),
    "show": ("Show", "显示"),
    "types": ("Relationship types", "关系类型"),
    "export_png": ("Export PNG", "导出 PNG"),
    "export_json": ("Export JSON", "导出 JSON"),
    "fit": ("Fit", "适应窗口"),
    "hidden": ("Not visible to you", "无权查看"),
    "truncated": ("Only the first {n} neighbours are shown.", "仅显示前 {n} 个相邻节点。"),
    "pick": (
        "Choose a customer, tag, channel or segment to start.",
        "请选择客户、标签、渠道或分群作为起点。",
    ),
    "help": (
        "Click a node to expand its neighbours, double-click to open its record; "
        "drag to move, scroll to zoom.",
        "单击节点展开相邻节点，双击打开记录；拖动可移动，滚轮可缩放。",
    ),
}
SEGMENT_NAMES = ("Segment", "客户分群")
# Relationship types in the two languages (MEMBER: a segment's members, computed).
TYPE_LABELS = {
    "REPORTS_TO": ("Reports to", "汇报给"),
    "PART_OF": ("Part of", "隶属于"),
    "OWNS": ("Owns", "负责"),
    "ACQUIRED_VIA": ("Acquired via", "来源渠道"),
    "TAGGED": ("Tagged", "标签"),
    "REFERRED": ("Referred", "推荐"),
    "WORKS_FOR": ("Works for", "任职于"),
    "ABOUT": ("About", "关于"),
    "LOGGED": ("Logged", "记录"),
    "PLACED": ("Placed", "下单"),
    "RAISED": ("Raised", "提交"),
    MEMBER: ("Member", "分群成员"),
}

NetworkNodeSchema = Schema.from_dict(
    {
        "id": fields.String(metadata={"description": "The uid, or anon-<n> for a placeholder"}),
        "placeholder": fields.Boolean(
            metadata={"description": "A node the caller may not see: only its id"}
        ),
        "uid": fields.String(),
        "label": fields.String(metadata={"enum": list(START_LABELS)}),
        "title": fields.String(metadata={"description": "Name or title (never personal data)"}),
    },
    name="NetworkNode",
)
NetworkEdgeSchema = Schema.from_dict(
    {
        "id": fields.String(),
        "source": fields.String(metadata={"description": "Node id"}),
        "target": fields.String(metadata={"description": "Node id"}),
        "type": fields.String(metadata={"enum": list(ALL_TYPES)}),
    },
    name="NetworkEdge",
)
NetworkSchema = Schema.from_dict(
    {
        "nodes": fields.List(
            fields.Nested(NetworkNodeSchema),
            metadata={"description": "The start node first, then its neighbours"},
        ),
        "edges": fields.List(fields.Nested(NetworkEdgeSchema)),
        "truncated": fields.Boolean(metadata={"description": "Cut at 200 neighbours"}),
    },
    name="Network",
)


def _bad_types() -> str:
    return str(
        bilingual(
            "Unknown relationship type. Known types: " + ", ".join(ALL_TYPES),
            "未知的关系类型。可用类型：" + "，".join(ALL_TYPES),
        )
    )


def _kind_label(label: str) -> str:
    if label == SEGMENT:
        return str(bilingual(*SEGMENT_NAMES))
    meta = REGISTRY[label].meta
    return str(bilingual(meta.en, meta.zh))


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
    if label not in START_LABELS or not uid:
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
        store = current_app.extensions["graph_store"]
        if start is not None:
            try:
                graph = neighbours(store, start[0], start[1], current_scope())
            except NotFound:
                abort(404)
        labels = localized(PAGE_LABELS)
        data = {
            "start": {"label": start[0], "uid": start[1]} if start else None,
            "graph": graph,
            "neighbours_url": url_for("NetworkApi.neighbours", label="__label__", uid="__uid__"),
            "record_urls": {label: _record_url(label) for label in START_LABELS},
            "kinds": {label: _kind_label(label) for label in START_LABELS},
            "types": {t: str(bilingual(*TYPE_LABELS.get(t, (t, t)))) for t in ALL_TYPES},
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
            for label in PICKER_LABELS
        ]
        segments = [{"uid": s.uid, "name": s.name} for s in list_segments(store)]
        return self.render_template(
            "graphcrm/network.html",
            data=data,
            labels=labels,
            pickers=pickers,
            segments=segments,
            start=start,
        )


class NetworkApi(BaseApi):
    """``GET /api/v1/network/<Label>/<uid>/neighbours``: one step of the network."""

    resource_name = "network"
    openapi_spec_tag = "Network"
    openapi_spec_component_schemas = (NetworkNodeSchema, NetworkEdgeSchema, NetworkSchema)

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
          parameters:
          - in: path
            schema:
              type: string
              enum: [Customer, Contact, Referrer, FollowUp, Order, Ticket, Channel, Tag, User,
                     Segment]
            name: label
          - in: path
            schema:
              type: string
            name: uid
          - in: query
            schema:
              type: string
            name: types
            description: Comma-separated relationship types, e.g. TAGGED,OWNS (default all)
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
        if label not in START_LABELS:
            return self.response_404()
        try:
            types = parse_types(request.args.get("types"))
        except InvalidValue:
            return self.response_400(message=_bad_types())
        store = current_app.extensions["graph_store"]
        try:
            graph = neighbours(store, label, uid, current_scope(), types)
        except NotFound:
            return self.response_404()
        return self.response(200, result=graph)


def register(appbuilder: Any) -> None:
    """Add the explorer page (menu Analysis) and its API."""
    appbuilder.add_view(
        NetworkView,
        "Network explorer",
        label=bilingual("Network explorer", "关系网络探索"),
        href="/network/",
        icon="fa-share-alt",
        category="Analysis",
        category_label=bilingual("Analysis", "分析"),
    )
    appbuilder.add_api(NetworkApi)
