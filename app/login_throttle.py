"""Failed-login throttling with Flask-Limiter (FAB's ``sm.limiter``): slows guessing, never
locks the owner out.

Only failed logins count (``deduct_when``), in three limits shared by the login page and the
REST login:
- per account name *and* client address (``GRAPHCRM_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS``,
  default 5 per minute, 10 per 15 minutes, 20 per hour): a guesser backs off longer and
  longer, while the owner signing in from elsewhere is not affected;
- per account name from anywhere (``GRAPHCRM_LOGIN_LIMIT_PER_ACCOUNT``, default 20 per 5
  minutes): a ceiling for guessers spread over many addresses. It is a moving window, so it
  slows attempts (each refused one says when to retry, seconds away) instead of locking;
- per client address (``GRAPHCRM_LOGIN_LIMIT_PER_ADDRESS``, default 30 per 15 minutes): one
  address spraying many names. Loopback is not counted: behind an undeclared local proxy
  (``GRAPHCRM_PROXY_COUNT``) every client seems to come from there.

A refused attempt answers 429 with ``Retry-After`` (the login page shows the message in the
reader's language) and costs a password hash check like a real attempt, so its timing does
not tell that an account is throttled. Account names are hashed in the counters (people
type passwords into the name field). Counters live in the limiter's storage
(``RATELIMIT_STORAGE_URI``: the embedded graph server's Redis by default when
``GRAPH_URL=embedded:``, else per process; use Redis in production). Admins clear an
account's counters (``graphcrm accounts unlock``, or *Unlock sign-in* on the user screen):
the account's counter keys carry a generation number kept in the security database, and an
unlock moves it on; both throttling and unlocking are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
import time
from typing import Any

from flask import Flask, Response, current_app, flash, g, jsonify, make_response, request
from flask_appbuilder import Model
from flask_babel import lazy_gettext, ngettext
from flask_limiter import RequestLimit
from sqlalchemy import DateTime, Engine, Integer, String, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash

from app import audit
from app.graph_store import embedded_server
from app.sql_lock import run_serialized
from graph.clock import naive_utc_now
from views.scope import appbuilder_of, current_appbuilder, security_engine

TABLE = "login_unlock"
SCOPES = ("account_address", "account", "address")

MESSAGES = {
    "account_address": lazy_gettext(
        "Too many failed sign-in attempts for this account from your address. Try again in {wait}."
    ),
    "account": lazy_gettext(
        "Too many failed sign-in attempts for this account. Try again in {wait}."
    ),
    "address": lazy_gettext(
        "Too many failed sign-in attempts from your network address. Try again in {wait}."
    ),
}


class LoginUnlock(Model):
    """How many times an admin has cleared an account name's failed-login counters."""

    __tablename__ = TABLE
    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # sha256 of the account name
    generation: Mapped[int] = mapped_column(Integer, nullable=False)
    unlocked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)  # UTC
    unlocked_by: Mapped[str | None] = mapped_column(String(256))


def account_hash(username: str) -> str:
    """The counter key of an account name (case and surrounding spaces ignored)."""
    return hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()


def attempted_username() -> str:
    """The account name a login request tries (login form or REST body), or ""."""
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return name.strip()[:256] if isinstance(name, str) else ""


def _engine() -> Engine:
    return security_engine(current_app)


def _generation(key: str) -> int:
    with _engine().connect() as connection:
        found = connection.execute(
            select(LoginUnlock.generation).where(LoginUnlock.key == key)
        ).scalar()
    return int(found or 0)


def _account_key() -> str:
    cached = g.get("graphcrm_login_account_key")
    if cached is None:
        key = account_hash(attempted_username())
        cached = g.graphcrm_login_account_key = f"{key}.{_generation(key)}"
    return cached


def _address() -> str:
    return audit.client_ip() or "unknown"


def _loopback() -> bool:
    try:
        return ipaddress.ip_address(_address()).is_loopback
    except ValueError:
        return False


def _failed(_response: Response) -> bool:
    return bool(g.get("graphcrm_login_failed"))


def _no_name() -> bool:
    return request.method != "POST" or not attempted_username()


def wait_text(seconds: int) -> str:
    """``seconds`` as the message says it, in the request's language."""
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))


def message(scope: str, seconds: int) -> str:
    """The refusal message for a throttle of ``scope``, in the request's language."""
    return str(MESSAGES[scope]).format(wait=wait_text(seconds))


def _refuse(scope: str) -> Any:
    def on_breach(limit: RequestLimit) -> Response:
        # As slow as a real check: the answer's timing must not tell that throttling is on.
        check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
        seconds = max(1, math.ceil(limit.reset_at - time.time()))
        text = message(scope, seconds)
        username = attempted_username()
        audit.record("login_throttled", detail={"limit": scope, "retry_after": seconds},
                     username=username)  # fmt: skip
        if request.is_json:
            response = jsonify(message=text)
        else:
            flash(text, "warning")
            view = current_appbuilder().sm.auth_view
            form = view.login_form_class() if hasattr(view, "login_form_class") else None
            response = make_response(_login_page(view, form))
        response.status_code = 429
        response.headers["Retry-After"] = str(seconds)
        return response

    return on_breach


def _login_page(view: Any, form: Any) -> str:
    from flask_appbuilder.security.forms import LoginForm_db

    return view.render_template(
        view.login_template,
        title=view.title,
        form=form or LoginForm_db(),
        appbuilder=view.appbuilder,
    )


def configure_storage(app: Flask) -> None:
    """Counters in the embedded graph server's Redis when no ``RATELIMIT_STORAGE_URI`` is set
    (shared by every worker); memory otherwise (per process: set it in production)."""
    if app.config.get("RATELIMIT_STORAGE_URI"):
        return
    server = embedded_server(app)
    if server is not None:
        app.config["RATELIMIT_STORAGE_URI"] = f"redis+unix://{server.socket_path}"
    else:
        app.config["RATELIMIT_STORAGE_URI"] = "memory://"


def init_app(app: Flask) -> None:
    """Put the three failed-login limits on the login page and the REST login."""
    sm = appbuilder_of(app).sm
    limiter = sm.limiter
    config = app.config
    limits = (
        ("account_address", config["GRAPHCRM_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"],
         lambda: f"{_account_key()}@{_address()}", _no_name),
        ("account", config["GRAPHCRM_LOGIN_LIMIT_PER_ACCOUNT"], _account_key, _no_name),
        ("address", config["GRAPHCRM_LOGIN_LIMIT_PER_ADDRESS"], _address,
         lambda: _no_name() or _loopback()),
    )  # fmt: skip
    # Blueprint limits: checked before the view runs (so a refusal costs no lookup of the
    # account); the REST blueprint's /refresh carries no account name and is exempt.
    for blueprint in (sm.auth_view.blueprint, app.blueprints["SecurityApi"]):
        for scope, value, key, exempt in limits:
            if not value:
                continue
            limiter.shared_limit(
                value,
                scope=f"login_{scope}",
                key_func=key,
                methods=["POST"],
                exempt_when=exempt,
                deduct_when=_failed,
                on_breach=_refuse(scope),
            )(blueprint)


def mark_failed() -> None:
    """Count this request's login as failed (the limits deduct after the answer)."""
    g.graphcrm_login_failed = True


def unlock(username: str, by: str | None) -> int:
    """Clear the failed-login counters of ``username`` (every address); audited. Returns the
    new generation."""
    key = account_hash(username)
    now = naive_utc_now()

    def bump(connection: Connection) -> int:
        table = LoginUnlock.__table__
        row = connection.execute(select(table).where(table.c.key == key)).first()
        generation = (row.generation if row else 0) + 1
        values = {"generation": generation, "unlocked_at": now, "unlocked_by": by}
        if row is None:
            connection.execute(table.insert().values(key=key, **values))
        else:
            connection.execute(table.update().where(table.c.key == key).values(**values))
        return generation

    generation = run_serialized(_engine(), TABLE, bump)
    audit.record("login_unlocked", detail={"account": username.strip()}, username=by)
    return generation


def ensure_tables(engine: Engine) -> None:
    """Create the unlock table if missing."""
    LoginUnlock.__table__.create(engine, checkfirst=True)
