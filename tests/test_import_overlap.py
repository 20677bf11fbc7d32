"""Imports send each batch while the next is prepared: rows repeating a record of the batch
still being written are judged as if it were stored, and progress counts stored rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.io.imports.engine import Importer, ImportOptions, run_import
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher
from graph.store.protocol import GraphStore
from tests.test_import_engine import write_csv

# Batches of two: each repeat sits in the batch right after the row it repeats.
ROWS = [
    ["客户名称", "电话", "地区", "所属行业", "联系人", "手机"],
    ["甲公司", "13800000001", "上海", "贸易", "张伟", "13900000001"],
    ["乙公司", "13800000002", "北京", "软件", "李娜", "13900000002"],
    ["乙公司新名", "13800000002", "北京", "物流", "", ""],  # phone of the row before
    ["丙公司", "13800000003", "广州", "餐饮", "王芳", "13900000003"],
    ["丙公司", "", "广州", "教育", "", ""],  # name and region of the row before
]


@pytest.fixture(params=["thread", "process"])
def sender(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Batches written by a thread (small imports) or by a second process (large ones)."""
    threshold = 1_000_000 if request.param == "thread" else 0
    monkeypatch.setattr("graph.io.imports.sender.PROCESS_ROWS", threshold)
    return str(request.param)


def test_a_repeat_of_the_batch_in_flight_is_skipped(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path, sender: str
) -> None:
    path = write_csv(tmp_path / "skip.csv", ROWS)
    record = run_import(
        importer, path, "customer", options=ImportOptions(batch_size=2), work_dir=tmp_path
    )
    assert record.counts == {"read": 5, "created": 3, "updated": 0, "skipped": 2, "failed": 0}
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    assert sorted(c.name for c in repository.page(limit=10)) == ["丙公司", "乙公司", "甲公司"]
    assert NodeRepository(store, nodes.Contact, cipher=cipher).count() == 3


def test_repeats_of_stored_and_in_flight_batches_are_skipped(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path, sender: str
) -> None:
    # A batch's duplicates are found among the stored batches and, by its keys, in the
    # batch still being written.
    rows = [
        ["客户名称", "电话", "地区"],
        ["甲公司", "13800000001", "上海"],
        ["乙公司", "13800000002", "北京"],
        ["丙公司", "13800000003", "广州"],
        ["丁公司", "13800000004", "深圳"],
        ["甲公司二", "13800000001", "上海"],  # batch 3 repeats batch 1 (stored)
        ["丙公司二", "13800000003", "广州"],  # and batch 2 (sent after its lookup)
        ["丁公司", "", "深圳"],  # batch 4 repeats batch 2 by name and region
        ["戊公司", "13800000005", "杭州"],
    ]
    path = write_csv(tmp_path / "ahead.csv", rows)
    record = run_import(
        importer, path, "customer", options=ImportOptions(batch_size=2), work_dir=tmp_path
    )
    assert record.counts == {"read": 8, "created": 5, "updated": 0, "skipped": 3, "failed": 0}
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    names = sorted(c.name for c in repository.page(limit=10))
    assert names == ["丁公司", "丙公司", "乙公司", "戊公司", "甲公司"]
    again = run_import(
        importer, path, "customer", options=ImportOptions(batch_size=2), work_dir=tmp_path
    )
    assert again.counts == {"read": 8, "created": 0, "updated": 0, "skipped": 8, "failed": 0}


def test_a_repeat_of_the_batch_in_flight_updates_it(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path, sender: str
) -> None:
    path = write_csv(tmp_path / "update.csv", ROWS)
    record = run_import(
        importer,
        path,
        "customer",
        options=ImportOptions(batch_size=2, on_duplicate="update"),
        work_dir=tmp_path,
    )
    assert record.counts == {"read": 5, "created": 3, "updated": 2, "skipped": 0, "failed": 0}
    found = {
        c.phone: c for c in NodeRepository(store, nodes.Customer, cipher=cipher).page(limit=10)
    }
    assert found["+8613800000002"].name == "乙公司新名"
    assert found["+8613800000002"].industry == "物流" and found["+8613800000002"].version == 2
    assert found["+8613800000003"].industry == "教育"


def test_history_of_an_imported_record_names_the_import_and_holds_no_personal_data(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "history.csv", ROWS[:2])
    record = run_import(importer, path, "customer", work_dir=tmp_path)
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    customer = repository.page(limit=1)[0]
    (entry,) = repository.history(customer.uid)
    assert (entry.action, entry.by, entry.import_id, entry.version) == (
        "create",
        "admin",
        record.uid,
        1,
    )
    # The batch's entry repeats none of the records' values (their first values are the
    # records themselves): no personal data, sealed or not, and no key to rotate.
    (stored,) = store.read("import_change_list", import_id=record.uid, action="create",
                           after="", limit=5)  # fmt: skip
    assert stored["c"]["fields"] == "[]" and "key_id" not in stored["c"]


def test_progress_counts_rows_once_their_batch_is_stored(
    store: GraphStore, importer: Importer, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "progress.csv", ROWS)
    seen: list[tuple[int, int]] = []
    repository = NodeRepository(store, nodes.Customer)

    def progress(done: int, total: int) -> None:
        seen.append((done, repository.count()))

    run_import(
        importer,
        path,
        "customer",
        options=ImportOptions(batch_size=2),
        work_dir=tmp_path,
        progress=progress,
    )
    assert [done for done, _ in seen] == [2, 4, 5]
    assert [stored for _, stored in seen] == [2, 3, 3]  # the repeats are skipped
