"""Accounts waiting to be mirrored into the graph: an outbox in the security database.

Accounts live in the SQL security store and their ``User`` nodes in the graph; no
transaction spans both. So an account change queues its account id here *in the same SQL
transaction* (``queue``); once that transaction has committed, ``drain`` mirrors the
queued accounts from their committed state and removes each one it mirrored. When the
graph fails (engine down, a constraint), the account stays queued with the error and is
tried again with backoff: by the next drain after a commit, by requests (``drain_due``,
at most every ``POLL_SECONDS`` per process), and by ``graphcrm init``. The SQL change
itself is never undone or broken by a graph failure, and the two stores agree again as
soon as the graph answers.

Draining reads the account's row as committed, not a copy taken when it was queued, so an
older drain that finishes late cannot bring back an older name. Draining never touches
the app's SQLAlchemy session (in ``after_commit`` it may not run SQL): it uses connections
of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import DateTime, Engine, Integer, String, Text, delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.graph_store import business_timezone
from app.poller import Poller
from graph.clock import naive_utc_now
from graph.errors import GraphCRMError
from graph.records.users import Account, display_name, mirror_account, retire_user
from graph.security.crypto import FieldCipher
from graph.store.protocol import GraphStore
from views.scope import cipher_of, registered_store, security_engine

log = logging.getLogger(__name__)

TABLE = "graphcrm_user_mirror_outbox"
POLL_SECONDS = 30.0  # how often a process looks for due entries while serving requests
BACKOFF_SECONDS = (5, 30, 120, 600)  # wait after the 1st, 2nd, 3rd, later failures
MAX_ERROR = 500


class MirrorOutboxEntry(Model):
    """An account whose ``User`` node may not match it yet."""

    __tablename__ = TABLE
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    actor: Mapped[str] = mapped_column(String(256), nullable=False)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)  # UTC
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # UTC
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class DrainReport:
    """What one ``drain`` did: accounts mirrored, still queued after a failure."""

    mirrored: int
    failed: int


def ensure_tables(engine: Engine) -> None:
    """Create the outbox table if missing."""
    MirrorOutboxEntry.__table__.create(engine, checkfirst=True)


def queue(connection: Connection, user_ids: Iterable[int], actor: str) -> None:
    """Queue ``user_ids`` inside the transaction ``connection`` is in (the account change's).

    An account queued already is due again now: its node must follow the newest change.
    """
    table = MirrorOutboxEntry.__table__
    now = naive_utc_now()
    for user_id in user_ids:
        fresh = {"actor": actor, "queued_at": now, "next_attempt_at": now, "last_error": None}
        done = connection.execute(
            update(table).where(table.c.user_id == user_id).values(attempts=0, **fresh)
        )
        if not done.rowcount:
            connection.execute(table.insert().values(user_id=user_id, attempts=0, **fresh))


def account_of(user: Any) -> Account:
    """The mirrored fields of a FAB user (a ``User`` or a row of its table)."""
    return Account(
        user_id=user.id,
        username=user.username,
        display_name=display_name(user.first_name, user.last_name),
        email=user.email or None,
        active=bool(user.active),
    )


def _account(connection: Connection, user_id: int) -> Account | None:
    """The committed state of account ``user_id`` (None when it no longer exists)."""
    users = User.__table__
    row = connection.execute(select(users).where(users.c.id == user_id)).first()
    return account_of(row) if row is not None else None


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def drain(
    engine: Engine,
    store: GraphStore,
    cipher: FieldCipher | None,
    *,
    user_ids: Iterable[int] | None = None,
    due_only: bool = True,
    timezone: dt.tzinfo = dt.UTC,
) -> DrainReport:
    """Mirror the queued accounts (only ``user_ids`` if given; only due ones if ``due_only``).

    Never raises for a graph failure: the entry stays queued with the error and a later
    attempt time, and the failure is logged.
    """
    table = MirrorOutboxEntry.__table__
    wanted = select(table.c.user_id, table.c.actor, table.c.attempts, table.c.queued_at)
    if user_ids is not None:
        wanted = wanted.where(table.c.user_id.in_(list(user_ids)))
    if due_only:
        wanted = wanted.where(table.c.next_attempt_at <= naive_utc_now())
    mirrored = failed = 0
    with engine.connect() as connection:
        entries = connection.execute(wanted.order_by(table.c.queued_at)).all()
        connection.rollback()
    for entry in entries:
        try:
            with engine.connect() as connection:
                account = _account(connection, entry.user_id)
                connection.rollback()
            if account is None:
                retire_user(store, entry.user_id, actor=entry.actor)
            else:
                mirror_account(store, account, actor=entry.actor, cipher=cipher, timezone=timezone)
        except GraphCRMError as exc:
            failed += 1
            log.warning("account %s not mirrored into the graph yet: %s", entry.user_id, exc)
            _note_failure(engine, entry.user_id, entry.queued_at, entry.attempts + 1, str(exc))
            continue
        mirrored += 1
        _remove(engine, entry.user_id, entry.queued_at)
    return DrainReport(mirrored=mirrored, failed=failed)


def _remove(engine: Engine, user_id: int, queued_at: dt.datetime) -> None:
    """Remove the entry unless it was queued again meanwhile (then it is due again)."""
    table = MirrorOutboxEntry.__table__
    try:
        with engine.begin() as connection:
            connection.execute(
                delete(table).where(table.c.user_id == user_id, table.c.queued_at == queued_at)
            )
    except SQLAlchemyError:
        log.exception("mirrored account %s stays queued (mirroring again is harmless)", user_id)


def _note_failure(
    engine: Engine, user_id: int, queued_at: dt.datetime, attempts: int, error: str
) -> None:
    table = MirrorOutboxEntry.__table__
    try:
        with engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.user_id == user_id, table.c.queued_at == queued_at)
                .values(
                    attempts=attempts,
                    next_attempt_at=naive_utc_now() + _backoff(attempts),
                    last_error=error[:MAX_ERROR],
                )
            )
    except SQLAlchemyError:
        log.exception("could not note the mirror failure of account %s", user_id)


def pending(engine: Engine) -> list[MirrorOutboxEntry]:
    """Every queued entry, oldest first (for ``graphcrm check``)."""
    table = MirrorOutboxEntry.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.queued_at)).all()
    return [MirrorOutboxEntry(**row._mapping) for row in rows]


def clear(engine: Engine, *, queued_before: dt.datetime) -> None:
    """Forget the entries queued before a full sync started, which mirrored them all."""
    table = MirrorOutboxEntry.__table__
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.queued_at < queued_before))


def init_app(app: Flask) -> None:
    """Retry queued mirrors while serving: a look every ``POLL_SECONDS`` per process."""
    poller = Poller(lambda: POLL_SECONDS)

    @app.before_request
    def drain_due() -> None:
        if not poller.due():
            return
        store = registered_store(app)
        if store is None:
            return
        try:
            drain(
                security_engine(app),
                store,
                cipher_of(app),
                timezone=business_timezone(app),
            )
        except SQLAlchemyError:
            log.exception("the mirror outbox could not be read")
