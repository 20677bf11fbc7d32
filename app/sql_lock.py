"""Serialised writes to one table of the security database, across threads and processes.

The audit chain (each event hashes the one before it) and the login counters are
read-then-write: two writers must never both read the same "latest" row. SQLite takes its
write lock up front with ``BEGIN IMMEDIATE``; PostgreSQL locks the table for the rest of the
transaction. A writer that still loses a race (lock timeout, unique key taken) retries.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

T = TypeVar("T")

ATTEMPTS = 8


def lock_table(connection: Connection, table: str) -> None:
    """Hold the write lock on ``table`` until the connection's transaction ends.

    SQLite needs nothing here: a transaction that has written holds the database's single
    write lock, and ``run_serialized`` starts with ``BEGIN IMMEDIATE``.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE'))


def run_serialized(
    engine: Engine, table: str, work: Callable[[Connection], T], *, attempts: int = ATTEMPTS
) -> T:
    """Run ``work(connection)`` in a transaction of its own that holds ``table``'s write lock.

    Retried (up to ``attempts`` tries) on lock timeouts and unique-key conflicts, so
    ``work`` must only read and write through the connection it is given.
    """
    for attempt in range(attempts):
        try:
            if engine.dialect.name == "sqlite":
                return _sqlite_immediate(engine, work)
            with engine.begin() as connection:
                lock_table(connection, table)
                return work(connection)
        except (OperationalError, IntegrityError):
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def _sqlite_immediate(engine: Engine, work: Callable[[Connection], T]) -> T:
    # With the driver in autocommit mode it adds no BEGIN of its own, so ours is the one.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            result = work(connection)
        except BaseException:
            # SQLite ends the transaction itself on some errors; roll back only what is open.
            driver = connection.connection.driver_connection
            if driver is not None and driver.in_transaction:
                connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")
        return result
