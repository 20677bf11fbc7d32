"""Every CSV export goes through one writer (graph/io/csv_writer.py): formulas defused, UTF-8
with a byte-order mark, labels instead of codes, and a readable file name."""

from __future__ import annotations

import csv
import io

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from graph.io.csv_writer import BOM, Column, content_disposition, csv_lines, safe_cell
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.segments.rules import parse_rules
from graph.segments.storage import create_segment
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

HOSTILE = ("=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx")


def rows_of(response: TestResponse) -> list[list[str]]:
    """The response's CSV rows, after checking it is UTF-8 text starting with a BOM."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (row, cell)


def test_writer_defuses_formulas_and_writes_labels() -> None:
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    assert (safe_cell(-5), safe_cell(True), safe_cell(None)) == ("-5", "true", "")
    columns = [Column("stage", "Stage", {"deal": "Deal"}), Column("name", "Name")]
    text = "".join(csv_lines(columns, [{"stage": "deal", "name": "=1+1"}], chunk=1))
    assert text == BOM + "Stage,Name\r\nDeal,'=1+1\r\n"
    header = content_disposition("分群-VIP-20260102-0304.csv")
    assert header.startswith('attachment; filename="__-VIP-20260102-0304.csv"; ')
    assert "filename*=UTF-8''%E5%88%86%E7%BE%A4-VIP" in header


def test_segment_export_is_formula_safe_labelled_and_named_after_the_segment(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    customers = NodeRepository(store, nodes.Customer)
    for name in HOSTILE:
        customers.create({"name": name, "stage": "deal", "region": "=cmd|' /C calc'!A0"}, "t")
    deals = parse_rules([{"field": "stage", "op": "in", "value": ["deal"]}])
    segment = create_segment(store, "大客户 VIP", "", deals, "t")
    login(client)
    response = client.get(f"/segments/export/{segment.uid}")
    rows = rows_of(response)
    assert rows[0][:3] == ["ID", "Name", "Stage"] and "Owner" in rows[0]
    assert len(rows) == 1 + len(HOSTILE) and {row[2] for row in rows[1:]} == {"Deal"}
    no_formula(rows)
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''segment-%E5%A4%A7%E5%AE%A2%E6%88%B7%20VIP-" in disposition
    chinese = rows_of(client.get(f"/segments/export/{segment.uid}?_l_=zh"))
    assert chinese[0][:3] == ["编号", "名称", "阶段"] and chinese[1][2] == "成交"


def test_audit_export_is_formula_safe_labelled_and_named(app: Flask, client: FlaskClient) -> None:
    client.environ_base["REMOTE_ADDR"] = "10.31.0.1"
    login(client, "@SUM(1)", "Whatever-123")
    client.environ_base["REMOTE_ADDR"] = "10.31.0.2"
    login(client)
    response = client.get("/auditevent/csv/?_flt_3_username=%40SUM(1)")
    rows = rows_of(response)
    assert rows[0][:3] == ["No.", "Time", "User"]
    assert rows[1:] and all(row[2] == "'@SUM(1)" for row in rows[1:])
    no_formula(rows)
    assert 'filename="audit-log-' in response.headers["Content-Disposition"]


def test_console_export_is_formula_safe_and_named(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    staff(app, store, "analyst", "Analyst")
    headers = bearer(client, "analyst", PASSWORD)
    query = {"query": "UNWIND $v AS x RETURN x AS value, 1 AS n", "params": {"v": list(HOSTILE)}}
    response = client.post("/api/v1/console/csv", json=query, headers=headers)
    rows = rows_of(response)
    assert rows[0] == ["value", "n"] and len(rows) == 1 + len(HOSTILE)
    no_formula(rows)
    assert 'filename="console-result-' in response.headers["Content-Disposition"]
