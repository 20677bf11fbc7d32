# ruff: noqa: E501  (fixture tables read better one row per line)
"""The import engine on the real graph: readers, mapping, cleaning, duplicates, writing,
undo and resume."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import xlsxwriter

from graph.errors import InvalidValue
from graph.io.imports import records
from graph.io.imports.engine import (
    Importer,
    ImportOptions,
    preview,
    resume_import,
    run_import,
    start_import,
)
from graph.io.imports.error_rows import error_file
from graph.io.imports.mapping import Mapping, load_mapping, save_mapping, suggest_mapping
from graph.io.imports.readers import open_table
from graph.io.imports.records import ImportRecord
from graph.io.imports.undo import undo_import
from graph.jobs.catalog import JOBS
from graph.jobs.context import JobCancelled, Resources
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher
from graph.security.scope import Scope
from graph.store.protocol import GraphStore
from graph.store.templates import render

CHINESE_SHEET = [
    ["客户名称", "联系人", "手机", "电话", "邮箱", "所属行业", "地区", "客户类型", "来源渠道", "负责人", "标签", "备注"],
    ["上海明辉贸易有限公司", "张伟", "138 1234 5678", "021-62345678", "zhang@minghui.cn", "贸易", "上海", "意向客户", "", "", "VIP;重点", "老朋友介绍"],
    ["北京华信科技", "李娜", "13912345678", "", "LINA@HUAXIN.COM", "软件", "北京", "成交客户", "", "", "重点、科技", ""],
    ["广州好运来餐饮", "王芳", "12345", "", "not-an-email", "餐饮", "广州", "潜在客户", "", "", "", ""],
    ["深圳创新电子", "赵强", "13700001111", "", "", "电子", "深圳", "流失客户", "", "", "", ""],
]  # fmt: skip


def write_csv(
    path: Path, rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def customers(store: GraphStore, cipher: FieldCipher) -> dict[str, object]:
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    return {r.name: r for r in repository.page(limit=100)}


def test_gbk_csv_with_chinese_headers_is_read_mapped_cleaned_and_written(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "客户.csv", CHINESE_SHEET, encoding="gbk")
    table = open_table(path)
    assert table.encoding == "gb18030" and table.delimiter == ","
    record = run_import(importer, path, "customer", work_dir=tmp_path / "work")
    assert record.counts == {"read": 4, "created": 3, "updated": 0, "skipped": 0, "failed": 1}
    found = customers(store, cipher)
    minghui = found["上海明辉贸易有限公司"]
    assert minghui.stage == "intent" and minghui.phone == "+862162345678"
    assert minghui.email == "zhang@minghui.cn" and minghui.note == "老朋友介绍"
    assert sorted(str(t) for t in minghui.tags) == ["VIP", "重点"]
    assert found["北京华信科技"].stage == "deal"
    assert found["北京华信科技"].email == "LINA@huaxin.com"
    contacts = NodeRepository(store, nodes.Contact, cipher=cipher).page(limit=10)
    assert {(c.name, c.phone) for c in contacts} >= {("张伟", "+8613812345678")}
    works_for = {c.name: c.customer.uid for c in contacts}  # type: ignore[attr-defined]
    assert works_for == {
        "张伟": minghui.uid,
        "李娜": found["北京华信科技"].uid,
        "赵强": found["深圳创新电子"].uid,
    }  # type: ignore[attr-defined]
    raw = store.read("import_get", uid=record.uid)[0]["i"]
    assert raw["state"] == "done"


def test_utf8_bom_csv_with_semicolons_is_detected(importer: Importer, tmp_path: Path) -> None:
    rows = [["Company name", "Phone Number", "Lifecycle Stage", "City"],
            ["Acme; Ltd", "+1 650 253 0000", "Customer", "Mountain View"]]  # fmt: skip
    text = '\ufeffCompany name;Phone Number;Lifecycle Stage;City\r\n"Acme; Ltd";+1 650 253 0000;Customer;Mountain View\r\n'
    path = tmp_path / "hubspot.csv"
    path.write_bytes(text.encode("utf-8"))
    table = open_table(path)
    assert (table.encoding, table.delimiter, table.headers) == ("utf-8-sig", ";", rows[0])
    result = preview(importer, path, "customer")
    assert result.mapping.columns == {
        "Company name": "name", "Phone Number": "phone", "Lifecycle Stage": "stage", "City": "region",
    }  # fmt: skip
    assert result.rows[0].values == {
        "name": "Acme; Ltd", "phone": "+16502530000", "stage": "deal", "region": "Mountain View",
    }  # fmt: skip


def test_salesforce_and_hubspot_headers_are_suggested() -> None:
    salesforce = ["Account ID", "Account Name", "Type", "Industry", "Billing Street", "Billing City",
                  "Phone", "Account Owner", "Account Source", "Rating", "Description"]  # fmt: skip
    sample = [
        ["001", "Acme", "Prospect", "Tech", "1 Main St", "Boston", "555", "jdoe", "Web", "Hot", "x"]
    ]
    mapping = suggest_mapping("customer", salesforce, sample)
    assert mapping.targets() == {
        "name": "Account Name", "stage": "Type", "industry": "Industry", "address": "Billing Street",
        "region": "Billing City", "phone": "Phone", "owner": "Account Owner",
        "channel": "Account Source", "value_tier": "Rating", "note": "Description",
    }  # fmt: skip
    hubspot = ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title",
               "Associated Company", "Contact owner"]  # fmt: skip
    mapping = suggest_mapping("contact", hubspot)
    assert mapping.targets() == {
        "first_name": "First Name", "last_name": "Last Name", "email": "Email",
        "phone": "Phone Number", "title": "Job Title", "customer": "Associated Company",
    }  # fmt: skip


def test_column_of_stage_names_maps_to_stage_whatever_its_header() -> None:
    headers = ["客户名称", "客户类型", "类型"]
    sample = [["甲", "潜在客户", "企业"], ["乙", "意向客户", "个人"], ["丙", "成交客户", "企业"]]
    mapping = suggest_mapping("customer", headers, sample)
    assert mapping.columns["客户类型"] == "stage" and mapping.reasons["客户类型"] == "values"
    assert mapping.columns["类型"] == "kind"
    # One typo among them: company vs person fits none, the stage most.
    sample = [["甲", "金牌", "企业"], ["乙", "意向客户", "个人"], ["丙", "成交客户", "企业"]]
    assert suggest_mapping("customer", headers, sample).columns["客户类型"] == "stage"
    # Most of them company or person: not the stage (and 类型 has the kind already).
    sample = [["甲", "企业", "企业"], ["乙", "个人", "个人"], ["丙", "成交客户", "企业"]]
    assert suggest_mapping("customer", headers, sample).columns["客户类型"] is None
    assert suggest_mapping("customer", headers[:2], sample).columns["客户类型"] == "kind"


def make_workbook(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户")
    sheet.merge_range(0, 0, 0, 3, "2024年客户名单")
    sheet.write_row(1, 0, ["客户名称", "地区"])
    sheet.merge_range(1, 2, 1, 3, "联系人")
    sheet.write_row(2, 0, ["", "", "姓名", "手机"])
    sheet.write_row(1, 4, ["首次成交"])
    sheet.write_row(3, 0, ["杭州西湖茶业", "杭州", "陈静", "13600001111"])
    sheet.write_number(3, 4, 45432)  # an Excel serial: 2024-05-20
    sheet.write_row(4, 0, ["苏州园林设计", "苏州", "周明", "13600002222"])
    sheet.write_number(4, 4, 45433)
    other = book.add_worksheet("说明")
    other.write(0, 0, "本表由销售部维护")
    book.close()
    return path


def test_xlsx_with_title_row_merged_two_row_header_and_two_sheets(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    path = make_workbook(tmp_path / "客户.xlsx")
    table = open_table(path)
    assert table.sheets == ["客户", "说明"] and table.sheet == "客户"
    assert table.headers == ["客户名称", "地区", "联系人 姓名", "联系人 手机", "首次成交"]
    assert [row.line for row in table.rows()] == [4, 5]
    mapping = suggest_mapping("customer", table.headers)
    assert mapping.columns["联系人 姓名"] == "contact.name"
    assert mapping.columns["联系人 手机"] == "contact.phone"
    record = run_import(importer, path, "customer", work_dir=tmp_path / "work")
    assert record.counts["created"] == 2
    contacts = {c.name: c for c in NodeRepository(store, nodes.Contact, cipher=cipher).page()}
    assert contacts["陈静"].phone == "+8613600001111"
    assert str(contacts["陈静"].customer) == "杭州西湖茶业"


def test_excel_serial_and_typed_dates_are_read(importer: Importer, tmp_path: Path) -> None:
    rows = [["客户名称", "跟进时间", "跟进方式", "跟进内容"],
            ["甲公司", "45432", "电话", "a"], ["甲公司", "2024/5/20", "拜访", "b"],
            ["甲公司", "2024年5月20日", "微信", "c"], ["甲公司", "2024-05-20 10:30", "邮件", "d"],
            ["甲公司", "明天", "电话", "e"]]  # fmt: skip
    path = write_csv(tmp_path / "f.csv", rows)
    NodeRepository(importer.store, nodes.Customer, cipher=importer.cipher).create(
        {"name": "甲公司"}, "t"
    )
    result = preview(importer, path, "follow_up")
    ats = [row.values.get("at") for row in result.rows]
    assert ats[:4] == ["2024-05-20T00:00:00Z"] * 3 + ["2024-05-20T10:30:00Z"]
    assert (
        result.rows[4].errors[0]["key"] == "datetime"
        and result.rows[4].errors[0]["column"] == "跟进时间"
    )
    assert [row.values["method"] for row in result.rows[:4]] == [
        "phone",
        "visit",
        "wechat",
        "email",
    ]


def test_numbers_with_separators_and_currency_symbols(importer: Importer, tmp_path: Path) -> None:
    NodeRepository(importer.store, nodes.Customer, cipher=importer.cipher).create(
        {"name": "甲公司"}, "t"
    )
    rows = [["客户名称", "产品", "金额", "币种", "订单日期"],
            ["甲公司", "A", "¥1,234.50", "人民币", "2024-05-20"],
            ["甲公司", "B", "1 000元", "美元", "2024-05-20"],
            ["甲公司", "C", "lots", "CNY", "2024-05-20"]]  # fmt: skip
    record = run_import(importer, write_csv(tmp_path / "o.csv", rows), "order", work_dir=tmp_path)
    assert record.counts["created"] == 2 and record.counts["failed"] == 1
    orders = {o.product: o for o in NodeRepository(importer.store, nodes.Order).page()}
    assert (
        orders["A"].amount == 1234.5
        and orders["B"].amount == 1000
        and orders["B"].currency == "USD"
    )
    assert str(orders["A"].customer) == "甲公司"


def test_reimporting_the_same_file_creates_no_duplicates(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "c.csv", CHINESE_SHEET)
    run_import(importer, path, "customer", work_dir=tmp_path)
    again = run_import(importer, path, "customer", work_dir=tmp_path)
    assert again.counts == {"read": 4, "created": 0, "updated": 0, "skipped": 3, "failed": 1}
    assert len(customers(store, cipher)) == 3


def test_duplicate_rows_within_one_file_are_caught(importer: Importer, tmp_path: Path) -> None:
    rows = [["客户名称", "电话"], ["甲", "13800000001"], ["乙", "13800000001"], ["甲", ""]]
    path = write_csv(tmp_path / "d.csv", rows)
    assert preview(importer, path, "customer").counts == {
        "skip": 2,
        "update": 0,
        "create": 1,
        "unchanged": 0,
        "error": 0,
    }
    record = run_import(importer, path, "customer", work_dir=tmp_path)
    assert record.counts["created"] == 1 and record.counts["skipped"] == 2


def test_update_existing_changes_only_the_edited_values_and_undo_restores_them(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    before = repository.create({"name": "甲公司", "phone": "+8613800000001", "region": "上海",
                                "industry": "贸易"}, "someone")  # fmt: skip
    rows = [["客户名称", "电话", "地区", "所属行业"], ["甲公司", "13800000001", "上海", "物流"]]
    path = write_csv(tmp_path / "u.csv", rows)
    record = run_import(importer, path, "customer", options=ImportOptions(on_duplicate="update"),
                        work_dir=tmp_path)  # fmt: skip
    assert record.counts["updated"] == 1 and record.counts["created"] == 0
    after = repository.get(before.uid)
    assert after.industry == "物流" and after.version == before.version + 1
    assert after.phone == "+8613800000001"
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert report.restored == 1
    assert repository.get(before.uid).industry == "贸易"
    assert records.get(store, record.uid).state == "undone"


def test_undo_after_create_deletes_what_the_import_created(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    kept = NodeRepository(store, nodes.Customer, cipher=cipher).create({"name": "原有客户"}, "x")
    record = run_import(importer, write_csv(tmp_path / "c.csv", CHINESE_SHEET), "customer",
                        work_dir=tmp_path)  # fmt: skip
    report = undo_import(store, cipher, record.uid, actor="admin")
    # The tags it created for its rows (VIP, 重点, 科技) too.
    assert report.deleted == 9 and report.by_label == {"Customer": 3, "Contact": 3, "Tag": 3}
    assert report.conflicts == 0
    assert list(customers(store, cipher)) == [kept.name]
    assert NodeRepository(store, nodes.Contact).count() == 0
    assert NodeRepository(store, nodes.Tag).count() == 0


def test_undo_deletes_the_tags_the_import_created_unless_something_else_uses_them_now(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    tags = NodeRepository(store, nodes.Tag, cipher=cipher)
    vip = tags.create({"name": "VIP"}, "t")
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    other = repository.create({"name": "原有客户", "tags": [vip.uid]}, "t")
    rows = [["客户名称", "标签"], ["甲公司", "新标签X|VIP"], ["乙公司", "新标签Y"]]
    record = run_import(importer, write_csv(tmp_path / "t.csv", rows), "customer",
                        work_dir=tmp_path)  # fmt: skip
    made = {str(t.name): t.uid for t in tags.page(limit=10) if t.name != "VIP"}
    assert sorted(made) == ["新标签X", "新标签Y"]
    assert tags.history(made["新标签X"])[0].import_id == record.uid
    # Someone puts 新标签Y on a customer the import did not make.
    repository.update(repository.get(other.uid), {"tags": [vip.uid, made["新标签Y"]]}, "t")
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert report.by_label == {"Customer": 2, "Tag": 1} and report.conflicts == 1
    assert sorted(str(t.name) for t in tags.page(limit=10)) == ["VIP", "新标签Y"]
    assert sorted(str(t) for t in repository.get(other.uid).tags) == ["VIP", "新标签Y"]
    (deleted, *_) = tags.history(made["新标签X"])
    assert deleted.action == "delete"
    # Run again (a resumed undo): nothing more goes, the tag in use still stays.
    again = undo_import(store, cipher, record.uid, actor="admin")
    assert again.deleted == 0 and again.conflicts == 1
    assert tags.count() == 2


def test_failing_rows_download_with_an_error_column(importer: Importer, tmp_path: Path) -> None:
    record = run_import(importer, write_csv(tmp_path / "c.csv", CHINESE_SHEET), "customer",
                        work_dir=tmp_path)  # fmt: skip
    data = error_file(tmp_path, record.uid, CHINESE_SHEET[0], "csv").decode("utf-8-sig")
    lines = data.splitlines()
    assert lines[0].endswith(",Error") and "广州好运来餐饮" in lines[1]
    assert "line 4, 手机: phone" in lines[1] and "line 4, 邮箱: email" in lines[1]


def test_failing_rows_are_written_in_file_order(importer: Importer, tmp_path: Path) -> None:
    """A row failing its lookup (an unknown owner) is checked after the rows failing their
    cells, but the file lists them as the source does."""
    rows = [
        ["客户名称", "负责人", "手机"],
        ["甲", "没有这人", ""],
        ["乙", "", "12345"],
        ["丙", "", ""],
    ]
    record = run_import(
        importer, write_csv(tmp_path / "o.csv", rows), "customer", work_dir=tmp_path
    )
    data = error_file(tmp_path, record.uid, rows[0], "csv").decode("utf-8-sig")
    assert [line.split(",")[0] for line in data.splitlines()[1:]] == ["甲", "乙"]


def test_an_interrupted_import_holds_its_file_and_resumes_from_its_cursor(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    rows = [["客户名称", "电话"]] + [[f"客户{i}", f"1380000{i:04d}"] for i in range(25)]
    path = write_csv(tmp_path / "big.csv", rows)

    def killed_after_first_batch(done: int, total: int) -> None:
        raise SystemExit("killed")  # like a kill: no handler in the engine runs

    with pytest.raises(SystemExit):
        run_import(importer, path, "customer", options=ImportOptions(batch_size=10),
                   work_dir=tmp_path, progress=killed_after_first_batch)  # fmt: skip
    assert len(customers(store, cipher)) == 10
    with pytest.raises(records.ImportBusy) as busy:
        run_import(importer, path, "customer", work_dir=tmp_path)
    import_id = busy.value.params["import_id"]
    assert records.get(store, import_id).cursor == 11
    record = resume_import(importer, import_id, work_dir=tmp_path)
    assert record.counts["created"] == 25 and record.counts["read"] == 25
    assert len(customers(store, cipher)) == 25
    undo_import(store, cipher, import_id, actor="admin")
    assert customers(store, cipher) == {}


def test_sales_imports_become_their_own_customers(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    users = NodeRepository(store, nodes.User, cipher=cipher)
    sales = users.create({"username": "lina", "display_name": "李娜"}, "t")
    users.create({"username": "boss", "display_name": "老板"}, "t")
    rows = [["客户名称", "负责人"], ["甲公司", ""], ["乙公司", "老板"]]
    importer = Importer(store, cipher, actor="lina", scope=Scope("lina", team_only=True, pii=False))
    record = run_import(
        importer, write_csv(tmp_path / "s.csv", rows), "customer", work_dir=tmp_path
    )
    (customer,) = customers(store, cipher).values()
    assert customer.owner.uid == sales.uid
    assert record.counts["failed"] == 1  # the boss is not in lina's team: not hers to give to


def test_an_id_of_this_types_form_naming_no_visible_record_fails_its_row(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    """A row whose ID names no record the reader may see (another team's, or none) fails,
    instead of updating whatever record shares its phone; another CRM's ID is no
    reference (the row is matched as new)."""
    users = NodeRepository(store, nodes.User, cipher=cipher)
    lina = users.create({"username": "lina", "display_name": "李娜"}, "t")
    bo = users.create({"username": "bo", "display_name": "Bo"}, "t")
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    mine = repository.create({"name": "我的客户", "phone": "13800000041", "owner": lina}, "t")
    theirs = repository.create({"name": "别人的客户", "owner": bo}, "t")
    rows = [["编号", "名称", "电话"],
            [theirs.uid, "改名", "13800000041"],
            ["C99999999999", "改名二", "13800000041"],
            ["c99999999998", "改名三", "13800000041"],
            ["0015000000AbCdE", "外部编号", "13900000041"]]  # fmt: skip
    path = write_csv(tmp_path / "ids.csv", rows)
    importer = Importer(store, cipher, actor="lina", scope=Scope("lina", team_only=True))
    result = preview(importer, path, "customer", options=ImportOptions(on_duplicate="update"))
    failed = {r.line: [(e["column"], e["key"], e["params"]) for e in r.errors] for r in result.rows}
    assert failed[2] == [("编号", "import_unknown_id", {"uid": theirs.uid})]
    assert failed[3] == [("编号", "import_unknown_id", {"uid": "C99999999999"})]
    assert failed[4] == [("编号", "import_unknown_id", {"uid": "c99999999998"})]
    assert failed[5] == [] and result.rows[3].decision == "create"
    run_import(
        importer, path, "customer", options=ImportOptions(on_duplicate="update"), work_dir=tmp_path
    )
    assert repository.get(mine.uid).name == "我的客户"
    assert repository.get(theirs.uid).name == "别人的客户"


def test_a_team_limited_importer_names_only_customers_they_may_see(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    """Another team's customer of the same name is no ambiguity (which would tell that it
    exists) and another team's customer, by name or ID, is not found: one message each."""
    users = NodeRepository(store, nodes.User, cipher=cipher)
    lina = users.create({"username": "lina", "display_name": "李娜"}, "t")
    bo = users.create({"username": "bo", "display_name": "Bo"}, "t")
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    mine = repository.create({"name": "Emma Liu", "owner": lina}, "t")
    repository.create({"name": "Emma Liu", "owner": bo}, "t")
    hidden = repository.create({"name": "别队客户", "owner": bo}, "t")
    rows = [["客户", "跟进时间", "跟进方式", "跟进内容"],
            ["Emma Liu", "2024/5/20", "电话", "a"],
            ["别队客户", "2024/5/20", "电话", "b"],
            [hidden.uid, "2024/5/20", "电话", "c"]]  # fmt: skip
    path = write_csv(tmp_path / "f.csv", rows)
    lina_importer = Importer(store, cipher, actor="lina", scope=Scope("lina", team_only=True))
    result = preview(lina_importer, path, "follow_up")
    assert result.rows[0].errors == []
    for row, name in zip(result.rows[1:], ("别队客户", hidden.uid), strict=True):
        assert [(e["column"], e["key"], e["params"]["name"]) for e in row.errors] == [
            ("客户", "import_not_found_named", name)
        ]
    admin = Importer(store, cipher, actor="admin", scope=Scope.everything())
    assert preview(admin, path, "follow_up").rows[0].errors[0]["key"] == "import_ambiguous"
    run_import(lina_importer, path, "follow_up", work_dir=tmp_path)
    (follow_up,) = NodeRepository(store, nodes.FollowUp, cipher=cipher).page(limit=5)
    assert follow_up.customer.uid == mine.uid


def test_a_sales_manager_gives_imported_customers_to_their_team_only(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    """The owner column counts for a team-limited importer within their team (as a
    salesperson may choose the owner on the form); a blank owner is the importer."""
    users = NodeRepository(store, nodes.User, cipher=cipher)
    zhao = users.create({"username": "zhao", "display_name": "赵欣怡"}, "t")
    gao = users.create({"username": "gao", "display_name": "高刚", "manager": zhao}, "t")
    users.create({"username": "bo", "display_name": "Bo"}, "t")
    rows = [["客户名称", "负责人"], ["甲", "高刚"], ["乙", ""], ["丙", "Bo"], ["丁", "zhao"]]
    importer = Importer(store, cipher, actor="zhao", scope=Scope("zhao", team_only=True))
    record = run_import(
        importer, write_csv(tmp_path / "t.csv", rows), "customer", work_dir=tmp_path
    )
    assert record.counts["created"] == 3 and record.counts["failed"] == 1
    owners = {name: c.owner.uid for name, c in customers(store, cipher).items()}
    assert owners == {"甲": gao.uid, "乙": zhao.uid, "丁": zhao.uid}
    result = preview(importer, write_csv(tmp_path / "t2.csv", rows), "customer")
    assert [(e["column"], e["key"]) for e in result.rows[2].errors] == [
        ("负责人", "import_owner_not_in_team")
    ]


def test_two_rows_for_one_stored_record_the_second_repeats_the_first(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    """Both would be decided against the stored values (the second 'unchanged', the first
    winning silently); the second is flagged as repeating the first instead."""
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    made = repository.create({"name": "甲公司", "stage": "lost"}, "t")
    rows = [["编号", "名称", "阶段"], [made.uid, "甲公司", "意向"], [made.uid, "甲公司", "流失"]]
    path = write_csv(tmp_path / "two.csv", rows)
    options = ImportOptions(on_duplicate="update")
    result = preview(importer, path, "customer", options=options)
    assert [r.decision for r in result.rows] == ["update", "skip"]
    assert result.rows[1].duplicate is not None and result.rows[1].duplicate["line"] == 2
    record = run_import(importer, path, "customer", options=options, work_dir=tmp_path)
    assert record.counts["updated"] == 1 and record.counts["skipped"] == 1
    assert repository.get(made.uid).stage == "intent"


@pytest.mark.parametrize("placeholder", ["Not visible to you", "无权查看"])
def test_an_exports_placeholder_for_a_hidden_record_keeps_the_link(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path, placeholder: str
) -> None:
    """A salesperson's export shows another team's referrer as a placeholder; re-importing
    the file with update leaves that link as it is (like a blank cell), not a failed row."""
    users = NodeRepository(store, nodes.User, cipher=cipher)
    lina = users.create({"username": "lina", "display_name": "李娜"}, "t")
    bo = users.create({"username": "bo", "display_name": "Bo"}, "t")
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    theirs = repository.create({"name": "别队客户", "owner": bo}, "t")
    mine = repository.create({"name": "我的客户", "owner": lina, "referred_by": theirs}, "t")
    rows = [["编号", "名称", "推荐客户", "所属行业"], [mine.uid, "我的客户", placeholder, "物流"]]
    hidden = frozenset({"Not visible to you", "无权查看"})  # as views.scope gives them
    scope = Scope("lina", team_only=True)
    importer = Importer(store, cipher, actor="lina", scope=scope, hidden_texts=hidden)
    options = ImportOptions(on_duplicate="update")
    path = write_csv(tmp_path / "p.csv", rows)
    assert suggest_mapping("customer", rows[0]).columns["推荐客户"] == "referred_by"
    record = run_import(importer, path, "customer", options=options, work_dir=tmp_path)
    assert record.counts["updated"] == 1 and record.counts["failed"] == 0
    after = repository.get(mine.uid)
    assert after.industry == "物流" and after.referred_by.uid == theirs.uid


def test_mappings_are_saved_by_name(store: GraphStore) -> None:
    mapping = Mapping(
        "customer", {"公司": "name", "等级": "value_tier"}, {"value_tier": {"金牌": "A"}}
    )
    save_mapping(store, "销售部模板", mapping, "admin")
    loaded = load_mapping(store, "customer", "销售部模板")
    assert loaded is not None and loaded.as_dict() == mapping.as_dict()
    assert load_mapping(store, "contact", "销售部模板") is None


def test_value_mapping_of_a_saved_mapping_is_applied(importer: Importer, tmp_path: Path) -> None:
    rows = [["公司", "等级"], ["甲", "金牌"], ["乙", "重点"], ["丙", "钻石"]]
    mapping = Mapping(
        "customer", {"公司": "name", "等级": "value_tier"}, {"value_tier": {"金牌": "A"}}
    )
    result = preview(importer, write_csv(tmp_path / "v.csv", rows), "customer", mapping=mapping)
    assert [r.values.get("value_tier") for r in result.rows] == ["A", "A", None]
    assert result.rows[2].errors[0]["key"] == "choice" and result.rows[2].errors[0]["line"] == 4


def test_value_mapping_targets_are_read_as_choice_codes_or_labels() -> None:
    data = {
        "type": "customer",
        "columns": {"公司": "name", "类别": "stage"},
        "values": {"stage": {"老客户": "成交客户", "新": "Potential", "跟进": "intent"}},
    }
    mapping = Mapping.from_dict(data)
    assert mapping.values == {"stage": {"老客户": "deal", "新": "potential", "跟进": "intent"}}
    assert Mapping.from_dict(mapping.as_dict()).values == mapping.values
    for values, key in (
        ({"stage": {"老客户": "NOTASTAGE"}}, "import_mapping_choice"),
        ({"name": {"a": "b"}}, "import_mapping_values_field"),
        ({"nope": {"a": "b"}}, "import_mapping_values_field"),
    ):
        with pytest.raises(InvalidValue) as refused:
            Mapping.from_dict({**data, "values": values})
        assert refused.value.key == key


def test_the_more_telling_header_takes_the_contact_field() -> None:
    # 联系人手机 is the contact's mobile; 手机 beside it is the customer's own.
    headers = ["客户名称", "联系人", "手机", "联系人手机"]
    assert suggest_mapping("customer", headers).columns == {
        "客户名称": "name", "联系人": "contact.name", "手机": "phone", "联系人手机": "contact.phone",
    }  # fmt: skip
    # Alone, 手机 beside 联系人 is still the contact's.
    assert (
        suggest_mapping("customer", ["客户名称", "联系人", "手机"]).targets()["contact.phone"]
        == "手机"
    )
    # A repeated header (numbered by the reader) is not taken for a choice field by its values.
    sample = [["甲", "B"], ["乙", "A"], ["丙", "C"]]
    assert suggest_mapping("customer", ["客户名称", "客户名称 (2)"], sample).columns == {
        "客户名称": "name", "客户名称 (2)": None,
    }  # fmt: skip


def test_a_reader_who_sees_phones_masked_gets_no_phone_probe_of_stored_records(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    NodeRepository(store, nodes.Customer, cipher=cipher).create(
        {"name": "甲公司", "phone": "13800000031", "email": "jia@example.com"}, "setup"
    )
    rows = [["客户名称", "电话", "邮箱"], ["探测", "13800000031", ""], ["探测二", "", "jia@example.com"],
            ["探测三", "138 0000 0031", ""]]  # fmt: skip
    path = write_csv(tmp_path / "probe.csv", rows)
    masked = Importer(store, cipher, actor="mkt", scope=Scope(username="mkt", pii=False))
    result = preview(masked, path, "customer")
    # Stored phones and e-mails are not matched: no answer about a number typed in ...
    assert [r.decision for r in result.rows[:2]] == ["create", "create"]
    assert result.rows[0].duplicate is None and result.rows[1].duplicate is None
    # ... while the file's own rows still are (the third repeats the first's phone).
    assert result.rows[2].duplicate is not None and result.rows[2].duplicate["line"] == 2
    # A reader who sees phones gets the stored match.
    full = preview(
        Importer(store, cipher, actor="admin", scope=Scope.everything()), path, "customer"
    )
    assert [r.duplicate["key"] for r in full.rows] == ["phone", "email", "phone"]


def test_preview_shows_new_tags_as_to_be_created_and_writes_nothing(
    store: GraphStore, importer: Importer, tmp_path: Path
) -> None:
    rows = [["客户名称", "标签"], ["甲", "新标签|VIP"]]
    result = preview(importer, write_csv(tmp_path / "t.csv", rows), "customer")
    assert result.rows[0].errors == [] and result.rows[0].decision == "create"
    assert NodeRepository(store, nodes.Tag).count() == 0


def test_exported_file_edited_and_imported_with_update_changes_exactly_the_edited_records(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    made = [
        repository.create({"name": f"客户{i}", "region": "上海", "stage": "potential"}, "t")
        for i in range(3)
    ]
    # The list export's headers: the declared labels in the reader's language, ID first.
    rows = [["编号", "名称", "阶段", "地区"]] + [[c.uid, c.name, "潜在", "上海"] for c in made]
    rows[2][1], rows[2][2] = "客户1（改名）", "成交"
    path = write_csv(tmp_path / "export.csv", rows)
    record = run_import(
        importer, path, "customer", options=ImportOptions(on_duplicate="update"), work_dir=tmp_path
    )
    assert record.counts == {"read": 3, "created": 0, "updated": 1, "skipped": 2, "failed": 0}
    after = {c.uid: c for c in repository.page(limit=10)}
    assert after[made[1].uid].name == "客户1（改名）" and after[made[1].uid].stage == "deal"
    assert [after[c.uid].version for c in made] == [1, 2, 1]


def queued_import(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> tuple[ImportRecord, dict[str, str], Resources]:
    """An import of 30 customers in batches of 10 as its job finds it: its record, the
    job's parameters and resources."""
    rows = [["客户名称"]] + [[f"客户{i}"] for i in range(30)]
    path = write_csv(tmp_path / "c.csv", rows)
    record = start_import(importer, path, "customer", options=ImportOptions(batch_size=10))
    params = {"import_id": record.uid, "file_hash": record.file_hash, "actor": "admin"}
    return record, params, Resources(store, cipher, imports=tmp_path)


class CancelAtFirstBatch:
    """A job context whose cancel arrives after the first batch."""

    def progress(self, stage: str, done: int, total: int) -> None:
        raise JobCancelled("job")


def test_a_cancelled_import_job_stops_between_batches_and_can_be_resumed(
    store: GraphStore,
    cipher: FieldCipher,
    importer: Importer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record, params, resources = queued_import(store, cipher, importer, tmp_path)
    states: list[str] = []
    set_state = records.set_state

    def recorded(store: GraphStore, import_id: str, state: str, **props: object) -> bool:
        states.append(state)
        return set_state(store, import_id, state, **props)  # type: ignore[arg-type]

    monkeypatch.setattr(records, "set_state", recorded)
    monkeypatch.setattr("graph.jobs.catalog.set_state", recorded)
    with pytest.raises(JobCancelled):
        JOBS["import_run"].run(CancelAtFirstBatch(), resources, params)  # type: ignore[arg-type]
    stopped = records.get(store, record.uid)
    # Cancelled, never marked failed on the way (a list of imports showed it failed).
    assert (stopped.state, stopped.error) == (records.CANCELLED, "")
    assert records.FAILED not in states and states[-1] == records.CANCELLED
    assert len(customers(store, cipher)) == 10
    resumed = resume_import(importer, record.uid, work_dir=tmp_path)
    assert resumed.counts["created"] == 30 and len(customers(store, cipher)) == 30


class CancelAtTheEnd:
    """A job context whose cancel arrives with the last batch's progress."""

    def progress(self, stage: str, done: int, total: int) -> None:
        if done >= total:
            raise JobCancelled("job")


def test_a_cancel_that_comes_once_every_row_is_written_leaves_the_import_done(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    record, params, resources = queued_import(store, cipher, importer, tmp_path)
    with pytest.raises(JobCancelled):
        JOBS["import_run"].run(CancelAtTheEnd(), resources, params)  # type: ignore[arg-type]
    done = records.get(store, record.uid)
    assert (done.state, done.error, done.counts["created"]) == (records.DONE, "", 30)


def test_update_existing_changes_mapped_relations_and_undo_puts_them_back(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    users = NodeRepository(store, nodes.User, cipher=cipher)
    boss = users.create({"username": "boss", "display_name": "老板"}, "t")
    lina = users.create({"username": "lina", "display_name": "李娜"}, "t")
    channels = NodeRepository(store, nodes.Channel, cipher=cipher)
    fair, web = (channels.create({"name": n}, "t") for n in ("展会", "网络"))
    vip = NodeRepository(store, nodes.Tag, cipher=cipher).create({"name": "VIP"}, "t")
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    before = repository.create({"name": "甲公司", "region": "上海", "owner": boss.uid, "channel": fair.uid,
                                "tags": [vip.uid]}, "t")  # fmt: skip
    rows = [
        ["客户名称", "地区", "负责人", "来源渠道", "标签"],
        ["甲公司", "上海", "李娜", "网络", "VIP;重点"],
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    options = ImportOptions(on_duplicate="update")
    assert [r.decision for r in preview(importer, path, "customer", options=options).rows] == [
        "update"
    ]
    record = run_import(importer, path, "customer", options=options, work_dir=tmp_path)
    assert record.counts["updated"] == 1 and record.counts["created"] == 0
    after = repository.get(before.uid)
    assert after.owner.uid == lina.uid and after.channel.uid == web.uid
    assert sorted(str(t) for t in after.tags) == ["VIP", "重点"]
    assert after.version == before.version + 1
    (entry, *_) = repository.history(before.uid)
    changed = {c.field: (c.old, c.new) for c in entry.changes}
    assert changed == {
        "owner": ("老板", "李娜"),
        "channel": ("展会", "网络"),
        "tags": ("VIP", "VIP, 重点"),
    }
    # The same file again changes nothing: its one row is unchanged, not an update.
    shown = preview(importer, path, "customer", options=options)
    assert [r.decision for r in shown.rows] == ["unchanged"] and shown.counts["unchanged"] == 1
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert report.restored == 1 and report.conflicts == 0
    restored = repository.get(before.uid)
    assert restored.owner.uid == boss.uid and restored.channel.uid == fair.uid
    assert [str(t) for t in restored.tags] == ["VIP"]
    # 重点, which the import created for the update, went with it.
    assert [str(t.name) for t in NodeRepository(store, nodes.Tag).page(limit=10)] == ["VIP"]
    assert report.by_label == {"Tag": 1}
    (undone, *_) = repository.history(before.uid)
    assert {c.field: (c.old, c.new) for c in undone.changes}["owner"] == ("李娜", "老板")


def test_a_sales_update_leaves_the_owner_as_it_is(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    users = NodeRepository(store, nodes.User, cipher=cipher)
    lina = users.create({"username": "lina", "display_name": "李娜"}, "t")
    users.create({"username": "boss", "display_name": "老板"}, "t")
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    mine = repository.create({"name": "甲公司", "owner": lina.uid, "industry": "贸易"}, "t")
    rows = [["客户名称", "负责人", "所属行业"], ["甲公司", "老板", "物流"]]
    importer = Importer(store, cipher, actor="lina", scope=Scope("lina", team_only=True, pii=False))
    run_import(importer, write_csv(tmp_path / "s.csv", rows), "customer",
               options=ImportOptions(on_duplicate="update"), work_dir=tmp_path)  # fmt: skip
    after = repository.get(mine.uid)
    assert after.industry == "物流" and after.owner.uid == lina.uid


def test_unknown_owner_channel_or_tag_fails_the_row_naming_its_column(
    store: GraphStore, importer: Importer, tmp_path: Path
) -> None:
    rows = [
        ["客户名称", "负责人", "来源渠道"],
        ["甲公司", "无此人", ""],
        ["乙公司", "", "无此渠道"],
    ]
    shown = preview(importer, write_csv(tmp_path / "u.csv", rows), "customer",
                    options=ImportOptions(create_tags=False))  # fmt: skip
    errors = [(e["line"], e["column"], e["key"]) for r in shown.rows for e in r.errors]
    assert errors == [
        (2, "负责人", "import_not_found_named"),
        (3, "来源渠道", "import_not_found_named"),
    ]


def test_a_contact_of_the_same_name_at_the_same_customer_is_a_duplicate(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    companies = NodeRepository(store, nodes.Customer, cipher=cipher)
    first = companies.create({"name": "甲公司"}, "t")
    companies.create({"name": "乙公司"}, "t")
    contacts = NodeRepository(store, nodes.Contact, cipher=cipher)
    contacts.create({"name": "张伟", "customer": first.uid}, "t")
    rows = [
        ["联系人", "所属客户", "职位"],
        ["张 伟", "甲公司", "经理"],  # line 2: the same person (spaces do not count)
        ["张伟", "乙公司", ""],  # line 3: another company's 张伟
        ["李娜", "甲公司", ""],  # line 4: new
        ["李娜", "甲公司", ""],  # line 5: repeats line 4
    ]
    path = write_csv(tmp_path / "k.csv", rows)
    shown = preview(importer, path, "contact")
    assert [r.decision for r in shown.rows] == ["skip", "create", "create", "skip"]
    assert shown.rows[0].duplicate["key"] == "name" and shown.rows[0].duplicate["uid"]
    assert shown.rows[3].duplicate["line"] == 4
    record = run_import(importer, path, "contact", work_dir=tmp_path)
    assert record.counts["created"] == 2 and record.counts["skipped"] == 2
    assert contacts.count() == 3


@pytest.mark.parametrize("ending", ["\r\n", "\n", ""])
def test_progress_total_is_the_number_of_data_rows(
    importer: Importer, tmp_path: Path, ending: str
) -> None:
    path = tmp_path / "p.csv"
    path.write_text("客户名称,电话\n甲,13800000001\n乙,13800000002\n丙,13800000003" + ending)
    reported: list[tuple[int, int]] = []
    run_import(importer, path, "customer", work_dir=tmp_path,
               progress=lambda done, total: reported.append((done, total)))  # fmt: skip
    assert reported == [(3, 3)]


def test_the_records_a_batch_creates_share_one_history_entry_naming_the_import(
    store: GraphStore,
    cipher: FieldCipher,
    importer: Importer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = run_import(importer, write_csv(tmp_path / "c.csv", CHINESE_SHEET), "customer",
                        options=ImportOptions(batch_size=2), work_dir=tmp_path)  # fmt: skip
    assert record.counts["created"] == 3
    entries = store.read("import_change_list", import_id=record.uid, action="create", after="",
                         limit=100)  # fmt: skip
    # One per batch (2 rows, then 1), not one per record; the tags it created on demand
    # (VIP, 重点, 科技) have their own.
    batches = [e["c"] for e in entries if not e["c"].get("entity_uid")]
    assert len(batches) == 2
    assert sorted(e["c"]["entity"] for e in entries if e["c"].get("entity_uid")) == ["Tag"] * 3
    for model in (nodes.Customer, nodes.Contact):
        repository = NodeRepository(store, model, cipher=cipher)
        for created in repository.page(limit=100):
            (entry,) = repository.history(created.uid)
            assert (entry.action, entry.by, entry.import_id) == ("create", "admin", record.uid)
    # Undo reads each batch's records a page at a time.
    monkeypatch.setattr("graph.io.imports.undo.UNDO_BATCH", 1)
    report = undo_import(store, cipher, record.uid, actor="admin")
    assert report.by_label == {"Customer": 3, "Contact": 3, "Tag": 3}
    assert NodeRepository(store, nodes.Customer).count() == 0
    assert NodeRepository(store, nodes.Contact).count() == 0


def test_an_imported_record_edited_later_shows_its_import_and_the_edit_newest_first(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    record = run_import(importer, write_csv(tmp_path / "c.csv", CHINESE_SHEET), "customer",
                        work_dir=tmp_path)  # fmt: skip
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    imported = customers(store, cipher)["北京华信科技"]
    repository.update(imported, {"industry": "制造"}, "sales1")
    edit, created = repository.history(imported.uid)
    assert (edit.action, edit.by, edit.import_id) == ("update", "sales1", "")
    assert (created.action, created.import_id) == ("create", record.uid)


class RecordedProgress:
    """A job context keeping every progress report."""

    def __init__(self) -> None:
        self.reported: list[tuple[str, int, int]] = []

    def progress(self, stage: str, done: int, total: int) -> None:
        self.reported.append((stage, done, total))


def test_workbook_progress_total_is_the_sheets_rows_below_its_header(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    path = make_workbook(tmp_path / "客户.xlsx")  # title row, two header rows, two data rows
    assert open_table(path).last_line == 5
    record = start_import(importer, path, "customer", options=ImportOptions(batch_size=1))
    params = {"import_id": record.uid, "file_hash": record.file_hash, "actor": "admin"}
    context = RecordedProgress()
    JOBS["import_run"].run(context, Resources(store, cipher, imports=tmp_path), params)  # type: ignore[arg-type]
    assert context.reported == [("import", 1, 2), ("import", 2, 2)]
    reported: list[tuple[int, int]] = []
    book = xlsxwriter.Workbook(str(tmp_path / "lower.xlsx"))  # used cells start at B4
    sheet = book.add_worksheet("客户")
    sheet.write_row(3, 1, ["客户名称", "地区"])
    sheet.write_row(4, 1, ["甲公司", "杭州"])
    sheet.write_row(6, 1, ["乙公司", "苏州"])  # a blank row above it counts too: an estimate
    book.close()
    reported.clear()
    run_import(importer, tmp_path / "lower.xlsx", "customer", work_dir=tmp_path / "work",
               progress=lambda done, total: reported.append((done, total)))  # fmt: skip
    assert reported == [(2, 3)]


def test_undo_of_a_record_updated_by_two_batches_restores_its_values_before_the_import(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    users = NodeRepository(store, nodes.User, cipher=cipher)
    boss, lina, wang = (users.create({"username": u, "display_name": d}, "t")
                        for u, d in (("boss", "老板"), ("lina", "李娜"), ("wang", "王五")))  # fmt: skip
    repository = NodeRepository(store, nodes.Customer, cipher=cipher)
    before = repository.create(
        {"name": "甲公司", "region": "上海", "stage": "potential", "owner": boss.uid}, "t"
    )
    other = repository.create({"name": "乙公司", "region": "北京"}, "t")
    rows = [
        ["编号", "客户名称", "地区", "阶段", "负责人"],
        [before.uid, "甲公司", "杭州", "意向客户", "李娜"],  # batch 1
        [other.uid, "乙公司", "天津", "", ""],  # batch 2
        [before.uid, "甲公司（新）", "苏州", "成交客户", "王五"],  # batch 3: the same record
    ]
    reported: list[tuple[int, int]] = []
    record = run_import(importer, write_csv(tmp_path / "twice.csv", rows), "customer",
                        options=ImportOptions(on_duplicate="update", batch_size=1),
                        work_dir=tmp_path)  # fmt: skip
    assert record.counts["updated"] == 3
    changed = repository.get(before.uid)
    assert (changed.name, changed.region, changed.stage) == ("甲公司（新）", "苏州", "deal")
    assert changed.owner.uid == wang.uid
    report = undo_import(store, cipher, record.uid, actor="admin",
                         progress=lambda done, total: reported.append((done, total)))  # fmt: skip
    assert (report.restored, report.conflicts) == (2, 0)
    assert reported[-1] == (3, 3)
    after = repository.get(before.uid)
    assert (after.name, after.region, after.stage) == ("甲公司", "上海", "potential")
    assert after.owner.uid == boss.uid and lina.uid != boss.uid
    assert repository.get(other.uid).region == "北京"
    assert store.read("customer_count")[0]["count"] == 2


def test_a_sheet_starting_below_row_one_numbers_its_rows_as_excel_shows_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "offset.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.merge_range(3, 1, 3, 2, "联系人")  # B4:C4 over a second header row
    sheet.write_row(3, 3, ["客户名称"])
    sheet.write_row(4, 1, ["姓名", "手机"])
    sheet.write_row(5, 1, ["张伟", "13812345678", "甲公司"])
    sheet.write_row(7, 1, ["李娜", "13912345678", "乙公司"])
    book.close()
    table = open_table(path)
    assert table.headers == ["联系人 姓名", "联系人 手机", "客户名称"]
    assert [(row.line, row.cells[0]) for row in table.rows()] == [(6, "张伟"), (8, "李娜")]
    assert table.last_line == 8


def test_a_blank_cell_gives_the_created_record_and_contact_no_such_property(
    store: GraphStore, cipher: FieldCipher, importer: Importer, tmp_path: Path
) -> None:
    # One batch, two shapes of row: the statement gives every record the batch's columns,
    # and a blank one must leave the property out (not stored as null or "").
    rows = [
        ["客户名称", "邮箱", "地区", "联系人", "手机", "职位"],
        ["甲公司", "a@jia.cn", "上海", "张伟", "13800000001", "经理"],
        ["乙公司", "", "", "李娜", "", ""],
    ]
    record = run_import(
        importer, write_csv(tmp_path / "b.csv", rows), "customer", work_dir=tmp_path
    )
    assert record.counts["created"] == 2

    def stored(label: str, uids: list[str]) -> dict[str, dict[str, object]]:
        statement = render(store.cypher.get("import_list_nodes"), Label=label)
        return {row["n"]["name"]: dict(row["n"]) for row in store.read(statement, uids=uids)}

    found = customers(store, cipher)
    records_ = stored("Customer", [found[name].uid for name in ("甲公司", "乙公司")])  # type: ignore[attr-defined]
    assert {"email", "email_bidx", "region"} <= records_["甲公司"].keys()
    assert not {"email", "email_bidx", "region"} & records_["乙公司"].keys()
    assert records_["乙公司"]["import_id"] == record.uid and records_["乙公司"]["version"] == 1
    people = NodeRepository(store, nodes.Contact, cipher=cipher).page(limit=10)
    contacts = stored("Contact", [p.uid for p in people])  # type: ignore[attr-defined]
    assert {"phone", "phone_bidx", "title"} <= contacts["张伟"].keys()
    assert not {"phone", "phone_bidx", "title"} & contacts["李娜"].keys()
