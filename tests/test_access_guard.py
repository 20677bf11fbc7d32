"""One access guard: every endpoint in the URL map is behind FAB's permission decorators
(``has_access``, ``protect``, ``has_access_api``) or ``views.guard.guard``, which is built
on them, as its outermost call. Only the public list below is reachable without one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_appbuilder import BaseView, ModelView
from flask_appbuilder.security.decorators import has_access, has_access_api, protect

from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login
from views.guard import guard

# Reachable without a permission: each with the reason it may be.
PUBLIC = {
    "static": "the app's CSS, JavaScript and images",
    "appbuilder.static": "FAB's CSS, JavaScript and images",
    "AuthDBView.login": "the login page",
    "AuthDBView.logout": "logging out",
    "SecurityApi.login": "the REST login",
    "SecurityApi.refresh": "needs a refresh token (flask-jwt-extended checks it)",
    "LocaleView.index": "the language switch",
    "health.alive": "the process health check (no data in the answer)",
    "health.ready": "the readiness check (no data in the answer)",
    "HomeView.index": "the landing page: a login prompt for visitors, no graph data",
    "UtilView.back": "a redirect to the previous page",
}
# FAB's own list actions check the permission named after the action inside (a fixed
# permission decorator cannot name it); the functions must be FAB's, not overrides.
FAB_ACTIONS = (ModelView.action, ModelView.action_post)


def _code(decorator: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Any:
    def probe(self: Any) -> None: ...

    probe._permission_name = "probe"  # type: ignore[attr-defined]
    return decorator(probe).__code__


GUARDS = {
    _code(has_access),
    _code(has_access_api),
    _code(protect()),
    _code(protect(allow_browser_login=True)),
    _code(guard("probe")),
}


def unguarded(app: Flask) -> list[str]:
    """Endpoints neither public nor guarded by a permission decorator as their outermost call."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        view = app.view_functions[rule.endpoint]
        function = getattr(view, "__func__", view)
        if function in FAB_ACTIONS or function.__code__ in GUARDS:
            continue
        found.append(f"{rule.endpoint} {rule.rule}")
    return sorted(found)


def test_every_endpoint_is_public_or_behind_a_permission_decorator(app: Flask) -> None:
    assert unguarded(app) == []


def test_the_public_list_names_only_endpoints_that_exist(app: Flask) -> None:
    assert set(PUBLIC) <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_a_view_that_forgets_the_guard_is_found() -> None:
    class Forgetful(BaseView):
        route_base = "/forgetful"

        def index(self) -> str:
            return "open"

    bare = Flask("forgetful")
    bare.add_url_rule("/forgetful/", "Forgetful.index", Forgetful().index)
    bare.add_url_rule("/plain", "plain", lambda: "open")
    assert unguarded(bare) == ["Forgetful.index /forgetful/", "plain /plain"]


def _sample_url(app: Flask, rule: Any) -> str:
    values = {
        name: 1 if type(rule._converters[name]).__name__ == "IntegerConverter" else "x"
        for name in rule.arguments
    }
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def test_a_visitor_reaches_nothing_but_the_public_endpoints(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without CSRF checks a POST reaches the guard instead of stopping at the token.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = _sample_url(app, rule)
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, json={})
            if getattr(view, "__func__", view) in FAB_ACTIONS:
                # FAB refuses an action it is not asked for properly (or not allowed) with
                # a redirect back; it never runs one.
                assert response.status_code in (302, 401, 403, 404), (method, url)
            elif response.status_code == 302:
                assert "/login/" in response.location, (method, url, response.location)
            else:
                assert response.status_code in (401, 403), (method, url, response.status_code)


PAGES_OF_THE_FIVE_VIEWS = (
    "/console/",
    "/segments/list/",
    "/segments/add",
    "/segments/show/x",
    "/analytics/channels",
    "/analytics/top-referrers",
    "/referrals/chain/x",
    "/network/",
)


def test_signed_in_reader_without_the_permission_gets_403(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    staff(app, store, "auditor", "Auditor")
    login(client, "auditor", PASSWORD)
    for url in PAGES_OF_THE_FIVE_VIEWS:
        assert client.get(url).status_code == 403, url


def test_team_limited_reader_is_refused_console_and_analytics_even_with_a_role_granting_them(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    staff(app, store, "salesanalyst", "Sales")
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role("Console for sales") or sm.add_role("Console for sales")
        for permission, view in (
            ("can_access", "ConsoleView"),
            ("can_history", "ConsoleApi"),
            ("can_channels", "AnalyticsView"),
            ("can_top_referrers", "AnalyticsView"),
            ("can_top_referrers", "AnalyticsApi"),
        ):
            sm.add_permission_role(role, sm.find_permission_view_menu(permission, view))
        user = sm.find_user(username="salesanalyst")
        if role not in user.roles:
            user.roles.append(role)
            sm.update_user(user)
    login(client, "salesanalyst", PASSWORD)
    for url in ("/console/", "/analytics/channels", "/analytics/top-referrers"):
        assert client.get(url).status_code == 403, url
    headers = bearer(client, "salesanalyst", PASSWORD)
    for url in ("/api/v1/console/history", "/api/v1/analytics/top-referrers"):
        assert client.get(url, headers=headers).status_code == 403, url
