# ruff: noqa: E501  (fixture tables read better one row per line)
"""The referral-link import on the real graph: who referred whom between records that
exist, by ID or name; links that exist skipped; unknown records failing their row with
line and column; undo removing exactly the links the import made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from graph.io.imports import records
from graph.io.imports.engine import Importer, ImportOptions, preview, run_import
from graph.io.imports.mapping import suggest_mapping
from graph.io.imports.undo import undo_import
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher
from graph.security.scope import Scope
from graph.store.protocol import GraphStore
from tests.test_import_engine import write_csv


@pytest.fixture
def people(store: GraphStore, cipher: FieldCipher) -> dict[str, str]:
    """Three customers, a contact of the first, an external referrer: name -> uid."""
    customers = NodeRepository(store, nodes.Customer, cipher=cipher)
    made = {
        name: customers.create({"name": name}, "t").uid for name in ("甲公司", "乙公司", "丙公司")
    }
    contact = NodeRepository(store, nodes.Contact, cipher=cipher)
    made["张伟"] = contact.create({"name": "张伟", "customer": made["甲公司"]}, "t").uid
    referrer = NodeRepository(store, nodes.Referrer, cipher=cipher)
    made["老王"] = referrer.create({"name": "老王"}, "t").uid
    return made


def links_into(store: GraphStore, uid: str) -> dict[str, dict]:
    """The referral links into the customer ``uid``: referrer uid -> the link's properties
    (one entry per link: a referrer linked twice would show as one)."""
    rows = store.read("import_referral_list_existing", uids=[uid])
    return {row["referrer"]: row["props"] for row in rows}


def linked(store: GraphStore, referrer: str, referred: str) -> bool:
    """Whether ``referrer`` (a uid) has a referral link to the customer ``referred``."""
    return referrer in links_into(store, referred)


def referrers_of(store: GraphStore, uid: str) -> list[str]:
    """The names of every record with a referral link to the customer ``uid``, once per
    link."""
    rows = store.read("import_referral_list_existing", uids=[uid])
    found = []
    for model in (nodes.Customer, nodes.Contact, nodes.Referrer):
        titles = NodeRepository(store, model).titles([row["referrer"] for row in rows])
        found += [titles[row["referrer"]] for row in rows if row["referrer"] in titles]
    return sorted(found)


def test_referral_headers_are_suggested_in_chinese_and_english() -> None:
    assert suggest_mapping("referral", ["推荐人", "被推荐人", "推荐人类型"]).columns == {
        "推荐人": "referrer", "被推荐人": "referred", "推荐人类型": "referrer_kind"}  # fmt: skip
    assert suggest_mapping("referral", ["Account Name", "Referred By"]).columns == {
        "Account Name": "referred", "Referred By": "referrer"}  # fmt: skip


def test_referral_links_are_made_by_name_and_id_from_customers_contacts_and_referrers(
    store: GraphStore, importer: Importer, people: dict[str, str], tmp_path: Path
) -> None:
    rows = [
        ["推荐人", "被推荐人"],
        ["甲公司", "乙公司"],  # a customer, by name
        ["张伟", "丙公司"],  # a contact
        [people["老王"], people["乙公司"]],  # an external referrer, by ID
    ]
    record = run_import(
        importer, write_csv(tmp_path / "r.csv", rows), "referral", work_dir=tmp_path
    )
    assert record.counts == {"read": 3, "created": 3, "updated": 0, "skipped": 0, "failed": 0}
    assert referrers_of(store, people["乙公司"]) == ["甲公司", "老王"]
    assert referrers_of(store, people["丙公司"]) == ["张伟"]
    history = NodeRepository(store, nodes.Customer).history(people["丙公司"])
    assert any(
        c.field == "referred_by_contact" and c.new == "张伟" for e in history for c in e.changes
    )


def test_referral_links_take_the_files_date_else_the_import_time(
    store: GraphStore, cipher: FieldCipher, people: dict[str, str], tmp_path: Path
) -> None:
    moment = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)
    importer = Importer(
        store, cipher, actor="admin", scope=Scope.everything(), clock=lambda: moment
    )
    assert (
        suggest_mapping("referral", ["推荐人", "被推荐人", "推荐日期"]).columns["推荐日期"]
        == "referred_at"
    )
    assert (
        suggest_mapping("referral", ["Referrer", "Referred customer", "Referred on"]).columns[
            "Referred on"
        ]
        == "referred_at"
    )
    rows = [
        ["推荐人", "被推荐人", "推荐日期"],
        ["甲公司", "乙公司", "2024年5月20日"],
        ["甲公司", "丙公司", ""],  # no date: the import's time
        ["乙公司", "甲公司", "45432"],  # an Excel serial number: 2024-05-20
        ["丙公司", "乙公司", "去年春天"],  # line 5: not a date
    ]
    record = run_import(
        importer, write_csv(tmp_path / "d.csv", rows), "referral", work_dir=tmp_path
    )
    assert record.counts["created"] == 3 and record.counts["failed"] == 1

    def dates(uid: str) -> dict[str, str]:
        return {row["uid"]: row["at"] for row in store.read("customer_referrals_list", uid=uid)}

    assert dates(people["甲公司"]) == {
        people["乙公司"]: "2024-05-20T00:00:00Z",
        people["丙公司"]: "2026-03-04T05:06:00Z",
    }
    assert dates(people["乙公司"]) == {people["甲公司"]: "2024-05-20T00:00:00Z"}
    shown = preview(importer, write_csv(tmp_path / "e.csv", rows), "referral")
    bad = next(row for row in shown.rows if row.line == 5)
    assert (
        bad.decision == "error"
        and bad.errors[0]["column"] == "推荐日期"
        and bad.errors[0]["key"] == "date"
    )


def test_a_referral_date_without_an_offset_is_read_in_the_business_time_zone(
    store: GraphStore, cipher: FieldCipher, people: dict[str, str], tmp_path: Path
) -> None:
    importer = Importer(
        store, cipher, actor="admin", scope=Scope.everything(), timezone=ZoneInfo("Asia/Shanghai")
    )
    rows = [
        ["推荐人", "被推荐人", "推荐日期"],
        ["甲公司", "乙公司", "2024年5月20日 08:30"],  # business time: 00:30 UTC
        ["甲公司", "丙公司", "2024-05-20T08:30:00+00:00"],  # an offset is kept
    ]
    run_import(importer, write_csv(tmp_path / "z.csv", rows), "referral", work_dir=tmp_path)
    dates = {
        row["uid"]: row["at"] for row in store.read("customer_referrals_list", uid=people["甲公司"])
    }
    assert dates == {
        people["乙公司"]: "2024-05-20T00:30:00Z",
        people["丙公司"]: "2024-05-20T08:30:00Z",
    }


def test_existing_links_and_repeated_rows_are_skipped_and_unknown_records_fail_by_line_and_column(
    store: GraphStore, importer: Importer, people: dict[str, str], tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", [["推荐人", "被推荐人"], ["甲公司", "乙公司"]])
    run_import(importer, first, "referral", work_dir=tmp_path)
    rows = [
        ["推荐人", "被推荐人", "推荐人类型"],
        ["甲公司", "乙公司", ""],  # line 2: exists already
        ["老王", "丙公司", "外部推荐人"],  # line 3: new
        ["老王", "丙公司", ""],  # line 4: repeats line 3
        ["无名氏", "丙公司", ""],  # line 5: unknown referrer
        ["甲公司", "不存在公司", ""],  # line 6: unknown customer
        ["甲公司", "甲公司", ""],  # line 7: itself
        ["甲公司", "丙公司", "同事"],  # line 8: no such referrer type
        ["", "丙公司", ""],  # line 9: no referrer
    ]
    path = write_csv(tmp_path / "b.csv", rows)
    shown = preview(importer, path, "referral")
    decisions = {row.line: row.decision for row in shown.rows}
    assert decisions == {
        2: "unchanged",
        3: "create",
        4: "skip",
        5: "error",
        6: "error",
        7: "error",
        8: "error",
        9: "error",
    }
    errors = {row.line: row.errors[0] for row in shown.rows if row.errors}
    assert errors[5]["column"] == "推荐人" and errors[5]["key"] == "import_not_found"
    assert errors[6]["column"] == "被推荐人" and errors[6]["params"]["name"] == "不存在公司"
    assert errors[7]["key"] == "import_referral_self"
    assert errors[8]["column"] == "推荐人类型" and errors[8]["key"] == "import_referrer_kind"
    assert errors[9]["column"] == "推荐人" and errors[9]["key"] == "required"
    record = run_import(
        importer, path, "referral", options=ImportOptions(batch_size=2), work_dir=tmp_path
    )
    assert record.counts == {"read": 8, "created": 1, "updated": 0, "skipped": 2, "failed": 5}
    assert referrers_of(store, people["丙公司"]) == ["老王"]
    assert referrers_of(store, people["乙公司"]) == ["甲公司"]


def test_a_customer_with_another_referrer_of_the_type_is_skipped_by_default_saying_so(
    store: GraphStore,
    cipher: FieldCipher,
    importer: Importer,
    people: dict[str, str],
    tmp_path: Path,
) -> None:
    customers = NodeRepository(store, nodes.Customer, cipher=cipher)
    b = people["乙公司"]
    customers.update(customers.get(b), {"referred_by": people["甲公司"]}, "t")
    rows = [
        ["推荐人", "被推荐人"],
        ["丙公司", "乙公司"],  # line 2: 乙公司 has another customer as its referrer
        ["甲公司", "乙公司"],  # line 3: that link exists
        ["老王", "乙公司"],  # line 4: an external referrer, a type it has none of: new
        ["甲公司", "丙公司"],  # line 5: new
        ["乙公司", "丙公司"],  # line 6: line 5 gives 丙公司 a customer as its referrer
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    shown = preview(importer, path, "referral")
    assert {row.line: row.decision for row in shown.rows} == {
        2: "skip", 3: "unchanged", 4: "create", 5: "create", 6: "skip"}  # fmt: skip
    duplicates = {row.line: row.duplicate for row in shown.rows if row.duplicate}
    # The row names the customer only: the other referrer may be one the importer cannot see.
    assert duplicates[2] == {"key": "referrer", "uid": b, "version": 0, "line": 0}
    assert duplicates[3] == {"key": "link", "uid": b, "version": 0, "line": 0}
    assert duplicates[6] == {"key": "referrer", "uid": "", "version": 0, "line": 5}
    assert shown.counts["skip"] == 2 and shown.counts["unchanged"] == 1
    # "Create anyway" makes no second referrer of a type either.
    anyway = preview(importer, path, "referral", options=ImportOptions(on_duplicate="create"))
    assert [row.decision for row in anyway.rows] == [row.decision for row in shown.rows]
    record = run_import(importer, path, "referral", work_dir=tmp_path)
    assert record.counts == {"read": 5, "created": 2, "updated": 0, "skipped": 3, "failed": 0}
    assert referrers_of(store, b) == ["甲公司", "老王"]
    assert referrers_of(store, people["丙公司"]) == ["甲公司"]


def test_update_replaces_the_referrer_and_undo_puts_the_old_link_back_as_it_was(
    store: GraphStore,
    cipher: FieldCipher,
    importer: Importer,
    people: dict[str, str],
    tmp_path: Path,
) -> None:
    b, c = people["乙公司"], people["丙公司"]
    first = run_import(
        importer,
        write_csv(
            tmp_path / "a.csv",
            [["推荐人", "被推荐人", "推荐日期"], ["甲公司", "乙公司", "2024-05-20"]],
        ),
        "referral",
        work_dir=tmp_path,
    )
    before = links_into(store, b)
    assert before == {
        people["甲公司"]: {"at": "2024-05-20T00:00:00Z", "by": "admin", "import_id": first.uid}
    }
    rows = [
        ["推荐人", "被推荐人", "推荐日期"],
        ["丙公司", "乙公司", "2025-01-02"],  # line 2: replaces 甲公司
        ["张伟", "乙公司", ""],  # line 3: a contact, a type it has none of: new
        ["甲公司", "丙公司", ""],  # line 4: new
        ["乙公司", "丙公司", ""],  # line 5: the file gave it a customer as referrer on line 4
    ]
    path = write_csv(tmp_path / "b.csv", rows)
    update = ImportOptions(on_duplicate="update", batch_size=2)
    shown = preview(importer, path, "referral", options=update)
    assert {row.line: row.decision for row in shown.rows} == {
        2: "update", 3: "create", 4: "create", 5: "skip"}  # fmt: skip
    record = run_import(importer, path, "referral", options=update, work_dir=tmp_path)
    assert record.counts == {"read": 4, "created": 2, "updated": 1, "skipped": 1, "failed": 0}
    assert referrers_of(store, b) == ["丙公司", "张伟"]
    assert links_into(store, b)[c]["at"] == "2025-01-02T00:00:00Z"
    assert referrers_of(store, c) == ["甲公司"]
    history = NodeRepository(store, nodes.Customer).history(b)
    assert any(
        (x.field, x.old, x.new) == ("referred_by", "甲公司", "丙公司")
        for e in history
        for x in e.changes
    )
    again = write_csv(tmp_path / "c.csv", [["推荐人", "被推荐人"], ["丙公司", "乙公司"]])
    assert preview(importer, again, "referral", options=update).rows[0].decision == "unchanged"
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert (report.unlinked, report.restored, report.conflicts) == (3, 1, 0)
    # 甲公司's link as it was: its date, its author and its import, whose undo still finds it.
    assert links_into(store, b) == before
    assert referrers_of(store, c) == []
    undo_import(store, cipher, first.uid, actor="admin")
    assert links_into(store, b) == {}


def test_undo_leaves_a_referrer_someone_changed_after_the_import_replaced_it(
    store: GraphStore,
    cipher: FieldCipher,
    importer: Importer,
    people: dict[str, str],
    tmp_path: Path,
) -> None:
    customers = NodeRepository(store, nodes.Customer, cipher=cipher)
    b = people["乙公司"]
    customers.update(customers.get(b), {"referred_by": people["甲公司"]}, "t")
    record = run_import(
        importer,
        write_csv(tmp_path / "r.csv", [["推荐人", "被推荐人"], ["丙公司", "乙公司"]]),
        "referral",
        options=ImportOptions(on_duplicate="update"),
        work_dir=tmp_path,
    )
    assert referrers_of(store, b) == ["丙公司"]
    customers.update(customers.get(b), {"referred_by": None}, "t")  # someone removes it
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert (report.unlinked, report.restored, report.conflicts) == (0, 0, 1)
    assert referrers_of(store, b) == []


class EditsBeforeTheBatch:
    """The real store, on which ``edit`` runs just before a referral batch is written (as if
    someone saved a customer's form between the batch's read and its write)."""

    def __init__(self, store: GraphStore, edit: Callable[[], object]) -> None:
        self.store, self.edit = store, edit

    def write(self, statement: Any, **params: Any) -> list[dict[str, Any]]:
        if statement == "import_referral_link_batch":
            self.edit()
        return self.store.write(statement, **params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_row_whose_customer_got_a_referrer_meanwhile_fails_without_a_second_one(
    store: GraphStore, cipher: FieldCipher, people: dict[str, str], tmp_path: Path
) -> None:
    customers = NodeRepository(store, nodes.Customer, cipher=cipher)
    b = people["乙公司"]
    edit = lambda: customers.update(customers.get(b), {"referred_by": people["甲公司"]}, "t")  # noqa: E731
    racing = EditsBeforeTheBatch(store, edit)
    importer = Importer(racing, cipher, actor="admin", scope=Scope.everything())  # type: ignore[arg-type]
    rows = [["推荐人", "被推荐人"], ["丙公司", "乙公司"], ["老王", "乙公司"]]
    record = run_import(
        importer, write_csv(tmp_path / "r.csv", rows), "referral", work_dir=tmp_path
    )
    assert record.counts == {"read": 2, "created": 1, "updated": 0, "skipped": 0, "failed": 1}
    assert referrers_of(store, b) == ["甲公司", "老王"]
    failed = (tmp_path / record.uid / "errors.jsonl").read_text(encoding="utf-8")
    assert '"line": 2' in failed and "import_changed_meanwhile" in failed


def test_undo_removes_only_the_links_the_import_made(
    store: GraphStore,
    cipher: FieldCipher,
    importer: Importer,
    people: dict[str, str],
    tmp_path: Path,
) -> None:
    run_import(
        importer,
        write_csv(tmp_path / "a.csv", [["referrer", "referred"], ["甲公司", "乙公司"]]),
        "referral",
        work_dir=tmp_path,
    )
    rows = [["referrer", "referred"], ["老王", "乙公司"], ["张伟", "乙公司"], ["张伟", "丙公司"]]
    record = run_import(importer, write_csv(tmp_path / "b.csv", rows), "referral",
                        options=ImportOptions(batch_size=1), work_dir=tmp_path)  # fmt: skip
    assert referrers_of(store, people["乙公司"]) == ["张伟", "甲公司", "老王"]
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert report.unlinked == 3 and report.deleted == 0 and report.conflicts == 0
    assert referrers_of(store, people["乙公司"]) == ["甲公司"]
    assert referrers_of(store, people["丙公司"]) == []
    assert records.get(store, record.uid).state == "undone"
    # Every record is still there.
    assert NodeRepository(store, nodes.Customer).count() == 3
    assert NodeRepository(store, nodes.Contact).count() == 1


def test_a_sales_importer_links_only_customers_they_see(
    store: GraphStore, cipher: FieldCipher, people: dict[str, str], tmp_path: Path
) -> None:
    users = NodeRepository(store, nodes.User, cipher=cipher)
    lina = users.create({"username": "lina", "display_name": "李娜"}, "t")
    customers = NodeRepository(store, nodes.Customer, cipher=cipher)
    mine = customers.create({"name": "我的客户", "owner": lina.uid}, "t")
    # Referred by a customer that is not hers.
    taken = customers.create(
        {"name": "她的客户", "owner": lina.uid, "referred_by": people["甲公司"]}, "t"
    )
    customers.create({"name": "另一客户", "owner": lina.uid}, "t")
    rows = [
        ["推荐人", "被推荐人"],
        ["老王", "我的客户"],
        ["老王", "乙公司"],
        ["另一客户", "她的客户"],
    ]
    importer = Importer(store, cipher, actor="lina", scope=Scope("lina", team_only=True, pii=False))
    path = write_csv(tmp_path / "s.csv", rows)
    shown = preview(importer, path, "referral")
    assert shown.rows[2].decision == "skip"
    assert shown.rows[2].duplicate == {"key": "referrer", "uid": taken.uid, "version": 0, "line": 0}
    assert people["甲公司"] not in str(shown.as_dict()) and "甲公司" not in str(shown.as_dict())
    record = run_import(importer, path, "referral", work_dir=tmp_path)
    assert record.counts["created"] == 1 and record.counts["failed"] == 1
    assert record.counts["skipped"] == 1
    assert referrers_of(store, mine.uid) == ["老王"]
    assert referrers_of(store, people["乙公司"]) == []
    assert referrers_of(store, taken.uid) == ["甲公司"]
