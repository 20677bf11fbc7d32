"""The console REST API at ``/api/v1/console/``: runs, CSV exports, saved queries, history."""

from __future__ import annotations

from views.console.running import RunRoutes
from views.console.saved_routes import SavedQueryRoutes
from views.console.schemas import (
    ConsoleErrorSchema,
    ConsoleGraphSchema,
    ConsoleResultSchema,
    ConsoleRunEntrySchema,
    ConsoleRunSchema,
    SavedQueryPostSchema,
    SavedQuerySchema,
)


class ConsoleApi(RunRoutes, SavedQueryRoutes):
    """``POST /api/v1/console/run`` and ``/csv``: read-only Cypher for analysts; ``/saved``
    and ``/history``."""

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
