"""The row-level scope of the current request, from the logged-in user's roles (its own and
its groups'): which rows (Sales: its team's customers), which node types (those the roles
may list, show or get) and whether personal data shows unmasked."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_login import current_user

from app.roles import ALL_ROWS_ROLES, PII_PERMISSION, SALES
from graph.model.base import REGISTRY
from graph.security.scope import Scope
from views.crud.deletes import CASCADE_PERMISSION
from views.scope import SCOPE, appbuilder_of, current_appbuilder

NOBODY = Scope.nobody()


def current_scope() -> Scope:
    """Whose eyes this request is for; computed once per request."""
    cached = g.get("graphcrm_scope")
    if cached is not None:
        return cached
    # FAB puts the session's or the JWT's user in g.user (JWT after @protect verified it).
    user = g.get("user") or current_user
    if not user or not user.is_authenticated:
        return NOBODY  # not cached: a JWT may still be verified later in this request
    else:
        sm = current_appbuilder().sm
        # Its own roles and its groups' roles, as its permissions are granted (FAB's
        # get_user_roles): a salesperson whose Sales role comes from a group sees their
        # team's rows only, not every row.
        roles = {role.name for role in sm.get_user_roles(user)}
        scope = Scope(
            username=user.username,
            team_only=SALES in roles and not roles & ALL_ROWS_ROLES,
            pii=bool(sm.has_access(*PII_PERMISSION)),
            labels=frozenset(label for label in REGISTRY if _may_read(sm, label)),
        )
    g.graphcrm_scope = scope
    return scope


def _may_read(sm: Any, label: str) -> bool:
    """Whether the current user's roles may read ``label`` records on a screen or by REST."""
    return any(
        sm.has_access(permission, view)
        for permission, view in (
            ("can_list", f"{label}View"),
            ("can_show", f"{label}View"),
            ("can_get", f"{label}RestApi"),
        )
    )


def init_app(app: Flask) -> None:
    """Make the data interface ask ``current_scope`` and give admins the PII permission and
    the permission to delete records together with those that need them."""
    app.extensions[SCOPE] = current_scope
    sm = appbuilder_of(app).sm
    with app.app_context():
        admin = sm.find_role(app.config["AUTH_ROLE_ADMIN"])
        for names in (PII_PERMISSION, CASCADE_PERMISSION):
            permission = sm.add_permission_view_menu(*names)
            if admin is not None and permission not in admin.permissions:
                sm.add_permission_role(admin, permission)
