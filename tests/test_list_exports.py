"""List exports (CSV and XLSX) from the list page and ``GET /api/v1/<type>/export``: the
list's filters and order, the reader's rows only, personal data masked as the list shows
it, headers the declared labels in the reader's language, formulas defused, one audit
event each, large lists as a job whose file only its requester downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import prison
import pytest
from flask import Flask
from flask.testing import FlaskClient
from python_calamine import CalamineWorkbook

from graph.io.csv_writer import BOM, Column
from graph.io.xlsx_writer import write_xlsx
from graph.model import nodes
from graph.model.records import Record
from graph.records.filters import Condition
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.jobs_helpers import running_worker, settle, wait_for
from tests.test_audit import events_after, latest_id
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(data: bytes) -> list[list[Any]]:
    """The first sheet of an XLSX file, read back with python-calamine."""
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(0).to_python()


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def team(app: Flask, store: GraphStore) -> dict[str, Record]:
    """Ana (Sales) with three customers, Bo (Sales) with one, an analyst (masked)."""
    ana = staff(app, store, "ana", "Sales")
    bo = staff(app, store, "bo", "Sales")
    staff(app, store, "analyst", "Analyst")
    customers = NodeRepository(store, nodes.Customer)
    made = {
        "a1": customers.create(
            {
                "name": "Alpha 甲",
                "stage": "deal",
                "owner": ana,
                "phone": "+8613812345678",
                "region": "上海",
            },
            "setup",
        ),  # fmt: skip
        "a2": customers.create(
            {"name": '=HYPERLINK("x")', "stage": "deal", "owner": ana, "region": "北京"},
            "setup",
        ),
        "a3": customers.create({"name": "Gamma", "stage": "lost", "owner": ana}, "setup"),
        "b1": customers.create({"name": "Bo's deal", "stage": "deal", "owner": bo}, "setup"),
    }
    return made


def q(**args: Any) -> str:
    return prison.dumps(args)


def test_batches_page_every_row_once_in_the_list_order(store: GraphStore) -> None:
    customers = NodeRepository(store, nodes.Customer)
    for index, region in enumerate(["b", None, "a", "b", None, "c", "a"]):
        customers.create({"name": f"K{index}", "region": region}, "setup")
    for direction in ("asc", "desc"):
        expected = [r.uid for r in customers.page(order="region", direction=direction, limit=50)]
        batched = [
            r.uid
            for batch in customers.batches(order="region", direction=direction, size=2)
            for r in batch
        ]
        assert batched == expected and len(expected) == 7
    only_a = customers.batches([Condition("region", "eq", "a")], order="name", size=1)
    assert [r.name for batch in only_a for r in batch] == ["K2", "K6"]


def test_xlsx_writer_writes_text_as_string_cells_keeps_numbers_and_dates(tmp_path: Path) -> None:
    columns = [Column("stage", "阶段", {"deal": "成交"}), Column("name", "Name"),
               Column("amount", "Amount"), Column("at", "Time"),
               Column("phone", "+Phone")]  # fmt: skip
    at = dt.datetime(2026, 1, 2, 11, 4, 5)
    rows = [{"stage": "deal", "name": "=1+1", "amount": -12.5, "at": at,
             "phone": "+8613812345678"},
            {"stage": None, "name": "@SUM(A1)", "amount": None, "at": None,
             "phone": "-1"}]  # fmt: skip
    path = tmp_path / "out.xlsx"
    assert write_xlsx(columns, rows, path, sheet="客户: [all]") == 2
    read = sheet_rows(path.read_bytes())
    # The value itself, no apostrophe (Excel would show it as part of the text) ...
    assert read[0] == ["阶段", "Name", "Amount", "Time", "+Phone"]
    assert read[1] == ["成交", "=1+1", -12.5, at, "+8613812345678"]
    assert read[2][1] == "@SUM(A1)" and read[2][4] == "-1"
    # ... in string cells: the workbook holds no formula.
    assert formulas(path.read_bytes()) == 0
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["客户   all"]
    # More rows than a sheet holds continue on another sheet, under the same header.
    write_xlsx(columns[:2], [{"name": str(i)} for i in range(5)], path, max_rows=3)
    book = CalamineWorkbook.from_path(str(path))
    assert len(book.sheet_names) == 3
    assert book.get_sheet_by_index(2).to_python() == [["阶段", "Name"], ["", "4"]]


def formulas(data: bytes) -> int:
    """How many cells of an XLSX file hold a formula (``<f>`` elements of its sheets)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        return sum(len(re.findall(rb"<f[ >]", book.read(name))) for name in sheets)


def test_every_types_xlsx_export_holds_values_without_the_csvs_apostrophe(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    token = bearer(client)

    def made(label: str, body: dict[str, Any]) -> str:
        response = client.post(f"/api/v1/{label}/", headers=token, json=body)
        assert response.status_code == 201, (label, response.get_data(as_text=True))
        return str(response.json["id"])

    customer = made("customer", {"name": "=客户", "stage": "deal", "phone": "13812345678"})
    values = {  # label -> (body, the column that starts like a formula, its stored value)
        "customer": (None, "Phone", "+8613812345678"),
        "contact": ({"name": "张伟", "phone": "13912345678", "customer": customer}, "Phone",
                    "+8613912345678"),
        "referrer": ({"name": "老王", "phone": "+1 415-555-2671"}, "Phone", "+14155552671"),
        "channel": ({"name": "-渠道"}, "Name", "-渠道"),
        "tag": ({"name": "@标签"}, "Name", "@标签"),
        "followup": ({"customer": customer, "method": "phone", "summary": "=1+1"}, "Summary",
                     "=1+1"),
        "order": ({"customer": customer, "product": "+产品", "amount": 1}, "Product", "+产品"),
        "ticket": ({"customer": customer, "subject": "-1 投诉", "status": "open"}, "Subject",
                   "-1 投诉"),
    }  # fmt: skip
    for label, (body, column, value) in values.items():
        if body is not None:
            made(label, body)
        xlsx = client.get(f"/api/v1/{label}/export?format=xlsx", headers=token)
        assert xlsx.status_code == 200 and xlsx.mimetype == XLSX, label
        sheet = sheet_rows(xlsx.data)
        cells = [row[sheet[0].index(column)] for row in sheet[1:]]
        assert cells == [value], (label, cells)
        assert formulas(xlsx.data) == 0, label
        assert not any(
            str(cell).startswith("'") for row in sheet for cell in row
        ), (label, sheet)  # fmt: skip
        # The CSV keeps its guard: a spreadsheet reads a CSV's text as it would a typed one.
        text = csv_rows(client.get(f"/api/v1/{label}/export?format=csv", headers=token).data)
        assert [row[text[0].index(column)] for row in text[1:]] == ["'" + value], label


def test_rest_export_keeps_filters_order_and_shows_labels_in_the_readers_language(
    app: Flask, client: FlaskClient, team: dict[str, Record]
) -> None:
    token = bearer(client, "ana", PASSWORD)
    args = q(filters=[{"col": "stage", "opr": "eq", "value": "deal"}],
             order_column="name", order_direction="desc")  # fmt: skip
    response = client.get(f"/api/v1/customer/export?format=csv&q={args}", headers=token)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "filename*=UTF-8''Customers-" in response.headers["Content-Disposition"]
    rows = csv_rows(response.data)
    header = rows[0]
    assert header[:5] == ["ID", "Version", "Name", "Kind", "Stage"]
    assert "Owner" in header and "Tags" in header
    names = [row[header.index("Name")] for row in rows[1:]]
    # Ana's deals only (Bo's is out of her sight), by name descending; formula defused.
    assert names == ["Alpha 甲", '\'=HYPERLINK("x")']
    assert {row[header.index("Stage")] for row in rows[1:]} == {"Deal"}
    # By name: the owner's title ("ana Test" when the account was mirrored, "ana" when an
    # earlier test left the account and the fixture made the User node itself).
    assert {row[header.index("Owner")] for row in rows[1:]} == {str(team["a1"].owner)}
    # Sales sees personal data; a leading "+" is defused like any formula start.
    assert rows[1][header.index("Phone")] == "'+8613812345678"
    zh = client.get(f"/api/v1/customer/export?format=xlsx&q={args}&_l_=zh", headers=token)
    assert zh.status_code == 200 and zh.mimetype == XLSX
    sheet = sheet_rows(zh.data)
    assert sheet[0][:5] == ["编号", "版本", "名称", "类型", "阶段"] and "负责人" in sheet[0]
    assert [row[2] for row in sheet[1:]] == ["Alpha 甲", '=HYPERLINK("x")']
    assert {row[4] for row in sheet[1:]} == {"成交"}


def test_masked_reader_exports_phones_masked_as_the_list_shows_them(
    app: Flask, client: FlaskClient, team: dict[str, Record]
) -> None:
    login(client, "analyst", PASSWORD)
    listing = client.get("/customer/list/?_flt_0_stage=deal").get_data(as_text=True)
    assert "138****5678" in listing
    response = client.get("/customer/export/?_flt_0_stage=deal&format=xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    sheet = sheet_rows(response.data)
    phone = sheet[0].index("Phone")
    by_name = {row[2]: row for row in sheet[1:]}
    assert set(by_name) == {"Alpha 甲", '=HYPERLINK("x")', "Bo's deal"}  # every row
    assert by_name["Alpha 甲"][phone] == "138****5678"
    assert "13812345678" not in response.data.decode("latin-1")
    # A masked reader may not filter an export by personal data either.
    refused = client.get("/api/v1/customer/export?q=" + q(
        filters=[{"col": "phone", "opr": "eq", "value": "+8613812345678"}]),
        headers=bearer(client, "analyst", PASSWORD))  # fmt: skip
    assert refused.status_code in (400, 403) and refused.mimetype == "application/json"


def test_every_export_is_one_audit_event_naming_type_filters_format_and_rows(
    app: Flask, client: FlaskClient, team: dict[str, Record]
) -> None:
    login(client, "ana", PASSWORD)
    marker = latest_id(app)
    client.get("/customer/export/?_flt_0_stage=deal&_oc_CustomerView=name&_od_CustomerView=asc")
    events = [e for e in events_after(app, marker) if e["action"] == "export"]
    assert len(events) == 1 and events[0]["username"] == "ana"
    detail = json.loads(events[0]["detail"])
    assert detail["type"] == "Customer" and detail["format"] == "csv" and detail["rows"] == 2
    assert detail["filters"] == [{"field": "stage", "op": "eq", "value": "deal"}]
    assert detail["order"] == "name"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customer/export?format=pdf",
        "/api/v1/customer/export?format=../../etc/passwd",
        "/api/v1/customer/export?format=%00",
        "/api/v1/customer/export?q=(((",
        "/api/v1/customer/export?q=(order_column:phone)",
        "/api/v1/customer/export?q=(order_column:name,order_direction:sideways)",
        "/api/v1/customer/export?q=(filters:!((col:nope,opr:eq,value:1)))",
        "/api/v1/customer/export?q=(filters:!((col:name,opr:eq,value:!(!(1)))))",
        "/customer/export/?format=exe",
        "/customer/export/?_oc_CustomerView=phone&_od_CustomerView=asc",
        "/customer/export/?_oc_CustomerView=n.uid%20DETACH&_od_CustomerView=desc",
    ],
)
def test_hostile_export_requests_are_refused_with_4xx(
    client: FlaskClient, team: dict[str, Record], url: str
) -> None:
    token = bearer(client, "ana", PASSWORD)
    login(client, "ana", PASSWORD)
    response = client.get(url, headers=token if url.startswith("/api/") else {})
    assert 400 <= response.status_code < 500, (url, response.status_code)


def test_large_export_runs_as_a_job_only_its_requester_downloads(
    app: Flask, client: FlaskClient, team: dict[str, Record], monkeypatch: pytest.MonkeyPatch
) -> None:
    settle(app)
    monkeypatch.setitem(app.config, "GRAPHCRM_EXPORT_JOB_ROWS", 2)
    login(client, "ana", PASSWORD)
    page = client.get("/customer/export/?format=xlsx", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.request.path == "/jobs/list" and "download it from Jobs" in text
    token = bearer(client, "ana", PASSWORD)
    api = client.get("/api/v1/customer/export?format=csv", headers=token)
    assert api.status_code == 202 and api.json["rows"] == 3
    job_id = api.json["job"]
    with running_worker(app):
        job = wait_for(app, job_id)
    assert job.state == "done" and job.started_by == "ana", job.error
    download = client.get(api.json["download_url"], headers=token)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = csv_rows(download.data)
    assert sorted(row[2] for row in rows[1:]) == sorted(
        ["Alpha 甲", '\'=HYPERLINK("x")', "Gamma"]
    )  # Ana's three, not Bo's
    assert client.get(f"/jobs/{job_id}/download").status_code == 200
    jobs_page = client.get("/jobs/list").get_data(as_text=True)
    assert f"/jobs/{job_id}/download" in jobs_page
    for other in ("bo", "admin"):
        client.get("/logout/")
        if other == "bo":
            login(client, other, PASSWORD)
            token = bearer(client, other, PASSWORD)
        else:
            login(client)
            token = bearer(client)
        assert client.get(f"/jobs/{job_id}/download").status_code == 404
        assert client.get(f"/api/v1/jobs/{job_id}/download", headers=token).status_code == 404
