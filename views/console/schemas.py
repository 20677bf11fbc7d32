"""Marshmallow schemas of the console API (``/api/v1/console/``)."""

from __future__ import annotations

from marshmallow import Schema, fields

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
