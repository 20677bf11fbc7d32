"""The second process a large import writes its batches from: statements land on the
same database, an engine error reaches the importing process, and the process ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph.errors import StoreError
from graph.io.imports import records
from graph.io.imports.records import ImportRecord
from graph.io.imports.sender import ProcessSender, ThreadSender, _packed, _unpacked, sender_for
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from graph.store.statements import Statement
from graph.store.templates import render

STAMP = "2026-12-05T00:00:00Z"


def _import(store: GraphStore) -> str:
    record = ImportRecord(
        uid="IM20261205-sender", type="customer", file_name="c.csv", file_hash="h-sender",
        path="", state=records.RUNNING, by="admin", at=STAMP, mapping={}, options={},
    )  # fmt: skip
    records.begin(store, record)
    return record.uid


def _create(store: GraphStore, import_id: str, uid: str) -> tuple[Statement, dict[str, Any]]:
    """import_create_batch for one customer ``uid`` (no properties, contacts or relations)."""
    statement = render(store.cypher.get("import_create_batch"), Label="Customer")
    params = {
        "import_id": import_id,
        "cursor": 1,
        "counts": "{}",
        "rows": [[uid]],
        "now": STAMP,
        "change": {"uid": f"change-{uid}", "at": STAMP, "by": "admin", "action": "create"},
    }
    return statement, params


def test_a_large_import_gets_a_writing_process_and_a_small_one_a_thread(
    store: GraphStore,
) -> None:
    assert isinstance(sender_for(store, 10), ThreadSender)
    large = sender_for(store, 1_000_000)
    try:
        assert isinstance(large, ProcessSender)
    finally:
        large.close()


def test_the_writing_process_writes_reports_engine_errors_and_ends(store: GraphStore) -> None:
    import_id = _import(store)
    repository = NodeRepository(store, nodes.Customer)
    taken = repository.create({"name": "乙公司"}, "admin")
    sender = sender_for(store, 1_000_000)
    assert isinstance(sender, ProcessSender)
    try:
        # A statement the engine refuses (a second customer with a taken uid) raises here,
        # and writes nothing of its batch.
        sender.send(*_create(store, import_id, taken.uid))
        with pytest.raises(StoreError):
            sender.wait()
        assert repository.count() == 1
        # The process goes on: the next statement is written, to the same database.
        sender.send(*_create(store, import_id, "C-process-1"))
        sender.wait()
        assert repository.get("C-process-1").version == 1
    finally:
        sender.close()
    assert not sender.running


def test_parameters_cross_to_the_writing_process_whole() -> None:
    # Plain values go as marshal bytes; the rows of a batch come back equal, types and all.
    params = {
        "rows": [["C1", "甲公司", None, 1, 2.5, True, [["K1", "王伟\n"]]]],
        "change": {"uid": "x", "at": STAMP},
        "cursor": 7,
    }
    packed = _packed(params)
    assert isinstance(packed, bytes)
    assert _unpacked(packed) == params
    # A value marshal does not carry travels as it is (pickled with the message).
    dated = {"day": dt.date(2026, 12, 5)}
    assert _packed(dated) is dated
    assert _unpacked(_packed(dated)) == dated
