"""The import REST API: upload, preview, commit as a job, status, failing rows, undo,
saved mappings, permissions and the upload size limit."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from python_calamine import CalamineWorkbook

from app.jobs import queue
from graph.io.imports import records
from graph.jobs import progress
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.jobs_helpers import running_worker, settle, wait_for
from tests.test_import_referrals import linked
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer

ROWS = [
    ["客户名称", "联系人", "手机", "客户类型", "负责人"],
    ["上海明辉贸易", "张伟", "13812345678", "意向客户", ""],
    ["北京华信科技", "李娜", "13912345678", "成交客户", ""],
    ["广州好运来", "王芳", "12345", "潜在客户", ""],
]


def csv_bytes(rows: list[list[str]] = ROWS, encoding: str = "gbk") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def api_app(app: Flask) -> Iterator[Flask]:
    settle(app)
    yield app
    settle(app)


def upload(client: FlaskClient, headers: dict, data: bytes = b"", name: str = "客户.csv") -> dict:
    response = client.post(
        "/api/v1/imports/upload",
        headers=headers,
        data={"file": (io.BytesIO(data or csv_bytes()), name), "type": "customer"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["result"]


def imported(api_app: Flask, client: FlaskClient, headers: dict, data: bytes = b"") -> str:
    """The id of an import of ``data`` (the sample file), committed and run to its end."""
    uploaded = upload(client, headers, data)
    with running_worker(api_app):
        committed = client.post(
            "/api/v1/imports/commit",
            headers=headers,
            json={"upload_id": uploaded["upload_id"], "type": "customer"},
        )
        assert wait_for(api_app, committed.json["result"]["job"]["id"]).state == "done"
    return str(committed.json["result"]["import"]["id"])


def test_upload_preview_commit_status_errors_and_undo(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)
    uploaded = upload(client, headers)
    assert uploaded["table"]["encoding"] == "gb18030"
    assert uploaded["mapping"]["columns"]["客户类型"] == "stage"
    assert uploaded["mapping"]["reasons"]["客户类型"] == "values"
    targets = client.get("/api/v1/imports/targets/customer", headers=headers).json["result"]
    assert {"name": "stage", "label": "Stage"}.items() <= next(
        t for t in targets if t["name"] == "stage"
    ).items()
    body = {"upload_id": uploaded["upload_id"], "type": "customer"}
    shown = client.post("/api/v1/imports/preview", headers=headers, json=body)
    assert shown.status_code == 200, shown.get_data(as_text=True)
    rows = shown.json["result"]["rows"]
    assert rows[0]["values"]["stage"] == "intent" and rows[0]["decision"] == "create"
    assert rows[2]["decision"] == "error"
    assert rows[2]["errors"][0]["message"] == "Line 4, column 手机: Not a valid phone number."
    client.get("/lang/zh")
    zh = client.post("/api/v1/imports/preview", headers=headers, json=body)
    client.get("/lang/en")
    assert zh.json["result"]["rows"][2]["errors"][0]["message"].startswith("第 4 行，手机 列：")
    assert NodeRepository(store, nodes.Customer).count() == 0
    with running_worker(api_app):
        committed = client.post(
            "/api/v1/imports/commit", headers=headers, json={**body, "save_mapping_as": "模板"}
        )
        assert committed.status_code == 202, committed.get_data(as_text=True)
        import_id = committed.json["result"]["import"]["id"]
        wait_for(api_app, committed.json["result"]["job"]["id"])
        status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
        assert status["state"] == "done"
        assert status["counts"] == {
            "read": 3,
            "created": 2,
            "updated": 0,
            "skipped": 0,
            "failed": 1,
        }
        assert NodeRepository(store, nodes.Customer).count() == 2
        errors = client.get(f"/api/v1/imports/{import_id}/errors", headers=headers)
        assert errors.status_code == 200 and errors.mimetype == "text/csv"
        assert errors.headers["Content-Type"] == "text/csv; charset=utf-8"
        text = errors.get_data().decode("utf-8-sig")
        assert text.splitlines()[0].endswith(",Error") and "广州好运来" in text
        saved = client.get("/api/v1/imports/mappings/customer/模板", headers=headers)
        assert saved.status_code == 200 and saved.json["result"]["columns"]["客户类型"] == "stage"
        undone = client.post(f"/api/v1/imports/{import_id}/undo", headers=headers)
        assert undone.status_code == 202
        wait_for(api_app, undone.json["result"]["job"]["id"])
    assert NodeRepository(store, nodes.Customer).count() == 0
    status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
    assert status["state"] == "undone"
    listed = client.get("/api/v1/imports/", headers=headers).json["result"]
    assert [item["id"] for item in listed] == [import_id]


def test_a_second_commit_of_the_same_file_while_one_runs_is_refused(
    api_app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    first = upload(client, headers)
    second = upload(client, headers)
    one = client.post(
        "/api/v1/imports/commit",
        headers=headers,
        json={"upload_id": first["upload_id"], "type": "customer"},
    )
    assert one.status_code == 202
    two = client.post(
        "/api/v1/imports/commit",
        headers=headers,
        json={"upload_id": second["upload_id"], "type": "customer"},
    )
    assert two.status_code == 409
    assert "being imported already" in two.json["message"]


def test_a_commit_with_the_previews_time_keeps_a_record_changed_after_it(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    """``previewed_at`` (the preview answers it): a record someone else changed after it
    keeps their change, and its row is a failing row saying who and when."""
    headers = bearer(client)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    made = NodeRepository(store, nodes.Customer, clock=lambda: now - dt.timedelta(minutes=10))
    record = made.create({"name": "甲公司", "stage": "potential"}, "setup")
    edit = NodeRepository(store, nodes.Customer, clock=lambda: now - dt.timedelta(minutes=5))
    edit.update(record, {"note": "客户来电"}, "wang")
    rows = [
        ["编号", "客户名称", "客户类型", "备注"],
        [record.uid, "甲公司", "成交客户", "文件备注"],
    ]
    uploaded = upload(client, headers, csv_bytes(rows, "utf-8"))
    body = {"upload_id": uploaded["upload_id"], "type": "customer", "on_duplicate": "update"}
    shown = client.post("/api/v1/imports/preview", headers=headers, json=body).json["result"]
    previewed = dt.datetime.strptime(shown["previewed_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs(previewed.replace(tzinfo=dt.UTC) - now) < dt.timedelta(minutes=1)
    bad = client.post(
        "/api/v1/imports/commit", headers=headers, json={**body, "previewed_at": "yesterday"}
    )
    assert bad.status_code == 422 and "previewed_at" in bad.json["message"]
    # A preview seen before the change (its time with an offset, as a browser may send it).
    seen = (now - dt.timedelta(minutes=7)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    with running_worker(api_app):
        committed = client.post(
            "/api/v1/imports/commit",
            headers=headers,
            json={**body, "previewed_at": seen.isoformat()},
        )
        assert committed.status_code == 202, committed.get_data(as_text=True)
        assert wait_for(api_app, committed.json["result"]["job"]["id"]).state == "done"
    import_id = committed.json["result"]["import"]["id"]
    status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
    assert (status["counts"]["updated"], status["counts"]["failed"]) == (0, 1)
    kept = NodeRepository(store, nodes.Customer).get(record.uid)
    assert (kept.stage, kept.note) == ("potential", "客户来电")
    text = client.get(f"/api/v1/imports/{import_id}/errors", headers=headers).get_data()
    assert "Line 2: Not updated: wang changed this record at " in text.decode("utf-8-sig")
    assert "after your preview. Import this row again" in text.decode("utf-8-sig")
    client.get("/lang/zh")
    try:
        zh = client.get(f"/api/v1/imports/{import_id}/errors", headers=headers).get_data()
        assert "wang 在 " in zh.decode("utf-8-sig") and "晚于您的预览" in zh.decode("utf-8-sig")
    finally:
        client.get("/lang/en")
    # With the time of a preview made after the change, the file's values are written.
    with running_worker(api_app):
        again = client.post(
            "/api/v1/imports/commit",
            headers=headers,
            json={**body, "previewed_at": shown["previewed_at"]},
        )
        assert wait_for(api_app, again.json["result"]["job"]["id"]).state == "done"
    after = NodeRepository(store, nodes.Customer).get(record.uid)
    assert (after.stage, after.note) == ("deal", "文件备注")


def test_xlsx_failing_rows_download_as_xlsx(api_app: Flask, client: FlaskClient) -> None:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for number, row in enumerate(ROWS):
        sheet.write_row(number, 0, row)
    book.close()
    headers = bearer(client)
    uploaded = upload(client, headers, buffer.getvalue(), "客户.xlsx")
    assert uploaded["table"]["format"] == "xlsx"
    with running_worker(api_app):
        committed = client.post(
            "/api/v1/imports/commit",
            headers=headers,
            json={"upload_id": uploaded["upload_id"], "type": "customer"},
        )
        wait_for(api_app, committed.json["result"]["job"]["id"])
    import_id = committed.json["result"]["import"]["id"]
    errors = client.get(f"/api/v1/imports/{import_id}/errors", headers=headers)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(errors.get_data()))
    rows = workbook.get_sheet_by_index(0).to_python()
    assert rows[0][-1] == "Error" and rows[1][0] == "广州好运来"


def test_a_role_without_import_gets_403_and_others_uploads_are_not_found(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    staff(api_app, store, "import_service", "Service")
    staff(api_app, store, "import_sales", "Sales")
    service = bearer(client, "import_service", PASSWORD)
    response = client.post(
        "/api/v1/imports/upload",
        headers=service,
        data={"file": (io.BytesIO(csv_bytes()), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert client.get("/api/v1/imports/targets/customer", headers=service).status_code == 403
    admins = upload(client, bearer(client))
    sales = bearer(client, "import_sales", PASSWORD)
    body = {"upload_id": admins["upload_id"], "type": "customer"}
    assert client.post("/api/v1/imports/preview", headers=sales, json=body).status_code == 404
    assert client.get("/api/v1/imports/targets/customer", headers=sales).status_code == 200
    assert client.get("/api/v1/imports/", headers=sales).json["result"] == []


def granted(app: Flask, username: str, role_name: str, *permissions: tuple[str, str]) -> None:
    """Give ``username`` a custom role (made here) holding ``permissions`` beside its own."""
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        for permission, view in permissions:
            sm.add_permission_role(role, sm.add_permission_view_menu(permission, view))
        user = sm.find_user(username=username)
        if role not in user.roles:
            user.roles.append(role)
            sm.update_user(user)


IMPORT = (("can_import", "ImportView"), ("can_import", "ImportApi"), ("can_undo", "ImportApi"))
ADD_CUSTOMERS = (("can_add", "CustomerView"), ("can_post", "CustomerRestApi"))


def masked_importer(app: Flask, store: GraphStore, username: str) -> None:
    """An account that may import customers (a custom role an admin made) and sees
    personal data masked (Marketing)."""
    staff(app, store, username, "Marketing")
    granted(
        app,
        username,
        "Customer importer",
        *IMPORT,
        *ADD_CUSTOMERS,
        ("can_add", "ContactView"),
        ("can_post", "ContactRestApi"),
    )


def test_an_import_writes_only_what_its_user_may_write_by_hand(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    """Marketing reads customers and may not import; a role that may import but not add
    customers (or add but not edit them) is refused what it may not do by hand, with a
    403 in the reader's language; tags named in the file are created only by who may add
    tags."""
    admins = upload(client, bearer(client))
    staff(api_app, store, "import_marketer", "Marketing")
    marketer = bearer(client, "import_marketer", PASSWORD)
    body = {"upload_id": admins["upload_id"], "type": "customer"}
    for url in ("/api/v1/imports/preview", "/api/v1/imports/commit"):
        assert client.post(url, headers=marketer, json=body).status_code == 403
    staff(api_app, store, "import_only", "Marketing")
    granted(api_app, "import_only", "Import only", *IMPORT)
    only = bearer(client, "import_only", PASSWORD)
    mine = {**body, "upload_id": upload(client, only)["upload_id"]}
    client.get("/lang/zh")
    for url in ("/api/v1/imports/preview", "/api/v1/imports/commit"):
        refused = client.post(url, headers=only, json=mine)
        assert refused.status_code == 403
        assert refused.json["message"] == "您无权手动新增客户，因此也不能导入客户。"
    client.get("/lang/en")
    targets = client.get("/api/v1/imports/targets/customer", headers=only)
    assert targets.status_code == 403
    assert "You may not add customers" in targets.json["message"]
    staff(api_app, store, "import_adder", "Marketing")
    granted(api_app, "import_adder", "Customer adder", *IMPORT, *ADD_CUSTOMERS)
    adder = bearer(client, "import_adder", PASSWORD)
    plain = csv_bytes([["客户名称", "客户类型"], ["甲公司", "意向客户"]])
    theirs = {**body, "upload_id": upload(client, adder, plain)["upload_id"]}
    assert client.post("/api/v1/imports/preview", headers=adder, json=theirs).status_code == 200
    for update in ({"on_duplicate": "update"}, {"decisions": {"2": "update"}}):
        refused = client.post("/api/v1/imports/preview", headers=adder, json={**theirs, **update})
        assert refused.status_code == 403
        assert "You may not edit customers" in refused.json["message"]
    contact_column = {"type": "customer", "columns": {"客户类型": "contact.name"}}
    with_contact = {**theirs, "mapping": contact_column}
    refused = client.post("/api/v1/imports/commit", headers=adder, json=with_contact)
    assert refused.status_code == 403 and "contact columns" in refused.json["message"]
    # Without a mapping, the suggested one maps 联系人 to the contact: refused too.
    contacts = {**body, "upload_id": upload(client, adder)["upload_id"]}
    assert client.post("/api/v1/imports/commit", headers=adder, json=contacts).status_code == 403
    with api_app.app_context():
        assert NodeRepository(store, nodes.Customer).page([], limit=1) == []


def test_tags_named_in_a_file_are_created_only_by_who_may_add_tags(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    rows = [["客户名称", "标签"], ["标签测试甲", "全新标签"]]
    staff(api_app, store, "tag_sales", "Sales")
    sales = bearer(client, "tag_sales", PASSWORD)
    uploaded = upload(client, sales, csv_bytes(rows))
    previewed = client.post(
        "/api/v1/imports/preview",
        headers=sales,
        json={"upload_id": uploaded["upload_id"], "type": "customer"},
    )
    assert previewed.status_code == 200
    errors = previewed.json["result"]["rows"][0]["errors"]
    assert [(e["column"], e["key"]) for e in errors] == [("标签", "import_not_found_named")]
    assert errors[0]["message"] == "Line 2, column 标签: There is no tag called 全新标签."
    admin = bearer(client)
    uploaded = upload(client, admin, csv_bytes(rows))
    previewed = client.post(
        "/api/v1/imports/preview",
        headers=admin,
        json={"upload_id": uploaded["upload_id"], "type": "customer"},
    )
    assert previewed.json["result"]["rows"][0]["errors"] == []


def test_a_file_without_rows_under_its_header_is_refused_saying_so(
    api_app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    for data in (csv_bytes(ROWS[:1]), csv_bytes(ROWS[:1]) + b",,,,\r\n,,,,\r\n"):
        body = {"upload_id": upload(client, headers, data)["upload_id"], "type": "customer"}
        for url in ("/api/v1/imports/preview", "/api/v1/imports/commit"):
            refused = client.post(url, headers=headers, json=body)
            assert refused.status_code == 422, refused.get_data(as_text=True)
            assert refused.json["message"].startswith("The file has no rows under its column")


def test_the_exports_placeholder_in_either_language_keeps_a_link(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    with api_app.app_context():
        made = NodeRepository(store, nodes.Customer).create({"name": "甲公司"}, "setup")
    headers = bearer(client)
    for placeholder in ("无权查看", "Not visible to you"):
        rows = [["编号", "名称", "推荐客户"], [made.uid or "", "甲公司", placeholder]]
        body = {
            "upload_id": upload(client, headers, csv_bytes(rows))["upload_id"],
            "type": "customer",
            "on_duplicate": "update",
        }
        shown = client.post("/api/v1/imports/preview", headers=headers, json=body)
        assert shown.json["result"]["rows"][0]["errors"] == [], placeholder


def test_bad_requests_get_clear_4xx(api_app: Flask, client: FlaskClient) -> None:
    headers = bearer(client)
    no_file = client.post(
        "/api/v1/imports/upload", headers=headers, data={}, content_type="multipart/form-data"
    )
    assert no_file.status_code == 400
    not_multipart = client.post("/api/v1/imports/upload", headers=headers, json={"a": 1})
    assert not_multipart.status_code == 400
    junk = client.post(
        "/api/v1/imports/upload",
        headers=headers,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"PK\x03\x04garbage"), "x.xlsx")},
    )
    assert junk.status_code == 422
    uploaded = upload(client, headers)
    bad_mapping = client.post(
        "/api/v1/imports/preview",
        headers=headers,
        json={
            "upload_id": uploaded["upload_id"],
            "type": "customer",
            "mapping": {"type": "customer", "columns": {"客户名称": "nope"}},
        },
    )
    assert bad_mapping.status_code == 422
    bad_type = client.post(
        "/api/v1/imports/preview",
        headers=headers,
        json={"upload_id": uploaded["upload_id"], "type": "planet"},
    )
    assert bad_type.status_code == 422
    unknown = client.post(
        "/api/v1/imports/preview",
        headers=headers,
        json={"upload_id": "../../etc", "type": "customer"},
    )
    assert unknown.status_code == 404
    assert client.get("/api/v1/imports/IMnope", headers=headers).status_code == 404


def test_only_the_upload_takes_a_body_over_the_request_limit(
    api_app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    limit = api_app.config["MAX_CONTENT_LENGTH"]
    rows = [["客户名称", "备注"]] + [[f"客户{i}", "x" * 200] for i in range(limit // 200 + 10)]
    big = csv_bytes(rows, "utf-8")
    assert len(big) > limit
    assert upload(client, headers, big)["table"]["headers"] == ["客户名称", "备注"]
    too_big_json = client.post(
        "/api/v1/imports/mappings",
        headers=headers,
        json={"name": "x", "mapping": {"pad": "x" * (limit + 10)}},
    )
    assert too_big_json.status_code == 413


def test_referral_links_upload_preview_commit_and_undo_over_rest(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    customers = NodeRepository(store, nodes.Customer)
    first = customers.create({"name": "甲公司"}, "t")
    second = customers.create({"name": "乙公司"}, "t")
    headers = bearer(client)
    data = csv_bytes(
        [["推荐人", "被推荐人"], ["甲公司", "乙公司"], ["甲公司", "无此客户"]], "utf-8"
    )
    response = client.post(
        "/api/v1/imports/upload",
        headers=headers,
        data={"file": (io.BytesIO(data), "推荐.csv"), "type": "referral"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    uploaded = response.json["result"]
    assert uploaded["mapping"]["columns"] == {"推荐人": "referrer", "被推荐人": "referred"}
    targets = client.get("/api/v1/imports/targets/referral", headers=headers).json["result"]
    assert [t["name"] for t in targets if t["required"]] == ["referrer", "referred"]
    body = {"upload_id": uploaded["upload_id"], "type": "referral"}
    shown = client.post("/api/v1/imports/preview", headers=headers, json=body).json["result"]
    assert [row["decision"] for row in shown["rows"]] == ["create", "error"]
    message = shown["rows"][1]["errors"][0]["message"]
    assert message == "Line 3, column 被推荐人: Not found: 无此客户."
    with running_worker(api_app):
        committed = client.post("/api/v1/imports/commit", headers=headers, json=body)
        assert committed.status_code == 202, committed.get_data(as_text=True)
        import_id = committed.json["result"]["import"]["id"]
        wait_for(api_app, committed.json["result"]["job"]["id"])
        assert linked(store, first.uid or "", second.uid or "")
        again = client.post("/api/v1/imports/preview", headers=headers, json=body).json["result"]
        assert again["rows"][0]["decision"] == "unchanged"
        assert again["rows"][0]["duplicate"]["key"] == "link"
        undone = client.post(f"/api/v1/imports/{import_id}/undo", headers=headers)
        wait_for(api_app, undone.json["result"]["job"]["id"])
    assert not linked(store, first.uid or "", second.uid or "")
    assert customers.count() == 2


def test_why_a_file_cannot_be_read_is_said_in_the_readers_language(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)

    def sent(data: bytes, name: str) -> str:
        response = client.post(
            "/api/v1/imports/upload",
            headers=headers,
            data={"file": (io.BytesIO(data), name), "type": "customer"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422, response.get_data(as_text=True)
        return response.json["message"]

    assert sent(b"PK\x03\x04 broken", "a.xlsx") == (
        "The file cannot be read: it is not an Excel workbook that can be opened."
    )
    client.get("/lang/zh")
    try:
        broken = sent(b"PK\x03\x04 broken", "a.xlsx")
        assert broken == "无法读取文件：这不是可以打开的 Excel 工作簿。"
        assert sent(b"\n\n", "b.csv") == "无法读取文件：找不到列名所在的行。"
        assert sent(b"\xff\xfe\x00\x81\xff" * 10, "c.csv").startswith("无法读取文件：文字既不是")
        # Past the part read to detect the encoding, a byte that is no UTF-8 ends the job.
        body = "客户名称,备注\n" + "".join(f"客户{i},{'长' * 40}\n" for i in range(600))
        uploaded = upload(client, headers, body.encode() + b"\xff\xfe bad\n")
        with running_worker(api_app):
            committed = client.post(
                "/api/v1/imports/commit",
                headers=headers,
                json={"upload_id": uploaded["upload_id"], "type": "customer"},
            )
            wait_for(api_app, committed.json["result"]["job"]["id"])
        import_id = committed.json["result"]["import"]["id"]
        status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
        assert status["state"] == "failed"
        assert status["error"] == "无法读取文件：文件中有不是 UTF-8 编码的文字。"
    finally:
        client.get("/lang/en")


def test_a_wrong_choice_and_an_over_long_cell_fail_their_rows_only_in_the_readers_language(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    """A stage written 金牌 lists the stages as the reader knows them (labels, not codes) in
    the preview and the failing-rows file; a 200 KB note on line 1,100 (past the first
    batch, longer than the csv module's default cell limit) fails that row, not the file."""
    headers = bearer(client)
    rows = [["客户名称", "手机", "阶段", "备注"]]
    rows += [[f"客户{i}", f"1380013{i:04d}", "意向客户", ""] for i in range(2, 1202)]
    rows[5][2] = "金牌"
    rows[1099][3] = "长" * 200_000
    uploaded = upload(client, headers, csv_bytes(rows, "utf-8"))
    body = {"upload_id": uploaded["upload_id"], "type": "customer", "rows": 10}
    en = client.post("/api/v1/imports/preview", headers=headers, json=body).json["result"]
    assert en["rows"][4]["errors"][0]["message"] == (
        "Line 6, column 阶段: Choose one of: Potential, Intent, Deal, Lost."
    )
    client.get("/lang/zh")
    try:
        zh = client.post("/api/v1/imports/preview", headers=headers, json=body).json["result"]
        assert zh["rows"][4]["errors"][0]["message"] == (
            "第 6 行，阶段 列：请从以下选项中选择：潜在、意向、成交、流失。"
        )
        with running_worker(api_app):
            commit = {"upload_id": uploaded["upload_id"], "type": "customer"}
            committed = client.post("/api/v1/imports/commit", headers=headers, json=commit)
            assert committed.status_code == 202, committed.get_data(as_text=True)
            wait_for(api_app, committed.json["result"]["job"]["id"])
        import_id = committed.json["result"]["import"]["id"]
        status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
        assert status["state"] == "done", status
        assert (status["counts"]["created"], status["counts"]["failed"]) == (1198, 2)
        zh_file = client.get(f"/api/v1/imports/{import_id}/errors", headers=headers)
    finally:
        client.get("/lang/en")
    en_file = client.get(f"/api/v1/imports/{import_id}/errors", headers=headers)
    said = {
        language: [row[-1] for row in csv.reader(io.StringIO(got.get_data().decode("utf-8-sig")))]
        for language, got in (("zh", zh_file), ("en", en_file))
    }
    assert said["zh"][1:] == [
        "第 6 行，阶段 列：请从以下选项中选择：潜在、意向、成交、流失。",
        "第 1100 行，备注 列：最多 2000 个字符。",
    ]
    assert said["en"][1:] == [
        "Line 6, column 阶段: Choose one of: Potential, Intent, Deal, Lost.",
        "Line 1100, column 备注: At most 2000 characters.",
    ]
    assert NodeRepository(store, nodes.Customer).count() == 1198


def test_an_unknown_type_is_refused_wholly_in_the_readers_language(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)

    def sent(type_key: str) -> str:
        response = client.post(
            "/api/v1/imports/upload",
            headers=headers,
            data={"file": (io.BytesIO(csv_bytes()), "a.csv"), "type": type_key},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, response.get_data(as_text=True)
        return response.json["message"]

    assert sent("planet") == (
        "There is no import type “planet”: choose one of Customers, Contacts, Follow-ups, "
        "Orders, Tickets, Referral links."
    )
    uploaded = upload(client, headers)
    body = {"upload_id": uploaded["upload_id"], "type": "customer",
            "mapping": {"type": "contact", "columns": {}}}  # fmt: skip
    client.get("/lang/zh")
    try:
        assert sent("planet") == (
            "没有“planet”这种导入类型：请选择客户、联系人、跟进记录、订单、服务工单、推荐关系之一。"
        )
        answer = client.post("/api/v1/imports/commit", headers=headers, json=body)
        assert answer.status_code == 422
        assert answer.json["message"] == "此列映射属于另一种导入类型。"
    finally:
        client.get("/lang/en")


def test_hostile_referral_requests_get_clear_answers_never_a_5xx(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)
    long_name = "甲" * 5000
    rows = [
        ["推荐人", "被推荐人", "推荐人类型"],
        [long_name, "\x00<b>x</b>", "'; DROP"],
        ["", "", ""],
    ]
    response = client.post(
        "/api/v1/imports/upload",
        headers=headers,
        data={"file": (io.BytesIO(csv_bytes(rows, "utf-8")), "r.csv"), "type": "referral"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    upload_id = response.json["result"]["upload_id"]
    bodies = [
        {"upload_id": upload_id, "type": "referral"},
        {
            "upload_id": upload_id,
            "type": "referral",
            "mapping": {"type": "referral", "columns": {"推荐人": "referrer"}},
        },  # fmt: skip
        {
            "upload_id": upload_id,
            "type": "referral",
            "mapping": {"type": "customer", "columns": {"推荐人": "name"}},
        },  # fmt: skip
        {
            "upload_id": upload_id,
            "type": "referral",
            "mapping": {"type": "referral", "columns": {"推荐人": "owner"}},
        },  # fmt: skip
        {
            "upload_id": upload_id,
            "type": "referral",
            "on_duplicate": "update",
            "decisions": {"2": "create", "x": "skip"},
        },  # fmt: skip
        {"upload_id": upload_id, "type": "referrals"},
    ]
    statuses = []
    for body in bodies:
        answer = client.post("/api/v1/imports/preview", headers=headers, json=body)
        statuses.append(answer.status_code)
        assert answer.status_code < 500, answer.get_data(as_text=True)
    assert statuses == [200, 200, 422, 422, 200, 422]
    shown = client.post("/api/v1/imports/preview", headers=headers, json=bodies[0]).json["result"]
    assert [row["decision"] for row in shown["rows"]] == ["error"]
    missing = client.post("/api/v1/imports/preview", headers=headers, json=bodies[1]).json
    assert missing["result"]["rows"][0]["errors"][0]["key"] == "required_column"
    assert client.get("/api/v1/imports/targets/nothing", headers=headers).status_code == 404


def test_a_bad_column_mapping_is_named_in_the_readers_language(
    api_app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    uploaded = upload(client, headers)

    def preview(mapping: object) -> str:
        response = client.post(
            "/api/v1/imports/preview",
            headers=headers,
            json={"upload_id": uploaded["upload_id"], "type": "customer", "mapping": mapping},
        )
        assert response.status_code == 422, response.get_data(as_text=True)
        return str(response.json["message"])

    unknown = {"type": "customer", "columns": {"客户名称": "nope"}}
    values = {"type": "customer", "columns": {"客户名称": "name"}, "values": {"stage": [1]}}
    assert preview(unknown) == (
        "The column mapping names a field this import type does not have: “nope”."
    )
    assert preview({"type": "customer", "columns": ["客户名称"]}) == (
        "The column mapping is not valid: it maps each column header to a field or to nothing."
    )
    twice = {"type": "customer", "columns": {"客户名称": "name", "手机": "name"}}
    assert preview(twice) == (
        "Columns “客户名称”, “手机” all fill the field “name”: map each field from one column only."
    )
    no_code = {
        "type": "customer",
        "columns": {"客户名称": "name"},
        "values": {"stage": {"北京": "NOTASTAGE"}},
    }
    assert preview(no_code) == (
        "The column mapping turns “北京” into “NOTASTAGE”, which is not a choice of “stage” "
        "(potential, intent, deal, lost)."
    )
    kind_code = {
        "type": "customer",
        "columns": {"客户名称": "name"},
        "values": {"kind": {"x": "zzz"}},
    }
    assert "“zzz”" in preview(kind_code)
    text_field = {
        "type": "customer",
        "columns": {"客户名称": "name"},
        "values": {"name": {"a": "b"}},
    }
    assert preview(text_field) == (
        "The column mapping gives values to “name”, which is not a field with choices."
    )
    assert preview({"columns": {"客户名称": "name"}}) == (
        "The column mapping does not say which import type it is for (its “type”)."
    )
    client.get("/lang/zh")
    try:
        assert preview(unknown) == "列映射中有此导入类型没有的字段：“nope”。"
        assert (
            preview({"type": "planet", "columns": {}}) == "列映射所属的导入类型不存在：“planet”。"
        )
        assert preview(values) == "列映射中的取值对应无效：文件中的每个取值都应对应到一段文字。"
        assert preview(twice) == "列 “客户名称”, “手机” 都填入字段 “name”：每个字段只能由一列填入。"
        assert preview(no_code).startswith(
            "列映射把 “北京” 对应为 “NOTASTAGE”，但它不是 “stage” 的选项"
        )
        assert (
            preview({"type": "", "columns": {}})
            == "列映射没有说明它属于哪种导入类型（缺少“type”）。"
        )
    finally:
        client.get("/lang/en")


def test_a_duplicate_decision_counts_only_under_a_plain_line_number(
    api_app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    uploaded = upload(client, headers)
    body = {"upload_id": uploaded["upload_id"], "type": "customer"}
    # Keys that are not ASCII line numbers of sane length ("²" and "٣" are digits to
    # str.isdigit, a 5,000-digit number is beyond int()'s limit) are ignored, never a 500.
    odd = ("²", "٣", "２", "9" * 5000, " 2", "2\n", "-2", "x")
    for key in odd:
        answer = client.post(
            "/api/v1/imports/preview", headers=headers, json={**body, "decisions": {key: "update"}}
        )
        assert answer.status_code == 200, (key[:10], answer.get_data(as_text=True))
    decisions = {**dict.fromkeys(odd, "update"), "3": "create"}
    committed = client.post(
        "/api/v1/imports/commit", headers=headers, json={**body, "decisions": decisions}
    )
    assert committed.status_code == 202, committed.get_data(as_text=True)
    assert committed.json["result"]["import"]["options"]["decisions"] == {"3": "create"}
    for value in ("delete", "", 5, None, ["update"]):
        answer = client.post(
            "/api/v1/imports/preview", headers=headers, json={**body, "decisions": {"2": value}}
        )
        assert answer.status_code == 422, (value, answer.get_data(as_text=True))
        assert "decisions" in answer.json["message"]


def test_an_import_without_failing_rows_has_no_failing_rows_file(
    api_app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    import_id = imported(api_app, client, headers, csv_bytes(ROWS[:3]))
    status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
    assert status["counts"]["failed"] == 0 and status["counts"]["created"] == 2
    errors = client.get(f"/api/v1/imports/{import_id}/errors", headers=headers)
    assert errors.status_code == 404
    assert errors.json["message"] == "This import has no failing rows."
    client.get("/lang/zh")
    try:
        errors = client.get(f"/api/v1/imports/{import_id}/errors", headers=headers)
        assert errors.status_code == 404 and errors.json["message"] == "此次导入没有失败的行。"
    finally:
        client.get("/lang/en")


def test_an_import_undone_or_being_undone_refuses_another_undo(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)
    import_id = imported(api_app, client, headers)
    # No worker: the undo waits in the queue, and asking again is refused.
    undo = client.post(f"/api/v1/imports/{import_id}/undo", headers=headers)
    assert undo.status_code == 202
    again = client.post(f"/api/v1/imports/{import_id}/undo", headers=headers)
    assert again.status_code == 409
    assert again.json["message"] == "This import is being undone already."
    with running_worker(api_app):
        assert wait_for(api_app, undo.json["result"]["job"]["id"]).state == "done"
    assert NodeRepository(store, nodes.Customer).count() == 0
    again = client.post(f"/api/v1/imports/{import_id}/undo", headers=headers)
    assert again.status_code == 409
    assert again.json["message"] == "This import has been undone already."
    client.get("/lang/zh")
    try:
        again = client.post(f"/api/v1/imports/{import_id}/undo", headers=headers)
        assert again.status_code == 409 and again.json["message"] == "此次导入已经撤销过了。"
    finally:
        client.get("/lang/en")
    undos = [
        job
        for job in progress.listing(queue(api_app).engine)
        if job.name == "import_undo" and job.params["import_id"] == import_id
    ]
    assert len(undos) == 1  # the refused ones queued nothing


def test_an_import_undone_while_its_job_waits_is_imported_then_undone(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)
    uploaded = upload(client, headers)
    committed = client.post(
        "/api/v1/imports/commit",
        headers=headers,
        json={"upload_id": uploaded["upload_id"], "type": "customer"},
    )
    import_id = committed.json["result"]["import"]["id"]
    undo = client.post(f"/api/v1/imports/{import_id}/undo", headers=headers)
    assert undo.status_code == 202
    with running_worker(api_app):
        assert wait_for(api_app, committed.json["result"]["job"]["id"]).state == "done"
        assert wait_for(api_app, undo.json["result"]["job"]["id"]).state == "done"
    status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
    assert status["state"] == "undone" and status["counts"]["created"] == 2
    assert NodeRepository(store, nodes.Customer).count() == 0


def test_an_import_cancelled_while_its_job_waits_ends_cancelled_and_can_be_imported_again(
    api_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    headers = bearer(client)
    uploaded = upload(client, headers)
    body = {"upload_id": uploaded["upload_id"], "type": "customer"}
    first = client.post("/api/v1/imports/commit", headers=headers, json=body).json["result"]
    import_id, job_id = first["import"]["id"], first["job"]["id"]
    # No worker: the job waits in the queue and is cancelled before it starts.
    cancelled = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json["result"]["state"] == "cancelled"
    status = client.get(f"/api/v1/imports/{import_id}", headers=headers).json["result"]
    assert status["state"] == "cancelled" and status["cursor"] == 0
    # Its file is free again; the cancelled job's queue entry never runs.
    second = client.post("/api/v1/imports/commit", headers=headers, json=body)
    assert second.status_code == 202, second.get_data(as_text=True)
    with running_worker(api_app):
        assert wait_for(api_app, second.json["result"]["job"]["id"]).state == "done"
    assert progress.get(queue(api_app).engine, job_id).started_at is None
    assert records.get(store, import_id).state == "cancelled"
    assert NodeRepository(store, nodes.Customer).count() == 2
    # A cancel asked again of that job settles nothing: its import, resumed meanwhile by a
    # retry, say, is left to that job.
    records.set_state(store, import_id, records.RUNNING)
    assert queue(api_app).cancel(job_id, by="admin").state == "cancelled"
    assert records.get(store, import_id).state == records.RUNNING
    records.set_state(store, import_id, records.CANCELLED)


def test_request_schema_messages_are_in_the_readers_language(
    api_app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    uploaded = upload(client, headers)
    bad = {
        "upload_id": uploaded["upload_id"],
        "type": "customer",
        "rows": 0,
        "on_duplicate": "merge",
        "create_tags": "maybe",
    }

    def refused(language: str) -> dict:
        client.get(f"/lang/{language}")
        response = client.post("/api/v1/imports/preview", headers=headers, json=bad)
        assert response.status_code == 422, response.get_data(as_text=True)
        return response.json["message"]

    english = refused("en")
    assert english["on_duplicate"] == ["Must be one of: skip, update, create."]
    assert english["create_tags"] == ["Not a valid boolean."]
    assert english["rows"][0].startswith("Must be from 1 to ")
    try:
        chinese = refused("zh")
        assert chinese["on_duplicate"] == ["必须是以下之一：skip, update, create。"]
        assert chinese["create_tags"] == ["不是有效的布尔值（true 或 false）。"]
        assert chinese["rows"][0].startswith("应在 1 到 ")
    finally:
        client.get("/lang/en")
