"""Permission checks read the reader's permissions in one query after a security change
(then from memory: ``tests/test_permission_cache.py``), and a role change applies from the
next request on (``GraphCRMSecurityManager._granted``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

ROLE = "Customer lister"


@contextmanager
def permission_queries(app: Flask, table: str = "ab_permission_view") -> Iterator[list[str]]:
    """The statements on ``table`` (by default the permission tables) run meanwhile."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if table in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_list_page_reads_the_readers_permissions_in_one_query(
    app: Flask, client: FlaskClient
) -> None:
    login(client)
    client.get("/customer/list/")
    _grant(app, True)  # a security change (at least one of the two changes something):
    _grant(app, False)  # every process reads permissions again
    with permission_queries(app) as seen:
        page = client.get("/customer/list/")
    assert page.status_code == 200
    assert len(seen) == 1, seen


def test_an_api_call_reads_the_public_and_the_readers_permissions_once_each(
    app: Flask, client: FlaskClient
) -> None:
    headers = bearer(client)
    _grant(app, True)
    _grant(app, False)
    with permission_queries(app) as seen:
        answer = client.get("/api/v1/customer/", headers=headers)
    assert answer.status_code == 200
    assert len(seen) == 2, seen  # the public role (FAB asks first), then the reader's roles


def _grant(app: Flask, granted: bool) -> None:
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role(ROLE) or sm.add_role(ROLE)
        for permission, view in (("can_list", "CustomerView"), ("can_get", "CustomerRestApi")):
            pair = sm.add_permission_view_menu(permission, view)
            if granted:
                sm.add_permission_role(role, pair)
            else:
                sm.del_permission_role(role, pair)


def test_a_revoked_or_granted_permission_applies_from_the_next_request(
    app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    _grant(app, True)
    staff(app, store, "lister", ROLE)
    login(client, "lister", PASSWORD)
    headers = bearer(client, "lister", PASSWORD)
    assert client.get("/customer/list/").status_code == 200
    assert client.get("/api/v1/customer/", headers=headers).status_code == 200
    _grant(app, False)
    assert client.get("/customer/list/").status_code in (302, 403)
    assert client.get("/api/v1/customer/", headers=headers).status_code == 403
    _grant(app, True)
    assert client.get("/customer/list/").status_code == 200
    assert client.get("/api/v1/customer/", headers=headers).status_code == 200
