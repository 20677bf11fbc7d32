"""Changes to accounts, roles and groups: audited with the change, mirrored into the graph.

Every path that changes FAB's security models (its screens, its REST API, the security
manager's methods, ``flask fab`` commands) goes through the SQLAlchemy session, so its
events see them all: ``after_flush`` notes what changed, ``before_commit`` writes the audit
events and queues the changed accounts in the mirror outbox in the same transaction (a
change, its audit event and its mirror intent commit together or not at all), and
``after_commit`` mirrors the queued accounts into the graph (``graph.records.users``). A graph
failure there never reaches the SQL session: the account stays queued and is mirrored
when the graph answers again (``app.mirror_outbox``). A transaction that changes an
account, role, group or permission also counts the change (``app.security_generation``),
so that every process drops the permissions it keeps in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, current_app, has_app_context
from flask_appbuilder.security.sqla.models import (
    Group,
    Permission,
    PermissionView,
    Role,
    User,
    ViewMenu,
)
from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Session

from app import audit, mirror_outbox, security_generation
from app.graph_store import business_timezone
from app.sql_lock import lock_table
from graph.clock import naive_utc_now
from graph.records.users import SyncReport, sync_users
from views.scope import (
    appbuilder_of,
    cipher_of,
    current_flask_app,
    registered_store,
    security_engine,
    store_of,
)

PENDING = "graphcrm_security_changes"
# Set while the security manager syncs permissions at start-up: changes are listed there.
_startup_sync: ContextVar[list[str] | None] = ContextVar("graphcrm_startup_sync", default=None)
# Login bookkeeping and audit columns: changing them is not a security change.
_BOOKKEEPING = {"login_count", "fail_login_count", "last_login", "changed_on", "created_on"}
_BOOKKEEPING |= {"changed_by_fk", "created_by_fk", "changed_by", "created_by"}
_MIRRORED = {"username", "first_name", "last_name", "email", "active"}
_LISTED = 20  # names listed per detail field; the rest are counted


@dataclass
class Pending:
    """What a session's transaction changed so far."""

    events: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    accounts: set[int] = field(default_factory=set)  # ids whose User node must follow
    actor: str = "system"
    queued: bool = False  # the accounts are in the mirror outbox of this transaction
    changed: bool = False  # a security change not counted yet (``security_generation``)


def _names(items: Iterable[Any]) -> list[str]:
    names = []
    for item in items:
        if isinstance(item, Role | Group):
            names.append(item.name)
        elif isinstance(item, User):
            names.append(item.username)
        else:  # a PermissionView
            names.append(f"{item.permission.name} on {item.view_menu.name}")
    names.sort()
    return names if len(names) <= _LISTED else [*names[:_LISTED], f"+{len(names) - _LISTED}"]


# Relationship attributes whose changes are security changes, per model (the other sides
# of these backrefs would only repeat them).
_TRACKED = {User: ("roles", "groups"), Role: ("permissions",), Group: ("users", "roles")}


def _kind(obj: Any) -> type:
    return next(model for model in _TRACKED if isinstance(obj, model))


def _changes(obj: Any) -> dict[str, Any]:
    """Changed columns and tracked relations of ``obj`` as {name: history}."""
    state = inspect(obj)
    keys = [column.key for column in state.mapper.column_attrs] + list(_TRACKED[_kind(obj)])
    found = {}
    for key in keys:
        history = state.attrs[key].history
        if key not in _BOOKKEEPING and history.has_changes():
            found[key] = history
    return found


def _target(obj: Any) -> str:
    return f"{obj.__tablename__}:{obj.id}"


def _describe(obj: Any, state: str) -> tuple[str, dict[str, Any]] | None:
    """The audit action and detail for ``obj`` being created, updated or deleted."""
    kind = _kind(obj).__name__.lower()
    name = obj.username if isinstance(obj, User) else obj.name
    detail: dict[str, Any] = {"name": name}
    if state == "create":
        for key in _TRACKED[_kind(obj)]:
            detail[key] = _names(getattr(obj, key))
    if state != "update":
        return f"{kind}_{state}", detail
    changes = _changes(obj)
    if not changes:
        return None
    detail["fields"] = sorted(changes)
    for key, history in changes.items():
        if key in _TRACKED[_kind(obj)]:
            detail[f"{key}_added"] = _names(history.added)
            detail[f"{key}_removed"] = _names(history.deleted)
        elif key in ("username", "name"):
            detail["renamed_from"] = history.deleted[0] if history.deleted else None
        elif key == "active":
            detail["active"] = bool(obj.active)
    return f"{kind}_update", detail


def _permissions_touched(session: Session) -> bool:
    """Whether the flush created, changed or deleted a permission, view or their pair."""
    models = Permission | ViewMenu | PermissionView
    return any(isinstance(obj, models) for obj in (*session.new, *session.deleted)) or any(
        isinstance(obj, models) and session.is_modified(obj) for obj in session.dirty
    )


def _after_flush(session: Session, _context: Any) -> None:
    if _permissions_touched(session):
        session.info.setdefault(PENDING, Pending()).changed = True
    touched = [
        (obj, state)
        for state, objs in (("create", session.new), ("update", session.dirty))
        for obj in objs
        if isinstance(obj, User | Role | Group)
    ] + [(obj, "delete") for obj in session.deleted if isinstance(obj, User | Role | Group)]
    if not touched:
        return
    pending: Pending = session.info.setdefault(PENDING, Pending())
    pending.actor = audit.current_username() or "system"
    sync = _startup_sync.get()
    for obj, state in touched:
        described = _describe(obj, state)
        if described is None:
            continue
        action, detail = described
        pending.changed = True
        if sync is not None:
            sync.append(action)
        else:
            pending.events.append((action, _target(obj), detail, pending.actor))
        if isinstance(obj, User) and (state != "update" or _MIRRORED & set(_changes(obj))):
            pending.accounts.add(obj.id)
            pending.queued = False


def _before_commit(session: Session) -> None:
    session.flush()  # so that the last changes are noted too
    pending: Pending | None = session.info.get(PENDING)
    if pending is None:
        return
    connection = session.connection()
    if pending.changed:
        security_generation.bump(connection)
        pending.changed = False
    if pending.accounts and not pending.queued:
        mirror_outbox.queue(connection, pending.accounts, pending.actor)
        pending.queued = True
    if not pending.events:
        return
    # The flush has written, so on SQLite this transaction holds the write lock already.
    lock_table(connection, audit.TABLE)
    ip = audit.client_ip()
    for action, target, detail, actor in pending.events:
        audit.append(connection, action, target, detail, actor, ip)
    pending.events.clear()


def _after_commit(session: Session) -> None:
    pending: Pending | None = session.info.pop(PENDING, None)
    if pending is None or not pending.accounts or not has_app_context():
        return
    store = registered_store(current_flask_app())
    if store is None:
        return
    # In after_commit the session may run no SQL: the outbox uses connections of its own.
    mirror_outbox.drain(
        cast(Engine, session.get_bind()),  # FAB binds its session to an engine
        store,
        cipher_of(current_flask_app()),
        user_ids=pending.accounts,
        due_only=False,
        timezone=business_timezone(current_app),
    )


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def watch(session: Any) -> None:
    """Watch ``session`` (FAB's scoped session) for security changes; idempotent."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(session, name, listener):
            event.listen(session, name, listener)


@contextmanager
def startup_sync(changes: list[str]) -> Iterator[None]:
    """Inside, role and permission changes are listed in ``changes``, not audited one by one.

    The security manager wraps its automatic permission sync in this (hundreds of grants to
    the Admin role on a first start) and audits a single summary event afterwards.
    """
    if _startup_sync.get() is not None:
        yield
        return
    token = _startup_sync.set(changes)
    try:
        yield
    finally:
        _startup_sync.reset(token)


def sync_graph_users(app: Flask, actor: str = "system") -> SyncReport:
    """Mirror every account of the security store into the graph (``graphcrm init``)."""
    with app.app_context():
        started = naive_utc_now()
        users = appbuilder_of(app).sm.get_all_users()
        accounts = [mirror_outbox.account_of(user) for user in users]
        store, cipher = store_of(app), cipher_of(app)
        report = sync_users(
            store, accounts, actor=actor, cipher=cipher, timezone=business_timezone(app)
        )
        mirror_outbox.clear(security_engine(app), queued_before=started)
        return report
