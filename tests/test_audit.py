"""The audit log: what is recorded, by whom, and the screen that shows it (the chain
itself: tests/test_audit_chain.py).

The session's app is shared by every test, so tests look only at the events written after
a marker (the latest id when they start), never assume an empty log.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func

from app import audit
from app.audit import AuditEvent
from tests.web import csrf_token, login, submit

STAFF_PASSWORD = "Staff-pass-123"


def latest_id(app: Flask) -> int:
    with app.app_context():
        return app.appbuilder.session.query(func.max(AuditEvent.id)).scalar() or 0


def events_after(app: Flask, marker: int) -> list[dict[str, Any]]:
    """The events written after ``marker``, oldest first, as plain dicts."""
    with app.app_context():
        rows = (
            app.appbuilder.session.query(AuditEvent)
            .filter(AuditEvent.id > marker)
            .order_by(AuditEvent.id)
            .all()
        )
        return [{c: getattr(row, c) for c in audit.HASHED_FIELDS + ("hash",)} for row in rows]


def account(app: Flask, username: str, role: str, email: str | None = None) -> int:
    """A FAB account with ``role`` (created once per test session); returns its id."""
    sm = app.appbuilder.sm
    with app.app_context():
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(
                username, username.title(), "Tester", email or f"{username}@example.com",
                sm.find_role(role), STAFF_PASSWORD,
            )  # fmt: skip
        return user.id


# --- what is recorded ----------------------------------------------------------------------


def test_login_success_failure_and_logout_are_audited(app: Flask, client: FlaskClient) -> None:
    client.environ_base["REMOTE_ADDR"] = "10.20.0.1"
    marker = latest_id(app)
    login(client, "admin", "Not-the-password-1")
    login(client, "nobody-by-that-name", "Whatever-123")
    login(client)
    client.get("/logout/")
    events = events_after(app, marker)
    assert [(e["action"], e["username"]) for e in events] == [
        ("login_failed", "admin"),
        ("login_failed", "nobody-by-that-name"),
        ("login", "admin"),
        ("logout", "admin"),
    ]
    assert {e["ip"] for e in events} == {"10.20.0.1"}
    assert events[2]["target"] == events[3]["target"] == "ab_user:1"


def test_role_change_is_audited_with_who_made_it(app: Flask, client: FlaskClient) -> None:
    user_id = account(app, "rolf", "Sales")
    sm = app.appbuilder.sm
    with app.app_context():
        analyst = sm.find_role("Analyst").id
    marker = latest_id(app)
    login(client)
    form = {
        "first_name": "Rolf", "last_name": "Tester", "username": "rolf", "active": "y",
        "email": "rolf@example.com", "roles": str(analyst),
    }  # fmt: skip
    response = submit(client, f"/users/edit/{user_id}", form, follow_redirects=True)
    assert response.status_code == 200
    changed = [e for e in events_after(app, marker) if e["action"] == "user_update"]
    assert len(changed) == 1
    event = changed[0]
    assert (event["username"], event["target"]) == ("admin", f"ab_user:{user_id}")
    assert '"roles_added": ["Analyst"]' in event["detail"]
    assert '"roles_removed": ["Sales"]' in event["detail"]


def test_permission_granted_to_a_role_is_audited(app: Flask) -> None:
    sm = app.appbuilder.sm
    marker = latest_id(app)
    with app.app_context():
        role = sm.add_role("Audit-test-role")
        grant = sm.find_permission_view_menu("can_list", "AuditEventView")
        sm.add_permission_role(role, grant)
        sm.del_permission_role(role, grant)
        role_id = role.id
    actions = [(e["action"], e["target"], e["detail"]) for e in events_after(app, marker)]
    target = f"ab_role:{role_id}"
    assert actions[0][:2] == ("role_create", target)
    assert actions[1][:2] == ("role_update", target)
    assert '"permissions_added": ["can_list on AuditEventView"]' in actions[1][2]
    assert actions[2][:2] == ("role_update", target)
    assert '"permissions_removed": ["can_list on AuditEventView"]' in actions[2][2]


def test_account_events_carry_no_personal_data(app: Flask) -> None:
    marker = latest_id(app)
    user_id = account(app, "pia", "Sales", email="pia.private@example.com")
    created = [e for e in events_after(app, marker) if e["action"] == "user_create"]
    assert [e["target"] for e in created] == [f"ab_user:{user_id}"]
    assert "pia.private@example.com" not in created[0]["detail"]
    assert "Tester" not in created[0]["detail"]  # the last name


def test_graph_record_changes_are_audited_with_their_author(
    app: Flask, client: FlaskClient
) -> None:
    login(client)
    marker = latest_id(app)
    response = submit(client, "/tag/add", {"name": "audited-tag"}, follow_redirects=True)
    assert response.status_code == 200
    created = [e for e in events_after(app, marker) if e["action"] == "record_create"]
    assert len(created) == 1
    assert created[0]["username"] == "admin"
    assert created[0]["target"].startswith("Tag:")


# --- the screen ----------------------------------------------------------------------------


def test_audit_screen_is_read_only_and_exports_filtered_csv(
    app: Flask, client: FlaskClient
) -> None:
    login(client)
    page = client.get("/auditevent/list/")
    assert page.status_code == 200 and 'id="audit-csv"' in page.get_data(as_text=True)
    for url in ("/auditevent/add", "/auditevent/edit/1"):
        assert client.get(url).status_code in (302, 403, 404), url
    token = csrf_token(client.get("/tag/add").get_data(as_text=True))
    assert client.post("/auditevent/delete/1", data={"csrf_token": token}).status_code != 200
    marker = latest_id(app)
    export = client.get("/auditevent/csv/?_flt_3_action=login")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    lines = export.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("No.,Time,User,IP address,Action,Target,Detail")
    assert len(lines) > 1 and all(",Signed in," in line for line in lines[1:])
    assert any(",Signed in,admin," in line for line in lines[1:])  # targets by name
    exported = events_after(app, marker)
    assert [(e["action"], e["username"]) for e in exported] == [("export", "admin")]
    with app.app_context():
        assert audit.verify() is None
    client.get("/lang/zh")
    page_zh = client.get("/auditevent/list/").get_data(as_text=True)
    assert "安全审计" in page_zh and "审计日志" in page_zh and "导出 CSV" in page_zh


def test_exported_cells_never_start_a_spreadsheet_formula(client: FlaskClient) -> None:
    client.environ_base["REMOTE_ADDR"] = "10.21.0.1"
    login(client, "=HYPERLINK(1)", "Whatever-123")
    client.environ_base["REMOTE_ADDR"] = "10.21.0.2"
    login(client)
    export = client.get("/auditevent/csv/?_flt_3_username=%3DHYPERLINK(1)")
    rows = export.get_data(as_text=True).splitlines()[1:]
    assert rows and all(",'=HYPERLINK(1)," in row for row in rows)


def test_auditor_reads_the_log_and_sales_does_not(app: Flask, client: FlaskClient) -> None:
    account(app, "audra", "Auditor")
    account(app, "sal", "Sales")
    login(client, "audra", STAFF_PASSWORD)
    assert client.get("/auditevent/list/").status_code == 200
    assert client.get("/auditevent/csv/").status_code == 200
    client.get("/logout/")
    login(client, "sal", STAFF_PASSWORD)
    assert client.get("/auditevent/list/").status_code != 200
    assert client.get("/auditevent/csv/").status_code != 200
