"""Running console queries for the API: read ``{query, params}``, run it read-only through
``graph.console.console`` within the console gate, audit and record every run, answer
errors with clear 4xx/5xx; ``RunRoutes`` holds ``/run`` and ``/csv``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from flask_appbuilder import expose
from flask_appbuilder.api import BaseApi, safe

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
from graph.records.events import console_query_ran
from views.console.gate import ConsoleBusy, current_gate
from views.console.saved import saved_queries
from views.console.texts import BUSY, MASKED_INDEX, TIMED_OUT, WRITE_REFUSED
from views.crud.downloads import csv_download
from views.errors import UNAVAILABLE
from views.guard import guard
from views.messages import error_text
from views.scope import current_actor, current_cipher, current_scope, current_store

MAX_QUERY_IN_AUDIT = 600  # characters of query text kept in an audit event


def params_digest(params: Any) -> dict[str, Any]:
    """Parameters as audited: names, value types and a hash of the values, never the values
    themselves (they may be a phone number or a name)."""
    if not isinstance(params, dict):
        return {"params": type(params).__name__}
    canonical = json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    return {
        "params": {str(k): type(v).__name__ for k, v in list(params.items())[:20]},
        "params_sha256": hashlib.sha256(canonical.encode()).hexdigest()[:16],
    }


def audit_run(action: str, query: str, params: Any, outcome: str, **facts: Any) -> None:
    detail = {
        "query": query[:MAX_QUERY_IN_AUDIT] + ("…" if len(query) > MAX_QUERY_IN_AUDIT else ""),
        **params_digest(params),
        "outcome": outcome,
        **facts,
    }
    console_query_ran.send(action, detail=detail)
    saved_queries().record_run(
        current_actor(),
        query,
        params,
        outcome,
        rows=facts.get("rows"),
        duration_ms=facts.get("duration_ms"),
        action=action,
    )


def console_route(action: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Read ``{query, params}``, run it, audit it as ``action``; errors as clear 4xx/5xx."""

    def decorate(handler: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def route(self: RunRoutes) -> Response:
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
                audit_run(action, query, params, "busy", limit=exc.scope)
                response = self.response(429, message=str(BUSY[exc.scope]), error="busy")
                response.headers["Retry-After"] = str(exc.retry_after)
                return response
            except StoreError as exc:
                return self._failed(action, query, params, exc, timeout_ms)
            except MaskedField:
                audit_run(action, query, params, "masked_field")
                return self.response(403, message=str(MASKED_INDEX), error="masked_field")
            except InvalidValue as exc:
                audit_run(action, query, params, "params", error=str(exc)[:200])
                return self.response(400, message=error_text(exc), error="params")
            audit_run(
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


class RunRoutes(BaseApi):
    """The console API's runs: ``POST /run`` and ``/csv`` (part of ``ConsoleApi``)."""

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
        audit_run(action, query, params, outcome, error=str(exc)[:200])
        return self.response(status, message=message, error=outcome)

    @expose("/run", methods=["POST"])
    @guard("run", all_rows=True)
    @safe
    @console_route("console_query")
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
    @console_route("export")
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
