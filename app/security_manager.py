"""GraphCRM's security manager: audited, throttled logins and audited security changes.

Set by ``FAB_SECURITY_MANAGER_CLASS``. On top of FAB's manager it
- refuses a login while the account name or the client address is locked after repeated
  failures (``app.login_throttle``), with a message saying so and for how long;
- audits login success, failure, refusal and logout (``app.audit``);
- watches the session for account, role and group changes, which are audited in their
  own transaction and mirrored into the graph (``app.security_changes``);
- applies the password policy (``app.password_policy``) to FAB's password forms and API.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, has_request_context, jsonify
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import (
    AuthDBView,
    PermissionViewModelView,
    RoleModelView,
    UserGroupModelView,
)
from flask_babel import lazy_gettext
from flask_jwt_extended import JWTManager

from app import (
    audit,
    audit_outbox,
    console_queries,
    login_throttle,
    mirror_outbox,
    password_policy,
    security_changes,
)
from app.user_api import GraphCRMUserApi
from views.labels import is_chinese

LOCK_MESSAGES = {
    "account": (
        "Too many failed sign-in attempts: this account is locked. Try again in {minutes}.",
        "登录失败次数过多，该账户已被锁定，请在 {minutes} 分钟后重试。",
    ),
    "ip": (
        "Too many failed sign-in attempts from your network address. Try again in {minutes}.",
        "您所在网络地址的登录失败次数过多，请在 {minutes} 分钟后重试。",
    ),
}


def lock_message(lock: login_throttle.Lock) -> str:
    """The refusal message for ``lock``, in the request's language."""
    en, zh = LOCK_MESSAGES[lock.scope]
    minutes = lock.minutes_left()
    if is_chinese():
        return zh.format(minutes=minutes)
    return en.format(minutes=f"{minutes} minute" if minutes == 1 else f"{minutes} minutes")


BAD_TOKEN = (
    "Invalid token: log in again (POST /api/v1/security/login).",
    "令牌无效：请重新登录（POST /api/v1/security/login）。",
)


def bad_token(_reason: Any = None, *_: Any) -> tuple[Response, int]:
    """401 for a token that is garbled, tampered with, wrongly signed or of the wrong type:
    it proves nobody's identity (flask-jwt-extended answers 422 by default). The reason
    stays out of the answer: it would tell a forger which check failed."""
    key = current_app.config.get("JWT_ERROR_MESSAGE_KEY", "msg")
    return jsonify({key: BAD_TOKEN[1] if is_chinese() else BAD_TOKEN[0]}), 401


class GraphCRMAuthDBView(AuthDBView):
    """FAB's login page, saying so when a login was refused because of a lock."""

    @property
    def invalid_login_message(self) -> Any:  # type: ignore[override]
        return g.get("graphcrm_login_refusal") or AuthDBView.invalid_login_message


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

    authdbview = GraphCRMAuthDBView
    groupmodelview = GraphCRMUserGroupView
    rolemodelview = GraphCRMRoleView
    permissionviewmodelview = GraphCRMPermissionView
    user_api = GraphCRMUserApi
    # FAB's "User's Statistics" chart loads Google Charts from the internet: the app must
    # work offline and inside mainland China, so that screen is left out.
    userstatschartview = None

    def __init__(self, appbuilder: Any) -> None:
        self.startup_changes: list[str] = []
        config = current_app.config
        config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", password_policy.check_password)
        security_changes.watch(appbuilder.session)
        audit.subscribe()
        with security_changes.startup_sync(self.startup_changes):
            super().__init__(appbuilder)

    def create_jwt_manager(self, app: Any) -> JWTManager:
        """FAB's JWT manager, answering 401 to every token that does not verify."""
        manager = super().create_jwt_manager(app)
        manager.invalid_token_loader(bad_token)
        manager.token_verification_failed_loader(bad_token)
        return manager

    # -- tables and start-up permission sync ---------------------------------------------

    def create_db(self) -> None:
        engine = self.session.get_bind()
        audit.ensure_tables(engine)
        login_throttle.ensure_tables(engine)
        console_queries.ensure_tables(engine)
        mirror_outbox.ensure_tables(engine)
        audit_outbox.ensure_tables(engine)
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

    def _has_view_access(self, user: object, permission_name: str, view_name: str) -> bool:
        """FAB's check, answered from the user's permissions loaded once per request.

        A list page asks ~30 times (menu, buttons, actions); FAB answers each with a query
        to the security database. Built-in roles are regexes and stay with FAB.
        """
        if not has_request_context() or not getattr(user, "is_authenticated", False):
            return super()._has_view_access(user, permission_name, view_name)
        roles = self.get_user_roles(user)
        if any(
            role.name in self.builtin_roles
            and self._has_access_builtin_roles(role, permission_name, view_name)
            for role in roles
        ):
            return True
        key = ("graphcrm_permissions", getattr(user, "id", None))
        granted = g.get("graphcrm_permissions")
        # An API call asks once or twice: one small query each is cheaper than loading all.
        g.graphcrm_checks = g.get("graphcrm_checks", 0) + 1
        if granted is None and g.graphcrm_checks <= 2:
            return super()._has_view_access(user, permission_name, view_name)
        if granted is None or granted[0] != key:
            pairs = {
                (pv.permission.name, pv.view_menu.name)
                for role in roles
                if role.name not in self.builtin_roles
                for pv in self.get_db_role_permissions(role.id)
            }
            granted = g.graphcrm_permissions = (key, pairs)
        return (permission_name, view_name) in granted[1]

    def auth_user_db(self, username: str, password: str) -> Any:
        """FAB's database login, refused while the name or address is locked, and counted."""
        ip = audit.client_ip()
        attempted = (username or "").strip()[:256] or None
        lock = login_throttle.current_lock(attempted, ip)
        if lock is not None:
            g.graphcrm_login_refusal = lock_message(lock)
            audit.record("login_refused", detail={"lock": lock.scope}, username=attempted)
            return None
        user = super().auth_user_db(username, password)
        if user is None and attempted:
            lock = login_throttle.record_failure(attempted, ip)
            detail = {"locked": lock.scope} if lock else None
            audit.record("login_failed", detail=detail, username=attempted)
            if lock is not None:
                g.graphcrm_login_refusal = lock_message(lock)
        return user

    def on_user_login(self, user: Any) -> None:
        login_throttle.record_success(user.username)
        audit.record("login", target=f"ab_user:{user.id}", username=user.username)

    def on_user_logout(self, user: Any) -> None:
        audit.record("logout", target=f"ab_user:{user.id}", username=user.username)
