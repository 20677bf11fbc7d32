"""Audit events of graph record changes, derived from the graph's history entries.

A record change and its history entry (``Change`` node) are one graph statement, and the
entry carries the audit intent (``graph.records.audit_intent``): the graph itself is the outbox.
Right after the write, ``settle_now`` appends the audit event (one try); when the audit
log cannot be written then (security database locked or down), the request still
succeeds and the entry stays pending. ``drain`` appends the events of pending entries,
oldest first, and marks them audited; it runs from requests (``init_app``: every
``POLL_SECONDS`` per process, backing off while the log fails), from ``graphcrm audit
drain`` and from ``graphcrm init``.

Each event is written at most once: the change's uid is stored in
``graphcrm_audited_change`` in the same SQL transaction as the event, so a crash between
that commit and marking the graph entry audited only makes the next drain mark it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_appbuilder import Model
from sqlalchemy import Engine, Integer, String, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app import audit
from app.poller import Poller
from app.sql_lock import run_serialized
from graph.errors import GraphCRMError
from graph.records.audit_intent import AuditIntent, mark_audited, pending
from graph.records.events import record_changed
from graph.store.protocol import GraphStore
from views.scope import current_flask_app, registered_store, security_engine

log = logging.getLogger(__name__)

TABLE = "graphcrm_audited_change"
POLL_SECONDS = 5.0  # how often a process looks for pending entries while serving
BACKOFF_SECONDS = (5, 30, 120, 600)  # after the 1st, 2nd, 3rd, later failed drains


class AuditedChange(Model):
    """A history entry whose audit event is in the log (``event_id``)."""

    __tablename__ = TABLE
    change_uid: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, nullable=False)


@dataclass(frozen=True)
class DrainReport:
    """What one ``drain`` did: events written, entries left pending after a failure."""

    audited: int
    failed: bool


def ensure_tables(engine: Engine) -> None:
    """Create the table of audited changes if missing."""
    AuditedChange.__table__.create(engine, checkfirst=True)


def _detail(intent: AuditIntent) -> dict[str, Any]:
    detail = {"change": intent.change_uid}
    if intent.request_id:
        detail["request_id"] = intent.request_id
    return detail


def append_once(connection: Connection, intent: AuditIntent) -> bool:
    """Append the audit event of ``intent`` unless it is in the log already (True: appended).

    The caller holds the audit table's write lock (``audit.in_audit_transaction``).
    """
    table = AuditedChange.__table__
    seen = connection.execute(
        select(table.c.change_uid).where(table.c.change_uid == intent.change_uid)
    ).first()
    if seen is not None:
        return False
    entry = audit.append(
        connection,
        f"record_{intent.action}",
        target=f"{intent.entity}:{intent.entity_uid}",
        detail=_detail(intent),
        username=intent.actor or None,
        ip=intent.ip,
    )
    connection.execute(table.insert().values(change_uid=intent.change_uid, event_id=entry.id))
    return True


def settle_now(intent: AuditIntent) -> bool:
    """Audit a change just written, one try; False (entry left pending) when it failed.

    Inside an uncommitted write of the app's own session the event is left to the drain:
    that transaction may still roll back, and the entry must not be marked before the
    event is committed.
    """
    if audit.session_holds_write():
        return False
    try:
        run_serialized(_engine(), audit.TABLE, lambda c: append_once(c, intent), attempts=1)
    except SQLAlchemyError as exc:
        log.warning(
            "audit event of %s:%s left to the drain: %s", intent.entity, intent.entity_uid, exc
        )
        return False
    store = registered_store(current_flask_app())
    if store is not None:
        _mark(store, [intent.change_uid])
    return True


def _engine() -> Engine:
    return security_engine(current_app)


def _mark(store: GraphStore, change_uids: list[str]) -> None:
    try:
        mark_audited(store, change_uids)
    except GraphCRMError as exc:
        # The events are in the log; the next drain sees that and only marks the entries.
        log.warning("history entries stay pending until the next drain: %s", exc)


def drain(engine: Engine, store: GraphStore, *, batch: int = 200, attempts: int = 1) -> DrainReport:
    """Write the audit events of every pending history entry, oldest first, and mark them.

    Each event gets ``attempts`` tries (one while serving: a request waits for it). Stops
    at the first failure of the audit log (the rest stays pending, in order); a
    failure to read or mark the graph raises ``GraphCRMError`` (nothing is lost: the
    entries stay pending).
    """
    audited = 0
    while True:
        intents = pending(store, batch)
        done: list[str] = []
        for intent in intents:
            try:
                run_serialized(
                    engine, audit.TABLE, partial(append_once, intent=intent), attempts=attempts
                )
            except SQLAlchemyError as exc:
                log.warning(
                    "audit log not writable, %d events still pending: %s", len(intents), exc
                )
                mark_audited(store, done)
                return DrainReport(audited + len(done), failed=True)
            done.append(intent.change_uid)
        mark_audited(store, done)
        audited += len(done)
        if len(intents) < batch:
            return DrainReport(audited, failed=False)


def _on_record_changed(_label: str, *, intent: AuditIntent, **_: Any) -> None:
    """Graph writes made inside the app (views, REST, CLI) are audited at once when the log
    answers; writes by tools outside the app stay pending for the app's drain."""
    if has_app_context() and getattr(current_app, "appbuilder", None) is not None:
        settle_now(intent)


def init_app(app: Flask) -> None:
    """Audit record changes as they happen, and drain pending ones while serving."""
    record_changed.connect(_on_record_changed)
    poller = Poller(lambda: POLL_SECONDS, BACKOFF_SECONDS)

    @app.before_request
    def drain_due() -> None:
        store = registered_store(app)
        if store is None or not poller.due():
            return
        try:
            report = drain(security_engine(app), store)
        except (GraphCRMError, SQLAlchemyError) as exc:
            log.warning("pending audit events not drained: %s", exc)
            poller.failed()
            return
        (poller.failed if report.failed else poller.succeeded)()
