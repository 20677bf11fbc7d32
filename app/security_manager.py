"""GraphCRM's security manager: audited, throttled logins and audited security changes.

Set by ``FAB_SECURITY_MANAGER_CLASS``. On top of FAB's manager it
- counts failed logins for the throttle of ``app.login_throttle`` (Flask-Limiter: 429 with
  Retry-After), and gives admins *Unlock sign-in* on the user screen;
- audits login success, failure, refusal and logout (``app.audit``);
- watches the session for account, role and group changes, which are audited in their
  own transaction and mirrored into the graph (``app.security_changes``);
- applies the password policy (``app.password_policy``) to FAB's password forms and API;
- keeps the signed-in users (``app.signed_in_user``) and the permission sets of role sets
  in memory per process, valid while the security database's change counter
  (``app.security_generation``) stays put, and answers permission checks from them.
"""

from __future__ import annotations

from threading import Lock
from typing import Any

from flask import Response, current_app, flash, g, has_request_context, jsonify, redirect
from flask_appbuilder.actions import action as list_action
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from flask_appbuilder.security.views import (
    PermissionViewModelView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
)
from flask_babel import lazy_gettext
from flask_jwt_extended import JWTManager
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.local import LocalProxy

from app import (
    audit,
    audit_outbox,
    console_queries,
    login_throttle,
    mirror_outbox,
    password_policy,
    security_changes,
    security_generation,
)
from app.audit import current_username
from app.signed_in_user import SignedInUser
from app.user_api import GraphCRMUserApi
from graph.jobs import progress as job_records
from views.errors import PAGES

BAD_TOKEN = lazy_gettext("Invalid token: log in again (POST /api/v1/security/login).")


def bad_token(_reason: Any = None, *_: Any) -> tuple[Response, int]:
    """401 for a token that is garbled, tampered with, wrongly signed or of the wrong type:
    it proves nobody's identity (flask-jwt-extended answers 422 by default). The reason
    stays out of the answer: it would tell a forger which check failed."""
    key = current_app.config.get("JWT_ERROR_MESSAGE_KEY", "msg")
    return jsonify({key: str(BAD_TOKEN)}), 401


def no_token(_reason: Any = None) -> tuple[Response, int]:
    """401 for an API request without a login or token (flask-jwt-extended's own answer is
    English whatever the reader's language)."""
    key = current_app.config.get("JWT_ERROR_MESSAGE_KEY", "msg")
    return jsonify({key: str(PAGES[401][1])}), 401


UNLOCKED = lazy_gettext("Sign-in attempts of {names} are no longer slowed down.")


class GraphCRMUserDBModelView(UserDBModelView):
    """FAB's user screen with an *Unlock sign-in* action (permission ``unlock``: Admin)."""

    @list_action(
        "unlock",
        lazy_gettext("Unlock sign-in"),
        lazy_gettext("Clear the failed sign-in counters of the selected users?"),
        "fa-unlock",
    )
    def unlock(self, items: Any) -> Any:
        users = items if isinstance(items, list) else [items]
        by = current_username()
        for user in users:
            login_throttle.unlock(user.username, by)
        names = ", ".join(user.username for user in users)
        flash(str(UNLOCKED).format(names=names), "success")
        self.update_redirect()
        return redirect(self.get_redirect())


class GraphCRMUserGroupView(UserGroupModelView):
    """FAB's groups screens, with column labels in the reader's language (FAB's own view
    declares none, so it shows the column names in English)."""

    label_columns = {
        "name": lazy_gettext("Name"),
        "label": lazy_gettext("Label"),
        "description": lazy_gettext("Description"),
        "users": lazy_gettext("Users"),
        "roles": lazy_gettext("Roles"),
    }


class GraphCRMRoleView(RoleModelView):
    """FAB's roles screens; its filters on a role's users and groups are labelled too."""

    label_columns = {
        **RoleModelView.label_columns,
        "user": lazy_gettext("User"),
        "groups": lazy_gettext("Groups"),
    }


class GraphCRMPermissionView(PermissionViewModelView):
    """FAB's permissions-on-views screens; its filter by role is labelled too."""

    label_columns = {**PermissionViewModelView.label_columns, "role": lazy_gettext("Role")}


class GraphCRMSecurityManager(SecurityManager):
    """FAB's SQLAlchemy security manager with auditing, login throttling and a password policy."""

    groupmodelview = GraphCRMUserGroupView
    rolemodelview = GraphCRMRoleView
    permissionviewmodelview = GraphCRMPermissionView
    user_api = GraphCRMUserApi
    # FAB's "User's Statistics" chart loads Google Charts from the internet: the app must
    # work offline and inside mainland China, so that screen is left out.
    userstatschartview = None
    userdbmodelview = GraphCRMUserDBModelView

    def __init__(self, appbuilder: Any) -> None:
        self.startup_changes: list[str] = []
        # role names -> (change counter when read, their (permission, view) pairs)
        self._permission_sets: dict[frozenset[str], tuple[int, frozenset[tuple[str, str]]]] = {}
        self._users: dict[int, tuple[int, SignedInUser]] = {}  # id -> (counter, snapshot)
        self._cache_lock = Lock()
        config = current_app.config
        config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", password_policy.check_password)
        security_changes.watch(appbuilder.session)
        audit.subscribe()
        with security_changes.startup_sync(self.startup_changes):
            super().__init__(appbuilder)

    def create_jwt_manager(self, app: Any) -> JWTManager:
        """FAB's JWT manager, answering 401 to every token that does not verify (or has
        expired) and to a request without one, in the reader's language."""
        manager = super().create_jwt_manager(app)
        manager.invalid_token_loader(bad_token)
        manager.token_verification_failed_loader(bad_token)
        manager.expired_token_loader(bad_token)
        manager.unauthorized_loader(no_token)
        return manager

    # -- tables and start-up permission sync ---------------------------------------------

    def create_db(self) -> None:
        engine = self.session.get_bind()
        audit.ensure_tables(engine)
        login_throttle.ensure_tables(engine)
        console_queries.ensure_tables(engine)
        mirror_outbox.ensure_tables(engine)
        audit_outbox.ensure_tables(engine)
        job_records.ensure_tables(engine)
        security_generation.ensure_tables(engine)
        with security_changes.startup_sync(self.startup_changes):
            super().create_db()

    def add_permissions_view(self, base_permissions: Any, view_menu: str) -> None:
        with security_changes.startup_sync(self.startup_changes):
            super().add_permissions_view(base_permissions, view_menu)

    def add_permissions_menu(self, view_menu_name: str) -> None:
        with security_changes.startup_sync(self.startup_changes):
            super().add_permissions_menu(view_menu_name)

    def security_cleanup(self, baseviews: Any, menus: Any) -> None:
        with security_changes.startup_sync(self.startup_changes):
            super().security_cleanup(baseviews, menus)

    def audit_startup_changes(self) -> None:
        """Audit the permission sync done so far as one event (called once the app is built)."""
        if not self.startup_changes:
            return
        counts: dict[str, int] = {}
        for action in self.startup_changes:
            counts[action] = counts.get(action, 0) + 1
        self.startup_changes.clear()
        self.session.commit()
        audit.record("permission_sync", detail=counts, username="system")

    # -- logins -------------------------------------------------------------------------

    def has_access(self, permission_name: str, view_name: str) -> bool:
        """FAB's check for the request's user; a user this manager loaded (session or JWT:
        FAB keeps either in ``g.user``) is checked without FAB's dozen lookups through
        Flask-Login's proxy (a list page checks ~45 times). Anything else goes to FAB."""
        if has_request_context() and not getattr(g, "_api_key_user", False):
            user = g.get("user")
            if isinstance(user, LocalProxy):
                user = user._get_current_object()
            if isinstance(user, SignedInUser):
                return user.is_active and self._has_view_access(user, permission_name, view_name)
        return bool(super().has_access(permission_name, view_name))

    def _has_view_access(self, user: object, permission_name: str, view_name: str) -> bool:
        """FAB's check, answered from the permission set of the user's roles (``_granted``).

        A list page asks ~40 times (menu, buttons, actions, the reader's scope) and an API
        call ~10 times; FAB answers each with a query to the security database. Built-in
        roles are regexes and stay with FAB.
        """
        if not has_request_context() or not getattr(user, "is_authenticated", False):
            return super()._has_view_access(user, permission_name, view_name)
        if isinstance(user, LocalProxy):  # FAB's g.user is Flask-Login's current_user:
            user = user._get_current_object()  # resolve it once, not at every attribute
        roles = self.get_user_roles(user)
        if any(
            role.name in self.builtin_roles
            and self._has_access_builtin_roles(role, permission_name, view_name)
            for role in roles
        ):
            return True
        if isinstance(user, SignedInUser):
            names = user.role_names
        else:
            names = frozenset(role.name for role in roles)
        stored = names.difference(self.builtin_roles)
        return (permission_name, view_name) in self._granted(stored)

    def is_item_public(self, permission_name: str, view_name: str) -> bool:
        """FAB's check of the public role, from the same permission sets."""
        if not has_request_context():
            return bool(super().is_item_public(permission_name, view_name))
        return (permission_name, view_name) in self._granted(frozenset({self.auth_role_public}))

    def _granted(self, role_names: frozenset[str]) -> frozenset[tuple[str, str]]:
        """The (permission, view) pairs of the roles named.

        Kept per process and role set while the change counter read at the start of this
        request (``app.security_generation``) has the value it had when they were read,
        so a grant, a revocation or a role's rename committed anywhere applies from the
        next request on. The counter is read before the permissions: a change committed
        in between makes the pairs newer than their counter, never older.
        """
        if not role_names:
            return frozenset()
        generation = self.request_generation()
        kept = self._permission_sets.get(role_names)
        if kept is not None and kept[0] == generation:
            return kept[1]
        pairs = self._role_permissions(role_names)
        with self._cache_lock:
            kept = self._permission_sets.get(role_names)
            if kept is None or kept[0] <= generation:
                self._permission_sets[role_names] = (generation, pairs)
        return pairs

    def request_generation(self) -> int:
        """The security change counter, read once per request."""
        if "graphcrm_security_generation" not in g:
            g.graphcrm_security_generation = security_generation.current(self.session)
        return int(g.graphcrm_security_generation)

    def load_user(self, pk: int) -> Any | None:
        """FAB's user loader (session and JWT): the account's snapshot kept in this process
        while the change counter stays put (``app.signed_in_user``), else read in one
        query; None for an account that is disabled or gone."""
        if not has_request_context():
            return super().load_user(pk)
        user_id = int(pk)
        generation = self.request_generation()  # before the user: see _granted
        kept = self._users.get(user_id)
        if kept is not None and kept[0] == generation:
            return kept[1] if kept[1].is_active else None
        user = self._read_user(user_id)
        if user is None:
            return None
        snapshot = SignedInUser.of(user)
        with self._cache_lock:
            kept = self._users.get(user_id)
            if kept is None or kept[0] <= generation:
                self._users[user_id] = (generation, snapshot)
        return snapshot if snapshot.is_active else None

    def _read_user(self, user_id: int) -> Any | None:
        """The ORM user with its roles, its groups and their roles, in one query."""
        return (
            self.session.execute(
                select(self.user_model)
                .where(self.user_model.id == user_id)
                .options(
                    joinedload(self.user_model.roles),
                    joinedload(self.user_model.groups).joinedload(self.group_model.roles),
                )
            )
            .unique()
            .scalar_one_or_none()
        )

    def _role_permissions(self, role_names: frozenset[str]) -> frozenset[tuple[str, str]]:
        """(permission, view) pairs granted to the stored roles named (plain rows: FAB's
        ``get_db_role_permissions`` builds an ORM object for each of the ~400 an admin has)."""
        permission = self.permission_model.__table__
        view = self.viewmenu_model.__table__
        pair = self.permissionview_model.__table__
        role = self.role_model.__table__
        query = (
            select(permission.c.name, view.c.name)
            .select_from(
                assoc_permissionview_role.join(
                    pair, pair.c.id == assoc_permissionview_role.c.permission_view_id
                )
                .join(permission, permission.c.id == pair.c.permission_id)
                .join(view, view.c.id == pair.c.view_menu_id)
                .join(role, role.c.id == assoc_permissionview_role.c.role_id)
            )
            .where(role.c.name.in_(sorted(role_names)))
        )
        return frozenset((p, v) for p, v in self.session.execute(query))

    def auth_user_db(self, username: str, password: str) -> Any:
        """FAB's database login, audited; a failure counts for the login throttle."""
        user = super().auth_user_db(username, password)
        attempted = (username or "").strip()[:256] or None
        if user is None and attempted:
            login_throttle.mark_failed()
            audit.record("login_failed", username=attempted)
        return user

    def on_user_login(self, user: Any) -> None:
        audit.record("login", target=f"ab_user:{user.id}", username=user.username)

    def on_user_logout(self, user: Any) -> None:
        audit.record("logout", target=f"ab_user:{user.id}", username=user.username)
