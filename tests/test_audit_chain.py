"""The audit chain: concurrent writers, append-only storage, and tampering found by
``verify()`` and by ``graphcrm audit verify``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.audit import AppendOnlyError, AuditEvent, append, check_chain, ensure_tables
from app.sql_lock import run_serialized
from tests.test_audit import events_after, latest_id

GRAPHCRM = str(Path(sys.executable).parent / "graphcrm")


# --- the session's chain -------------------------------------------------------------------


def test_the_session_chain_verifies(app: Flask) -> None:
    with app.app_context():
        audit.record("test_marker", detail="chain check")
        assert audit.verify() is None
        report = check_chain(app.appbuilder.session.get_bind())
    assert report.events >= 1 and report.broken_id is None


def test_concurrent_writers_keep_one_valid_chain(app: Flask) -> None:
    marker = latest_id(app)

    def write(thread: int) -> None:
        with app.app_context():
            for number in range(10):
                audit.record("concurrency_test", detail={"thread": thread, "n": number})

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(write, thread) for thread in range(8)]:
            future.result()
    events = events_after(app, marker)
    assert len([e for e in events if e["action"] == "concurrency_test"]) == 80
    assert [e["id"] for e in events] == list(range(marker + 1, marker + 1 + len(events)))
    with app.app_context():
        assert audit.verify() is None


def test_record_during_an_uncommitted_write_joins_it_instead_of_waiting(app: Flask) -> None:
    marker = latest_id(app)
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_role("Uncommitted-role", commit=False)  # flushed: SQLite's write lock is held
        audit.record("inside_transaction", detail="joins the open transaction")
        sm.session.commit()
        assert audit.verify() is None
    actions = [event["action"] for event in events_after(app, marker)]
    assert actions == ["inside_transaction", "role_create"]


def test_events_cannot_be_changed_or_deleted_through_sqlalchemy(app: Flask) -> None:
    with app.app_context():
        audit.record("append_only_test", detail="original")
        session = app.appbuilder.session
        event = session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
        event.detail = "changed"
        with pytest.raises(AppendOnlyError):
            session.commit()
        session.rollback()
        session.delete(event)
        with pytest.raises(AppendOnlyError):
            session.commit()
        session.rollback()
        with pytest.raises(AppendOnlyError):
            session.query(AuditEvent).filter(AuditEvent.id == event.id).delete()
        with pytest.raises(AppendOnlyError):
            session.execute(update(AuditEvent).values(detail="bulk"))
        session.rollback()
        # Below SQLAlchemy, SQLite's own triggers refuse it too.
        with pytest.raises(IntegrityError, match="append-only"):
            with session.get_bind().begin() as connection:
                connection.exec_driver_sql("UPDATE audit_event SET detail = 'raw'")
        assert session.get(AuditEvent, event.id).detail == "original"
        assert audit.verify() is None


# --- tampering, found by verify() and by `graphcrm audit verify` ---------------------------


@pytest.fixture
def instance_log(tmp_path: Path) -> Iterator[tuple[Path, Engine]]:
    """An instance folder whose security database holds a chain of five events."""
    folder = tmp_path / "instance"
    folder.mkdir()
    engine = create_engine(f"sqlite:///{folder / 'security.db'}")
    ensure_tables(engine)
    for number in range(1, 6):
        run_serialized(
            engine,
            audit.TABLE,
            lambda conn, n=number: append(conn, "export", f"Customer:C{n}", {"rows": n}, "eve"),
        )
    yield folder, engine
    engine.dispose()


def tamper(folder: Path, statement: str) -> None:
    """Change the table directly, as someone with the database file could."""
    with sqlite3.connect(folder / "security.db") as connection:
        connection.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        connection.execute(statement)


def verify_command(folder: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH", "SQLALCHEMY"))}
    env["GRAPHCRM_INSTANCE_PATH"] = str(folder)
    env["GRAPH_URL"] = "falkordb://127.0.0.1:1/unused"  # verify needs no graph
    return subprocess.run(
        [GRAPHCRM, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120
    )


def test_intact_chain_passes_the_command(instance_log: tuple[Path, Engine]) -> None:
    folder, engine = instance_log
    assert audit.verify(engine) is None
    result = verify_command(folder)
    assert result.returncode == 0, result.stderr
    assert "chain intact: 5 events" in result.stdout


def test_changed_detail_is_found_and_named(instance_log: tuple[Path, Engine]) -> None:
    folder, engine = instance_log
    tamper(folder, "UPDATE audit_event SET detail = '{\"rows\": 0}' WHERE id = 3")
    assert audit.verify(engine) == 3
    result = verify_command(folder)
    assert result.returncode == 1
    assert "chain broken at event 3" in result.stderr
    assert "hash does not match" in result.stderr


def test_changed_hash_is_found_and_named(instance_log: tuple[Path, Engine]) -> None:
    folder, engine = instance_log
    tamper(folder, f"UPDATE audit_event SET hash = '{'f' * 64}' WHERE id = 4")
    assert audit.verify(engine) == 4
    result = verify_command(folder)
    assert result.returncode == 1 and "chain broken at event 4" in result.stderr


def test_rewritten_event_breaks_the_link_of_the_next(instance_log: tuple[Path, Engine]) -> None:
    folder, engine = instance_log
    with engine.connect() as connection:
        table = AuditEvent.__table__
        row = connection.execute(select(table).where(table.c.id == 2)).mappings().one()
    forged = dict(row, detail='{"rows": 999}')
    forged_hash = audit.event_hash(forged)
    tamper(
        folder,
        f"UPDATE audit_event SET detail = '{forged['detail']}', hash = '{forged_hash}' "
        "WHERE id = 2",
    )
    report = check_chain(engine)
    assert report.broken_id == 3 and "prev_hash" in report.reason
