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

The page lives in ``page``, the API in ``api`` (runs in ``running``, saved queries and
history in ``saved_routes``; ``saved`` is the interface to the app's saved-query store,
``gate`` the limit on queries running at once), wording in ``texts`` and API schemas in ``schemas``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext

from views.console.api import ConsoleApi
from views.console.page import ConsoleView

ANALYSIS = ("Analysis", lazy_gettext("Analysis"))


def register(appbuilder: Any) -> None:
    """Add the console page (menu Analysis > Console) and its API."""
    category, category_label = ANALYSIS
    appbuilder.add_view(
        ConsoleView,
        "Console",
        label=lazy_gettext("Console"),
        icon="fa-terminal",
        category=category,
        category_label=category_label,
    )
    appbuilder.add_api(ConsoleApi)
