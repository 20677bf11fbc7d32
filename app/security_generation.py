"""A counter of security changes, in the security database, shared by every process.

Accounts, roles, groups and permissions change through the SQLAlchemy session
(``app.security_changes`` watches it): every transaction that changes one of them also
adds one to this counter, in the same transaction. A process may then keep what it read
about the security tables (the permission sets of ``GraphCRMSecurityManager``) as long
as the counter it read at the start of a request has the value it had when it read them:
a change committed by any worker, CLI command or machine on the same database is seen by
the next request everywhere. Changes made with SQL outside the app bypass the counter:
restart the app after them (or add one to the counter in the same transaction).
"""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Engine, Integer, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

TABLE = "graphcrm_security_generation"
ROW = 1


class SecurityGeneration(Model):
    """The single row counting security changes."""

    __tablename__ = TABLE
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


_table = SecurityGeneration.__table__


def ensure_tables(engine: Engine) -> None:
    """Create the counter's table and row if missing."""
    _table.create(engine, checkfirst=True)
    with engine.begin() as connection:
        if connection.execute(select(_table.c.id).where(_table.c.id == ROW)).first() is None:
            connection.execute(_table.insert().values(id=ROW, value=0))


def bump(connection: Connection) -> None:
    """Count one change, inside the transaction ``connection`` is in (the change's)."""
    connection.execute(update(_table).where(_table.c.id == ROW).values(value=_table.c.value + 1))


def current(session: Session) -> int:
    """The counter as committed now."""
    return int(session.execute(select(_table.c.value).where(_table.c.id == ROW)).scalar() or 0)
