"""The navigation bar: menus in the order of daily work, and counts in menu badges.

Customers and Activity come first, Setup and Security last (``order_menu``); FAB's own
account list stays out of the menu, since the staff list under Setup (``views.crud.user``)
is the one list of people. A menu entry may carry a badge: the Follow-ups entry counts the
reader's own overdue follow-ups (``graph.records.workspace``), within their row-level scope.
"""

from __future__ import annotations

from flask import Flask, g
from flask_appbuilder import AppBuilder
from flask_login import current_user

from graph.clock import utc_now
from graph.errors import StoreError
from graph.model import nodes
from graph.records.workspace import overdue_of_owner
from views import admin_registry, rendered_menu
from views.scope import business_timezone, current_scope, current_store

FIRST = (admin_registry.CUSTOMERS.name, admin_registry.ACTIVITY.name)
LAST = (admin_registry.SETUP.name, "Security")
# FAB's account list: reached from a person's page under Setup, not from the menu.
HIDDEN = ("List Users",)
# The menu entry whose badge counts the reader's overdue follow-ups.
FOLLOW_UPS = nodes.FollowUp.meta.en_plural


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
        try:
            g.graphcrm_overdue = overdue_of_owner(
                current_store(),
                current_scope(),
                now=utc_now(),
                timezone=business_timezone(),
            )
        except StoreError:
            # The engine is down: the page says so elsewhere; the menu keeps working.
            g.graphcrm_overdue = 0
    return int(g.graphcrm_overdue)


def init_app(app: Flask) -> None:
    """Offer ``menu_badge(name)`` and the kept menu (``views.rendered_menu``) to templates
    (the navigation bar's menu)."""
    app.add_template_global(menu_badge, "menu_badge")
    app.add_template_global(lambda: rendered_menu.navbar_menu(menu_badge), "navbar_menu")
