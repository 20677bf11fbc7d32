"""Referral chains: a page at ``/referrals/chain/<uid>`` and a REST API at
``/api/v1/referrals/<uid>/chain`` and ``/api/v1/referrals/<uid>/tree?depth=N``.

Permissions: ``can_chain`` on ``ReferralView`` (the page), ``can_chain`` and ``can_tree`` on
``ReferralApi``. Row-level rules come from the request's scope (``graph.explore.referrals`` turns
what a salesperson may not see into anonymous placeholders); a customer the reader may not
see answers 404, a depth outside 1..10 answers 400.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow import Schema, fields

from graph.errors import InvalidValue, NotFound
from graph.explore.referrals import (
    DEFAULT_DEPTH,
    MAX_DEPTH,
    downstream_tree,
    parse_depth,
    upstream_chain,
)
from graph.model.nodes import STAGES
from views.guard import guard
from views.labels import bilingual, choice_label, localized
from views.scope import current_scope, current_store

# Texts of the page and its script, in the request's language.
PAGE_LABELS = {
    "title": ("Referral chain", "推荐链"),
    "upstream": ("Referred by (back to the original referrer)", "推荐来源（追溯到最初推荐人）"),
    "downstream": ("Referred customers", "推荐的客户"),
    "depth": ("Depth", "层级"),
    "show": ("Show", "显示"),
    "name": ("Name", "名称"),
    "kind": ("Type", "类型"),
    "stage": ("Stage", "阶段"),
    "revenue": ("Revenue", "收入"),
    "level": ("Level", "层级"),
    "hidden": ("Not visible to you", "无权查看"),
    "none": ("Nobody yet.", "暂无。"),
    "open": ("Open record", "打开记录"),
    "expand": ("Expand", "展开"),
    "truncated": ("Only the nearest {n} customers are shown.", "仅显示最近的 {n} 个客户。"),
    "help": (
        "Click a node to select it, double-click to open its record; drag to move, scroll to zoom.",
        "单击节点选中，双击打开记录；拖动可移动，滚轮可缩放。",
    ),
    "customer_page": ("Customer record", "客户档案"),
}
KIND_LABELS = {
    "Customer": ("Customer", "客户"),
    "Contact": ("Contact", "联系人"),
    "Referrer": ("Referrer", "推荐人"),
}
RECORD_VIEWS = {"Customer": "CustomerView", "Contact": "ContactView", "Referrer": "ReferrerView"}

ReferralNodeSchema = Schema.from_dict(
    {
        "id": fields.String(metadata={"description": "The uid, or anon-<n> for a placeholder"}),
        "placeholder": fields.Boolean(
            metadata={"description": "A node the caller may not see: only id, depth, parent"}
        ),
        "depth": fields.Integer(metadata={"description": "Hops from the customer asked about"}),
        "parent": fields.String(
            allow_none=True, metadata={"description": "The id of the node that referred it"}
        ),
        "uid": fields.String(),
        "label": fields.String(metadata={"enum": ["Customer", "Contact", "Referrer"]}),
        "name": fields.String(),
        "stage": fields.String(allow_none=True),
        "revenue": fields.Float(metadata={"description": "Sum of the customer's order amounts"}),
    },
    name="ReferralNode",
)
ReferralTreeSchema = Schema.from_dict(
    {
        "root": fields.Nested(ReferralNodeSchema),
        "depth": fields.Integer(),
        "nodes": fields.List(
            fields.Nested(ReferralNodeSchema),
            metadata={"description": "Breadth-first: every parent before its children"},
        ),
        "truncated": fields.Boolean(metadata={"description": "Cut at the node limit"}),
    },
    name="ReferralTree",
)
BAD_DEPTH = bilingual(
    f"The depth must be a whole number from 1 to {MAX_DEPTH}.",
    f"层级必须是 1 到 {MAX_DEPTH} 之间的整数。",
)


def _for_page(node: dict[str, Any]) -> dict[str, Any]:
    """A node as the page shows it: kind and stage labels, the record's address."""
    if node["placeholder"]:
        return node
    return {
        **node,
        "kind": str(bilingual(*KIND_LABELS[node["label"]])),
        "stage_label": choice_label(STAGES, node["stage"]) if node["stage"] else "",
        "url": url_for(f"{RECORD_VIEWS[node['label']]}.show", pk=node["uid"]),
    }


def _depth_first(root_id: str, tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tree's nodes in the order of an indented table: each one under its parent."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for node in tree:
        children.setdefault(node["parent"], []).append(node)
    rows: list[dict[str, Any]] = []
    stack = list(reversed(children.get(root_id, [])))
    while stack:
        node = stack.pop()
        rows.append(node)
        stack.extend(reversed(children.get(node["id"], [])))
    return rows


class ReferralView(BaseView):
    """The referral chain page of one customer: graph and indented tables."""

    route_base = "/referrals"
    default_view = "chain"

    @expose("/chain/<uid>")
    @guard("chain")
    def chain(self, uid: str) -> Any:
        try:
            depth = parse_depth(request.args.get("depth"))
        except InvalidValue:
            depth = DEFAULT_DEPTH
        store, scope = current_store(), current_scope()
        try:
            chain = upstream_chain(store, uid, scope)
            tree = downstream_tree(store, uid, depth, scope=scope)
        except NotFound:
            abort(404)
        data: dict[str, Any] = {
            "uid": uid,
            "root_id": tree.root.id,
            "chain": [_for_page(node.as_dict()) for node in chain],
            "tree": [_for_page(node.as_dict()) for node in tree.nodes],
            "tree_url": url_for("ReferralApi.tree", uid="__uid__"),
            "customer_url": url_for("CustomerView.show", pk="__uid__"),
            "labels": localized(PAGE_LABELS),
            "stages": {c.value: choice_label(STAGES, c.value) for c in STAGES},
        }
        return self.render_template(
            "graphcrm/referral_chain.html",
            data=data,
            root=data["chain"][0],
            depth=depth,
            max_depth=MAX_DEPTH,
            tree_rows=_depth_first(data["root_id"], data["tree"]),
            truncated=tree.truncated,
            labels=data["labels"],
        )


class ReferralApi(BaseApi):
    """``GET /api/v1/referrals/<uid>/chain`` and ``/tree``: who referred whom."""

    resource_name = "referrals"
    openapi_spec_tag = "Referrals"
    openapi_spec_component_schemas = (ReferralNodeSchema, ReferralTreeSchema)

    @expose("/<uid>/chain", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("chain")
    def chain(self, uid: str) -> Response:
        """The upstream referral chain of a customer.
        ---
        get:
          description: >-
            The customer first, then who referred it, and so on back to the original
            referrer (a customer, contact or external referrer). A referral loop ends at
            the first repeated node. Nodes the caller may not see are placeholders.
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          responses:
            200:
              description: The chain, the customer first
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/ReferralNode'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        store = current_store()
        try:
            chain = upstream_chain(store, uid, current_scope())
        except NotFound:
            return self.response_404()
        return self.response(200, result=[node.as_dict() for node in chain])

    @expose("/<uid>/tree", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("tree")
    def tree(self, uid: str) -> Response:
        """The downstream referral tree of a customer.
        ---
        get:
          description: >-
            The customers this customer referred, and those they referred, down to
            `depth` hops (default 3, at most 10), each once at its shortest distance, with
            its parent, stage and revenue. Nodes the caller may not see are placeholders.
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          - in: query
            schema:
              type: integer
              minimum: 1
              maximum: 10
              default: 3
            name: depth
          responses:
            200:
              description: The tree
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/ReferralTree'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            depth = parse_depth(request.args.get("depth"))
        except InvalidValue:
            return self.response_400(message=str(BAD_DEPTH))
        store = current_store()
        try:
            tree = downstream_tree(store, uid, depth, scope=current_scope())
        except NotFound:
            return self.response_404()
        return self.response(200, result=tree.as_dict())


def register(appbuilder: Any) -> None:
    """Add the referral chain page (opened from a customer's record) and its API."""
    appbuilder.add_view_no_menu(ReferralView)
    appbuilder.add_api(ReferralApi)
