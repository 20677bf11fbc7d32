"""The OpenAPI document at ``/api/v1/_openapi``, made to say what the APIs really answer.

FAB builds the document from each API's docstrings and schemas; some of what it writes is
not what the APIs answer, for our node APIs and FAB's own ones alike. ``true_document``
corrects the built document in one place, for every API at once:

- one error schema, ``Error`` (``{"message": text or field map, ...}``), for every 4xx and
  5xx answer of every operation (validation errors are field maps);
- the statuses any operation may answer are documented on each one: 400 (a body, rison
  ``q`` or text the input guard refuses), 401 and 403 where a login is needed, 404 for a
  record's path, 413 for a body, 500 and 503 (the graph engine restarting);
- ``_info`` lists its add and edit columns as lists of field descriptions (FAB says objects);
- ids are typed as each API's primary key (uids are text, FAB's security ids integers);
- FAB's SQL security records: times have no offset and ``created_by``/``changed_by`` may be
  null;
- menus hold ``"-"`` separators between their entries.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, current_app
from flask_appbuilder import AppBuilder, ModelRestApi
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.api.manager import OpenApi, SwaggerView
from flask_appbuilder.security.decorators import protect

from views.crud.interface import GraphInterface
from views.scope import current_appbuilder

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {
            "description": "What went wrong, in the reader's language: a text, or for "
            "invalid input a map of field name to its messages",
            "anyOf": [{"type": "string"}, {"type": "object"}],
        }
    },
}
# Descriptions of the statuses a reader may meet, for those an operation does not describe.
STATUSES = {
    "400": "Bad request: the input cannot be read or is not valid",
    "401": "Not logged in, or the token is not valid",
    "403": "Not allowed for this user",
    "404": "Not found, or not visible to this user",
    "409": "Conflict with the record's current state",
    "413": "The body is larger than this server accepts",
    "422": "Not valid: message names what to fix (per field)",
    "500": "The server could not complete the request",
    "503": "The graph database is restarting: retry after Retry-After seconds",
}
FIELD_INFO: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "label": {"type": "string"},
            "type": {"type": "string"},
            "required": {"type": "boolean"},
        },
    },
}
NAIVE_TIME = "Server time, ISO 8601 without an offset"
METHODS = ("get", "put", "post", "delete", "patch")


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _json_schema(answer: dict[str, Any]) -> dict[str, Any] | None:
    return answer.get("content", {}).get(JSON, {}).get("schema")


def _statuses(path: str, operation: dict[str, Any]) -> set[str]:
    """The statuses ``operation`` can answer besides its own documented ones."""
    codes = {"400", "500", "503"}
    if operation.get("security"):
        codes |= {"401", "403"}
    if "{" in path:
        codes.add("404")
    if "requestBody" in operation:
        codes.add("413")
    return codes


def _errors_share_one_schema(document: dict[str, Any]) -> None:
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    responses = components.setdefault("responses", {})
    for code, description in STATUSES.items():
        responses[code] = {"description": description, "content": {JSON: {"schema": ERROR_REF}}}
    for path, _, operation in _operations(document):
        answers = operation.setdefault("responses", {})
        for code in _statuses(path, operation):
            answers.setdefault(code, {"$ref": f"#/components/responses/{code}"})
        for code, answer in list(answers.items()):
            if str(code) < "400" or "$ref" in answer and str(code) in STATUSES:
                continue
            description = answer.get("description") or STATUSES.get(str(code), "Error")
            answers[code] = {"description": description, "content": {JSON: {"schema": ERROR_REF}}}


def _info_lists_columns(document: dict[str, Any]) -> None:
    for path, _, operation in _operations(document):
        ok = operation.get("responses", {}).get("200", {})
        schema = _json_schema(ok)
        if path.endswith("/_info") and schema:
            for key in ("add_columns", "edit_columns"):
                schema.setdefault("properties", {})[key] = FIELD_INFO
            for key in ("add_title", "edit_title"):
                schema["properties"].setdefault(key, {"type": "string"})


def _pk_schema(api: ModelRestApi) -> dict[str, str]:
    if isinstance(api.datamodel, GraphInterface):
        return {"type": "string"}
    return {"type": "integer"}


def _ids_typed(document: dict[str, Any], apis: Iterable[BaseApi]) -> None:
    paths = document.get("paths", {})
    for api in apis:
        if not isinstance(api, ModelRestApi):
            continue
        pk = _pk_schema(api)
        for path in (f"{api.route_base}/", f"{api.route_base}/{{pk}}"):
            for answer in (
                a for op in paths.get(path, {}).values() for a in op.get("responses", {}).values()
            ):
                properties = (_json_schema(answer) or {}).get("properties", {})
                if "ids" in properties:
                    properties["ids"]["items"] = pk
                if "id" in properties:
                    properties["id"] = {**properties["id"], **pk}


def _sql_records(document: dict[str, Any], apis: Iterable[BaseApi]) -> None:
    """FAB's SQL records: naive times, and many-to-one references that may be null."""
    prefixes = tuple(
        f"{type(api).__name__}."
        for api in apis
        if isinstance(api, ModelRestApi) and not isinstance(api.datamodel, GraphInterface)
    )
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if not name.startswith(prefixes):
            continue
        properties = schema.get("properties", {})
        for key, value in properties.items():
            if set(value) == {"$ref"}:
                properties[key] = {"anyOf": [value, {"type": "null"}]}
            for variant in [value, *value.get("anyOf", [])]:
                if variant.get("format") == "date-time":
                    del variant["format"]
                    variant["description"] = NAIVE_TIME


def _menu_separators(document: dict[str, Any]) -> None:
    menu = document.get("paths", {}).get("/api/v1/menu/", {}).get("get")
    schema = _json_schema(menu.get("responses", {}).get("200", {})) if menu else None
    if schema:
        entry = schema["properties"]["result"]["items"]
        separator = {"type": "string", "enum": ["-"], "description": "A separator"}
        entry["properties"]["childs"]["items"] = {"anyOf": [{"type": "object"}, separator]}


def true_document(document: dict[str, Any], apis: Iterable[BaseApi]) -> dict[str, Any]:
    """A copy of ``document`` (FAB's, built from ``apis``) saying what the APIs answer."""
    # Parts of FAB's document are the APIs' own class attributes (``openapi_spec_methods``).
    document, apis = copy.deepcopy(document), list(apis)
    _errors_share_one_schema(document)
    _info_lists_columns(document)
    _ids_typed(document, apis)
    _sql_records(document, apis)
    _menu_separators(document)
    return document


class GraphCRMOpenApi(OpenApi):
    """FAB's ``/api/<version>/_openapi``, answering the corrected document."""

    class_permission_name = "OpenApi"

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version: str) -> Response:
        """The OpenAPI document of every API of ``version``.
        ---
        get:
          description: >-
            Get the OpenAPI spec for a specific API version
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        api_spec = self._create_api_spec(version)
        apis = [
            view
            for view in current_appbuilder().baseviews
            if isinstance(view, BaseApi) and view.version == version
        ]
        if not apis:
            return self.response_404()
        for api in apis:
            api.add_api_spec(api_spec)
        return self.response(200, **true_document(api_spec.to_dict(), apis))


def register(appbuilder: AppBuilder) -> None:
    """Add the OpenAPI document (and Swagger UI, when ``FAB_API_SWAGGER_UI``)."""
    appbuilder.add_api(GraphCRMOpenApi)
    if current_app.config.get("FAB_API_SWAGGER_UI", False):
        appbuilder.add_view_no_menu(SwaggerView)
