"""The segments REST API at ``/api/v1/segments/``. Permissions: ``can_get``, ``can_post``,
``can_put``, ``can_delete``, ``can_history``, ``can_members`` and ``can_explain`` on ``SegmentApi``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_appbuilder import expose
from flask_appbuilder.api import BaseApi, safe
from flask_appbuilder.security.decorators import permission_name, protect

from graph.errors import NotFound, StaleVersion
from graph.segments.members import (
    count_members,
    explain,
    member_page,
    segment_as_seen,
)
from graph.segments.rules import InvalidRule, parse_segment_fields
from graph.segments.storage import (
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    update_segment,
)
from views.crud.api import ChangeEntrySchema
from views.messages import error_text
from views.scope import business_timezone, current_scope, current_store
from views.segments.context import (
    actor,
    customers,
    history_as_seen,
    member_row,
    page_args,
)
from views.segments.schemas import (
    ExplanationSchema,
    RuleMatchSchema,
    RuleSchema,
    SegmentMemberSchema,
    SegmentPostSchema,
    SegmentSchema,
)
from views.segments.texts import (
    STALE,
    VERSION_REQUIRED,
)


class SegmentApi(BaseApi):
    """``/api/v1/segments/``: saved segments, their members and explanations."""

    resource_name = "segments"
    openapi_spec_tag = "Segments"
    openapi_spec_component_schemas = (
        RuleSchema,
        SegmentPostSchema,
        SegmentSchema,
        SegmentMemberSchema,
        RuleMatchSchema,
        ExplanationSchema,
    )

    @expose("/", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("get")
    def get_list(self) -> Response:
        """Every saved segment.
        ---
        get:
          responses:
            200:
              description: The segments, by name
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/Segment'
            401:
              $ref: '#/components/responses/401'
        """
        store, scope = current_store(), current_scope()
        segments = list_segments(store)
        return self.response(
            200, result=[segment_as_seen(store, s, scope).as_dict() for s in segments]
        )

    def _body(self) -> tuple[str, str, Any] | Response:
        try:
            return parse_segment_fields(request.get_json(silent=True))
        except InvalidRule as exc:
            return self.response_400(message=error_text(exc))

    @expose("/", methods=["POST"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("post")
    def post(self) -> Response:
        """Save a new segment.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/SegmentPost'
          responses:
            201:
              description: The segment as saved
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Segment'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        body = self._body()
        if isinstance(body, Response):
            return body
        name, description, rules = body
        segment = create_segment(
            current_store(), name, description, rules, actor(), timezone=business_timezone()
        )
        return self.response(201, result=segment.as_dict())

    @expose("/<uid>", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("get")
    def get(self, uid: str) -> Response:
        """One segment.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          responses:
            200:
              description: The segment
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Segment'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            segment = segment_as_seen(
                current_store(), get_segment(current_store(), uid), current_scope()
            )
            return self.response(200, result=segment.as_dict())
        except NotFound:
            return self.response_404()

    @expose("/<uid>", methods=["PUT"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("put")
    def put(self, uid: str) -> Response:
        """Change a segment (send the version you edited; 409 if someone changed it since).
        ---
        put:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/SegmentPost'
          responses:
            200:
              description: The segment as saved
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Segment'
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
            409:
              description: Someone else changed the segment since that version
            422:
              description: No version (or not a whole number) was sent
        """
        body = self._body()
        if isinstance(body, Response):
            return body
        name, description, rules = body
        version = (request.get_json(silent=True) or {}).get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            return self.response(422, message=str(VERSION_REQUIRED))
        try:
            segment = update_segment(
                current_store(), uid, version, name, description, rules, actor()
            )
        except NotFound:
            return self.response_404()
        except StaleVersion:
            current = get_segment(current_store(), uid)
            return self.response(409, message=str(STALE), version=current.version)
        return self.response(200, result=segment.as_dict())

    @expose("/<uid>", methods=["DELETE"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("delete")
    def delete(self, uid: str) -> Response:
        """Delete a segment.
        ---
        delete:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          responses:
            200:
              description: Deleted
            404:
              $ref: '#/components/responses/404'
        """
        try:
            delete_segment(current_store(), uid, actor())
        except NotFound:
            return self.response_404()
        return self.response(200, message="OK")

    @expose("/<uid>/history", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("history")
    def history(self, uid: str) -> Response:
        """Change history of a segment, newest first (at most 200 entries); ``rules``
        values are the rules' JSON text.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          responses:
            200:
              description: History entries, newest first
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: string
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/ChangeEntry'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            get_segment(current_store(), uid)
        except NotFound:
            return self.response_404()
        entries = history_as_seen(uid, current_scope())
        return self.response(200, id=uid, result=ChangeEntrySchema(many=True).dump(entries))

    @expose("/<uid>/members", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("members")
    def members(self, uid: str) -> Response:
        """One page of the segment's members the caller may see, and their count.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          - in: query
            schema:
              type: integer
              minimum: 0
              default: 0
            name: page
          - in: query
            schema:
              type: integer
              minimum: 1
              maximum: 200
              default: 25
            name: page_size
          responses:
            200:
              description: Members by name; personal data masked without the permission
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count:
                        type: integer
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/SegmentMember'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            segment = get_segment(current_store(), uid)
        except NotFound:
            return self.response_404()
        scope = current_scope()
        page, size = page_args()
        total = count_members(current_store(), segment, scope)
        records = member_page(customers(), segment, scope, page * size, size)
        return self.response(200, count=total, result=[member_row(r, scope) for r in records])

    @expose("/<uid>/explain/<customer>", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("explain")
    def explain(self, uid: str, customer: str) -> Response:
        """Rule by rule, why a customer is (or is not) in the segment.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          - in: path
            schema:
              type: string
            name: customer
          responses:
            200:
              description: The explanation
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/SegmentExplanation'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            segment = get_segment(current_store(), uid)
            found = explain(current_store(), segment, customer, current_scope())
        except NotFound:
            return self.response_404()
        return self.response(200, result=found.as_dict())
