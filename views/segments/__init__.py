"""Segments: pages at ``/segments/`` and a REST API at ``/api/v1/segments/``.

Permissions: ``can_list``, ``can_show``, ``can_add``, ``can_edit``, ``can_delete`` and
``can_export`` on ``SegmentView``; ``can_get``, ``can_post``, ``can_put``, ``can_delete``,
``can_members`` and ``can_explain`` on ``SegmentApi``. Member counts, lists, exports, the
graph and explanations are limited to the reader's row-level scope (``graph.segments.members``);
personal data is masked without the personal-data permission; CSV exports are audited.

The pages live in ``pages``, the API in ``api``, the rule builder form in ``form``, what
both share in ``context``, wording in ``texts`` and API schemas in ``schemas``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext

from views.segments.api import SegmentApi
from views.segments.pages import SegmentView


def register(appbuilder: Any) -> None:
    """Add the segment pages (menu entry under Customers) and their API."""
    appbuilder.add_view(
        SegmentView,
        "Segments",
        label=lazy_gettext("Segments"),
        icon="fa-object-group",
        category="Customers",
    )
    appbuilder.add_api(SegmentApi)
