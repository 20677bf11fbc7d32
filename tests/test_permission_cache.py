"""Permissions kept in memory per process are dropped by any security change committed by
any process (``app.security_generation``): a revoked permission, a disabled account, a
role or group taken away apply from the next request on, in every worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import security_generation
from graph.store.protocol import GraphStore
from tests.test_permission_checks import ROLE, permission_queries
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

LIST, API = "/customer/list/", "/api/v1/customer/"


@pytest.fixture
def worker(app: Flask, app_graph_url: str) -> Iterator[Flask]:
    """A second app on the same security database and engine, as a second gunicorn worker
    (its own process memory, so its own permission sets)."""
    from app import create_app

    second = create_app(
        {
            "GRAPH_URL": app_graph_url,
            "GRAPHCRM_INSTANCE_PATH": app.instance_path,
            "GRAPHCRM_SERVE_WORKER": True,
            "TESTING": True,
        }
    )
    yield second
    second.extensions["graph_store"].close()


def _lister_role(app: Flask, granted: bool = True) -> None:
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role(ROLE) or sm.add_role(ROLE)
        for permission, view in (("can_list", "CustomerView"), ("can_get", "CustomerRestApi")):
            pair = sm.add_permission_view_menu(permission, view)
            if granted:
                sm.add_permission_role(role, pair)
            else:
                sm.del_permission_role(role, pair)


def _generation(app: Flask) -> int:
    with app.app_context():
        return security_generation.current(app.appbuilder.sm.session)


def _signed_in(client: FlaskClient, username: str) -> dict[str, str]:
    login(client, username, PASSWORD)
    return bearer(client, username, PASSWORD)


def _allowed(client: FlaskClient, headers: dict[str, str]) -> tuple[bool, bool]:
    """Whether the list page and the REST list answer (200) for the client's user."""
    page = client.get(LIST)
    api = client.get(API, headers=headers)
    assert page.status_code in (200, 302, 403) and api.status_code in (200, 401, 403)
    return page.status_code == 200, api.status_code == 200


def test_a_warm_process_reads_no_permissions_only_the_change_counter(
    app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    login(client)
    client.get(LIST)
    client.get(API, headers=headers)
    with permission_queries(app) as seen:
        assert client.get(LIST).status_code == 200
        assert client.get(API, headers=headers).status_code == 200
    assert seen == []
    with permission_queries(app, security_generation.TABLE) as counter_reads:
        client.get(API, headers=headers)
    assert len(counter_reads) == 1, counter_reads


def test_a_revocation_in_one_worker_applies_at_the_next_request_of_another(
    app: Flask, worker: Flask, store: GraphStore
) -> None:
    _lister_role(app, True)
    staff(app, store, "lister", ROLE)
    here, there = app.test_client(), worker.test_client()
    headers = _signed_in(here, "lister")
    _signed_in(there, "lister")
    assert _allowed(here, headers) == (True, True)
    assert _allowed(there, headers) == (True, True)  # both workers hold the permissions now
    _lister_role(app, False)  # revoked through the first worker
    assert _allowed(there, headers) == (False, False)
    assert _allowed(here, headers) == (False, False)
    _lister_role(worker, True)  # granted again through the second
    assert _allowed(here, headers) == (True, True)
    assert _allowed(there, headers) == (True, True)


def test_a_disabled_account_is_refused_at_its_next_request_in_every_worker(
    app: Flask, worker: Flask, store: GraphStore
) -> None:
    _lister_role(app, True)
    staff(app, store, "leaver", ROLE)
    here, there = app.test_client(), worker.test_client()
    headers = _signed_in(here, "leaver")
    _signed_in(there, "leaver")
    assert _allowed(here, headers) == (True, True)
    assert _allowed(there, headers) == (True, True)
    sm = app.appbuilder.sm
    with app.app_context():
        user = sm.find_user(username="leaver")
        user.active = False
        sm.update_user(user)
    try:
        for client in (here, there):
            assert client.get(API, headers=headers).status_code == 401
            assert client.get(LIST).status_code == 302  # back to the login form
    finally:
        with app.app_context():
            user = sm.find_user(username="leaver")
            user.active = True
            sm.update_user(user)


def test_a_role_or_group_taken_from_a_user_applies_at_the_next_request(
    app: Flask, worker: Flask, store: GraphStore
) -> None:
    _lister_role(app, True)
    staff(app, store, "grouped", "Auditor")
    sm = app.appbuilder.sm
    with app.app_context():
        group = sm.add_group("Listers", "Listers", "may list customers", [sm.find_role(ROLE)])
        group.users = [sm.find_user(username="grouped")]
        sm.session.commit()
    try:
        there = worker.test_client()
        headers = _signed_in(there, "grouped")
        assert _allowed(there, headers) == (True, True)  # through the group's role
        with app.app_context():
            group = sm.find_group("Listers")
            group.users = []
            sm.session.commit()
        assert _allowed(there, headers) == (False, False)
        with app.app_context():
            user = sm.find_user(username="grouped")
            user.roles = [sm.find_role(ROLE)]
            sm.update_user(user)
        assert _allowed(there, headers) == (True, True)  # the role given directly
        with app.app_context():
            user = sm.find_user(username="grouped")
            user.roles = [sm.find_role("Auditor")]
            sm.update_user(user)
        assert _allowed(there, headers) == (False, False)
    finally:
        with app.app_context():  # other tests' page crawls expect no group
            sm.session.delete(sm.find_group("Listers"))
            sm.session.commit()


def test_security_changes_count_and_sign_ins_do_not(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    staff(app, store, "counted", "Auditor")
    before = _generation(app)
    login(client, "counted", PASSWORD)  # login bookkeeping only
    bearer(client, "counted", PASSWORD)
    assert _generation(app) == before
    _lister_role(app, False)
    _lister_role(app, True)
    after_grant = _generation(app)
    assert after_grant > before
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role(ROLE)
        sm.update_role(role.id, "Customer lister (renamed)")
    assert _generation(app) > after_grant
    with app.app_context():
        sm.update_role(sm.find_role("Customer lister (renamed)").id, ROLE)


def test_a_signed_in_users_own_screens_read_the_stored_account(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        admin = app.appbuilder.sm.find_user(username="admin")
        email, name = admin.email, admin.get_full_name()
    login(client)
    info = client.get("/users/userinfo/")
    assert info.status_code == 200
    html = info.get_data(as_text=True)
    assert email in html and name in html
    assert client.get("/resetmypassword/form").status_code == 200
