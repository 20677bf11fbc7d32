"""The one access guard of GraphCRM's own pages and APIs, built on FAB's decorators.

``@guard("name")`` under ``@expose`` is FAB's ``@permission_name("name")`` plus
- on a page (``BaseView``): FAB's ``@has_access`` (a visitor goes to the login page, a
  signed-in reader without ``can_name`` gets 403);
- on an API (``BaseApi``): FAB's ``@protect(allow_browser_login=True)`` (401 without a
  session or token, 403 without the permission).

``all_rows=True`` also refuses (403) readers limited to their team's customers (Sales):
free Cypher and network-wide figures cannot be limited to one team, so such readers are
kept out whatever custom role grants them the permission.

No view checks permissions or roles in its body; ``tests/test_access_guard.py`` walks the
URL map and fails on any endpoint that is neither guarded so nor on its public list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import abort
from flask_appbuilder.api import BaseApi
from flask_appbuilder.security.decorators import has_access, permission_name, protect

from views.scope import current_scope

View = TypeVar("View", bound=Callable[..., Any])


def team_limited() -> bool:
    """True when the signed-in reader sees only their team's customers."""
    return bool(current_scope().team_only)


def _all_rows_only(handler: View) -> View:
    """``handler``, answering 403 to a team-limited reader (after FAB's permission check)."""

    @functools.wraps(handler)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if team_limited():
            if isinstance(self, BaseApi):
                return self.response_403()
            abort(403)
        return handler(self, *args, **kwargs)

    return cast(View, checked)


def guard(name: str, *, all_rows: bool = False) -> Callable[[View], View]:
    """Guard a page or API method by the permission ``can_<name>`` on its view."""

    def decorate(handler: View) -> View:
        body = _all_rows_only(handler) if all_rows else handler
        named = permission_name(name)(body)
        page = has_access(named)
        api = protect(allow_browser_login=True)(named)

        @functools.wraps(page)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            checked = api if isinstance(self, BaseApi) else page
            return checked(self, *args, **kwargs)

        return cast(View, guarded)

    return decorate
