"""The navigation bar: menus in the order of daily work, and counts in menu badges.

Customers and Activity come first, Setup and Security last (``order_menu``); FAB's own
account list stays out of the menu, since the staff list under Setup (``views.crud.user``)
is the one list of people. A menu entry may carry a badge: the Follow-ups entry counts the
reader's own overdue follow-ups (``graph.records.workspace``), within their row-level scope.

The count is one graph round trip, on every page, for a number that changes a few times a
day: each process keeps it for ``BADGE_SECONDS`` per reader scope (``Scope``: the username,
the rows and types they may read), and drops a reader's counts when they write anything
(a request other than GET, HEAD or OPTIONS, in this process), so a follow-up a reader adds
or closes shows in their badge at their next page; a change made by someone else, or in
another worker, shows within ``BADGE_SECONDS``.
"""

from __future__ import annotations

from time import monotonic

from flask import Flask, Response, current_app, g, request
from flask_appbuilder import AppBuilder
from flask_login import current_user

from graph.clock import utc_now
from graph.errors import StoreError
from graph.model import nodes
from graph.records.workspace import overdue_of_owner
from graph.security.scope import Scope
from views import admin_registry, rendered_menu
from views.scope import business_timezone, current_actor, current_scope, current_store

FIRST = (admin_registry.CUSTOMERS.name, admin_registry.ACTIVITY.name)
LAST = (admin_registry.SETUP.name, "Security")
# FAB's account list: reached from a person's page under Setup, not from the menu.
HIDDEN = ("List Users",)
# The menu entry whose badge counts the reader's overdue follow-ups.
FOLLOW_UPS = nodes.FollowUp.meta.en_plural
BADGE_SECONDS = 5.0  # how long a process keeps a reader's badge count
KEPT = "graphcrm_badge_counts"  # app.extensions: Scope -> (monotonic expiry, count)
MAX_KEPT = 4096  # scopes kept per process; all dropped beyond
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def order_menu(appbuilder: AppBuilder) -> None:
    """Put the top-level menus in daily-work order (others keep theirs, in between) and
    drop the hidden entries."""
    items = appbuilder.menu.menu

    def rank(name: str) -> int:
        if name in FIRST:
            return FIRST.index(name) - len(FIRST)
        if name in LAST:
            return 1 + LAST.index(name)
        return 0

    items.sort(key=lambda item: rank(item.name))
    for item in items:
        item.childs = [child for child in item.childs if child.name not in HIDDEN]


def menu_badge(name: str) -> int:
    """The count shown beside menu entry ``name`` for the signed-in reader (0: no badge).
    Counted once per request."""
    count = _count(name)
    rendered_menu.record_badge(name, count)
    return count


def _count(name: str) -> int:
    if name != FOLLOW_UPS or not current_user.is_authenticated:
        return 0
    if "graphcrm_overdue" not in g:
        g.graphcrm_overdue = _overdue(current_scope())
    return int(g.graphcrm_overdue)


def _overdue(scope: Scope) -> int:
    """The reader's overdue follow-ups, as this process counted them within
    ``BADGE_SECONDS``, else counted now."""
    kept: dict[Scope, tuple[float, int]] = current_app.extensions.setdefault(KEPT, {})
    now = monotonic()
    found = kept.get(scope)
    if found is not None and found[0] > now:
        return found[1]
    try:
        count = overdue_of_owner(
            current_store(), scope, now=utc_now(), timezone=business_timezone()
        )
    except StoreError:
        # The engine is down: the page says so elsewhere; the menu keeps working.
        return 0
    if len(kept) >= MAX_KEPT:
        kept.clear()
    kept[scope] = (now + BADGE_SECONDS, count)
    return count


def _forget_after_write(response: Response) -> Response:
    """Drop the writer's kept badge counts after a request that may have changed them."""
    username = current_actor() if request.method not in SAFE_METHODS else None
    if username:
        kept: dict[Scope, tuple[float, int]] = current_app.extensions.get(KEPT, {})
        for scope in [scope for scope in kept if scope.username == username]:
            kept.pop(scope, None)
    return response


def init_app(app: Flask) -> None:
    """Offer ``menu_badge(name)`` and the kept menu (``views.rendered_menu``) to templates
    (the navigation bar's menu); forget a reader's kept badge counts when they write."""
    app.add_template_global(menu_badge, "menu_badge")
    app.after_request(_forget_after_write)
    app.add_template_global(lambda: rendered_menu.navbar_menu(menu_badge), "navbar_menu")
