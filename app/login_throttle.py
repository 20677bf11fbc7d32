"""Failed-login throttling per account and per client address, kept in the SQL store.

After ``GRAPHCRM_LOGIN_MAX_FAILURES`` failures within ``GRAPHCRM_LOGIN_WINDOW_MINUTES`` an
account name (or, with ``GRAPHCRM_LOGIN_MAX_FAILURES_PER_IP``, a client address) is refused
for ``GRAPHCRM_LOGIN_LOCK_MINUTES``, whatever password is given. The counters live in the
security database so every gunicorn worker sees the same ones. Account names are stored
only as hashes (people type passwords into the name field), whether the account exists or
not, so a lock reveals nothing about which names are real. Loopback addresses are not
counted: every request seems to come from there when a local reverse proxy is not declared
(``GRAPHCRM_PROXY_COUNT``), and one lock would then shut everybody out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass

from flask import current_app
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Engine, Integer, String, delete, select
from sqlalchemy.engine import Connection

from app.sql_lock import run_serialized

TABLE = "login_throttle"
DEFAULT_LIMIT = 5  # failures (config.py sets the same defaults)
DEFAULT_MINUTES = 15


class LoginThrottle(Model):
    """Recent failed logins of one account name or client address."""

    __tablename__ = TABLE
    key = Column(String(100), primary_key=True)  # "user:<sha256>" or "ip:<address>"
    failures = Column(Integer, nullable=False)
    window_start = Column(DateTime, nullable=False)  # UTC, first failure counted
    locked_until = Column(DateTime)  # UTC


@dataclass(frozen=True)
class Lock:
    """A refusal in force: ``scope`` is "account" or "ip"; ``until`` is naive UTC."""

    scope: str
    until: dt.datetime

    def minutes_left(self, now: dt.datetime | None = None) -> int:
        """Whole minutes until the lock ends, at least 1."""
        seconds = (self.until - (now or utc_now())).total_seconds()
        return max(1, int(-(-seconds // 60)))


def utc_now() -> dt.datetime:
    """Now, as the naive UTC the table stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def account_key(username: str) -> str:
    """The counter key of an account name (case and surrounding spaces ignored)."""
    return "user:" + hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()


def _keys(username: str | None, ip: str | None) -> list[tuple[str, str, int]]:
    config = current_app.config
    keys = []
    if username:
        limit = config.get("GRAPHCRM_LOGIN_MAX_FAILURES", DEFAULT_LIMIT)
        keys.append(("account", account_key(username), limit))
    if ip and not _loopback(ip):
        limit = config.get("GRAPHCRM_LOGIN_MAX_FAILURES_PER_IP", DEFAULT_LIMIT)
        keys.append(("ip", f"ip:{ip}"[:100], limit))
    return keys


def _loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _engine() -> Engine:
    return current_app.appbuilder.session.get_bind()


def current_lock(username: str | None, ip: str | None) -> Lock | None:
    """The lock refusing this account name or address now, if any (account first)."""
    now = utc_now()
    keys = _keys(username, ip)
    with _engine().connect() as connection:
        rows = connection.execute(
            select(LoginThrottle.key, LoginThrottle.locked_until).where(
                LoginThrottle.key.in_([key for _, key, _ in keys])
            )
        ).all()
    until = {row.key: row.locked_until for row in rows}
    for scope, key, _ in keys:
        if until.get(key) is not None and until[key] > now:
            return Lock(scope, until[key])
    return None


def record_failure(username: str | None, ip: str | None) -> Lock | None:
    """Count a failed login; returns the lock it started, if it reached a limit."""
    now = utc_now()
    config = current_app.config
    window = dt.timedelta(minutes=config.get("GRAPHCRM_LOGIN_WINDOW_MINUTES", DEFAULT_MINUTES))
    duration = dt.timedelta(minutes=config.get("GRAPHCRM_LOGIN_LOCK_MINUTES", DEFAULT_MINUTES))
    keys = _keys(username, ip)

    def count(connection: Connection) -> Lock | None:
        table = LoginThrottle.__table__
        started = None
        for scope, key, limit in keys:
            row = connection.execute(select(table).where(table.c.key == key)).first()
            fresh = row is None or row.window_start < now - window
            failures = 1 if fresh else row.failures + 1
            locked_until = now + duration if limit and failures >= limit else None
            in_force = row is not None and row.locked_until and row.locked_until > now
            values = {
                "failures": 0 if locked_until else failures,
                "window_start": now if fresh else row.window_start,
                "locked_until": locked_until or (row.locked_until if in_force else None),
            }
            if row is None:
                connection.execute(table.insert().values(key=key, **values))
            else:
                connection.execute(table.update().where(table.c.key == key).values(**values))
            if locked_until is not None and started is None:
                started = Lock(scope, locked_until)
        return started

    return run_serialized(_engine(), TABLE, count)


def record_success(username: str) -> None:
    """A successful login clears the account's failures (never the address's)."""
    key = account_key(username)
    run_serialized(
        _engine(),
        TABLE,
        lambda connection: connection.execute(
            delete(LoginThrottle).where(LoginThrottle.key == key)
        ),
    )


def ensure_tables(engine: Engine) -> None:
    """Create the throttle table if missing."""
    LoginThrottle.__table__.create(engine, checkfirst=True)
