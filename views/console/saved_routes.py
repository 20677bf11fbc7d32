"""Saved queries and run history of the console API, through the app's saved-query store
(``views.console.saved``); ``SavedQueryRoutes`` is part of ``ConsoleApi``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import Response, request
from flask_appbuilder import expose
from flask_appbuilder.api import BaseApi, safe

from views.console import saved as queries
from views.console.texts import NOT_YOURS
from views.guard import guard
from views.scope import current_actor


class SavedQueryRoutes(BaseApi):
    """``/saved`` (the caller's and shared queries) and ``/history`` (the caller's runs)."""

    def _saved_change(self, change: Callable[[], Any], status: int = 200) -> Response:
        """Run a change of a saved query; its errors as 404, 403 or 422 (field map)."""
        try:
            saved = change()
        except queries.NotFound:
            return self.response_404()
        except queries.Forbidden:
            return self.response(403, message=str(NOT_YOURS), error="not_owner")
        except queries.Invalid as exc:
            return self.response_422(message=exc.errors)
        if saved is None:
            return self.response(200, message="deleted")
        return self.response(status, id=saved.id, result=asdict(saved))

    @expose("/saved", methods=["GET"])
    @guard("saved", all_rows=True)
    @safe
    def saved_list(self) -> Response:
        """The caller's saved queries and everybody's shared ones.
        ---
        get:
          description: The caller's own saved queries and the queries others shared, by name.
          responses:
            200:
              description: Saved queries
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/SavedQuery'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        user = current_actor() or ""
        return self.response(200, result=[asdict(q) for q in queries.saved_queries().visible(user)])

    @expose("/saved", methods=["POST"])
    @guard("saved", all_rows=True)
    @safe
    def saved_post(self) -> Response:
        """Save a query.
        ---
        post:
          description: >-
            Save a query of the caller (private unless `shared`). Names are unique per
            owner; `params` must be a JSON object with plain identifiers as names.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/SavedQueryPost'
          responses:
            201:
              description: Saved
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      result:
                        $ref: '#/components/schemas/SavedQuery'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            422:
              $ref: '#/components/responses/422'
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message="send a JSON object")
        user = current_actor() or ""
        return self._saved_change(lambda: queries.saved_queries().save(user, body), status=201)

    @expose("/saved/<int:pk>", methods=["PUT"])
    @guard("saved", all_rows=True)
    @safe
    def saved_put(self, pk: int) -> Response:
        """Change a saved query of the caller.
        ---
        put:
          description: >-
            Change the given fields of one of the caller's saved queries. Someone else's
            shared query answers 403, someone else's private one 404.
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/SavedQueryPost'
          responses:
            200:
              description: Changed
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      result:
                        $ref: '#/components/schemas/SavedQuery'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message="send a JSON object")
        user = current_actor() or ""
        return self._saved_change(lambda: queries.saved_queries().update(user, pk, body))

    @expose("/saved/<int:pk>", methods=["DELETE"])
    @guard("saved", all_rows=True)
    @safe
    def saved_delete(self, pk: int) -> Response:
        """Delete a saved query of the caller.
        ---
        delete:
          description: >-
            Delete one of the caller's saved queries. Someone else's shared query answers
            403, someone else's private one 404.
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          responses:
            200:
              description: Deleted
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        user = current_actor() or ""
        return self._saved_change(lambda: queries.saved_queries().remove(user, pk))

    @expose("/history", methods=["GET"])
    @guard("history", all_rows=True)
    @safe
    def history(self) -> Response:
        """The caller's last console runs.
        ---
        get:
          description: >-
            The caller's last runs and CSV exports (at most 50, newest first), with their
            parameters, outcome and row count. Nobody sees another user's history.
          responses:
            200:
              description: History
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/ConsoleRunEntry'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        user = current_actor() or ""
        return self.response(200, result=[asdict(r) for r in queries.saved_queries().history(user)])
