"""Request-scoped accessors: the app's per-app services and the reader of the current
request, typed, for every view.

The app registers each service when it starts (``app.graph_store``: store, cipher, business
time zone, repositories; ``app.scope``: the reader's scope; ``app.audit``: the audit log;
``app.console_queries``: saved console queries; ``app.jobs``: the job queue). Views reach
them only through these functions, never by ``current_app.extensions[...]`` strings nor by
importing ``app``: the import contract (``.importlinter``) keeps ``views`` below ``app``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context
from flask.globals import app_ctx
from flask_appbuilder import AppBuilder
from flask_babel import force_locale, gettext
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session

from graph.jobs.progress import Job
from graph.model.base import NodeModel
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher
from graph.security.scope import Scope
from graph.store.protocol import GraphStore, GraphURL

# The keys the app registers its services under (``app.extensions``).
STORE = "graph_store"
CIPHER = "field_cipher"
TIMEZONE = "graph_timezone"
REPOSITORIES = "graph_repositories"
URL = "graph_url"
SCOPE = "graphcrm_scope"
AUDIT = "graphcrm_audit"
JOBS = "graphcrm_jobs"
# The permission to see and manage every user's jobs (Admin); others see their own.
ALL_JOBS_PERMISSION = ("can_manage_all", "Jobs")

# app.extensions: the placeholder of a hidden record in every language (not_visible_texts).
NOT_VISIBLE_TEXTS = "graphcrm_not_visible_texts"


class AuditLog(Protocol):
    """Writes one audit event about the current request (``app.audit.record``)."""

    def __call__(
        self,
        action: str,
        target: str | None = None,
        detail: str | dict[str, Any] | None = None,
        username: str | None = None,
    ) -> Any: ...


class JobQueue(Protocol):
    """The app's background job queue (``app.jobs.JobQueue``), as views use it."""

    engine: Engine
    files: Path  # where jobs leave files for their users (list exports)

    def start(
        self, name: str, *, started_by: str | None, params: dict[str, Any] | None = None
    ) -> tuple[Job, bool]: ...

    def cancel(self, job_id: str, *, by: str | None) -> Job | None: ...

    def retry(self, job_id: str, *, by: str | None) -> tuple[Job, bool] | None: ...


def appbuilder_of(app: Flask) -> AppBuilder:
    """``app``'s Flask-AppBuilder: its security manager (``.sm``), SQL session and views.

    FAB also sets ``app.appbuilder``, an attribute Flask's types do not declare; this is the
    one typed way to it."""
    return app.extensions["appbuilder"]


def current_appbuilder() -> AppBuilder:
    """The current app's Flask-AppBuilder."""
    return appbuilder_of(current_app)


def security_engine(app: Flask) -> Engine:
    """The engine of ``app``'s SQL security store (users, roles, audit log, outboxes)."""
    return cast(Engine, appbuilder_of(app).session.get_bind())


def current_security_session() -> scoped_session[Any]:
    """The current app's SQLAlchemy session of the security store."""
    return cast(scoped_session[Any], current_appbuilder().session)


def current_flask_app() -> Flask:
    """The app object behind ``current_app`` (for threads and commands that outlive the
    context that ``current_app`` proxies)."""
    return app_ctx.app


def current_jobs() -> JobQueue:
    """The app's background job queue."""
    return cast(JobQueue, current_app.extensions[JOBS])


def store_of(app: Flask) -> GraphStore:
    """``app``'s graph store (for code that holds the app, not a request: CLI, jobs)."""
    return cast(GraphStore, app.extensions[STORE])


def registered_store(app: Flask) -> GraphStore | None:
    """``app``'s graph store, or None before ``app.graph_store`` registered one (the outbox
    hooks run in apps of any stage)."""
    return cast(GraphStore | None, app.extensions.get(STORE))


def cipher_of(app: Flask) -> FieldCipher:
    """``app``'s cipher of personal data (``FIELD_ENCRYPTION_KEY``)."""
    return cast(FieldCipher, app.extensions[CIPHER])


def import_folder(app: Flask) -> Path:
    """Where imports keep uploaded files and their failing rows (in the instance folder)."""
    return Path(app.config["GRAPHCRM_INSTANCE_PATH"]) / "imports"


def current_store() -> GraphStore:
    """The app's graph store."""
    return store_of(current_flask_app())


def current_graph_url() -> GraphURL:
    """The ``GRAPH_URL`` the app's store was opened from."""
    return cast(GraphURL, current_app.extensions[URL])


def current_cipher() -> FieldCipher:
    """The app's cipher of personal data (``FIELD_ENCRYPTION_KEY``)."""
    return cipher_of(current_flask_app())


def business_timezone() -> ZoneInfo:
    """The business time zone (``GRAPHCRM_TIMEZONE``): the day in every record's uid."""
    return cast(ZoneInfo, current_app.extensions[TIMEZONE])


def current_repository(model: type[NodeModel]) -> NodeRepository:
    """The app's repository of ``model`` (its store, cipher and time zone)."""
    factory = cast(
        Callable[[type[NodeModel]], NodeRepository], current_app.extensions[REPOSITORIES]
    )
    return factory(model)


def current_scope() -> Scope:
    """Whose eyes this request is for, from the provider the app's security registers
    (``app.scope``); without one, nobody's: no record is shown (``Scope.nobody()``)."""
    provider = current_app.extensions.get(SCOPE)
    return cast(Scope, provider()) if provider is not None else Scope.nobody()


def current_actor() -> str | None:
    """The signed-in user of the current request (session or JWT), if any."""
    user = getattr(g, "user", None) if has_request_context() else None
    try:
        return user.username if user is not None and user.is_authenticated else None
    except AttributeError:
        return None


def audit(action: str, target: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Write one audit event for the current request's user (``app.audit.record``)."""
    log = cast(AuditLog, current_app.extensions[AUDIT])
    log(action, target=target, detail=detail)


def not_visible() -> str:
    """The placeholder text of a record the reader may not see, in their language."""
    return gettext("Not visible to you")


def not_visible_texts(app: Flask | None = None) -> frozenset[str]:
    """That placeholder in every language of the app (``LANGUAGES``), as exports write it:
    an import reads it in a relation's cell as "the link as it is"."""
    app = app or current_app
    found = app.extensions.get(NOT_VISIBLE_TEXTS)
    if found is None:
        texts = set()
        with app.app_context():
            for language in app.config["LANGUAGES"]:
                with force_locale(language):
                    texts.add(not_visible())
        found = app.extensions[NOT_VISIBLE_TEXTS] = frozenset(texts)
    return frozenset(found)
