"""The GraphCRM Flask application: factory, CLI, security, i18n, templates."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_appbuilder.const import LOGMSG_WAR_SEC_NO_USER
from flask_appbuilder.models.sqla.base import SQLA
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import config
import views
from app import (
    audit,
    audit_outbox,
    audit_view,
    cli,
    compiled_templates,
    console_queries,
    graph_store,
    instance,
    jobs,
    login_throttle,
    mirror_outbox,
    request_context,
    request_language,
    request_translations,
    roles,
    scope,
)
from views import display, health, input_guard, rison_schemas
from views import errors as error_pages
from views.console import gate as console_gate
from views.console import saved as saved_queries
from views.home import HomeView

# FAB's own security REST API declares dotted search columns (roles.name) that its filter
# converter warns about on every start; the warning is FAB's, not actionable here.
logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)
# FAB advises 'flask fab create-admin' at the first start; 'graphcrm init' and 'graphcrm
# demo' create the admin right after, so the advice only misleads a newcomer.
logging.getLogger("flask_appbuilder.security.manager").addFilter(
    lambda record: record.getMessage() != LOGMSG_WAR_SEC_NO_USER
)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure a GraphCRM app: config.py defaults, environment, then overrides."""
    settings = config.load()
    settings.update(overrides or {})
    app = Flask(__name__, instance_path=settings["GRAPHCRM_INSTANCE_PATH"])
    app.config.from_mapping(settings)
    app.config.setdefault("FAB_ROLES", roles.role_permissions())
    instance.prepare(app)
    proxies = app.config["GRAPHCRM_PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    graph_store.init_app(app)
    request_context.init_app(app)
    login_throttle.configure_storage(app)

    # Every form POST needs its CSRF token; FAB exempts its JWT REST APIs when it sees this.
    CSRFProtect(app)
    db = SQLA()
    db.init_app(app)
    with app.app_context():
        appbuilder = AppBuilder(indexview=HomeView)
        appbuilder.init_app(app, db.session)
        views.register(appbuilder)
        audit_view.register(appbuilder)
        login_throttle.init_app(app)
        appbuilder.post_init()
        appbuilder.sm.audit_startup_changes()
    request_language.init_app(app)
    request_translations.init_app(app)
    display.init_app(app)
    error_pages.init_app(app)
    health.init_app(app)
    input_guard.init_app(app)
    rison_schemas.init_app()
    scope.init_app(app)
    jobs.init_app(app)
    audit.init_app(app)
    console_gate.init_app(app)
    saved_queries.register(app, console_queries)
    mirror_outbox.init_app(app)
    audit_outbox.init_app(app)
    cli.init_app(app)
    if app.config["GRAPHCRM_SERVE_WORKER"]:
        compiled_templates.compile_all(app)
    return app
