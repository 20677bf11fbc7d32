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
from flask_babel import lazy_gettext
from marshmallow import Schema, fields

from graph.errors import InvalidValue, NotFound
from graph.explore.referrals import (
    DEFAULT_DEPTH,
    MAX_DEPTH,
    downstream_tree,
    parse_depth,
    referring_labels,
    upstream_chain,
)
from graph.model.base import REGISTRY
from graph.model.nodes import STAGES
from views.graph_legend import graph_legend
from views.guard import guard
from views.labels import bilingual, choice_label, localized
from views.messages import error_text
from views.scope import current_scope, current_store

# Texts of the page and its script, in the request's language.
PAGE_LABELS = {
    "title": lazy_gettext("Referral chain"),
    "upstream": lazy_gettext("Referred by (back to the original referrer)"),
    "downstream": lazy_gettext("Referred customers"),
    "depth": lazy_gettext("Depth"),
    "show": lazy_gettext("Show"),
    "name": lazy_gettext("Name"),
    "kind": lazy_gettext("Type"),
    "stage": lazy_gettext("Stage"),
    "revenue": lazy_gettext("Revenue"),
    "level": lazy_gettext("Level"),
    "hidden": lazy_gettext("Not visible to you"),
    "none": lazy_gettext("Nobody yet."),
    "open": lazy_gettext("Open record"),
    "expand": lazy_gettext("Expand"),
    "truncated": lazy_gettext("Only the nearest {n} customers are shown."),
    "help": lazy_gettext(
        "Click a node to fold or unfold whom it referred, double-click to open its record; "
        "drag to move, scroll to zoom."
    ),
    "expand_all": lazy_gettext("Unfold all"),
    "collapse_all": lazy_gettext("Fold all"),
    "customer_page": lazy_gettext("Customer record"),
}

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
        "label": fields.String(metadata={"enum": list(referring_labels())}),
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


def _for_page(node: dict[str, Any]) -> dict[str, Any]:
    """A node as the page shows it: kind and stage labels, the record's address."""
    if node["placeholder"]:
        return node
    meta = REGISTRY[node["label"]].meta
    return {
        **node,
        "kind": str(bilingual(meta.en, meta.zh)),
        "stage_label": choice_label(STAGES, node["stage"]) if node["stage"] else "",
        "url": url_for(f"{node['label']}View.show", pk=node["uid"]),
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
            legend=graph_legend(),
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
        except InvalidValue as exc:
            return self.response_400(message=error_text(exc))
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
