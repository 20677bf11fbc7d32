"""Times in import files: a time that says no offset (typed text, a spreadsheet date, an
Excel serial number) is read in the business time zone, as the forms read it; an offset
is kept. An untouched export of follow-ups and orders imports again without a change."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.io.imports.cleaning import RowCleaner
from graph.io.imports.mapping import Mapping
from graph.io.imports.readers import SourceRow
from graph.io.imports.targets import import_type
from graph.store.protocol import GraphStore
from tests.jobs_helpers import running_worker, settle, wait_for
from tests.web import bearer

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADERS = ["客户名称", "跟进时间", "下次跟进时间"]
MAPPING = Mapping(
    "follow_up", {"客户名称": "customer", "跟进时间": "at", "下次跟进时间": "next_due"}
)


def cleaned_at(cell: Any, zone: dt.tzinfo | None = SHANGHAI) -> Any:
    cleaner = RowCleaner(import_type("follow_up"), MAPPING, HEADERS, "CN", zone)
    row = cleaner.clean(SourceRow(2, ("甲公司", cell, "")))
    assert [e for e in row.errors if e.column == "跟进时间"] == []
    return row.values["at"]


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("2025/1/3", "2025-01-02T16:00:00Z"),  # a date alone: midnight in Shanghai
        ("2025年1月3日 14:30", "2025-01-03T06:30:00Z"),
        ("2025-01-03 14:30:15", "2025-01-03T06:30:15Z"),
        ("２０２５－０１－０３　０８：００", "2025-01-03T00:00:00Z"),  # full-width
        ("45432", "2024-05-19T16:00:00Z"),  # an Excel serial number as text
        (45432.5, "2024-05-20T04:00:00Z"),  # ... and as a number: noon
        (dt.datetime(2024, 12, 30, 18, 13, 21), "2024-12-30T10:13:21Z"),  # a workbook date
        (dt.date(2024, 12, 31), "2024-12-30T16:00:00Z"),
        # An offset says its zone: kept, converted to UTC.
        ("2025-01-03T14:30:00+00:00", "2025-01-03T14:30:00Z"),
        ("2025-01-03T14:30:00Z", "2025-01-03T14:30:00Z"),
        ("2024-12-31T02:13:21+08:00", "2024-12-30T18:13:21Z"),
        ("2025-01-03 09:30-05:00", "2025-01-03T14:30:00Z"),
    ],
)
def test_a_time_without_an_offset_is_business_time_as_in_the_forms(cell: Any, stored: str) -> None:
    assert cleaned_at(cell) == stored


def test_the_business_zone_is_the_one_configured_not_a_fixed_one() -> None:
    assert cleaned_at("2025/1/3 12:00", ZoneInfo("Europe/Berlin")) == "2025-01-03T11:00:00Z"
    # Without a zone (the engine's callers that name none), a time is kept as written.
    assert cleaned_at("2025/1/3 12:00", None) == "2025-01-03T12:00:00Z"


def test_import_reads_typed_times_as_the_edit_form_does(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    """The same text typed in the follow-up form and in an import file stores one time."""
    from graph.model.validation import parse_when
    from views import display

    with app.test_request_context():
        for text in ("2025/1/3", "2025年1月3日 14:30"):
            form = parse_when(text, display.business_zone()).strftime("%Y-%m-%dT%H:%M:%SZ")
            assert cleaned_at(text, display.business_zone()) == form


# -- the round trip through the REST export and import ------------------------------------

FOLLOW_UPS = [  # (at, next_due) in UTC; Shanghai's day differs from UTC's in the first
    ("2024-12-30T18:13:21Z", "2025-01-06T01:00:00Z"),
    ("2025-03-01T00:00:00Z", None),
    ("2025-06-15T23:59:59Z", "2025-06-16T16:00:00Z"),
]
ORDERS = ["2024-12-30T18:13:21Z", "2025-02-28T16:00:00Z", "2025-07-01T09:30:45Z"]


@pytest.fixture
def api_app(app: Flask) -> Iterator[Flask]:
    settle(app)
    yield app
    settle(app)


def made(client: FlaskClient, headers: dict, label: str, body: dict) -> str:
    response = client.post(f"/api/v1/{label}/", headers=headers, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.json["id"])


def stored_times(client: FlaskClient, headers: dict, label: str, uid: str) -> dict:
    result = client.get(f"/api/v1/{label}/{uid}", headers=headers).json["result"]
    return {key: result.get(key) for key in ("at", "next_due", "version")}


def reimported(
    api_app: Flask, client: FlaskClient, headers: dict, label: str, type_key: str, fmt: str
) -> tuple[list[str], dict[str, int]]:
    """``label``'s list exported as ``fmt`` and imported again untouched with update: the
    preview's decisions and the import's counts."""
    exported = client.get(f"/api/v1/{label}/export?format={fmt}", headers=headers)
    assert exported.status_code == 200, exported.get_data(as_text=True)
    uploaded = client.post(
        "/api/v1/imports/upload",
        headers=headers,
        data={"file": (io.BytesIO(exported.data), f"{label}.{fmt}"), "type": type_key},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    body = {
        "upload_id": uploaded.json["result"]["upload_id"],
        "type": type_key,
        "on_duplicate": "update",
    }
    shown = client.post("/api/v1/imports/preview", headers=headers, json=body)
    assert shown.status_code == 200, shown.get_data(as_text=True)
    decisions = [row["decision"] for row in shown.json["result"]["rows"]]
    with running_worker(api_app):
        committed = client.post("/api/v1/imports/commit", headers=headers, json=body)
        assert committed.status_code == 202, committed.get_data(as_text=True)
        assert wait_for(api_app, committed.json["result"]["job"]["id"]).state == "done"
        import_id = committed.json["result"]["import"]["id"]
        status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
    return decisions, status["counts"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_untouched_export_of_follow_ups_and_orders_imports_again_without_a_change(
    api_app: Flask, client: FlaskClient, fmt: str
) -> None:
    headers = bearer(client)
    customer = made(client, headers, "customer", {"name": "上海明辉贸易", "stage": "deal"})
    follow_ups = [
        made(
            client,
            headers,
            "followup",
            {"customer": customer, "at": at, "next_due": due, "method": "phone", "summary": "s"},
        )
        for at, due in FOLLOW_UPS
    ]
    orders = [
        made(
            client, headers, "order", {"customer": customer, "at": at, "product": "p", "amount": 1}
        )
        for at in ORDERS
    ]
    before = {
        "followup": {uid: stored_times(client, headers, "followup", uid) for uid in follow_ups},
        "order": {uid: stored_times(client, headers, "order", uid) for uid in orders},
    }
    assert before["followup"][follow_ups[0]]["at"] == "2024-12-30T18:13:21Z"
    for label, type_key, count in (("followup", "follow_up", 3), ("order", "order", 3)):
        decisions, counts = reimported(api_app, client, headers, label, type_key, fmt)
        assert decisions == ["unchanged"] * count, (label, decisions)
        assert counts == {"read": count, "created": 0, "updated": 0, "skipped": count, "failed": 0}
        after = {uid: stored_times(client, headers, label, uid) for uid in before[label]}
        assert after == before[label]
