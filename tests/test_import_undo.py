# ruff: noqa: E501  (fixture tables read better one row per line)
"""Undoing an import on the real graph: what the import created and only it touched goes;
a created record someone changed since, or that other records now need, stays (counted as
changed since and kept), and no record is left without its required customer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph.io.imports.engine import Importer, ImportOptions, run_import
from graph.io.imports.undo import undo_import
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher
from graph.security.scope import Scope
from graph.store.protocol import GraphStore
from tests.test_import_engine import write_csv
from tests.test_import_referrals import linked

AT = dt.datetime(2024, 5, 20, 10, 30, tzinfo=dt.UTC)


def by_name(store: GraphStore, cipher: FieldCipher, model: type[nodes.NodeModel]) -> dict:
    repository = NodeRepository(store, model, cipher=cipher)
    return {str(r.name): r for r in repository.page(limit=500)}


def test_undo_keeps_created_customers_edited_or_needed_since_and_their_follow_up_keeps_its_customer(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    """The tester's case: a salesperson's import, one created customer edited by hand, a
    follow-up logged on another; the rest of the import goes, contacts and all."""
    NodeRepository(store, nodes.User, cipher=cipher).create(
        {"username": "lina", "display_name": "李娜"}, "t"
    )
    rows = [["客户名称", "联系人", "手机"]] + [
        [f"客户{i:03d}", f"联系人{i:03d}", f"1380000{i:04d}"] for i in range(30)
    ]
    importer = Importer(store, cipher, actor="lina", scope=Scope("lina", team_only=True))
    record = run_import(importer, write_csv(tmp_path / "c.csv", rows), "customer",
                        options=ImportOptions(batch_size=10), work_dir=tmp_path)  # fmt: skip
    assert record.counts["created"] == 30
    customers = NodeRepository(store, nodes.Customer, cipher=cipher)
    made = by_name(store, cipher, nodes.Customer)
    edited = customers.update(made["客户003"], {"note": "电话确认过"}, "lina")
    assert edited.version == 2
    follow_ups = NodeRepository(store, nodes.FollowUp, cipher=cipher)
    logged = follow_ups.create(
        {"at": AT, "method": "phone", "summary": "回访", "customer": made["客户017"].uid}, "lina"
    )
    report = undo_import(store, cipher, record.uid, actor="lina")
    assert (report.deleted, report.restored, report.conflicts) == (58, 0, 2)
    assert report.by_label == {"Customer": 28, "Contact": 30}
    left = by_name(store, cipher, nodes.Customer)
    assert sorted(left) == ["客户003", "客户017"]
    assert left["客户003"].note == "电话确认过"
    # Their contacts were the import's and only its: they go (a customer needs none).
    assert by_name(store, cipher, nodes.Contact) == {}
    follow_up = follow_ups.get(logged.uid)
    assert follow_up is not None and follow_up.customer.uid == made["客户017"].uid
    # Run again (a resumed undo): nothing more goes, the same two are kept.
    again = undo_import(store, cipher, record.uid, actor="lina")
    assert (again.deleted, again.conflicts) == (0, 2)


def test_undo_keeps_a_customer_whose_created_contact_was_edited_since(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    rows = [["客户名称", "联系人"], ["甲公司", "张伟"], ["乙公司", "李娜"]]
    record = run_import(
        importer, write_csv(tmp_path / "k.csv", rows), "customer", work_dir=tmp_path
    )
    contacts = NodeRepository(store, nodes.Contact, cipher=cipher)
    zhang = by_name(store, cipher, nodes.Contact)["张伟"]
    contacts.update(zhang, {"title": "经理"}, "someone")
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert report.by_label == {"Customer": 1, "Contact": 1} and report.conflicts == 2
    assert list(by_name(store, cipher, nodes.Customer)) == ["甲公司"]
    kept = contacts.get(zhang.uid)
    assert kept is not None and str(kept.customer) == "甲公司"


def test_undo_keeps_a_created_record_someone_linked_to_since(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    """A referral someone added since, whichever side declares it: to a customer they
    edited (its version moves), from a customer of the import itself (its referrer's does
    not), or by a referral-link import (neither does)."""
    customers = NodeRepository(store, nodes.Customer, cipher=cipher)
    old = customers.create({"name": "老客户"}, "t")
    rows = [["客户名称"], ["甲公司"], ["乙公司"], ["丙公司"], ["丁公司"], ["戊公司"]]
    record = run_import(
        importer, write_csv(tmp_path / "r.csv", rows), "customer", work_dir=tmp_path
    )
    made = by_name(store, cipher, nodes.Customer)
    # 甲 referred the old customer: an edit of the old customer (not the import's).
    customers.update(customers.get(old.uid), {"referred_by": made["甲公司"].uid}, "t")
    # 乙 referred 丙, both the import's: 丙's edit makes both stay.
    customers.update(made["丙公司"], {"referred_by": made["乙公司"].uid}, "t")
    # 丁 referred 戊 by a referral-link import: neither record's version moves.
    links = [["推荐人", "被推荐人"], ["丁公司", "戊公司"]]
    run_import(importer, write_csv(tmp_path / "l.csv", links), "referral", work_dir=tmp_path)
    assert linked(store, made["丁公司"].uid, made["戊公司"].uid)
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert report.deleted == 0 and report.conflicts == 5
    assert linked(store, made["甲公司"].uid, old.uid)
    assert linked(store, made["乙公司"].uid, made["丙公司"].uid)


def test_undo_deletes_created_customers_referring_each_other_within_the_import(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    """A later row's customer referred by an earlier row's: the import's own link, which
    keeps neither, whichever batch undo reads first."""
    # (A batch is prepared while the one before it is written: a row names a customer of
    # the batch before the one before.)
    rows = [
        ["客户名称", "推荐人", "联系人"],
        ["甲公司", "", "张伟"],
        ["一号", "", ""],
        ["乙公司", "甲公司", "李娜"],
        ["二号", "", ""],
        ["丙公司", "乙公司", ""],
    ]
    record = run_import(importer, write_csv(tmp_path / "r.csv", rows), "customer",
                        options=ImportOptions(batch_size=1), work_dir=tmp_path)  # fmt: skip
    assert record.counts["created"] == 5
    made = by_name(store, cipher, nodes.Customer)
    assert linked(store, made["甲公司"].uid, made["乙公司"].uid)
    assert linked(store, made["乙公司"].uid, made["丙公司"].uid)
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert report.by_label == {"Customer": 5, "Contact": 2} and report.conflicts == 0
    assert by_name(store, cipher, nodes.Customer) == {}


def test_undo_deletes_a_record_the_import_created_and_then_updated_itself(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    rows = [
        ["客户名称", "电话", "地区"],
        ["甲公司", "13800000001", "上海"],
        ["甲公司", "13800000001", "杭州"],
        ["乙公司", "13800000002", "北京"],
        ["乙公司", "13800000002", "天津"],
    ]
    record = run_import(importer, write_csv(tmp_path / "twice.csv", rows), "customer",
                        options=ImportOptions(on_duplicate="update", batch_size=1),
                        work_dir=tmp_path)  # fmt: skip
    assert (record.counts["created"], record.counts["updated"]) == (2, 2)
    made = by_name(store, cipher, nodes.Customer)
    assert made["甲公司"].region == "杭州" and made["甲公司"].version == 2
    # Someone edits 乙 after the import: it stays as they left it.
    customers = NodeRepository(store, nodes.Customer, cipher=cipher)
    customers.update(made["乙公司"], {"note": "别删"}, "t")
    reported: list[tuple[int, int]] = []
    report = undo_import(store, cipher, record.uid, actor="admin",
                         progress=lambda done, total: reported.append((done, total)))  # fmt: skip
    assert (report.deleted, report.restored, report.conflicts) == (1, 0, 1)
    left = by_name(store, cipher, nodes.Customer)
    assert list(left) == ["乙公司"]
    assert (left["乙公司"].region, left["乙公司"].note) == ("天津", "别删")
    assert reported[-1] == (4, 4)
