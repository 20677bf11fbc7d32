"""REST APIs for every declared node type at ``/api/v1/<label>/``, generated from declarations.

One FAB ``ModelRestApi`` subclass per node type (``CustomerRestApi``, ...) on its
``GraphInterface``, unlike FAB's SQL defaults (see FAB-ON-A-GRAPH.md): schemas from the
declaration, validation by ``graph.model.validation`` with translated 422 field maps, string uids
in every route, partial PUT guarded by ``version`` (409), ``GET /<pk>/history``, graph errors
as 400/404/409/422/503 (never 500), and filters built per request, not shared.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypedDict

from flask import Response, current_app, request
from flask_appbuilder import AppBuilder, const
from flask_appbuilder import exceptions as fab
from flask_appbuilder.api import ModelRestApi, expose, rison, safe
from flask_appbuilder.api.convert import BaseModel2SchemaConverter
from flask_appbuilder.api.schemas import get_list_schema
from flask_appbuilder.security.decorators import permission_name, protect
from flask_babel import lazy_gettext
from marshmallow import Schema, ValidationError, fields, validate

from graph.errors import (
    ConstraintViolation,
    HasDependants,
    IdempotencyKeyReused,
    InvalidValue,
    MaskedField,
    NotFound,
    QueryTimeout,
    StaleVersion,
    StoreUnavailable,
)
from graph.io.export import InvalidExport
from graph.model import nodes  # noqa: F401  (declares the node types in REGISTRY)
from graph.model.base import REGISTRY, SYSTEM_PROPS, NodeModel, Prop, Rel
from graph.model.records import Record
from graph.model.validation import Message, NodeSchema, schema_class, validate_values
from graph.records.filters import InvalidQuery
from views.crud import deletes, exports
from views.crud.filters import FilterInList
from views.crud.interface import GraphInterface
from views.crud.kinds import UtcDateTime, view_kind
from views.errors import CONFLICT, UNAVAILABLE
from views.labels import is_chinese, model_labels
from views.messages import MESSAGES, error_text
from views.texts import masked_field_message

STALE = MESSAGES["stale"]
KEY_REUSED = MESSAGES["key_reused"]
BAD_IDEMPOTENCY_KEY = lazy_gettext("Idempotency-Key must be 1 to 255 visible ASCII characters.")
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
BAD_FILTER = "Filter values must be text, finite numbers, booleans or a list of them"
NUL = "Text must not contain NUL characters (U+0000)"  # FalkorDB cannot take it as a parameter
BAD_REQUEST = (InvalidQuery, fab.FABException)  # as FAB's list answers bad filters: 400


# A related node as shown; one history entry of a node and its field changes.
NodeRefSchema = Schema.from_dict({"uid": fields.String(), "title": fields.String()}, name="NodeRef")
FieldChangeSchema = Schema.from_dict(
    {"field": fields.String(), "old": fields.Raw(), "new": fields.Raw()}, name="FieldChange"
)
ChangeEntrySchema = Schema.from_dict(
    {
        "uid": fields.String(),
        "at": UtcDateTime(allow_none=True),
        "by": fields.String(),
        "action": fields.String(metadata={"enum": ["create", "update", "delete"]}),
        "version": fields.Integer(allow_none=True),
        "changes": fields.List(fields.Nested(FieldChangeSchema)),
    },
    name="ChangeEntry",
)


def _dump_field(model: type[NodeModel], name: str) -> fields.Field:
    """The read-side field of a system property (uid, version, times), property or relation."""
    item = model.meta.by_name.get(name)
    if isinstance(item, Rel):
        ref = fields.Nested(NodeRefSchema, allow_none=True)
        return fields.List(ref) if item.many else ref
    if isinstance(item, Prop):
        choices = validate.OneOf(item.choice_values()) if item.choices else None
        return view_kind(item).rest_field(allow_none=True, validate=choices)
    if name == "version":
        return fields.Integer()
    return UtcDateTime() if name.endswith("_at") else fields.String()


def dump_schema(model: type[NodeModel], columns: Iterable[str], name: str) -> Schema:
    """A schema instance dumping ``columns`` of records of ``model``."""
    return Schema.from_dict({c: _dump_field(model, c) for c in columns}, name=name)()


class RecordLoader:
    """Loads request data into a ``Record`` through ``graph.model.validation.validate_values``.

    Mixed into the node type's validation schema, so the fields that ``_info`` and the
    OpenAPI document describe are the ones that validate. Accepts FAB's ``instance=``.
    """

    model: ClassVar[type[NodeModel]]
    region: ClassVar[str]
    fields: dict[str, Any]

    def load(
        self, data: Any, *, instance: Record | None = None, partial: bool = False, **_: Any
    ) -> Record:
        """Validated, normalised values set on ``instance`` (or a new record)."""
        if not isinstance(data, dict):
            raise ValidationError({"_schema": ["Invalid input type."]})
        values, errors = dict(data), {}
        editing = "version" in self.fields
        version = values.pop("version", None) if editing else None
        if editing and version is None:
            # An edit must say which version it is based on; without it, it would
            # overwrite whatever someone else saved in the meantime.
            errors["version"] = [Message("version")]
        elif version is not None and (type(version) is not int or version < 1):
            errors["version"] = [Message("integer")]
        try:
            values = validate_values(self.model, values, region=self.region, partial=partial)
        except ValidationError as exc:
            errors.update(exc.normalized_messages())
            # validate_values reports required-but-blank fields only once the rest is valid.
            valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
            for name, value in valid.items():
                item = self.model.meta.by_name.get(name)
                if item is not None and item.required and value in (None, [], ""):
                    errors.setdefault(name, [Message("required")])
        if errors:
            raise ValidationError(errors)
        record = instance if instance is not None else Record(self.model)
        for key, value in values.items():
            setattr(record, key, value)
        record.version = version if editing else record.version
        return record


def load_schema(model: type[NodeModel], region: str, *, edit: bool) -> NodeSchema:
    """The add (or edit: with ``version``) schema instance of ``model``."""
    attrs: dict[str, Any] = {"model": model, "region": region}
    if edit:
        attrs["version"] = fields.Integer(metadata={"description": "Version you started from"})
    name = f"{model.label}{'Edit' if edit else 'Add'}Schema"
    return type(name, (RecordLoader, schema_class(model, region)), attrs)()


class GraphSchemaConverter(BaseModel2SchemaConverter):
    """FAB's schema converter for node types: dump schemas for the columns a client selects."""

    def convert(self, columns: list[str], *_: Any, **__: Any) -> Schema:
        return dump_schema(self.datamodel.model, columns, f"{self.datamodel.model_name}Columns")


def _has_nul(value: Any) -> bool:
    """True when a string anywhere in ``value`` (keys included) contains U+0000."""
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return isinstance(value, str) and "\x00" in value


def _filter_value_ok(value: Any, inner: bool = False) -> bool:
    """Scalars (or, at the top, a list of them) that the engines take as parameters."""
    if isinstance(value, list):
        return not inner and all(_filter_value_ok(v, inner=True) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    return isinstance(value, str | bool) or (isinstance(value, float) and math.isfinite(value))


def graph_errors(method: Callable[..., Response]) -> Callable[..., Response]:
    """Answer expected failures with 400/404/409/422/503 instead of FAB's generic 500."""

    @functools.wraps(method)
    def wrapper(self: GraphModelApi, *args: Any, **kwargs: Any) -> Response:
        body = request.get_json(silent=True) if request.is_json else None
        if _has_nul([request.view_args, request.args.to_dict(flat=False), body]):
            return self.response_400(message=NUL)
        try:
            return method(self, *args, **kwargs)
        except BAD_REQUEST as exc:
            return self.response_400(message=str(exc))
        except MaskedField as exc:
            labels = model_labels(self.datamodel.meta)
            return self.response(403, message=masked_field_message(labels, exc.fields))
        except NotFound:
            return self.response_404()
        except StaleVersion:
            return self.response(409, message=str(STALE))
        except ConstraintViolation:
            return self.response_422(message=str(CONFLICT))
        except IdempotencyKeyReused:
            return self.response_422(message=str(KEY_REUSED))
        except InvalidValue as exc:
            return self.response_422(message=error_text(exc))
        except (StoreUnavailable, QueryTimeout):
            return self.response(503, message=str(UNAVAILABLE))

    return wrapper


def _routed(handler: Callable[..., Response], url: str) -> Callable[..., Response]:
    """The FAB route ``handler`` (rison, merged keys and all) exposed on ``url``, behind
    FAB's own ``@protect`` as the outermost call, like every other API method."""
    route = protect()(handler.__wrapped__)  # type: ignore[attr-defined]  # under FAB's protect
    route._urls = [(url, ("GET",))]  # a new list: FAB's stays
    return route


class Idempotency(TypedDict, total=False):
    """What a create passes on to ``GraphInterface.add`` from an ``Idempotency-Key``."""

    idempotency_key: str
    request_hash: str


class GraphModelApi(ModelRestApi):
    """``ModelRestApi`` on a ``GraphInterface``; ``register_apis`` makes one per node type."""

    datamodel: GraphInterface
    # A class here; FAB replaces it with an instance of it when the API is built.
    model2schemaconverter: Any = GraphSchemaConverter
    responses = {
        **ModelRestApi.responses,
        "409": {"description": "Stale version: someone else changed the record"},
        "503": {"description": "The graph database is not available"},
    }
    # FAB routes GET one as /<int:pk>; uids are strings.
    get = _routed(ModelRestApi.get, "/<pk>")
    get_list_headless = graph_errors(ModelRestApi.get_list_headless)

    @graph_errors
    def delete_headless(self, pk: Any) -> Response:
        """Delete ``pk``. Records that need it (a customer's follow-ups, orders, tickets)
        refuse it with 409 naming their counts; ``?cascade=true`` (admins only, else 403)
        deletes them together, in one write, each with its history entry."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        cascade = request.args.get("cascade", "").lower() in ("1", "true", "yes")
        if cascade and not deletes.may_cascade():
            return self.response(403, message=str(deletes.CASCADE_FORBIDDEN))
        self.pre_delete(item)
        try:
            self.datamodel.delete(item, cascade=cascade)
        except HasDependants as exc:
            return self.response(
                409,
                message=deletes.refusal(exc, str(item)),
                dependants=dict(exc.counts),
                cascadable=exc.cascadable,
            )
        self.post_delete(item)
        return self.response(200, message="OK", deleted_with=self.datamodel.deleted_with)

    def _label_columns_json(self, cols: Iterable[str] | None = None) -> dict[str, Any]:
        labels = model_labels(self.datamodel.meta)
        return {col: str(labels[col]) for col in cols or [] if col in labels}

    def _get_field_info(self, field: fields.Field, *_: Any, **__: Any) -> dict[str, Any]:
        """Field metadata from the declaration. Relations name the target's own paged API
        instead of listing choices: a list of every customer must never be loaded."""
        name = field.name or ""
        item = self.datamodel.meta.by_name.get(name)
        info: dict[str, Any] = {
            "name": name,
            "label": self._label_columns_json([name]).get(name, ""),
            "type": type(field).__name__,
            "required": field.required,
            "unique": isinstance(item, Prop) and item.unique,
        }
        if isinstance(item, Prop):
            zh = is_chinese()
            values = [{"id": c.value, "value": c.zh if zh else c.en} for c in item.choices]
            info.update(kind=item.kind, max_length=item.max_length, values=values or None)
        elif isinstance(item, Rel):
            api = f"/api/{self.version}/{item.target.lower()}/"
            info["relation"] = {"target": item.target, "many": item.many, "api": api}
        return info

    def _sanitize_page_args(self, page: int | None, page_size: int | None) -> tuple[Any, Any]:
        page_, size = super()._sanitize_page_args(page, page_size)
        return (None if page_ is None else max(page_, 0)), size  # SKIP must not be negative

    def _handle_filters_args(self, rison_args: dict[str, Any]) -> Any:
        """Fresh filters per request (FAB shares one ``Filters`` between requests)."""
        items = rison_args.get(const.API_FILTERS_RIS_KEY, [])
        if not all(_filter_value_ok(item.get("value")) for item in items):
            raise fab.InvalidOperationFilterFABException(BAD_FILTER)
        filters = self.datamodel.get_filters(self.search_columns, self.search_filters)
        filters.rest_add_filters(items)
        return filters.get_joined_filters(self._base_filters)

    def _resolve_references(self, item: Record, names: Iterable[str]) -> None:
        """Replace relation uids by references to nodes the user may see, or raise a 422."""
        errors: dict[str, list[Message]] = {}
        for rel in self.datamodel.meta.rels:
            value = getattr(item, rel.name, None) if rel.name in names else None
            uids = [getattr(v, "uid", v) for v in ((value or []) if rel.many else [value]) if v]
            if not uids:
                continue
            related = self.datamodel.get_related_interface(rel.name)  # row-level rules apply
            wanted = related.get_filters().add_filter("uid", FilterInList, uids)
            _, found = related.query(wanted, page=0, page_size=len(uids))
            refs = {record.uid: record.ref() for record in found}
            if set(uids) - set(refs):
                errors[rel.name] = [Message("relation")]
            else:
                setattr(item, rel.name, [refs[u] for u in uids] if rel.many else refs[uids[0]])
        if errors:
            raise ValidationError(errors)

    def _idempotency(self, body: Any) -> Idempotency:
        """The scoped ``Idempotency-Key`` of a create and the fingerprint of its body (none
        without the header); ``InvalidQuery`` for a malformed key."""
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return Idempotency()
        if not IDEMPOTENCY_KEY.match(key):
            raise InvalidQuery(str(BAD_IDEMPOTENCY_KEY))
        # Scoped to the caller and the node type: one client's key never answers another's.
        scope = f"{self.datamodel.actor()}\n{self.datamodel.model.label}\n{key}"
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
        return Idempotency(
            idempotency_key=hashlib.sha256(scope.encode()).hexdigest(),
            request_hash=hashlib.sha256(canonical.encode()).hexdigest(),
        )

    def _write(self, item: Record | None, status: int) -> Response:
        """Load the JSON body (onto ``item`` for an edit), write it, answer with the record."""
        if not request.is_json:
            return self.response_400(message="Request is not JSON")
        body = request.json
        idempotency = self._idempotency(body) if item is None else Idempotency()
        schema = self.add_model_schema if item is None else self.edit_model_schema
        try:
            item = schema.load(body, instance=item, partial=item is not None)
            self._resolve_references(item, body)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        steps: tuple[Callable[[Record], Any], ...] = (
            self.pre_add,
            functools.partial(self.datamodel.add, **idempotency),
            self.post_add,
        )
        if status == 200:
            steps = (self.pre_update, self.datamodel.edit, self.post_update)
        for step in steps:
            step(item)
        return self.response(status, id=item.uid, result=self.show_model_schema.dump(item))

    @graph_errors
    def get_headless(self, pk: Any, **kwargs: Any) -> Response:
        """FAB's, minus the SQL select columns it passes to ``datamodel.get``."""
        args = kwargs.get("rison", {})
        _, pruned = self._handle_columns_args(args, self.show_columns, self.show_columns)
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        response: dict[str, Any] = {}
        keys = {const.API_SELECT_COLUMNS_RIS_KEY: pruned}
        self.set_response_key_mappings(response, self.get, args, **keys)
        schema = self.model2schemaconverter.convert(pruned) if pruned else self.show_model_schema
        response.update(id=pk, result=schema.dump(item))
        self.pre_get(response)
        return self.response(200, **response)

    @graph_errors
    def post_headless(self) -> Response:
        return self._write(None, 201)

    @graph_errors
    def put_headless(self, pk: Any) -> Response:
        """Partial update: fields left out keep their values; ``version`` guards the write."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            return self._write(item, 200)
        except StaleVersion:
            current = self.datamodel.get(pk, self._base_filters)
            if current is None:
                return self.response_404()
            return self.response(409, message=str(STALE), version=current.version)

    @expose("/<pk>/history", methods=["GET"])
    @protect()
    @safe
    @permission_name("history")
    @graph_errors
    def history(self, pk: str) -> Response:
        """Change history of one record, newest first (at most 200 entries).
        ---
        get:
          description: History entries of a record, newest first (at most 200)
        """
        if self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        entries = self.datamodel.history(pk)
        return self.response(200, id=pk, result=ChangeEntrySchema(many=True).dump(entries))

    @expose("/export", methods=["GET"])
    @protect()
    @safe
    @permission_name("export")
    @rison(get_list_schema)
    @graph_errors
    def export(self, **kwargs: Any) -> Response:
        """The list as a CSV or XLSX file, with the list API's filters and order.
        ---
        get:
          description: >-
            Every record the list API would return for q (its filters, order_column and
            order_direction; paging is ignored), as the caller sees them: their rows only,
            personal data masked for roles without the permission, related records by name.
            Headers are the field labels in the caller's language (Accept-Language), as the
            importer reads them. Above GRAPHCRM_EXPORT_JOB_ROWS rows the export runs as a
            background job (202): poll /api/v1/jobs/{job}, then download its file from
            /api/v1/jobs/{job}/download. Every export is audited.
          parameters:
          - in: query
            name: q
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/get_list_schema'
          - in: query
            name: format
            description: csv (UTF-8 with BOM, the default) or xlsx
            schema:
              type: string
              enum: [csv, xlsx]
          responses:
            200:
              description: The file, streamed
              content:
                text/csv:
                  schema:
                    type: string
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema:
                    type: string
                    format: binary
            202:
              description: A large export became a background job
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
                      job:
                        type: string
                      rows:
                        type: integer
                      status_url:
                        type: string
                      download_url:
                        type: string
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        args = kwargs.get("rison", {})
        try:
            fmt = exports.export_format(request.args.get("format"))
        except InvalidExport as exc:
            return self.response_400(message=str(exc))
        order = args.get(const.API_ORDER_COLUMN_RIS_KEY) or None
        if order is not None and order not in self.order_columns:
            return self.response_400(message=f"Invalid order by column: {order}")
        direction = args.get(const.API_ORDER_DIRECTION_RIS_KEY) or "asc"
        filters = self._handle_filters_args(args)
        export = exports.list_export(self.datamodel, filters, order, direction, fmt)
        answer = exports.deliver(export)
        if isinstance(answer, exports.Queued):
            job = answer.job.id
            return self.response(
                202,
                message=answer.message(),
                job=job,
                rows=answer.rows,
                status_url=f"/api/{self.version}/jobs/{job}",
                download_url=f"/api/{self.version}/jobs/{job}/download",
            )
        return answer


def _spec_overrides(name: str) -> dict[str, Any]:
    """OpenAPI for the routes that differ from FAB's docs: string uids, what is returned."""
    pk = [{"in": "path", "name": "pk", "required": True, "schema": {"type": "string"}}]
    item_q = {"$ref": "#/components/schemas/get_item_schema"}
    query = {"in": "query", "name": "q", "content": {"application/json": {"schema": item_q}}}
    cascade = {
        "in": "query",
        "name": "cascade",
        "schema": {"type": "boolean"},
        "description": "Admins: delete the records that need this one together with it",
    }
    one = {"$ref": f"#/components/schemas/{name}.get"}
    entries = {"type": "array", "items": {"$ref": "#/components/schemas/ChangeEntry"}}

    def answers(ok: str, result: dict[str, Any], *codes: str) -> dict[str, Any]:
        body = {"type": "object", "properties": {"id": {"type": "string"}, "result": result}}
        ok_answer = {"description": "OK", "content": {"application/json": {"schema": body}}}
        return {ok: ok_answer, **{c: {"$ref": f"#/components/responses/{c}"} for c in codes}}

    common = ("400", "401", "404", "422", "503")
    idempotency = {
        "in": "header",
        "name": IDEMPOTENCY_HEADER,
        "required": False,
        "description": "Repeat a create safely: a retry with the same key (and body) "
        "creates nothing and answers with the record the first request created",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    }
    return {
        "get": {"get": {"parameters": [*pk, query], "responses": answers("200", one, *common)}},
        "history": {"get": {"parameters": pk, "responses": answers("200", entries, *common)}},
        "post": {"post": {"parameters": [idempotency], "responses": answers("201", one, *common)}},
        "put": {"put": {"parameters": pk, "responses": answers("200", one, "409", *common)}},
        "delete": {
            "delete": {
                "parameters": [*pk, cascade],
                "responses": {
                    "200": {"description": "Deleted (with deleted_with: label -> count)"},
                    "403": {"description": "cascade asked by someone who may not"},
                    "409": {"description": "Records need it: message, dependants, cascadable"},
                    **{c: {"$ref": f"#/components/responses/{c}"} for c in ("401", "404")},
                },
            }
        },
    }


def api_class(model: type[NodeModel], region: str) -> type[GraphModelApi]:
    """The REST API class of a node type, built from its declaration."""
    meta = model.meta
    shown = [*SYSTEM_PROPS, *(item.name for item in meta.props + meta.rels)]
    editable = [p.name for p in meta.props if p.editable] + [
        r.name for r in meta.rels if r.editable
    ]
    name = f"{model.label}RestApi"  # not {label}Api: FAB has its own UserApi
    attrs = {
        "datamodel": GraphInterface(model),
        "resource_name": model.label.lower(),
        "openapi_spec_tag": meta.en_plural,
        "openapi_spec_component_schemas": (ChangeEntrySchema,),
        "openapi_spec_methods": _spec_overrides(name),
        "list_columns": shown,
        "show_columns": shown,
        "add_columns": editable,
        "edit_columns": [*editable, "version"],
        "order_columns": GraphInterface(model).get_order_columns_list(),
        "list_model_schema": dump_schema(model, shown, f"{model.label}ListSchema"),
        "show_model_schema": dump_schema(model, shown, f"{model.label}ShowSchema"),
        "add_model_schema": load_schema(model, region, edit=False),
        "edit_model_schema": load_schema(model, region, edit=True),
    }
    return type(name, (GraphModelApi,), attrs)


def register_apis(appbuilder: AppBuilder) -> None:
    """Add one REST API per declared node type at ``/api/v1/<label>/``."""
    region = current_app.config["PHONE_DEFAULT_REGION"]
    for model in REGISTRY.values():
        appbuilder.add_api(api_class(model, region))
