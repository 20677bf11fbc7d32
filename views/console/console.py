"""The Cypher console: a page at ``/console/`` and a REST API at ``/api/v1/console/``.

Permissions: ``can_access`` on ``ConsoleView`` (the page), ``can_run``, ``can_csv``,
``can_saved`` (saved queries) and ``can_history`` on ``ConsoleApi``; the built-in Analyst
role and Admin have them. Every route is ``views.guard.guard(..., all_rows=True)``: readers
limited to their team's customers are refused whatever role grants the permission.
Queries run through ``graph.console.console`` (engine-enforced read-only, time limit, row cap,
personal data masked without the personal-data permission). Every run
and export is audited through the ``graph.records.events.console_query_ran`` signal (``app.audit``
records it) and added to the user's history (``views.console.saved``, kept in the SQL
store by the app).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import Response, current_app, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_babel import gettext
from marshmallow import Schema, fields

from graph.console import console
from graph.console.console import ConsoleResult
from graph.errors import (
    CypherSyntaxError,
    InvalidValue,
    MaskedField,
    QueryTimeout,
    StoreError,
    StoreUnavailable,
    WriteRefused,
)
from graph.io.csv_writer import Column, export_filename
from graph.model.base import REGISTRY, SYSTEM_PROPS
from graph.records.events import console_query_ran
from views.console import saved as queries
from views.console.gate import ConsoleBusy, current_gate
from views.crud.downloads import csv_download
from views.errors import UNAVAILABLE
from views.guard import guard
from views.labels import bilingual, localized
from views.scope import current_actor, current_cipher, current_scope, current_store
from views.texts import CONSOLE_OUTCOMES as OUTCOMES

MAX_QUERY_IN_AUDIT = 600  # characters of query text kept in an audit event

ConsoleRunSchema = Schema.from_dict(
    {
        "query": fields.String(required=True, metadata={"description": "Read-only Cypher"}),
        "params": fields.Dict(
            keys=fields.String(), metadata={"description": "Query parameters (a JSON object)"}
        ),
    },
    name="ConsoleRun",
)
ConsoleGraphSchema = Schema.from_dict(
    {
        "nodes": fields.List(fields.Dict(), metadata={"description": "{id, labels, properties}"}),
        "edges": fields.List(
            fields.Dict(), metadata={"description": "{id, type, start, end, properties}"}
        ),
    },
    name="ConsoleGraph",
)
ConsoleResultSchema = Schema.from_dict(
    {
        "columns": fields.List(fields.String()),
        "rows": fields.List(fields.List(fields.Raw())),
        "truncated": fields.Boolean(metadata={"description": "More rows than the row cap"}),
        "row_cap": fields.Integer(),
        "duration_ms": fields.Float(),
        "graph": fields.Nested(ConsoleGraphSchema),
    },
    name="ConsoleResult",
)
ConsoleErrorSchema = Schema.from_dict(
    {
        "message": fields.String(),
        "error": fields.String(
            metadata={"enum": ["params", "syntax", "query", "write_refused", "timeout"]}
        ),
    },
    name="ConsoleError",
)
SavedQueryPostSchema = Schema.from_dict(
    {
        "name": fields.String(
            required=True, metadata={"description": "Unique among the owner's queries"}
        ),
        "description": fields.String(),
        "query": fields.String(required=True, metadata={"description": "Read-only Cypher"}),
        "params": fields.Dict(keys=fields.String(), metadata={"description": "A JSON object"}),
        "shared": fields.Boolean(
            metadata={"description": "Visible (read-only) to every console user"}
        ),
    },
    name="SavedQueryPost",
)
SavedQuerySchema = Schema.from_dict(
    {
        "id": fields.Integer(),
        "owner": fields.String(),
        "name": fields.String(),
        "description": fields.String(),
        "query": fields.String(),
        "params": fields.Dict(keys=fields.String()),
        "shared": fields.Boolean(),
        "mine": fields.Boolean(metadata={"description": "The caller owns it (may change it)"}),
        "created_at": fields.String(metadata={"description": "UTC, ISO 8601"}),
        "updated_at": fields.String(metadata={"description": "UTC, ISO 8601"}),
    },
    name="SavedQuery",
)
ConsoleRunEntrySchema = Schema.from_dict(
    {
        "id": fields.Integer(),
        "at": fields.String(metadata={"description": "UTC, ISO 8601"}),
        "action": fields.String(metadata={"enum": ["console_query", "export"]}),
        "query": fields.String(),
        "params": fields.Dict(keys=fields.String()),
        "outcome": fields.String(),
        "rows": fields.Integer(allow_none=True),
        "duration_ms": fields.Float(allow_none=True),
    },
    name="ConsoleRunEntry",
)

WRITE_REFUSED = bilingual(
    "Read-only console: writes are refused (CREATE, MERGE, SET, DELETE, REMOVE and write "
    "procedures). Nothing was changed.",
    "只读控制台：拒绝写操作（CREATE、MERGE、SET、DELETE、REMOVE 及写入过程），数据未被修改。",
)
MASKED_INDEX = bilingual(
    "Refused: you see personal data masked, so your queries cannot use blind indexes "
    "(properties ending in _bidx).",
    "已拒绝：个人信息对您脱敏显示，查询中不能使用盲索引（以 _bidx 结尾的属性）。",
)
TIMED_OUT = bilingual(
    "The query was stopped after {ms} ms (the console's time limit). Narrow it down or add LIMIT.",
    "查询超过控制台时限 {ms} 毫秒，已被终止。请缩小范围或加上 LIMIT。",
)
NOT_YOURS = (
    "Only the owner of a shared query can change or delete it; save a copy under your name.",
    "只有共享查询的所有者可以修改或删除它；可以用自己的名称另存一份。",
)

BUSY = {
    "user": bilingual(
        "You already have a console query running: wait for it to finish, then run this one.",
        "您已有一个控制台查询正在运行，请等它结束后再运行。",
    ),
    "total": bilingual(
        "The console is busy with other analysts' queries: try again in a few seconds.",
        "控制台正忙于其他分析人员的查询，请几秒钟后重试。",
    ),
}

# The saved-queries and history panels of the page (English and Chinese, picked per request).
PANEL_LABELS = {
    "saved": ("Saved queries", "已保存的查询"),
    "history": ("History", "历史记录"),
    "name": ("Name", "名称"),
    "description": ("Description (optional)", "说明（可选）"),
    "shared": ("Share with other console users", "与其他控制台用户共享"),
    "save": ("Save query", "保存查询"),
    "load": ("Load", "载入"),
    "delete": ("Delete", "删除"),
    "mine_private": ("private", "私有"),
    "mine_shared": ("shared by me", "我共享的"),
    "shared_by": ("shared by {owner}", "{owner} 共享"),
    "none_saved": ("No saved queries yet.", "还没有已保存的查询。"),
    "none_history": ("No runs yet.", "还没有运行记录。"),
    "name_required": ("Give the query a name first.", "请先为查询命名。"),
    "saved_ok": ("Saved.", "已保存。"),
    "confirm_overwrite": (
        'Replace your saved query "{name}" with the current one?',
        "用当前查询替换已保存的查询“{name}”？",
    ),
    "confirm_delete": ('Delete the saved query "{name}"?', "删除已保存的查询“{name}”？"),
    "rows": ("{n} rows", "{n} 行"),
    "one_row": ("1 row", "1 行"),
    "export": ("CSV export", "CSV 导出"),
    "running": ("Running…", "运行中…"),
    "took": ("{rows} in {ms} ms", "{rows}，用时 {ms} 毫秒"),
    "no_answer": ("The server did not answer: {error}", "服务器没有响应：{error}"),
    "params_json": ("Parameters are not valid JSON: {error}", "参数不是有效的 JSON：{error}"),
    "params_object": (
        'Parameters must be a JSON object, e.g. {"name": "value"}',
        '参数必须是 JSON 对象，例如 {"name": "value"}',
    ),
    # How a run ended (the history's stored outcome codes).
    **{f"outcome_{code}": pair for code, pair in OUTCOMES.items()},
}


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
        )


def _params_digest(params: Any) -> dict[str, Any]:
    """Parameters as audited: names, value types and a hash of the values, never the values
    themselves (they may be a phone number or a name)."""
    if not isinstance(params, dict):
        return {"params": type(params).__name__}
    canonical = json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    return {
        "params": {str(k): type(v).__name__ for k, v in list(params.items())[:20]},
        "params_sha256": hashlib.sha256(canonical.encode()).hexdigest()[:16],
    }


def _audit(action: str, query: str, params: Any, outcome: str, **facts: Any) -> None:
    detail = {
        "query": query[:MAX_QUERY_IN_AUDIT] + ("…" if len(query) > MAX_QUERY_IN_AUDIT else ""),
        **_params_digest(params),
        "outcome": outcome,
        **facts,
    }
    console_query_ran.send(action, detail=detail)
    queries.saved_queries().record_run(
        current_actor(),
        query,
        params,
        outcome,
        rows=facts.get("rows"),
        duration_ms=facts.get("duration_ms"),
        action=action,
    )


def _console_route(action: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Read ``{query, params}``, run it, audit it as ``action``; errors as clear 4xx/5xx."""

    def decorate(handler: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def route(self: ConsoleApi) -> Response:
            body = request.get_json(silent=True)
            if not isinstance(body, dict) or not isinstance(body.get("query"), str):
                return self.response(
                    400, message='send a JSON object {"query": "...", "params": {...}}'
                )
            query, params = body["query"], body.get("params") or {}
            config = current_app.config
            timeout_ms = config["GRAPHCRM_CONSOLE_TIMEOUT_MS"]
            scope = current_scope()
            store = current_store()
            cipher = current_cipher()
            row_cap = config["GRAPHCRM_CONSOLE_ROW_CAP"]
            try:
                checked = console.parse_params(params)
                result = current_gate().run(
                    scope.username,
                    lambda: console.run_readonly(
                        store,
                        query,
                        checked,
                        timeout_ms=timeout_ms,
                        row_cap=row_cap,
                        reveal=scope.pii,
                        cipher=cipher,
                    ),
                    timeout_ms=timeout_ms,
                )
            except ConsoleBusy as exc:
                _audit(action, query, params, "busy", limit=exc.scope)
                response = self.response(429, message=str(BUSY[exc.scope]), error="busy")
                response.headers["Retry-After"] = str(exc.retry_after)
                return response
            except StoreError as exc:
                return self._failed(action, query, params, exc, timeout_ms)
            except MaskedField:
                _audit(action, query, params, "masked_field")
                return self.response(403, message=str(MASKED_INDEX), error="masked_field")
            except InvalidValue as exc:
                _audit(action, query, params, "params", error=str(exc)[:200])
                return self.response(400, message=str(exc), error="params")
            _audit(
                action,
                query,
                params,
                "ok",
                rows=len(result.rows),
                truncated=result.truncated,
                duration_ms=result.duration_ms,
            )
            return handler(self, result)

        return route

    return decorate


class ConsoleApi(BaseApi):
    """``POST /api/v1/console/run`` and ``/csv``: read-only Cypher for analysts."""

    resource_name = "console"
    openapi_spec_tag = "Console"
    openapi_spec_component_schemas = (
        ConsoleRunSchema,
        ConsoleResultSchema,
        ConsoleGraphSchema,
        ConsoleErrorSchema,
        SavedQueryPostSchema,
        SavedQuerySchema,
        ConsoleRunEntrySchema,
    )

    def _failed(
        self, action: str, query: str, params: Any, exc: StoreError, timeout_ms: int
    ) -> Response:
        message = str(exc)
        if isinstance(exc, WriteRefused):
            outcome, status, message = "write_refused", 403, str(WRITE_REFUSED)
        elif isinstance(exc, QueryTimeout):
            outcome, status, message = "timeout", 504, str(TIMED_OUT).format(ms=timeout_ms)
        elif isinstance(exc, StoreUnavailable):
            outcome, status, message = "unavailable", 503, str(UNAVAILABLE)
        elif isinstance(exc, CypherSyntaxError):
            outcome, status = "syntax", 400
        else:
            outcome, status = "query", 400
        _audit(action, query, params, outcome, error=str(exc)[:200])
        return self.response(status, message=message, error=outcome)

    @expose("/run", methods=["POST"])
    @guard("run", all_rows=True)
    @safe
    @_console_route("console_query")
    def run(self, result: ConsoleResult) -> Response:
        """Run a read-only Cypher query.
        ---
        post:
          description: >-
            Run read-only Cypher (writes are refused by the engine) within the console's
            time limit; at most the row cap of rows, `truncated` when there were more.
            Personal data comes back masked without the personal-data permission.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ConsoleRun'
          responses:
            200:
              description: The result
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ConsoleResult'
            400:
              description: Bad parameters or a query the engine cannot run
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ConsoleError'
            401:
              $ref: '#/components/responses/401'
            403:
              description: No console permission, or the query would write
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ConsoleError'
            429:
              description: >-
                The caller already runs a console query, or the console's cap of queries
                running at once is reached; see Retry-After
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ConsoleError'
            503:
              $ref: '#/components/responses/500'
            504:
              description: The query ran longer than the time limit and was stopped
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/ConsoleError'
        """
        return self.response(
            200,
            columns=result.columns,
            rows=result.rows,
            truncated=result.truncated,
            row_cap=current_app.config["GRAPHCRM_CONSOLE_ROW_CAP"],
            duration_ms=result.duration_ms,
            graph={"nodes": result.nodes, "edges": result.relationships},
        )

    @expose("/csv", methods=["POST"])
    @guard("csv", all_rows=True)
    @safe
    @_console_route("export")
    def csv(self, result: ConsoleResult) -> Response:
        """Run a read-only Cypher query again and download its rows as CSV (audited).
        ---
        post:
          description: The query's rows as CSV (structures as JSON text), up to the row cap.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ConsoleRun'
          responses:
            200:
              description: CSV text
              content:
                text/csv: {}
            400:
              description: Bad parameters or a query the engine cannot run
            401:
              $ref: '#/components/responses/401'
            403:
              description: No console permission, or the query would write
        """

        columns = [Column(name, name) for name in result.columns]
        rows = (dict(zip(result.columns, row, strict=True)) for row in result.rows)
        return csv_download(columns, rows, export_filename("console-result"))

    # -- saved queries and history (SQL security store, see views.console.saved) ----------

    def _saved_change(self, change: Callable[[], Any], status: int = 200) -> Response:
        """Run a change of a saved query; its errors as 404, 403 or 422 (field map)."""
        try:
            saved = change()
        except queries.NotFound:
            return self.response_404()
        except queries.Forbidden:
            return self.response(403, message=str(bilingual(*NOT_YOURS)), error="not_owner")
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


ANALYSIS = ("Analysis", bilingual("Analysis", "分析"))


def register(appbuilder: Any) -> None:
    """Add the console page (menu Analysis > Console) and its API."""
    category, category_label = ANALYSIS
    appbuilder.add_view(
        ConsoleView,
        "Console",
        label=bilingual("Console", "Cypher 控制台"),
        icon="fa-terminal",
        category=category,
        category_label=category_label,
    )
    appbuilder.add_api(ConsoleApi)
