# ruff: noqa: E501  (command lines read better unwrapped)
"""``graphcrm import run`` and ``graphcrm import undo`` on the real graph."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from flask import Flask

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_import_referrals import linked

ROWS = [
    ["客户名称", "联系人", "手机", "客户类型", "标签"],
    ["上海明辉贸易", "张伟", "13812345678", "意向客户", "VIP;重点"],
    ["北京华信科技", "李娜", "13912345678", "成交客户", ""],
    ["广州好运来", "王芳", "12345", "潜在客户", ""],
]


def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "客户.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(ROWS)
    return path


def test_cli_import_prints_mapping_progress_summary_and_id_then_undo_reverses_it(
    app: Flask, store: GraphStore, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["graphcrm", "import", "run", str(sheet(tmp_path)), "--type", "customer"]
    )
    assert result.exit_code == 0, result.output
    assert "客户类型 -> stage (Stage / 阶段) [by its values]" in result.output
    assert "手机 -> contact.phone" in result.output
    assert "rows read: 3, created: 2, updated: 0, skipped: 0, failed: 1" in result.output
    assert "Line 4, column 手机: Not a valid phone number." in (
        next(
            Path(line.split(": ", 1)[1])
            for line in result.output.splitlines()
            if line.startswith("failing rows")
        ).read_text(encoding="utf-8-sig")
    )
    import_id = result.output.strip().splitlines()[-1].removeprefix("import id: ")
    assert NodeRepository(store, nodes.Customer).count() == 2
    again = runner.invoke(
        args=["graphcrm", "import", "run", str(sheet(tmp_path)), "--type", "customer"]
    )
    assert "created: 0, updated: 0, skipped: 2, failed: 1" in again.output
    undone = runner.invoke(args=["graphcrm", "import", "undo", import_id, "--yes"])
    assert undone.exit_code == 0, undone.output
    # Two customers, their contacts and the two tags the import created for them.
    assert "6 records deleted" in undone.output
    assert NodeRepository(store, nodes.Customer).count() == 0
    assert NodeRepository(store, nodes.Tag).count() == 0


def test_cli_dry_run_writes_nothing_and_mapping_file_is_used(
    app: Flask, store: GraphStore, tmp_path: Path
) -> None:
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"type": "customer", "columns": {"客户名称": "name"}}))
    result = app.test_cli_runner().invoke(
        args=[
            "graphcrm",
            "import",
            "run",
            str(sheet(tmp_path)),
            "--type",
            "customer",
            "--mapping",
            str(mapping),
            "--dry-run",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "column mapping" not in result.output
    assert "rows read: 3, created: 3, updated: 0, skipped: 0, failed: 0 (dry run" in result.output
    assert "import id" not in result.output
    assert NodeRepository(store, nodes.Customer).count() == 0


def test_cli_refuses_a_bad_mapping_with_a_message(app: Flask, tmp_path: Path) -> None:
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"type": "customer", "columns": {"客户名称": "nonsense"}}))
    result = app.test_cli_runner().invoke(
        args=[
            "graphcrm",
            "import",
            "run",
            str(sheet(tmp_path)),
            "--type",
            "customer",
            "--mapping",
            str(mapping),
        ]
    )
    assert result.exit_code == 1
    assert (
        "The column mapping names a field this import type does not have: “nonsense”."
        in result.output
    )


def test_cli_names_what_is_wrong_with_the_mapping_files(
    app: Flask, store: GraphStore, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    command = ["graphcrm", "import", "run", str(sheet(tmp_path)), "--type", "customer"]
    not_json = tmp_path / "m.json"
    not_json.write_text("客户名称 -> name\n", encoding="utf-8")
    result = runner.invoke(args=[*command, "--mapping", str(not_json)])
    assert result.exit_code == 1
    assert (
        f"{not_json} is not a JSON mapping file: Expecting value (line 1, column 1)"
        in result.output
    )
    other_type = tmp_path / "order.json"
    other_type.write_text(json.dumps({"type": "order", "columns": {"客户名称": "customer"}}))
    result = runner.invoke(args=[*command, "--mapping", str(other_type)])
    assert result.exit_code == 1
    assert f"{other_type}: This column mapping is for another import type." in result.output
    twice = tmp_path / "twice.json"
    twice.write_text(
        json.dumps({"type": "customer", "columns": {"客户名称": "name", "手机": "name"}})
    )
    result = runner.invoke(args=[*command, "--mapping", str(twice)])
    assert result.exit_code == 1 and "all fill the field “name”" in result.output
    nowhere = tmp_path / "missing" / "m.json"
    result = runner.invoke(args=[*command, "--save-mapping", str(nowhere)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"cannot write the mapping to {nowhere}: No such file or directory" in result.output
    # Refused before anything was written.
    assert NodeRepository(store, nodes.Customer).count() == 0


def test_cli_imports_referral_links_and_undo_removes_them(
    app: Flask, store: GraphStore, tmp_path: Path
) -> None:
    customers = NodeRepository(store, nodes.Customer)
    first = customers.create({"name": "甲公司"}, "t")
    second = customers.create({"name": "乙公司"}, "t")
    path = tmp_path / "推荐.csv"
    path.write_text("推荐人,被推荐人\n甲公司,乙公司\n无名氏,乙公司\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["graphcrm", "import", "run", str(path), "--type", "referral"])
    assert result.exit_code == 0, result.output
    assert "推荐人 -> referrer (Referrer / 推荐人)" in result.output
    assert "rows read: 2, created: 1, updated: 0, skipped: 0, failed: 1" in result.output
    assert linked(store, first.uid or "", second.uid or "")
    import_id = result.output.strip().splitlines()[-1].removeprefix("import id: ")
    undone = runner.invoke(args=["graphcrm", "import", "undo", import_id, "--yes"])
    assert undone.exit_code == 0, undone.output
    assert "1 links removed" in undone.output
    assert not linked(store, first.uid or "", second.uid or "")
    assert customers.count() == 2


def test_cli_undo_deletes_a_customer_the_import_created_then_updated_and_keeps_one_edited_since(
    app: Flask, store: GraphStore, tmp_path: Path
) -> None:
    """Two rows of one customer in two batches: the second updates what the first created,
    and undo deletes it like the import's other creations; a customer someone edited after
    the import stays, counted."""
    path = tmp_path / "twice.csv"
    path.write_text(
        "客户名称,手机,地区\n甲公司,13812345678,上海\n甲公司,13812345678,杭州\n乙公司,13912345678,北京\n",
        encoding="utf-8",
    )
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "graphcrm",
            "import",
            "run",
            str(path),
            "--type",
            "customer",
            "--on-duplicate",
            "update",
            "--batch-size",
            "1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "rows read: 3, created: 2, updated: 1, skipped: 0, failed: 0" in result.output
    import_id = result.output.strip().splitlines()[-1].removeprefix("import id: ")
    customers = NodeRepository(store, nodes.Customer)
    (second,) = (c for c in customers.page(limit=10) if c.name == "乙公司")
    customers.update(second, {"note": "已电话确认"}, "sales1")
    undone = runner.invoke(args=["graphcrm", "import", "undo", import_id, "--yes"])
    assert undone.exit_code == 0, undone.output
    assert (
        "1 records deleted, 0 restored, 0 links removed, 1 changed since the import and kept as they are"
        in undone.output
    )
    assert [c.name for c in customers.page(limit=10)] == ["乙公司"]
