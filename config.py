"""Every GraphCRM setting, read from the environment with safe defaults.

``load()`` returns the settings as a dict: these defaults, then the environment. The
application factory applies them, then its ``overrides``. Secrets are never defaulted to
a fixed value: a missing ``SECRET_KEY`` or ``FIELD_ENCRYPTION_KEY`` is generated into the
instance folder for local use (see ``app.instance``) and is required when
``GRAPHCRM_ENV=production``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask_appbuilder.const import AUTH_DB

# Settings that may come from the environment, with their defaults (None: derived later).
ENVIRONMENT_DEFAULTS: dict[str, Any] = {
    "GRAPHCRM_ENV": "development",
    "GRAPHCRM_INSTANCE_PATH": "instance",
    "GRAPH_URL": "embedded:",
    # Neo4j credentials when GRAPH_URL carries none.
    "NEO4J_USERNAME": "neo4j",
    "NEO4J_PASSWORD": "",
    # The largest page a list or REST query may ask for.
    "GRAPHCRM_MAX_ROWS": "1000",
    # List exports (CSV/XLSX) of more rows than this run as background jobs, downloaded
    # from the Jobs screen; smaller ones stream in the response.
    "GRAPHCRM_EXPORT_JOB_ROWS": "10000",
    "SQLALCHEMY_DATABASE_URI": None,  # sqlite in the instance folder
    "SECRET_KEY": None,
    # Personal data (phones, e-mails, WeChat ids) is encrypted with this key: 32 random bytes
    # in URL-safe base64 ('graphcrm keys generate'). Missing: generated into the instance
    # folder for local use, refused when GRAPHCRM_ENV=production.
    "FIELD_ENCRYPTION_KEY": None,
    # Earlier keys, comma-separated, still read (never written) while
    # 'graphcrm keys rotate' re-encrypts everything under FIELD_ENCRYPTION_KEY.
    "FIELD_ENCRYPTION_OLD_KEYS": "",
    "PHONE_DEFAULT_REGION": "CN",
    # The business day that customer ids (C + YYYYMMDD + serial) count in.
    "GRAPHCRM_TIMEZONE": "Asia/Shanghai",
    # Set by 'graphcrm serve' for its gunicorn workers: the serving process has started the
    # embedded graph, applied the schema and synced permissions, so workers only attach.
    "GRAPHCRM_SERVE_WORKER": "",
    # How many reverse proxies (nginx, a load balancer) stand in front of the app: their
    # X-Forwarded-For/-Proto headers are trusted that many hops deep. Login throttling per
    # client address needs the real address; 0 (the default) trusts no such header.
    "GRAPHCRM_PROXY_COUNT": "0",
    # The Cypher console: the engine stops a query after this many milliseconds, and at most
    # this many rows are returned (with a notice when there were more).
    "GRAPHCRM_CONSOLE_TIMEOUT_MS": "10000",
    "GRAPHCRM_CONSOLE_ROW_CAP": "5000",
    # Console queries running at once on this machine (all workers) and per user; more are
    # refused with 429 and Retry-After. 'graphcrm serve' keeps the total below its request
    # threads, and the embedded engine gets this many query threads on top of one per core.
    "GRAPHCRM_CONSOLE_MAX_RUNNING": "2",
    "GRAPHCRM_CONSOLE_MAX_PER_USER": "1",
    # Log lines (one per request, and the app's warnings) on stderr: "text" or "json" (one
    # JSON object a line, for log pipelines); both carry the request id.
    "GRAPHCRM_LOG_FORMAT": "text",
    # The embedded graph's AOF fsync policy: "always" (no acknowledged write lost even on a
    # power loss), "everysec" (about twice the write rate; a power loss may lose the last
    # second) or "no" (the OS decides; a power loss may lose ~30 s). Killing the server's
    # process loses nothing under any of them.
    "GRAPHCRM_EMBEDDED_APPENDFSYNC": "always",
    # Failed logins allowed (Flask-Limiter strings; only failures count): per account name and
    # client address (growing windows: a guesser backs off), per account name from anywhere
    # (a moving-window ceiling that slows, never locks), per client address.
    "GRAPHCRM_LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "5 per minute; 10 per 15 minutes; 20 per hour",
    "GRAPHCRM_LOGIN_LIMIT_PER_ACCOUNT": "20 per 5 minutes",
    "GRAPHCRM_LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    # Where Flask-Limiter keeps failed-login counters (redis://host:6379 in production, shared
    # by every worker and machine). Empty: the embedded graph server's Redis when
    # GRAPH_URL=embedded:, else memory:// (per process).
    "RATELIMIT_STORAGE_URI": None,
    # The background job queue (huey): empty is SQLite in the instance folder (jobs.db);
    # sqlite:////path/jobs.db another file; redis://host:6379/0 a Redis shared by every web
    # server and 'graphcrm worker' (scale-out on several machines).
    "GRAPHCRM_JOBS_URL": "",
    # The largest request body accepted, in bytes (larger: 413 before it is read).
    "MAX_CONTENT_LENGTH": str(8 * 1024 * 1024),
    # The home workspace lists a customer as dormant after this many days without a
    # follow-up.
    "GRAPHCRM_DORMANT_DAYS": "180",
    # The largest file the import upload accepts (only that endpoint takes more than above).
    "IMPORT_MAX_UPLOAD_BYTES": str(200 * 1024 * 1024),
    # Uploaded import files, their failing-row files and list-export files are removed this
    # many days after they were last written (nightly; imports' also when an import job
    # starts). GRAPHCRM_IMPORT_RETENTION_DAYS, its former name, is still read when it is
    # not set, and in app.config always holds the same value.
    "GRAPHCRM_FILE_RETENTION_DAYS": "7",
}
FORMER_NAMES = {"GRAPHCRM_FILE_RETENTION_DAYS": "GRAPHCRM_IMPORT_RETENTION_DAYS"}
POSITIVE_INTEGERS = (
    "GRAPHCRM_CONSOLE_TIMEOUT_MS",
    "GRAPHCRM_CONSOLE_ROW_CAP",
    "GRAPHCRM_CONSOLE_MAX_RUNNING",
    "GRAPHCRM_CONSOLE_MAX_PER_USER",
    "MAX_CONTENT_LENGTH",
    "IMPORT_MAX_UPLOAD_BYTES",
    "GRAPHCRM_MAX_ROWS",
    "GRAPHCRM_DORMANT_DAYS",
    "GRAPHCRM_EXPORT_JOB_ROWS",
    "GRAPHCRM_FILE_RETENTION_DAYS",
)

# Fixed application settings (Flask-AppBuilder and Flask), overridable by create_app.
APP_DEFAULTS: dict[str, Any] = {
    "APP_NAME": "GraphCRM",
    "AUTH_TYPE": AUTH_DB,
    "AUTH_ROLE_ADMIN": "Admin",
    "AUTH_ROLE_PUBLIC": "Public",
    "FAB_ADD_SECURITY_API": True,
    "FAB_API_SWAGGER_UI": True,
    # views/openapi.py serves the OpenAPI document instead of FAB's, corrected to the answers.
    "FAB_ADD_OPENAPI_VIEWS": False,
    # A refused token answers {"message": ...} like every other API error.
    "JWT_ERROR_MESSAGE_KEY": "message",
    "FAB_UPDATE_PERMS": True,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "app" / "translations"),
    "LANGUAGES": {
        "en": {"flag": "gb", "name": "English"},
        "zh": {"flag": "cn", "name": "简体中文"},
    },
    "FAB_BASE_TEMPLATE": "graphcrm/baselayout.html",
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "WTF_CSRF_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Audited logins, login throttling, audited and graph-mirrored account changes.
    "FAB_SECURITY_MANAGER_CLASS": "app.security_manager.GraphCRMSecurityManager",
    # Passwords: at least 10 characters with letters and digits (app/password_policy.py).
    "FAB_PASSWORD_COMPLEXITY_ENABLED": True,
    # Failed-login throttling (app/login_throttle.py) with Flask-Limiter, which FAB carries;
    # the limits are GRAPHCRM_LOGIN_LIMIT_* and the counters' home RATELIMIT_STORAGE_URI.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,  # a storage outage must not stop every login
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
}


def load(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the settings: defaults, then whatever the environment sets."""
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = dict(APP_DEFAULTS)
    for key, default in ENVIRONMENT_DEFAULTS.items():
        value = env.get(key)
        if value in (None, "") and key in FORMER_NAMES:
            value = env.get(FORMER_NAMES[key])
        settings[key] = value if value not in (None, "") else default
    settings["GRAPHCRM_INSTANCE_PATH"] = str(Path(settings["GRAPHCRM_INSTANCE_PATH"]).resolve())
    settings["GRAPHCRM_SERVE_WORKER"] = settings["GRAPHCRM_SERVE_WORKER"] in ("1", "true")
    for key in POSITIVE_INTEGERS:
        written = settings[key]
        try:
            settings[key] = int(written)
        except (TypeError, ValueError):
            settings[key] = 0
        if settings[key] < 1:
            raise ValueError(f"{key} must be a positive whole number, not {written!r}")
    for key, former in FORMER_NAMES.items():
        settings[former] = settings[key]
    settings["GRAPHCRM_LOG_FORMAT"] = str(settings["GRAPHCRM_LOG_FORMAT"]).lower()
    if settings["GRAPHCRM_LOG_FORMAT"] not in ("text", "json"):
        raise ValueError(
            f"GRAPHCRM_LOG_FORMAT must be text or json, not {env.get('GRAPHCRM_LOG_FORMAT')!r}"
        )
    if settings["GRAPHCRM_SERVE_WORKER"]:
        settings["FAB_UPDATE_PERMS"] = False
    return settings


def security_db_uri(settings: Mapping[str, Any]) -> str:
    """The security database: ``SQLALCHEMY_DATABASE_URI``, else SQLite in the instance folder."""
    if settings.get("SQLALCHEMY_DATABASE_URI"):
        return str(settings["SQLALCHEMY_DATABASE_URI"])
    return f"sqlite:///{Path(settings['GRAPHCRM_INSTANCE_PATH']) / 'security.db'}"


def is_production(settings: Mapping[str, Any]) -> bool:
    """True when ``GRAPHCRM_ENV`` asks for production rules (secrets required, secure cookies)."""
    return str(settings.get("GRAPHCRM_ENV", "")).lower() == "production"
