"""Saved Cypher console queries and each user's run history, in the SQL security store.

Kept out of the graph on purpose: console users can read the whole graph through Cypher, so
another user's private queries (and their history, which holds parameter values) must live
where Cypher cannot reach. A saved query belongs to its owner; shared ones can be read (and
run) by every console user, but only the owner may change or delete a query. History keeps
each user's last ``HISTORY_KEEP`` runs; older ones are deleted as new ones are added. A run's
parameter values are encrypted with the personal-data key (``FIELD_ENCRYPTION_KEY``), as
they may hold exactly what that key protects; an entry sealed with a key since retired
reads as having no parameters.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, scoped_session

from app.audit import _open_sqlite_write
from app.sql_lock import run_serialized
from graph.clock import naive_utc_now
from graph.console.console import parse_params
from graph.errors import InvalidValue, UnreadableValue
from views.console.saved import Forbidden, Invalid, NotFound, Run, Saved
from views.scope import current_cipher, current_security_session, security_engine

SAVED_TABLE = "console_saved_query"
HISTORY_TABLE = "console_run"
HISTORY_KEEP = 50
MAX_NAME = 200
MAX_DESCRIPTION = 1000
MAX_QUERY = 20_000  # characters of query text stored (saved or in history)
MAX_PARAMS = 20_000  # characters of parameters JSON stored

T = TypeVar("T")


class SavedQuery(Model):
    """A named console query of one user, private or shared with every console user."""

    __tablename__ = SAVED_TABLE
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_console_saved_owner_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(256), nullable=False, index=True)  # ab_user.username
    name: Mapped[str] = mapped_column(String(MAX_NAME), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    query: Mapped[str] = mapped_column(Text, nullable=False)
    params: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # a JSON object
    shared: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)  # UTC
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)  # UTC

    def __repr__(self) -> str:
        return f"<SavedQuery {self.id} {self.owner}/{self.name}>"


class ConsoleRun(Model):
    """One console run or CSV export of one user (only the last ``HISTORY_KEEP`` are kept)."""

    __tablename__ = HISTORY_TABLE
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(256), nullable=False, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)  # UTC
    # "console_query" or "export"
    action: Mapped[str] = mapped_column(String(32), nullable=False, default="console_query")
    query: Mapped[str] = mapped_column(Text, nullable=False)
    params: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    # ok, write_refused, timeout, syntax, ...
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)
    rows: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float | None] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<ConsoleRun {self.id} {self.username} {self.outcome}>"


def _iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _params_json(params: Any) -> str:
    return json.dumps(params if isinstance(params, dict) else {}, ensure_ascii=False, default=str)


def _params_value(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _seal_params(text: str) -> str:
    """A run's parameters as the history stores them: encrypted with the personal-data key
    (they may hold phone numbers, names...); ``{}`` stays as it is."""
    if text == "{}":
        return text
    return current_cipher().encrypt(HISTORY_TABLE, "params", text)


def _open_params(text: str | None) -> str:
    """A history entry's parameters in clear ({} if the key that sealed them is gone;
    entries written before encryption pass through)."""
    try:
        return current_cipher().decrypt(HISTORY_TABLE, "params", text or "")
    except UnreadableValue:
        return "{}"


def _saved(row: Any, viewer: str) -> Saved:
    return Saved(
        id=row.id,
        owner=row.owner,
        name=row.name,
        description=row.description or "",
        query=row.query,
        params=_params_value(row.params),
        shared=bool(row.shared),
        mine=row.owner == viewer,
        created_at=_iso(row.created_at),
        updated_at=_iso(row.updated_at),
    )


def _engine() -> Engine:
    return security_engine(current_app)


def _write(table: str, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in a serialised transaction of its own (or, on SQLite, inside the app
    session's open write transaction, which holds the only write lock)."""
    session = current_security_session()
    session = session() if isinstance(session, scoped_session) else session
    if _open_sqlite_write(session):
        return work(session.connection())
    return run_serialized(_engine(), table, work)


# -- saved queries ------------------------------------------------------------------------


def validate(values: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    """The storable fields of ``values`` (``name``, ``description``, ``query``, ``params``,
    ``shared``); ``Invalid`` with a field map otherwise. ``partial``: missing fields are fine."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for field, limit in (("name", MAX_NAME), ("query", MAX_QUERY)):
        if field not in values or values[field] is None:
            if not partial:
                errors[field] = ["Missing data for required field."]
            continue
        value = values[field]
        if not isinstance(value, str) or not value.strip():
            errors[field] = ["Must be a non-empty text."]
        elif len(value) > limit:
            errors[field] = [f"Longer than maximum length {limit}."]
        else:
            clean[field] = value.strip() if field == "name" else value
    if values.get("description") is not None:
        description = values["description"]
        if not isinstance(description, str):
            errors["description"] = ["Not a valid string."]
        elif len(description) > MAX_DESCRIPTION:
            errors["description"] = [f"Longer than maximum length {MAX_DESCRIPTION}."]
        else:
            clean["description"] = description
    elif not partial:
        clean["description"] = ""
    if "params" in values or not partial:
        try:
            clean["params"] = _params_json(parse_params(values.get("params")))
        except InvalidValue as exc:
            errors["params"] = [str(exc)]
        else:
            if len(clean["params"]) > MAX_PARAMS:
                errors["params"] = [f"Longer than maximum length {MAX_PARAMS}."]
    if values.get("shared") is not None:
        if not isinstance(values["shared"], bool):
            errors["shared"] = ["Not a valid boolean."]
        else:
            clean["shared"] = values["shared"]
    elif not partial:
        clean["shared"] = False
    if errors:
        raise Invalid(errors)
    return clean


def _name_taken(connection: Connection, owner: str, name: str, other_than: int | None) -> bool:
    query = select(SavedQuery.id).where(SavedQuery.owner == owner, SavedQuery.name == name)
    if other_than is not None:
        query = query.where(SavedQuery.id != other_than)
    return connection.execute(query.limit(1)).first() is not None


NAME_TAKEN = "You already have a saved query with this name."


def save(owner: str, values: dict[str, Any]) -> Saved:
    """Save a new query of ``owner``; ``Invalid`` on bad values or a name already used."""
    clean = validate(values)
    table = SavedQuery.__table__

    def work(connection: Connection) -> int | None:
        if _name_taken(connection, owner, clean["name"], None):
            return None
        now = naive_utc_now()
        values = {**clean, "owner": owner, "created_at": now, "updated_at": now}
        inserted = connection.execute(table.insert().values(**values)).inserted_primary_key
        assert inserted is not None  # an insert of one row has a key
        return inserted[0]

    new_id = _write(SAVED_TABLE, work)
    if new_id is None:
        raise Invalid({"name": [NAME_TAKEN]})
    return get(owner, new_id)


def _owned_row(connection: Connection, user: str, query_id: int) -> Any:
    """The row ``user`` may change: ``NotFound`` for a missing or someone else's private
    query, ``Forbidden`` for someone else's shared one."""
    row = connection.execute(select(SavedQuery.__table__).where(SavedQuery.id == query_id)).first()
    if row is None or (row.owner != user and not row.shared):
        raise NotFound(query_id)
    if row.owner != user:
        raise Forbidden(query_id)
    return row


def get(user: str, query_id: int) -> Saved:
    """A query ``user`` may read (their own or a shared one); ``NotFound`` otherwise."""
    with _engine().connect() as connection:
        row = connection.execute(
            select(SavedQuery.__table__).where(SavedQuery.id == query_id)
        ).first()
    if row is None or (row.owner != user and not row.shared):
        raise NotFound(query_id)
    return _saved(row, user)


def update(user: str, query_id: int, values: dict[str, Any]) -> Saved:
    """Change the given fields of a query of ``user`` (``NotFound``/``Forbidden``/``Invalid``)."""
    clean = validate(values, partial=True)
    table = SavedQuery.__table__

    def work(connection: Connection) -> bool:
        _owned_row(connection, user, query_id)
        if "name" in clean and _name_taken(connection, user, clean["name"], query_id):
            return False
        connection.execute(
            table.update().where(table.c.id == query_id).values(**clean, updated_at=naive_utc_now())
        )
        return True

    if not _write(SAVED_TABLE, work):
        raise Invalid({"name": [NAME_TAKEN]})
    return get(user, query_id)


def remove(user: str, query_id: int) -> None:
    """Delete a query of ``user`` (``NotFound``/``Forbidden`` as for ``update``)."""

    def work(connection: Connection) -> None:
        _owned_row(connection, user, query_id)
        connection.execute(delete(SavedQuery).where(SavedQuery.id == query_id))

    _write(SAVED_TABLE, work)


def visible(user: str) -> list[Saved]:
    """``user``'s own queries and everybody's shared ones, by name (own first on a tie)."""
    query = (
        select(SavedQuery.__table__)
        .where(or_(SavedQuery.owner == user, SavedQuery.shared.is_(True)))
        .order_by(SavedQuery.name, SavedQuery.owner != user, SavedQuery.owner)
    )
    with _engine().connect() as connection:
        return [_saved(row, user) for row in connection.execute(query)]


# -- history ------------------------------------------------------------------------------


def record_run(
    username: str | None,
    query: str,
    params: Any,
    outcome: str,
    rows: int | None = None,
    duration_ms: float | None = None,
    action: str = "console_query",
) -> None:
    """Add a run to ``username``'s history and drop all but their last ``HISTORY_KEEP``."""
    if not username:
        return
    table = ConsoleRun.__table__
    entry = {
        "username": username[:256],
        "at": naive_utc_now(),
        "action": action[:32],
        "query": query[:MAX_QUERY],
        "params": _seal_params(_params_json(params)[:MAX_PARAMS]),
        "outcome": outcome[:32],
        "rows": rows,
        "duration_ms": duration_ms,
    }

    def work(connection: Connection) -> None:
        connection.execute(table.insert().values(**entry))
        older = (
            select(ConsoleRun.id)
            .where(ConsoleRun.username == entry["username"])
            .order_by(ConsoleRun.id.desc())
            .offset(HISTORY_KEEP)
        )
        stale = [row.id for row in connection.execute(older)]
        if stale:
            connection.execute(delete(ConsoleRun).where(ConsoleRun.id.in_(stale)))

    _write(HISTORY_TABLE, work)


def history(username: str, limit: int = HISTORY_KEEP) -> list[Run]:
    """``username``'s runs, newest first."""
    query = (
        select(ConsoleRun.__table__)
        .where(ConsoleRun.username == username)
        .order_by(ConsoleRun.id.desc())
        .limit(limit)
    )
    with _engine().connect() as connection:
        return [
            Run(
                id=row.id,
                at=_iso(row.at),
                action=row.action,
                query=row.query,
                params=_params_value(_open_params(row.params)),
                outcome=row.outcome,
                rows=row.rows,
                duration_ms=row.duration_ms,
            )
            for row in connection.execute(query)
        ]


def ensure_tables(engine: Engine) -> None:
    """Create the saved-query and history tables if missing."""
    SavedQuery.__table__.create(engine, checkfirst=True)
    ConsoleRun.__table__.create(engine, checkfirst=True)
