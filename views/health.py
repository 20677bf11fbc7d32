"""``/health`` and ``/ready`` for load balancers and orchestrators: no login, no data.

``/health`` says the process serves requests. ``/ready`` says whether it can do its work:
the graph engine and the security database both answer (503 with ``Retry-After`` when
either does not). Neither answer names a server, a version or a count.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from graph.errors import GraphCRMError
from views.errors import RETRY_AFTER_SECONDS
from views.scope import current_security_session, current_store

health = Blueprint("health", __name__)


@health.get("/health")
def alive() -> Response:
    """The process is up."""
    return jsonify(status="ok")


@health.get("/ready")
def ready() -> Response:
    """The graph engine and the security database answer."""
    checks = {"graph": True, "security_db": True}
    try:
        current_store().ping()
    except GraphCRMError:
        checks["graph"] = False
    try:
        session = current_security_session()
        session.execute(text("SELECT 1"))
        session.rollback()
    except SQLAlchemyError:
        checks["security_db"] = False
    response = jsonify(status="ready" if all(checks.values()) else "unavailable", **checks)
    if not all(checks.values()):
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    """Register ``/health`` and ``/ready`` (public: no permission is needed)."""
    app.register_blueprint(health)
