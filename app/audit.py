"""The audit log: append-only, hash-chained events in the SQL security store.

Each event's ``hash`` is a SHA-256 over a canonical serialisation of its fields and the
hash of the event before it (``prev_hash``), so changing, removing or inserting an event
breaks the chain from there on; ``verify`` finds the first broken event. The log lives in
the security database, not the graph, so the analysts' Cypher console can never reach it.
Targets name a record (``Customer:C20240520001``, ``ab_user:3``) and details stay short and
free of personal data (no names, phones or e-mail addresses).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_appbuilder import Model
from sqlalchemy import DateTime, Engine, Integer, String, Text, event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session
from sqlalchemy.sql import Delete, Update

from app.sql_lock import run_serialized
from graph.clock import naive_utc_now
from graph.records.audit_intent import current_request
from graph.records.events import console_query_ran, personal_data_searched
from views.scope import AUDIT, current_security_session, security_engine
from views.scope import current_actor as current_username

TABLE = "audit_event"
GENESIS = "0" * 64  # the prev_hash of the first event
MAX_DETAIL = 1000
T = TypeVar("T")
HASHED_FIELDS = ("id", "at", "username", "ip", "action", "target", "detail", "prev_hash")
# Below SQLAlchemy too: SQLite refuses changes to the table (whoever holds the file can
# still drop these; the chain is what makes such changes visible).
_SQLITE_GUARDS = tuple(
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    for verb in ("UPDATE", "DELETE")
)


class AppendOnlyError(RuntimeError):
    """Something tried to change or delete an audit event."""


class AuditEvent(Model):
    """One audit event; rows are only ever inserted (see ``record``)."""

    __tablename__ = TABLE
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)  # UTC
    username: Mapped[str | None] = mapped_column(String(256), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    target: Mapped[str | None] = mapped_column(String(200), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


@dataclass(frozen=True)
class AuditEntry:
    """An event as written: the hashed fields and the hash."""

    id: int
    at: dt.datetime
    username: str | None
    ip: str | None
    action: str
    target: str | None
    detail: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain: events checked, and the first broken one if any."""

    events: int
    broken_id: int | None = None
    reason: str = ""
    head: str = GENESIS


def event_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of an event's fields (``prev_hash`` included)."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    at = fields["at"]
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    payload["at"] = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def client_ip() -> str | None:
    """The address of the current request's client (set ``GRAPHCRM_PROXY_COUNT`` behind proxies)."""
    return request.remote_addr if has_request_context() else None


def _detail_text(detail: str | dict[str, Any] | None) -> str | None:
    if detail is None:
        return None
    if not isinstance(detail, str):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    return detail if len(detail) <= MAX_DETAIL else detail[: MAX_DETAIL - 1] + "…"


def append(
    connection: Connection,
    action: str,
    target: str | None = None,
    detail: str | dict[str, Any] | None = None,
    username: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Chain one event onto the log inside the caller's transaction.

    The caller must hold the table's write lock (``run_serialized`` or a transaction that
    has already written, plus ``lock_table`` on PostgreSQL).
    """
    last = connection.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    fields: dict[str, Any] = {
        "id": last.id + 1 if last else 1,
        "at": naive_utc_now(),
        "username": (username or None) and username[:256],
        "ip": ip,
        "action": action,
        "target": target,
        "detail": _detail_text(detail),
        "prev_hash": last.hash if last else GENESIS,
    }
    entry = AuditEntry(**fields, hash=event_hash(fields))
    connection.execute(AuditEvent.__table__.insert().values(**asdict(entry)))
    return entry


def _engine() -> Engine:
    return security_engine(current_app)


def _open_sqlite_write(session: Session) -> bool:
    """True when the app's session has written to SQLite and not committed yet: it holds the
    database's only write lock, so a transaction of our own would wait for it forever."""
    if not session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return False
    driver = session.connection().connection.driver_connection
    return driver is not None and bool(driver.in_transaction)


def record(
    action: str,
    target: str | None = None,
    detail: str | dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEntry:
    """Write one event in a transaction of its own; safe with concurrent writers.

    ``username`` defaults to the signed-in user of the current request, ``ip`` is the
    request's client address. Call it after the change it describes has committed; called
    while the app's session has uncommitted writes, the event joins that transaction.
    """
    who = username if username is not None else current_username()
    ip = client_ip()
    request_id = current_request_id()
    if request_id and (detail is None or isinstance(detail, dict)):
        detail = {**(detail or {}), "request_id": request_id}
    return in_audit_transaction(lambda conn: append(conn, action, target, detail, who, ip))


def _app_session() -> Session:
    session = current_security_session()
    return session() if isinstance(session, scoped_session) else session


def session_holds_write() -> bool:
    """True when the app's session has uncommitted SQLite writes (see ``record``)."""
    return _open_sqlite_write(_app_session())


def in_audit_transaction(work: Callable[[Connection], T]) -> T:
    """Run ``work`` in a transaction holding the audit table's write lock (see ``record``):
    the app session's open SQLite write when there is one, else a transaction of its own."""
    session = _app_session()
    if _open_sqlite_write(session):
        return work(session.connection())
    return run_serialized(_engine(), TABLE, work)


def current_request_id() -> str | None:
    """The id of the current request (``X-Request-Id``), if any."""
    info = current_request.get()
    return info.request_id if info is not None else None


def check_chain(bind: Engine | Connection) -> ChainReport:
    """Walk the chain in id order; report the first event whose link or hash is wrong."""
    previous, count = GENESIS, 0
    opened = bind.connect() if isinstance(bind, Engine) else nullcontext(bind)
    with opened as connection:
        rows = connection.execute(select(AuditEvent.__table__).order_by(AuditEvent.id))
        for row in rows.mappings():
            count += 1
            if row["prev_hash"] != previous:
                reason = "prev_hash is not the hash of the event before it (an event was "
                reason += "changed, removed or inserted here)"
                return ChainReport(count, row["id"], reason, previous)
            if event_hash(dict(row)) != row["hash"]:
                reason = "hash does not match the event's fields (the event was changed)"
                return ChainReport(count, row["id"], reason, previous)
            previous = row["hash"]
    return ChainReport(count, None, "", previous)


def verify(bind: Engine | Connection | None = None) -> int | None:
    """The id of the first broken event, or None when the whole chain is intact."""
    return check_chain(bind if bind is not None else _engine()).broken_id


def ensure_tables(engine: Engine) -> None:
    """Create the audit table (and on SQLite its append-only triggers) if missing."""
    AuditEvent.__table__.create(engine, checkfirst=True)
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            for statement in _SQLITE_GUARDS:
                connection.execute(text(statement))


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper: Any, _connection: Any, target: AuditEvent) -> None:
    raise AppendOnlyError(f"audit event {target.id} cannot be changed or deleted")


@event.listens_for(Engine, "before_execute")
def _refuse_bulk_change(_conn: Any, clause: Any, *_args: Any) -> None:
    """Also refuse bulk UPDATE/DELETE statements, which bypass the ORM's per-row events."""
    if isinstance(clause, Update | Delete) and getattr(clause.table, "name", None) == TABLE:
        raise AppendOnlyError("audit events cannot be changed or deleted")


def _on_console_query(action: str, *, detail: dict[str, Any], **_: Any) -> None:
    """Cypher console runs and exports: who (the request's user), query, outcome, rows."""
    if has_app_context() and getattr(current_app, "appbuilder", None) is not None:
        record(action, target="console", detail=detail)


def _on_personal_data_searched(label: str, *, fields: list[str], **_: Any) -> None:
    """A search on personal data by a reader allowed to see it: who, which fields (the
    values searched for stay out of the log)."""
    if has_app_context() and getattr(current_app, "appbuilder", None) is not None:
        record("personal_data_search", target=label, detail={"fields": list(fields)})


def init_app(app: Flask) -> None:
    """Let views write audit events (``views.scope.audit``)."""
    app.extensions[AUDIT] = record


def subscribe() -> None:
    """Audit console runs and searches on personal data (see ``graph.records.events``; record
    changes are audited through ``app.audit_outbox``); idempotent."""
    console_query_ran.connect(_on_console_query)
    personal_data_searched.connect(_on_personal_data_searched)
