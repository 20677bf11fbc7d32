"""An import that updates records never overwrites a change someone made that its user did
not see: not one made after the export the file came from (its Version column), nor one
made after the preview the user saw (or, without one, after the import started). Such
rows fail into the failing-rows file; the change is kept."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.io.csv_writer import Column
from graph.io.export import ListExport, export_fields, write_file
from graph.io.imports.engine import Importer, ImportOptions, preview, run_import
from graph.io.imports.error_rows import failing_rows
from graph.io.imports.undo import undo_import
from graph.model import nodes
from graph.model.base import NodeModel
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher
from graph.security.scope import Scope
from graph.store.protocol import GraphStore

BASE = dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC)
UPDATE = ImportOptions(on_duplicate="update")


def at(minutes: int) -> Callable[[], dt.datetime]:
    """A clock stopped ``minutes`` after BASE."""
    return lambda: BASE + dt.timedelta(minutes=minutes)


def customers(store: GraphStore, cipher: FieldCipher, minutes: int = 0) -> NodeRepository:
    """The customers' repository, its edits stamped ``minutes`` after BASE."""
    return NodeRepository(store, nodes.Customer, cipher=cipher, clock=at(minutes))


def importer(store: GraphStore, cipher: FieldCipher, clock: Callable[[], dt.datetime]) -> Importer:
    return Importer(store, cipher, actor="admin", scope=Scope.everything(), clock=clock)


def exported(store: GraphStore, cipher: FieldCipher, path: Path, model: type[NodeModel]) -> list:
    """The list export of ``model`` as a Chinese reader downloads it (CSV), read back as
    rows: the file a user edits in Excel."""
    labels = {"uid": "编号", "version": "版本"}
    labels.update({item.name: item.zh for item in model.meta.props + model.meta.rels})
    columns = []
    for name in export_fields(model):
        prop = model.meta.prop(name)
        choices = {c.value: c.zh for c in prop.choices} if prop is not None else {}
        columns.append(Column(name, labels[name], choices))
    export = ListExport(
        label=model.label,
        format="csv",
        columns=tuple(columns),
        order="name",
        scope=Scope.everything(),
        timezone="Asia/Shanghai",
    )
    write_file(NodeRepository(store, model, cipher=cipher), export, path)
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def errors_of(work_dir: Path, import_id: str) -> dict[int, list[tuple[str, str, dict[str, Any]]]]:
    """The failing rows file's rows: line -> [(column, message key, params)]."""
    return {
        row["line"]: [(e["column"], e["key"], e["params"]) for e in row["errors"]]
        for row in failing_rows(work_dir, import_id)
    }


def test_list_exports_write_the_records_version_after_their_id(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    repository = customers(store, cipher)
    made = repository.create({"name": "甲公司", "stage": "potential"}, "setup")
    repository.update(made, {"stage": "intent"}, "setup")
    rows = exported(store, cipher, tmp_path / "customers.csv", nodes.Customer)
    assert rows[0][:3] == ["编号", "版本", "名称"]
    assert rows[1][:3] == [made.uid, "2", "甲公司"]
    for model in (nodes.Contact, nodes.FollowUp, nodes.Order, nodes.Ticket, nodes.Tag):
        assert export_fields(model)[:2] == ["uid", "version"]


def test_a_row_of_an_export_older_than_a_hand_edit_fails_and_the_hand_edit_is_kept(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    """The tester's C20261110001: export, a salesperson changes the industry by hand, the
    admin changes only the stage in the file and imports with update."""
    made = customers(store, cipher).create(
        {"name": "甲公司", "region": "上海", "industry": "贸易", "stage": "potential"}, "setup"
    )
    other = customers(store, cipher).create(
        {"name": "乙公司", "region": "北京", "industry": "软件", "stage": "potential"}, "setup"
    )
    rows = exported(store, cipher, tmp_path / "export.csv", nodes.Customer)
    header = rows[0]
    stored = customers(store, cipher, 20).get(made.uid)
    customers(store, cipher, 20).update(stored, {"industry": "物流"}, "li_sales")
    for row in rows[1:]:
        row[header.index("阶段")] = "成交"  # the admin's edit, on both rows
    path = write_rows(tmp_path / "edited.csv", rows)
    # The preview says so already.
    shown = preview(importer(store, cipher, at(25)), path, "customer", options=UPDATE)
    said = {row.values["name"]: row for row in shown.rows}
    assert said["甲公司"].decision == "error" and said["乙公司"].decision == "update"
    assert [(e["column"], e["key"]) for e in said["甲公司"].errors] == [
        ("版本", "import_changed_since_export")
    ]
    record = run_import(
        importer(store, cipher, at(30)), path, "customer", options=UPDATE, work_dir=tmp_path
    )
    assert record.counts == {"read": 2, "created": 0, "updated": 1, "skipped": 0, "failed": 1}
    kept = customers(store, cipher).get(made.uid)
    assert (kept.industry, kept.stage, kept.version) == ("物流", "potential", 2)
    assert customers(store, cipher).get(other.uid).stage == "deal"
    line = 1 + next(i for i, row in enumerate(rows[1:], 1) if row[0] == made.uid)
    # Who changed it and when, in business time (the importer's, UTC here).
    by = {"by": "li_sales", "at": "2026-11-10 01:20"}
    assert errors_of(tmp_path, record.uid) == {line: [("版本", "import_changed_since_export", by)]}
    # Cleared, the Version cell no longer guards the row: the file's values are written.
    rows[line - 1][header.index("版本")] = ""
    again = run_import(
        importer(store, cipher, at(40)),
        write_rows(tmp_path / "cleared.csv", rows),
        "customer",
        options=UPDATE,
        work_dir=tmp_path,
    )
    assert again.counts["updated"] == 1 and again.counts["failed"] == 0
    overwritten = customers(store, cipher).get(made.uid)
    assert (overwritten.industry, overwritten.stage) == ("贸易", "deal")


def test_a_file_without_a_version_column_updates_as_before(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    """A colleague's spreadsheet (no Version column) is matched and written as before."""
    made = customers(store, cipher).create(
        {"name": "甲公司", "region": "上海", "industry": "贸易"}, "setup"
    )
    stored = customers(store, cipher, 20).get(made.uid)
    customers(store, cipher, 20).update(stored, {"industry": "物流"}, "li_sales")
    rows = [["编号", "名称", "行业", "阶段"], [made.uid, "甲公司", "贸易", "成交"]]
    record = run_import(
        importer(store, cipher, at(30)),
        write_rows(tmp_path / "theirs.csv", rows),
        "customer",
        options=UPDATE,
        work_dir=tmp_path,
    )
    assert record.counts["updated"] == 1 and record.counts["failed"] == 0
    after = customers(store, cipher).get(made.uid)
    assert (after.industry, after.stage, after.version) == ("贸易", "deal", 3)


def test_an_untouched_export_imported_with_update_changes_nothing(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    users = NodeRepository(store, nodes.User, cipher=cipher)
    lina = users.create({"username": "lina", "display_name": "李娜"}, "setup")
    tag = NodeRepository(store, nodes.Tag, cipher=cipher).create({"name": "VIP"}, "setup")
    repository = customers(store, cipher)
    made = [
        repository.create(
            {
                "name": f"客户{i}",
                "kind": "company",
                "status": "active",
                "region": "上海",
                "stage": "deal",
                "industry": "贸易",
                "phone": f"+86138000000{i:02d}",
                "owner": lina.uid,
                "tags": [tag.uid],
            },
            "setup",
        )  # fmt: skip
        for i in range(3)
    ]
    repository.update(made[0], {"note": "改过一次"}, "setup")
    path = tmp_path / "export.csv"
    exported(store, cipher, path, nodes.Customer)
    record = run_import(
        importer(store, cipher, at(30)), path, "customer", options=UPDATE, work_dir=tmp_path
    )
    assert record.counts == {"read": 3, "created": 0, "updated": 0, "skipped": 3, "failed": 0}
    assert [repository.get(c.uid).version for c in made] == [2, 1, 1]


def test_a_record_changed_after_the_preview_is_not_overwritten_by_the_commit(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    """The preview is made (record at its version), a colleague sets the stage and a note
    by hand, then the admin commits with the preview's time."""
    made = customers(store, cipher).create({"name": "甲公司", "stage": "potential"}, "setup")
    other = customers(store, cipher).create({"name": "乙公司", "stage": "potential"}, "setup")
    rows = [
        ["编号", "名称", "阶段", "备注"],
        [made.uid, "甲公司", "成交", "文件里的备注"],
        [other.uid, "乙公司", "成交", ""],
    ]
    path = write_rows(tmp_path / "file.csv", rows)
    shown = preview(importer(store, cipher, at(10)), path, "customer", options=UPDATE)
    assert shown.previewed_at == "2026-11-10T01:10:00Z"
    assert [row.decision for row in shown.rows] == ["update", "update"]
    stored = customers(store, cipher).get(made.uid)
    customers(store, cipher, 20).update(stored, {"stage": "intent", "note": "客户来电"}, "wang")
    options = ImportOptions(on_duplicate="update", previewed_at=shown.previewed_at)
    record = run_import(
        importer(store, cipher, at(30)), path, "customer", options=options, work_dir=tmp_path
    )
    assert record.counts["updated"] == 1 and record.counts["failed"] == 1
    kept = customers(store, cipher).get(made.uid)
    assert (kept.stage, kept.note, kept.version) == ("intent", "客户来电", 2)
    assert customers(store, cipher).get(other.uid).stage == "deal"
    by = {"by": "wang", "at": "2026-11-10 01:20"}
    assert errors_of(tmp_path, record.uid) == {2: [("", "import_changed_after_preview", by)]}
    # Without a preview's time (the CLI) the import's start counts: the change was older.
    plain = run_import(
        importer(store, cipher, at(40)), path, "customer", options=UPDATE, work_dir=tmp_path
    )
    assert plain.counts["updated"] == 1 and plain.counts["failed"] == 0
    overwritten = customers(store, cipher).get(made.uid)
    assert (overwritten.stage, overwritten.note) == ("deal", "文件里的备注")


def test_a_record_changed_while_the_import_runs_is_not_overwritten(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    """Without a preview (the CLI's import) its start counts; the import's own changes,
    made earlier in the same run, are no conflict: a record two rows name, or one it
    created in an earlier batch."""
    twice = customers(store, cipher).create({"name": "甲公司", "stage": "potential"}, "setup")
    touched = customers(store, cipher).create({"name": "乙公司", "stage": "potential"}, "setup")
    rows = [
        ["编号", "名称", "地区", "阶段"],
        [twice.uid, "甲公司", "上海", "意向客户"],  # batch 1
        ["", "丙公司", "北京", "潜在客户"],  # batch 2: created
        [twice.uid, "甲公司", "苏州", "成交客户"],  # batch 3: the same record again
        ["", "丙公司", "北京", "成交客户"],  # batch 4: the record batch 2 created
        [touched.uid, "乙公司", "", "成交客户"],  # batch 5: changed by hand meanwhile
    ]
    path = write_rows(tmp_path / "run.csv", rows)
    stored = customers(store, cipher).get(touched.uid)

    def clock() -> dt.datetime:
        now = next(readings)
        if now == BASE + dt.timedelta(minutes=33):  # while batch 3 is read
            customers(store, cipher, 33).update(stored, {"note": "刚改"}, "wang")
        return now

    readings = iter(BASE + dt.timedelta(minutes=m) for m in range(30, 100))
    record = run_import(
        importer(store, cipher, clock),
        path,
        "customer",
        options=ImportOptions(on_duplicate="update", batch_size=1),
        work_dir=tmp_path,
    )
    assert record.counts == {"read": 5, "created": 1, "updated": 3, "skipped": 0, "failed": 1}
    after = {c.name: c for c in customers(store, cipher).page(limit=10)}
    assert (after["甲公司"].region, after["甲公司"].stage) == ("苏州", "deal")
    assert after["丙公司"].stage == "deal"
    assert (after["乙公司"].stage, after["乙公司"].note) == ("potential", "刚改")
    (error,) = errors_of(tmp_path, record.uid)[6]
    assert error[:2] == ("", "import_changed_after_preview") and error[2]["by"] == "wang"


def test_undo_keeps_a_record_edited_by_hand_after_the_import(
    store: GraphStore, cipher: FieldCipher, tmp_path: Path
) -> None:
    made = customers(store, cipher).create({"name": "甲公司", "stage": "potential"}, "setup")
    other = customers(store, cipher).create({"name": "乙公司", "stage": "potential"}, "setup")
    rows = [["编号", "名称", "阶段"], [made.uid, "甲公司", "成交"], [other.uid, "乙公司", "成交"]]
    record = run_import(
        importer(store, cipher, at(10)),
        write_rows(tmp_path / "u.csv", rows),
        "customer",
        options=UPDATE,
        work_dir=tmp_path,
    )
    assert record.counts["updated"] == 2
    imported = customers(store, cipher).get(made.uid)
    customers(store, cipher, 20).update(imported, {"note": "导入后手改"}, "wang")
    report = undo_import(store, cipher, record.uid, actor="admin", clock=at(30))
    assert (report.restored, report.conflicts) == (1, 1)
    kept = customers(store, cipher).get(made.uid)
    assert (kept.stage, kept.note) == ("deal", "导入后手改")
    assert customers(store, cipher).get(other.uid).stage == "potential"
