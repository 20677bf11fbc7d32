# ruff: noqa: E501  (fixture tables read better one row per line)
"""The referral-link import on the real graph: who referred whom between records that
exist, by ID or name; links that exist skipped; unknown records failing their row with
line and column; undo removing exactly the links the import made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from graph.io.imports import records
from graph.io.imports.engine import Importer, ImportOptions, preview, run_import
from graph.io.imports.mapping import suggest_mapping
from graph.io.imports.undo import undo_import
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher, generate_key, parse_key
from graph.security.scope import Scope
from graph.store.protocol import GraphStore
from tests.test_import_engine import write_csv


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(parse_key(generate_key()))


@pytest.fixture
def importer(store: GraphStore, cipher: FieldCipher) -> Importer:
    return Importer(store, cipher, actor="admin", scope=Scope.everything())


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


def referrers_of(store: GraphStore, uid: str) -> list[str]:
    """The names of every record with a referral link to the customer ``uid``."""
    found = []
    for model in (nodes.Customer, nodes.Contact, nodes.Referrer):
        for record in NodeRepository(store, model).page(limit=100):
            pairs = [{"referrer": record.uid, "referred": uid}]
            if store.read("import_referral_list_existing", pairs=pairs):
                found.append(record.name)
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
        ["乙公司", "丙公司", "45432"],  # an Excel serial number: 2024-05-20
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
    assert dates(people["乙公司"]) == {people["丙公司"]: "2024-05-20T00:00:00Z"}
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
        2: "skip",
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
    rows = [["推荐人", "被推荐人"], ["老王", "我的客户"], ["老王", "乙公司"]]
    importer = Importer(store, cipher, actor="lina", scope=Scope("lina", team_only=True, pii=False))
    record = run_import(
        importer, write_csv(tmp_path / "s.csv", rows), "referral", work_dir=tmp_path
    )
    assert record.counts["created"] == 1 and record.counts["failed"] == 1
    assert referrers_of(store, mine.uid) == ["老王"]
    assert referrers_of(store, people["乙公司"]) == []
